#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "storage/database.h"
#include "storage/database_url.h"

namespace billwright::testing {

// Which database the tests of this process use. By default a SQLite file per test. With
// BILLWRIGHT_TEST_DATABASE=mysql (the *_mariadb ctest entries), a fresh database per test on
// the MariaDB server of BILLWRIGHT_TEST_MYSQL_URL (mysql://USER:PASSWORD@HOST:PORT/PREFIX, as
// scripts/with_mariadb exports it): the database is PREFIX_<pid>_<n>, created empty and dropped
// afterwards. The user needs the right to create and drop databases named PREFIX_*.
bool onMysql();

// The database of one test: its URL, for openDatabase or billwrightd's database.url.
class TestDatabase {
public:
    // `sqlite_dir`: where the SQLite file goes when the tests run on SQLite.
    explicit TestDatabase(const std::string& sqlite_dir);
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    const std::string& url() const { return url_; }

private:
    std::string url_;
    std::optional<storage::MysqlUrl> mysql_;
};

// Runs one statement on the database at `url` (either driver) in a write transaction of its
// own and returns its rows: for tests that set up or inspect what the API cannot reach.
std::vector<storage::SqlRow> runSql(const std::string& url, const std::string& statement,
                                    const storage::SqlParams& params = {});

// The server and credentials of BILLWRIGHT_TEST_MYSQL_URL (tests of the driver itself).
storage::MysqlUrl mysqlServer();

// Global fixture of the test programs that can run on MariaDB: with BILLWRIGHT_TEST_DATABASE=mysql
// and no BILLWRIGHT_TEST_MYSQL_URL it says so and exits with 77, which ctest reports as skipped.
struct DatabaseSelection {
    DatabaseSelection();
};

// Test decorators: *sqliteOnly("why") skips a test on MariaDB, *mysqlOnly() on SQLite, each
// with the reason in the test log.
boost::unit_test::decorator::precondition sqliteOnly(const char* reason);
boost::unit_test::decorator::precondition mysqlOnly();

}  // namespace billwright::testing
