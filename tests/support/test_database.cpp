#include "support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>

#include "storage/mysql/mysql_database.h"

namespace billwright::testing {
namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

bool onMysql() { return environment("BILLWRIGHT_TEST_DATABASE") == "mysql"; }

storage::MysqlUrl mysqlServer() {
    const std::string url = environment("BILLWRIGHT_TEST_MYSQL_URL");
    if (url.empty()) throw std::runtime_error("BILLWRIGHT_TEST_MYSQL_URL is not set");
    return storage::parseMysqlUrl(url);
}

TestDatabase::TestDatabase(const std::string& sqlite_dir) {
    if (!onMysql()) {
        url_ = "sqlite:" + sqlite_dir + "/billwright.db";
        return;
    }
    static std::atomic<int> counter{0};
    storage::MysqlUrl server = mysqlServer();
    server.database += "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    storage::mysql::executeOnServer(server, "CREATE DATABASE " + server.database);
    mysql_ = server;
    url_ = "mysql://" + server.user + ":" + server.password + "@" + server.host + ":" +
           std::to_string(server.port) + "/" + server.database;
    if (server.user.find_first_of(":@/%") != std::string::npos ||
        server.password.find_first_of(":@/%") != std::string::npos) {
        throw std::runtime_error("test credentials must not need percent-encoding");
    }
}

TestDatabase::~TestDatabase() {
    if (!mysql_) return;
    try {
        storage::mysql::executeOnServer(*mysql_, "DROP DATABASE IF EXISTS " + mysql_->database);
    } catch (const std::exception& e) {
        std::cerr << "could not drop test database " << mysql_->database << ": " << e.what()
                  << "\n";
    }
}

std::vector<storage::SqlRow> runSql(const std::string& url, const std::string& statement,
                                    const storage::SqlParams& params) {
    storage::DatabaseOptions options;
    options.pool_size = 1;
    const auto db = storage::openDatabase(url, options);
    std::vector<storage::SqlRow> rows;
    db->transact(storage::TxMode::kWrite, [&](storage::Connection& c) {
        const bool select = statement.rfind("SELECT", 0) == 0;
        if (select) {
            rows = c.query(statement, params);
        } else {
            c.execute(statement, params);
        }
        return true;
    });
    return rows;
}

DatabaseSelection::DatabaseSelection() {
    if (onMysql() && environment("BILLWRIGHT_TEST_MYSQL_URL").empty()) {
        std::cout << "skipped: BILLWRIGHT_TEST_DATABASE=mysql but BILLWRIGHT_TEST_MYSQL_URL is not "
                     "set (run through scripts/with_mariadb)"
                  << std::endl;
        std::exit(77);
    }
}

boost::unit_test::decorator::precondition sqliteOnly(const char* reason) {
    return boost::unit_test::precondition(
        [reason](boost::unit_test::test_unit_id) -> boost::test_tools::assertion_result {
            boost::test_tools::assertion_result result(!onMysql());
            result.message() << "SQLite only: " << reason;
            return result;
        });
}

boost::unit_test::decorator::precondition mysqlOnly() {
    return boost::unit_test::precondition(
        [](boost::unit_test::test_unit_id) -> boost::test_tools::assertion_result {
            boost::test_tools::assertion_result result(onMysql());
            result.message() << "MariaDB only (BILLWRIGHT_TEST_DATABASE=mysql)";
            return result;
        });
}

}  // namespace billwright::testing
