#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace billwright::storage {

// The driver seam. Repositories write SQL once against Connection; a driver (SQLite on its C
// API, MySQL/MariaDB on Connector/C++) executes it, and Dialect holds the few places where
// the SQL must differ.
using SqlValue = std::variant<std::monostate, std::int64_t, std::string>;
using SqlParams = std::vector<SqlValue>;

inline SqlValue sqlNull() { return SqlValue{}; }
template <typename T>
SqlValue sqlOptional(const std::optional<T>& v) {
    if (!v) return SqlValue{};
    return SqlValue{*v};
}

// One result row, read column by column (0-based). Integers may come back from a driver as text
// (aggregates in SQLite); both are accepted, and text that is not an integer is a DbError. NULL
// reads as 0 and "" through the plain getters.
class RowView {
public:
    virtual ~RowView() = default;
    virtual bool isNull(std::size_t i) const = 0;
    virtual std::int64_t getInt(std::size_t i) const = 0;
    virtual std::string getString(std::size_t i) const = 0;
    // Null as nullopt; a driver may read the column once for both questions.
    virtual std::optional<std::int64_t> getOptionalInt(std::size_t i) const;
    virtual std::optional<std::string> getOptionalString(std::size_t i) const;
};

// Text read from an integer column (the drivers' getInt); a DbError naming `column` unless the
// whole text is a decimal integer.
std::int64_t integerFromText(std::string_view text, std::size_t column);

// A row copied out of the driver (Connection::query).
class SqlRow final : public RowView {
public:
    explicit SqlRow(std::vector<SqlValue> values) : values_(std::move(values)) {}
    std::size_t size() const { return values_.size(); }
    bool isNull(std::size_t i) const override;
    std::int64_t getInt(std::size_t i) const override;
    std::string getString(std::size_t i) const override;

private:
    std::vector<SqlValue> values_;
};

enum class DbErrorKind {
    kUniqueViolation,
    kForeignKeyViolation,
    kBusy,  // lock contention, deadlock, lock-wait timeout: the transaction may be retried
    kConnectionLost,
    kOther,
};

class DbError : public std::runtime_error {
public:
    DbError(DbErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
    DbErrorKind kind() const { return kind_; }

private:
    DbErrorKind kind_;
};

// A statement prepared once and run many times inside one transaction: the bulk path
// (telemetry ingestion, CSV imports, sample scans), where re-preparing and boxing every value
// would cost more than the insert itself. Parameters are 1-based. Text is copied by bind.
class PreparedStatement {
public:
    virtual ~PreparedStatement() = default;
    virtual void bind(int index, std::int64_t value) = 0;
    virtual void bind(int index, std::string_view value) = 0;
    virtual void bindNull(int index) = 0;
    // Runs a write with the current bindings and resets for the next run; returns rows changed.
    virtual std::int64_t run() = 0;
    // Steps a query: true while a row is available (read it with column*); reset() afterwards
    // to run again with new bindings.
    virtual bool step() = 0;
    virtual std::int64_t columnInt(int column) = 0;  // 0-based
    virtual std::string columnText(int column) = 0;
    virtual bool columnIsNull(int column) = 0;
    virtual void reset() = 0;
};

// One driver connection. Not thread-safe; a transaction owns it for its duration.
class Connection {
public:
    virtual ~Connection() = default;
    virtual std::vector<SqlRow> query(std::string_view sql, const SqlParams& params = {}) = 0;
    // The same query with each row handed to `row` as the driver holds it, valid only during
    // the call: no row is copied first (the hot reads: an invoice with its lines). This default
    // goes through query(); the SQLite driver reads the statement's columns directly.
    virtual void forEachRow(std::string_view sql, const SqlParams& params,
                            const std::function<void(const RowView&)>& row);
    // Returns the number of rows changed.
    virtual std::int64_t execute(std::string_view sql, const SqlParams& params = {}) = 0;
    // The statement lives no longer than the transaction that prepared it.
    virtual std::unique_ptr<PreparedStatement> prepare(std::string_view sql) = 0;
};

class Dialect {
public:
    virtual ~Dialect() = default;
    virtual std::string_view name() const = 0;
    // Appended to a SELECT that claims rows for background work; empty where the database
    // serialises writers anyway (SQLite).
    virtual std::string_view forUpdateSkipLocked() const = 0;
    // Table option for a table stored in primary-key order ("WITHOUT ROWID" in SQLite).
    virtual std::string_view clusteredTableOption() const = 0;
    // "INSERT OR IGNORE" / "INSERT IGNORE": an insert that skips rows whose key exists.
    virtual std::string_view insertIgnore() const = 0;
    // Appended to a SELECT that reads a row the transaction will write, so it takes the
    // exclusive lock at once ("FOR UPDATE"; empty where writers are serialised anyway, SQLite).
    // Under MySQL's SERIALIZABLE a plain read takes a shared lock, and two transactions that
    // both read the row and then both write it deadlock; reading it FOR UPDATE first makes
    // the second wait instead.
    virtual std::string_view forUpdate() const = 0;
    // Between an INSERT's VALUES and the assignments that update the row whose primary key
    // (`key_columns`, as in the table's PRIMARY KEY) already exists: "ON CONFLICT (key) DO
    // UPDATE SET" / "ON DUPLICATE KEY UPDATE". A column named in an assignment reads the
    // existing row, in both. One statement that creates or locks the row: unlike an UPDATE
    // that found nothing followed by an INSERT, two transactions creating the same row at once
    // do not deadlock on MySQL (the second waits for the first's row).
    virtual std::string upsertClause(std::string_view key_columns) const = 0;

    // Migrations only (migrations.cpp applies them to every statement):
    // Appended to every CREATE TABLE (MySQL: engine, character set and binary collation, so
    // text compares and sorts byte for byte as in SQLite whatever the server's defaults are).
    virtual std::string_view tableOptions() const = 0;
    // The type of a migration's unbounded TEXT column (MySQL's TEXT holds only 64 KiB).
    virtual std::string_view textType() const = 0;
    // False where DDL commits implicitly (MySQL): a migration interrupted half-way cannot be
    // rolled back, so its statements are made re-runnable (IF NOT EXISTS) and migrations run
    // under migrationLock() instead of one transaction each.
    virtual bool ddlIsTransactional() const = 0;
    // A query answering 1 once this session holds the database's migration lock (waiting for
    // another node's migrations to finish), and the statement releasing it. Used only where
    // ddlIsTransactional() is false.
    virtual std::string_view migrationLock() const = 0;
    virtual std::string_view migrationUnlock() const = 0;
};

enum class TxMode { kRead, kWrite };

class Database {
public:
    virtual ~Database() = default;
    virtual const Dialect& dialect() const = 0;
    // Runs `body` in one transaction on a pooled connection. Commits when `body` returns true,
    // rolls back when it returns false or throws. A kBusy failure reruns the whole body a few
    // times with backoff before the error escapes, so `body` must not have effects outside
    // the transaction.
    virtual void transact(TxMode mode, const std::function<bool(Connection&)>& body) = 0;
    // Runs statements that manage their own transactions (migrations' DDL).
    virtual void withConnection(const std::function<void(Connection&)>& body) = 0;
    // True when a pooled connection answers "SELECT 1" (readiness checks); never throws.
    virtual bool ping();
};

struct DatabaseOptions {
    std::size_t pool_size = 8;
    // How long a transaction waits for a pooled connection and for a lock (SQLite's busy
    // timeout; MySQL's innodb_lock_wait_timeout, in whole seconds, at least 1).
    int busy_timeout_ms = 10000;
    int checkpoint_pages = 20000;  // SQLite: WAL pages before a commit checkpoints
    int cache_mb = 2;              // SQLite: each connection's page cache
    int mmap_mb = 0;               // SQLite: how much of the database file is read mapped
};

// "sqlite:PATH" (":memory:" is refused: each connection would see its own database) or
// "mysql://USER:PASSWORD@HOST:PORT/DATABASE" (MariaDB 10.6 or newer; database_url.h). Throws
// std::invalid_argument for an unusable URL and DbError when the database cannot be opened.
std::unique_ptr<Database> openDatabase(const std::string& url, const DatabaseOptions& options);

}  // namespace billwright::storage
