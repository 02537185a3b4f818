#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/database.h"
#include "storage/database_url.h"

namespace sql {
class Driver;
}

namespace billwright::storage::mysql {

class MysqlConnection;
class MysqlDialect;

// MySQL/MariaDB through Connector/C++ (the legacy sql:: API). A pool of at most
// options.pool_size connections, each set up for the repositories' SQLite-shaped SQL: utf8mb4
// with a binary collation, a strict sql_mode (plus ANSI_QUOTES, PIPES_AS_CONCAT,
// NO_BACKSLASH_ESCAPES and SIMULTANEOUS_ASSIGNMENT, so string literals, `||` and multi-column
// UPDATEs mean what they mean in SQLite), UTC, found-rows counts for UPDATE.
//
// Isolation. Write transactions run SERIALIZABLE: the repositories were written against
// SQLite, where a writer holds the database lock and its reads see every committed change, and
// many of them read a row and write something computed from it (balances, sequences,
// statuses). Under REPEATABLE READ or READ COMMITTED those plain reads would not lock and two
// writers could both act on the same stale value; SERIALIZABLE makes InnoDB take shared locks
// for them, so a conflicting writer waits or deadlocks instead. Read transactions run
// REPEATABLE READ, READ ONLY: one consistent snapshot without locks, as a SQLite reader sees.
//
// Failures. A deadlock or lock-wait timeout (kBusy) reruns the whole transaction with
// exponential backoff and jitter; so does a dropped connection before COMMIT (the server rolled
// the transaction back; the connection is discarded and a new one opened). A connection lost
// during COMMIT is reported, not retried: the outcome is unknown. After a kBusy or
// kConnectionLost error the connection refuses further statements of the same transaction, so
// a body that caught the error cannot go on writing outside it. Idle connections older than a
// few seconds are pinged before reuse.
class MysqlDatabase final : public Database {
public:
    // Connects once (bad credentials or an unsupported server fail here) and checks the server:
    // MariaDB 10.6 or newer (FOR UPDATE SKIP LOCKED, ADD COLUMN IF NOT EXISTS).
    MysqlDatabase(MysqlUrl url, const DatabaseOptions& options);
    ~MysqlDatabase() override;

    const Dialect& dialect() const override;
    void transact(TxMode mode, const std::function<bool(Connection&)>& body) override;
    void withConnection(const std::function<void(Connection&)>& body) override;

    // Connections open now (idle and in use), and idle in the pool (tests, metrics).
    std::size_t openConnections();
    std::size_t idleConnections();

private:
    std::unique_ptr<MysqlConnection> acquire();
    void release(std::unique_ptr<MysqlConnection> connection);
    void abandon(std::unique_ptr<MysqlConnection> connection);

    MysqlUrl url_;
    DatabaseOptions options_;
    sql::Driver* driver_;  // Connector/C++'s process-wide instance, not owned
    std::string collation_;
    std::unique_ptr<MysqlDialect> dialect_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<MysqlConnection>> idle_;
    std::size_t open_count_ = 0;
};

// Runs one statement on the server of `url` in a connection of its own that selects no
// database (tests create and drop their databases with it). Throws DbError.
void executeOnServer(const MysqlUrl& url, const std::string& statement);

}  // namespace billwright::storage::mysql
