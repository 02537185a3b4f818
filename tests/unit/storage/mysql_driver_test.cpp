// The MySQL/MariaDB driver's own behaviour: pool, reconnects, retries of deadlocks and lock-wait
// timeouts, exact integers and UTC, strictness, re-runnable migrations. These run only in the
// unit_storage_mariadb entry (BILLWRIGHT_TEST_DATABASE=mysql); the repositories' tests run on
// both drivers.

#include <barrier>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <future>
#include <limits>
#include <set>
#include <thread>

#include "storage/migrations.h"
#include "storage/mysql/mysql_database.h"
#include "support/test_database.h"

using namespace billwright;
using namespace billwright::testing;
using storage::Connection;
using storage::DbError;
using storage::DbErrorKind;
using storage::TxMode;
using storage::mysql::MysqlDatabase;

namespace {

struct MysqlFixture {
    TestDatabase database{"/nonexistent"};
    storage::MysqlUrl url = storage::parseMysqlUrl(database.url());

    std::unique_ptr<MysqlDatabase> open(std::size_t pool_size = 4, int busy_timeout_ms = 5000) {
        storage::DatabaseOptions options;
        options.pool_size = pool_size;
        options.busy_timeout_ms = busy_timeout_ms;
        return std::make_unique<MysqlDatabase>(url, options);
    }
};

std::int64_t connectionId(Connection& c) {
    return c.query("SELECT CONNECTION_ID()").at(0).getInt(0);
}

std::int64_t connectionIdOf(storage::Database& db) {
    std::int64_t id = 0;
    db.transact(TxMode::kRead, [&](Connection& c) {
        id = connectionId(c);
        return true;
    });
    return id;
}

void exec(storage::Database& db, const std::string& sql, const storage::SqlParams& params = {}) {
    db.transact(TxMode::kWrite, [&](Connection& c) {
        c.execute(sql, params);
        return true;
    });
}

std::int64_t scalar(storage::Database& db, const std::string& sql,
                    const storage::SqlParams& params = {}) {
    std::int64_t value = 0;
    db.transact(TxMode::kRead, [&](Connection& c) {
        value = c.query(sql, params).at(0).getInt(0);
        return true;
    });
    return value;
}

// Two rows to fight over.
void createCounters(storage::Database& db) {
    exec(db, "CREATE TABLE counters (k BIGINT NOT NULL PRIMARY KEY, v BIGINT NOT NULL)" +
                 std::string(db.dialect().tableOptions()));
    exec(db, "INSERT INTO counters (k, v) VALUES (1, 0), (2, 0)");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mysql_driver, *mysqlOnly())

BOOST_FIXTURE_TEST_CASE(the_pool_reuses_connections_and_never_opens_more_than_its_size,
                        MysqlFixture) {
    const auto db = open(2, 300);
    const std::int64_t first = connectionIdOf(*db);
    BOOST_CHECK_EQUAL(connectionIdOf(*db), first);
    BOOST_CHECK_EQUAL(db->openConnections(), 1U);

    db->transact(TxMode::kRead, [&](Connection& outer) {
        db->transact(TxMode::kRead, [&](Connection& inner) {
            BOOST_CHECK_NE(connectionId(outer), connectionId(inner));
            BOOST_CHECK_EQUAL(db->openConnections(), 2U);
            // A third user waits busy_timeout_ms for a connection, then gets kBusy (no retry:
            // the wait was the retry).
            try {
                db->transact(TxMode::kRead, [](Connection&) { return true; });
                BOOST_FAIL("a third connection was handed out");
            } catch (const DbError& e) {
                BOOST_CHECK(e.kind() == DbErrorKind::kBusy);
            }
            return true;
        });
        return true;
    });
    BOOST_CHECK_EQUAL(db->openConnections(), 2U);
    BOOST_CHECK_EQUAL(db->idleConnections(), 2U);
}

BOOST_FIXTURE_TEST_CASE(a_waiting_transaction_gets_the_connection_given_back, MysqlFixture) {
    const auto db = open(1, 10000);
    std::promise<void> holding;
    std::promise<void> go;
    std::thread holder([&] {
        db->transact(TxMode::kRead, [&](Connection&) {
            holding.set_value();
            go.get_future().wait();
            return true;
        });
    });
    holding.get_future().wait();
    std::future<std::int64_t> waiter =
        std::async(std::launch::async, [&] { return connectionIdOf(*db); });
    go.set_value();
    holder.join();
    BOOST_CHECK_GT(waiter.get(), 0);
    BOOST_CHECK_EQUAL(db->openConnections(), 1U);
}

BOOST_FIXTURE_TEST_CASE(a_connection_killed_while_idle_is_replaced_transparently, MysqlFixture) {
    const auto db = open();
    const std::int64_t before = connectionIdOf(*db);
    storage::mysql::executeOnServer(url, "KILL " + std::to_string(before));
    const std::int64_t after = connectionIdOf(*db);
    BOOST_CHECK_NE(after, before);
    BOOST_CHECK_EQUAL(db->openConnections(), 1U);
    BOOST_CHECK(db->ping());
}

BOOST_FIXTURE_TEST_CASE(a_connection_killed_inside_a_transaction_reruns_it_on_a_new_one,
                        MysqlFixture) {
    const auto db = open();
    createCounters(*db);
    int runs = 0;
    db->transact(TxMode::kWrite, [&](Connection& c) {
        ++runs;
        c.execute("UPDATE counters SET v = v + 1 WHERE k = 1");
        if (runs == 1)
            storage::mysql::executeOnServer(url, "KILL " + std::to_string(connectionId(c)));
        c.execute("UPDATE counters SET v = v + 10 WHERE k = 2");
        return true;
    });
    BOOST_CHECK_EQUAL(runs, 2);
    // The first run's update died with its connection: each row changed once.
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT v FROM counters WHERE k = 1"), 1);
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT v FROM counters WHERE k = 2"), 10);
}

BOOST_FIXTURE_TEST_CASE(a_deadlock_reruns_the_losing_transaction_and_both_commit, MysqlFixture) {
    const auto db = open();
    createCounters(*db);
    std::barrier both_hold_one(2);
    std::atomic<int> runs{0};
    auto worker = [&](std::int64_t first, std::int64_t second) {
        bool waited = false;
        db->transact(TxMode::kWrite, [&](Connection& c) {
            ++runs;
            c.execute("UPDATE counters SET v = v + 1 WHERE k = ?", {first});
            if (!waited) {
                waited = true;
                both_hold_one.arrive_and_wait();
            }
            c.execute("UPDATE counters SET v = v + 1 WHERE k = ?", {second});
            return true;
        });
    };
    std::thread a(worker, 1, 2);
    std::thread b(worker, 2, 1);
    a.join();
    b.join();
    BOOST_CHECK_EQUAL(runs.load(), 3);  // InnoDB chose one victim, which ran again
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT v FROM counters WHERE k = 1"), 2);
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT v FROM counters WHERE k = 2"), 2);
}

BOOST_FIXTURE_TEST_CASE(a_lock_wait_timeout_reruns_the_transaction, MysqlFixture) {
    const auto db = open(4, 1000);  // innodb_lock_wait_timeout = 1 s
    createCounters(*db);
    std::promise<void> locked;
    std::promise<void> retrying;
    std::thread holder([&] {
        db->transact(TxMode::kWrite, [&](Connection& c) {
            c.execute("UPDATE counters SET v = v + 1 WHERE k = 1");
            locked.set_value();
            retrying.get_future().wait();  // held until the other transaction has timed out once
            return true;
        });
    });
    locked.get_future().wait();
    int runs = 0;
    db->transact(TxMode::kWrite, [&](Connection& c) {
        if (++runs == 2) retrying.set_value();
        c.execute("UPDATE counters SET v = v + 1 WHERE k = 1");
        return true;
    });
    holder.join();
    BOOST_CHECK_EQUAL(runs, 2);
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT v FROM counters WHERE k = 1"), 2);
}

BOOST_FIXTURE_TEST_CASE(a_body_that_catches_a_deadlock_cannot_write_outside_its_transaction,
                        MysqlFixture) {
    const auto db = open(4, 1000);
    createCounters(*db);
    std::promise<void> locked;
    std::promise<void> done;
    std::thread holder([&] {
        db->transact(TxMode::kWrite, [&](Connection& c) {
            c.execute("UPDATE counters SET v = v + 1 WHERE k = 1");
            locked.set_value();
            done.get_future().wait();
            return false;
        });
    });
    locked.get_future().wait();
    int runs = 0;
    int refused = 0;
    db->transact(TxMode::kWrite, [&](Connection& c) {
        ++runs;
        if (runs > 1) return false;
        try {
            c.execute("UPDATE counters SET v = v + 1 WHERE k = 1");  // times out
        } catch (const DbError& e) {
            BOOST_CHECK(e.kind() == DbErrorKind::kBusy);
        }
        try {
            c.execute("UPDATE counters SET v = v + 100 WHERE k = 2");
        } catch (const DbError& e) {
            refused += e.kind() == DbErrorKind::kBusy ? 1 : 0;
        }
        return true;
    });
    done.set_value();
    holder.join();
    // The body swallowed the errors and asked to commit: the transaction was rolled back and
    // run again all the same.
    BOOST_CHECK_EQUAL(runs, 2);
    BOOST_CHECK_EQUAL(refused, 1);
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT v FROM counters WHERE k = 2"), 0);
}

BOOST_FIXTURE_TEST_CASE(integers_of_64_bits_and_utc_instants_round_trip_exactly, MysqlFixture) {
    const auto db = open();
    exec(*db, "CREATE TABLE amounts (id BIGINT NOT NULL PRIMARY KEY, minor BIGINT NOT NULL)" +
                  std::string(db->dialect().tableOptions()));
    const std::vector<std::int64_t> values = {
        std::numeric_limits<std::int64_t>::min(), -(std::int64_t{1} << 40),
        (std::int64_t{1} << 32) + 1, 5000000000123, std::numeric_limits<std::int64_t>::max()};
    db->transact(TxMode::kWrite, [&](Connection& c) {
        auto insert = c.prepare("INSERT INTO amounts (id, minor) VALUES (?, ?)");
        for (std::size_t i = 0; i < values.size(); ++i) {
            insert->bind(1, static_cast<std::int64_t>(i));
            insert->bind(2, values[i]);
            BOOST_CHECK_EQUAL(insert->run(), 1);
        }
        return true;
    });
    db->transact(TxMode::kRead, [&](Connection& c) {
        const auto rows = c.query("SELECT id, minor FROM amounts ORDER BY id");
        BOOST_REQUIRE_EQUAL(rows.size(), values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            BOOST_CHECK_EQUAL(rows[i].getInt(1), values[i]);
        auto select = c.prepare("SELECT minor FROM amounts WHERE id = ?");
        select->bind(1, std::int64_t{3});
        BOOST_REQUIRE(select->step());
        BOOST_CHECK_EQUAL(select->columnInt(0), 5000000000123);
        // SUM of BIGINT is a DECIMAL on MySQL: it still reads as the exact integer.
        BOOST_CHECK_EQUAL(
            c.query("SELECT SUM(minor) FROM amounts WHERE id IN (2, 3)").at(0).getInt(0),
            (std::int64_t{1} << 32) + 1 + 5000000000123);
        // Sessions run in UTC, so any server-side time function agrees with the stored seconds.
        BOOST_CHECK_EQUAL(c.query("SELECT @@session.time_zone").at(0).getString(0), "+00:00");
        BOOST_CHECK_EQUAL(c.query("SELECT UNIX_TIMESTAMP('2026-03-01 00:00:00')").at(0).getInt(0),
                          1772323200);
        return true;
    });
}

BOOST_FIXTURE_TEST_CASE(a_value_too_long_for_its_column_is_refused_not_truncated, MysqlFixture) {
    const auto db = open();
    exec(*db, "CREATE TABLE short_text (k VARCHAR(3) NOT NULL PRIMARY KEY)" +
                  std::string(db->dialect().tableOptions()));
    BOOST_CHECK_THROW(exec(*db, "INSERT INTO short_text (k) VALUES (?)", {std::string("abcd")}),
                      DbError);
    BOOST_CHECK_EQUAL(scalar(*db, "SELECT COUNT(*) FROM short_text"), 0);
}

BOOST_FIXTURE_TEST_CASE(a_migration_interrupted_after_its_ddl_is_applied_again_whole,
                        MysqlFixture) {
    const auto db = open();
    BOOST_CHECK_EQUAL(storage::applyMigrations(*db, 0).applied_now.size(),
                      storage::migrations().size());
    // As if the process died after the DDL of the last three migrations but before their
    // version rows: DDL cannot be rolled back on MySQL, so the statements must be re-runnable.
    const int latest = storage::latestSchemaVersion();
    exec(*db, "DELETE FROM schema_migrations WHERE version > ?", {std::int64_t{latest - 3}});
    const auto again = storage::applyMigrations(*db, 0);
    BOOST_CHECK_EQUAL(again.applied_now.size(), 3U);
    BOOST_CHECK_EQUAL(again.current_version, latest);
}

BOOST_FIXTURE_TEST_CASE(nodes_migrating_together_apply_each_migration_once, MysqlFixture) {
    const auto first = open();
    const auto second = open();
    std::barrier start(2);
    auto migrate = [&](storage::Database& db) {
        start.arrive_and_wait();
        return storage::applyMigrations(db, 0);
    };
    auto a = std::async(std::launch::async, migrate, std::ref(*first));
    auto b = std::async(std::launch::async, migrate, std::ref(*second));
    const auto ra = a.get();
    const auto rb = b.get();
    std::multiset<int> applied(ra.applied_now.begin(), ra.applied_now.end());
    applied.insert(rb.applied_now.begin(), rb.applied_now.end());
    BOOST_CHECK_EQUAL(applied.size(), storage::migrations().size());
    BOOST_CHECK_EQUAL(std::set<int>(applied.begin(), applied.end()).size(), applied.size());
    BOOST_CHECK_EQUAL(ra.current_version, storage::latestSchemaVersion());
    BOOST_CHECK_EQUAL(rb.current_version, storage::latestSchemaVersion());
}

BOOST_FIXTURE_TEST_CASE(wrong_credentials_fail_at_open_without_the_password, MysqlFixture) {
    storage::MysqlUrl wrong = url;
    wrong.password = "not-the-Password-42";
    try {
        storage::DatabaseOptions options;
        MysqlDatabase db(wrong, options);
        BOOST_FAIL("opened with a wrong password");
    } catch (const DbError& e) {
        BOOST_CHECK(e.kind() == DbErrorKind::kConnectionLost);
        BOOST_CHECK(std::string(e.what()).find("not-the-Password-42") == std::string::npos);
    }
}

// The TLS material scripts/with_mariadb makes for its server.
std::string tlsFile(const char* variable) {
    const char* value = std::getenv(variable);
    BOOST_REQUIRE_MESSAGE(value != nullptr && *value != '\0',
                          variable << " is not set (run through scripts/with_mariadb)");
    return value;
}

std::string sslCipher(storage::Database& db) {
    std::string cipher;
    db.transact(TxMode::kRead, [&](Connection& c) {
        cipher = c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").at(0).getString(1);
        return true;
    });
    return cipher;
}

storage::MysqlUrl withTls(storage::MysqlUrl url, storage::MysqlSslMode mode,
                          const std::string& ca = "") {
    url.tls.mode = mode;
    url.tls.ca = ca;
    return url;
}

BOOST_FIXTURE_TEST_CASE(tls_modes_encrypt_the_session_and_verify_as_asked, MysqlFixture) {
    using storage::MysqlSslMode;
    const std::string ca = tlsFile("BILLWRIGHT_TEST_MYSQL_TLS_CA");
    storage::DatabaseOptions options;
    options.pool_size = 2;
    // The server offers TLS, but a URL without options stays in plain text.
    MysqlDatabase plain(url, options);
    BOOST_CHECK_EQUAL(sslCipher(plain), "");
    for (const auto& tls :
         {withTls(url, MysqlSslMode::kRequired), withTls(url, MysqlSslMode::kVerifyCa, ca),
          withTls(url, MysqlSslMode::kVerifyIdentity, ca)}) {
        BOOST_TEST_CONTEXT(storage::sslModeName(tls.tls.mode)) {
            MysqlDatabase db(tls, options);
            BOOST_CHECK_NE(sslCipher(db), "");
            // Every pooled connection, not only the first.
            db.transact(TxMode::kRead, [&](Connection&) {
                BOOST_CHECK_NE(sslCipher(db), "");
                return true;
            });
            BOOST_CHECK_EQUAL(db.openConnections(), 2U);
        }
    }
    // The URL's form of the same, through openDatabase.
    const auto opened = storage::openDatabase(database.url() + "?ssl-mode=verify-ca&ssl-ca=" + ca,
                                              storage::DatabaseOptions{});
    BOOST_CHECK_NE(sslCipher(*opened), "");
}

BOOST_FIXTURE_TEST_CASE(a_server_certificate_from_another_ca_is_refused_naming_the_mode,
                        MysqlFixture) {
    using storage::MysqlSslMode;
    const std::string other = tlsFile("BILLWRIGHT_TEST_MYSQL_TLS_OTHER_CA");
    // verify-identity without ssl-ca trusts the system's CAs, which did not sign it either.
    for (const auto& tls : {withTls(url, MysqlSslMode::kVerifyCa, other),
                            withTls(url, MysqlSslMode::kVerifyIdentity, other),
                            withTls(url, MysqlSslMode::kVerifyIdentity)}) {
        BOOST_TEST_CONTEXT(storage::sslModeName(tls.tls.mode) << " " << tls.tls.ca) {
            try {
                MysqlDatabase db(tls, storage::DatabaseOptions{});
                BOOST_ERROR("connected to a server the CA did not certify");
            } catch (const DbError& e) {
                const std::string message = e.what();
                BOOST_CHECK(e.kind() == DbErrorKind::kConnectionLost);
                // CR_SSL_CONNECTION_ERROR, and what was asked for.
                BOOST_CHECK_MESSAGE(message.find("(error 2026)") != std::string::npos, message);
                BOOST_CHECK_MESSAGE(
                    message.find("ssl-mode=" + std::string(storage::sslModeName(tls.tls.mode))) !=
                        std::string::npos,
                    message);
                BOOST_CHECK(message.find(url.password) == std::string::npos);
            }
        }
    }
}

BOOST_FIXTURE_TEST_CASE(a_client_certificate_logs_in_a_user_that_requires_one, MysqlFixture) {
    storage::MysqlUrl x509 =
        withTls(url, storage::MysqlSslMode::kVerifyCa, tlsFile("BILLWRIGHT_TEST_MYSQL_TLS_CA"));
    x509.user = "bwtest_x509";  // scripts/with_mariadb: REQUIRE X509, bwtest's password
    try {
        MysqlDatabase refused(x509, storage::DatabaseOptions{});
        BOOST_ERROR("logged in without a client certificate");
    } catch (const DbError& e) {
        BOOST_CHECK_MESSAGE(std::string(e.what()).find("(error 1045)") != std::string::npos,
                            e.what());
    }
    x509.tls.cert = tlsFile("BILLWRIGHT_TEST_MYSQL_TLS_CLIENT_CERT");
    x509.tls.key = tlsFile("BILLWRIGHT_TEST_MYSQL_TLS_CLIENT_KEY");
    MysqlDatabase db(x509, storage::DatabaseOptions{});
    BOOST_CHECK_NE(sslCipher(db), "");
    BOOST_CHECK_EQUAL(scalar(db,
                             "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE "
                             "SCHEMA_NAME = DATABASE()"),
                      1);
}

BOOST_AUTO_TEST_SUITE_END()
