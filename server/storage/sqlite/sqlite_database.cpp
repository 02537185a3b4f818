#include "storage/sqlite/sqlite_database.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "storage/string_hash.h"

namespace billwright::storage::sqlite {
namespace {

class SqliteDialect final : public Dialect {
public:
    std::string_view name() const override { return "sqlite"; }
    std::string_view forUpdateSkipLocked() const override { return ""; }
    std::string_view clusteredTableOption() const override { return "WITHOUT ROWID"; }
    std::string_view insertIgnore() const override { return "INSERT OR IGNORE"; }
    std::string_view forUpdate() const override { return ""; }
    std::string upsertClause(std::string_view key_columns) const override {
        return "ON CONFLICT (" + std::string(key_columns) + ") DO UPDATE SET";
    }
    std::string_view tableOptions() const override { return ""; }
    std::string_view textType() const override { return "TEXT"; }
    bool ddlIsTransactional() const override { return true; }
    std::string_view migrationLock() const override { return ""; }
    std::string_view migrationUnlock() const override { return ""; }
};

const SqliteDialect kDialect;

[[noreturn]] void throwSqlite(sqlite3* db, const char* what) {
    const int code = sqlite3_extended_errcode(db);
    DbErrorKind kind = DbErrorKind::kOther;
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        kind = DbErrorKind::kUniqueViolation;
    } else if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
        kind = DbErrorKind::kForeignKeyViolation;
    } else if ((code & 0xFF) == SQLITE_BUSY || (code & 0xFF) == SQLITE_LOCKED) {
        kind = DbErrorKind::kBusy;
    }
    throw DbError(kind, std::string(what) + ": " + sqlite3_errmsg(db));
}

// Each connection keeps its prepared statements, keyed by SQL text: Poco's Statement
// re-prepares on every execute (toolchain notes), and parsing the SQL cost more than running
// it for the small queries of an invoice run (bench/README.md, "Invoice runs"). A statement
// is leased to one user at a time; a second user of the same SQL while the first still holds
// it (two repositories in one transaction) gets a statement of its own, finalized on return.
class StatementCache {
public:
    explicit StatementCache(sqlite3* db) : db_(db) {}
    ~StatementCache() {
        for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
    }
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    sqlite3* db() const { return db_; }

    struct Entry {
        sqlite3_stmt* stmt;
        bool leased;
    };

    // The statement for `sql` (one statement; a tail other than blanks is refused), reset
    // and without bindings. `entry` is null for a statement of its own (finalized on return).
    sqlite3_stmt* lease(std::string_view sql, Entry*& entry) {
        const auto it = entries_.find(sql);
        if (it != entries_.end() && !it->second.leased) {
            it->second.leased = true;
            entry = &it->second;
            return it->second.stmt;
        }
        sqlite3_stmt* stmt = prepareOne(sql);
        entry = nullptr;
        if (it == entries_.end() && entries_.size() < kMaxEntries) {
            entry = &entries_.emplace(std::string(sql), Entry{stmt, true}).first->second;
        }
        return stmt;
    }

    static void giveBack(sqlite3_stmt* stmt, Entry* entry) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (entry != nullptr) {
            entry->leased = false;
        } else {
            sqlite3_finalize(stmt);
        }
    }

private:
    // Distinct SQL texts of the server are a few hundred at most; a bound keeps a caller that
    // builds SQL with varying text (IN lists) from growing the cache without end.
    static constexpr std::size_t kMaxEntries = 512;

    sqlite3_stmt* prepareOne(std::string_view sql) {
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &stmt, &tail) != SQLITE_OK) {
            throwSqlite(db_, "prepare");
        }
        const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
        if (stmt == nullptr || rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
            sqlite3_finalize(stmt);
            throw DbError(DbErrorKind::kOther,
                          "one SQL statement per call expected: " + std::string(sql.substr(0, 80)));
        }
        return stmt;
    }

    sqlite3* db_;
    std::unordered_map<std::string, Entry, TransparentStringHash, std::equal_to<>> entries_;
};

// A leased statement, given back (reset, bindings cleared) when it goes out of scope.
class Lease {
public:
    Lease(StatementCache& cache, std::string_view sql) : stmt_(cache.lease(sql, entry_)) {}
    ~Lease() { StatementCache::giveBack(stmt_, entry_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    sqlite3_stmt* get() const { return stmt_; }

private:
    StatementCache::Entry* entry_ = nullptr;
    sqlite3_stmt* stmt_;
};

void checkBind(sqlite3* db, int rc) {
    if (rc != SQLITE_OK) throwSqlite(db, "bind");
}

void bindAll(sqlite3* db, sqlite3_stmt* stmt, const SqlParams& params) {
    int index = 1;
    for (const SqlValue& p : params) {
        if (const auto* n = std::get_if<std::int64_t>(&p)) {
            checkBind(db, sqlite3_bind_int64(stmt, index, *n));
        } else if (const auto* s = std::get_if<std::string>(&p)) {
            checkBind(db, sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()),
                                            SQLITE_STATIC));
        } else {
            checkBind(db, sqlite3_bind_null(stmt, index));
        }
        ++index;
    }
}

// SQLITE_DONE or SQLITE_ROW; anything else becomes a DbError (the caller's Lease resets).
int stepChecked(sqlite3* db, sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throwSqlite(db, "step");
    return rc;
}

std::string columnString(sqlite3_stmt* stmt, int column) {
    const auto* text = sqlite3_column_text(stmt, column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

// The current row of a stepped statement (Connection::forEachRow), read column by column with
// the same rules as SqlRow. Each read takes the column's value once (sqlite3_column_value; its
// type and content are then read without the per-call bookkeeping of sqlite3_column_*). The
// value is "unprotected" (not guarded by the connection's mutex), which is safe because a
// connection is used by one thread at a time and the value is read before the next step.
class StatementRow final : public RowView {
public:
    explicit StatementRow(sqlite3_stmt* stmt)
        : stmt_(stmt), columns_(static_cast<std::size_t>(sqlite3_column_count(stmt))) {}
    bool isNull(std::size_t i) const override {
        return sqlite3_value_type(value(i)) == SQLITE_NULL;
    }
    std::int64_t getInt(std::size_t i) const override { return integer(value(i), i); }
    std::string getString(std::size_t i) const override { return std::string(text(value(i))); }
    std::optional<std::int64_t> getOptionalInt(std::size_t i) const override {
        sqlite3_value* v = value(i);
        if (sqlite3_value_type(v) == SQLITE_NULL) return std::nullopt;
        return integer(v, i);
    }
    std::optional<std::string> getOptionalString(std::size_t i) const override {
        sqlite3_value* v = value(i);
        if (sqlite3_value_type(v) == SQLITE_NULL) return std::nullopt;
        return std::string(text(v));
    }

private:
    sqlite3_value* value(std::size_t i) const {
        if (i >= columns_) throw std::out_of_range("no column " + std::to_string(i));
        return sqlite3_column_value(stmt_, static_cast<int>(i));
    }
    static std::int64_t integer(sqlite3_value* v, std::size_t i) {
        switch (sqlite3_value_type(v)) {
            case SQLITE_INTEGER:
                return sqlite3_value_int64(v);
            case SQLITE_NULL:
                return 0;
            default:
                return integerFromText(text(v), i);
        }
    }
    // A value as text, as SQLite prints it; NULL is empty.
    static std::string_view text(sqlite3_value* v) {
        const auto* chars = sqlite3_value_text(v);
        if (chars == nullptr) return {};
        return {reinterpret_cast<const char*>(chars),
                static_cast<std::size_t>(sqlite3_value_bytes(v))};
    }
    sqlite3_stmt* stmt_;
    std::size_t columns_;
};

// The bulk path's statement: a lease held for the statement's life.
class SqlitePrepared final : public PreparedStatement {
public:
    SqlitePrepared(StatementCache& cache, std::string_view sql)
        : db_(cache.db()), lease_(cache, sql), stmt_(lease_.get()) {}

    void bind(int index, std::int64_t value) override {
        checkBind(db_, sqlite3_bind_int64(stmt_, index, value));
    }
    void bind(int index, std::string_view value) override {
        checkBind(db_, sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                         SQLITE_TRANSIENT));
    }
    void bindNull(int index) override { checkBind(db_, sqlite3_bind_null(stmt_, index)); }

    std::int64_t run() override {
        const int rc = sqlite3_step(stmt_);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            sqlite3_reset(stmt_);
            throwSqlite(db_, "step");
        }
        sqlite3_reset(stmt_);
        return sqlite3_changes(db_);
    }
    bool step() override {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        sqlite3_reset(stmt_);
        throwSqlite(db_, "step");
    }
    std::int64_t columnInt(int column) override { return sqlite3_column_int64(stmt_, column); }
    std::string columnText(int column) override { return columnString(stmt_, column); }
    bool columnIsNull(int column) override {
        return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

private:
    sqlite3* db_;
    Lease lease_;
    sqlite3_stmt* stmt_;
};

}  // namespace

// Poco::Data opens and owns the database handle; statements run on the C API through the
// connection's statement cache (above).
class SqliteConnection final : public Connection {
public:
    SqliteConnection(const std::string& path, int busy_timeout_ms, int checkpoint_pages,
                     std::int64_t mmap_bytes, int cache_kib)
        : session_(Poco::Data::SQLite::Connector::KEY, path),
          cache_(
              std::make_unique<StatementCache>(Poco::Data::SQLite::Utility::dbHandle(session_))) {
        execute("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms), {});
        // How many WAL pages a commit may leave before it checkpoints them into the database
        // file (SQLite's default is 1000). Hot pages rewritten by every ingestion batch are then
        // copied back once per checkpoint rather than once per ~thousand pages (bench/README.md).
        query("PRAGMA wal_autocheckpoint = " + std::to_string(checkpoint_pages), {});
        execute("PRAGMA foreign_keys = ON", {});
        execute("PRAGMA synchronous = NORMAL", {});  // safe with WAL: a crash loses no committed tx
        query("PRAGMA journal_mode = WAL", {});
        // database.mmap_mb: pages of the database file read through one shared memory map
        // instead of read(2) into each connection's cache (writes still use write(2),
        // sqlite.org/mmap.html). Off by default: a mapped page is looked up in the WAL on every
        // read, which cost an invoice read 7% more instructions than a cache hit (bench/README.md,
        // "Load"); the page cache (database.cache_mb) serves repeated pages.
        query("PRAGMA mmap_size = " + std::to_string(mmap_bytes), {});
        execute("PRAGMA cache_size = -" + std::to_string(cache_kib), {});
    }
    ~SqliteConnection() override {
        cache_.reset();  // every statement finalized before the session closes the handle
    }
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    std::vector<SqlRow> query(std::string_view sql, const SqlParams& params) override {
        sqlite3* db = cache_->db();
        Lease lease(*cache_, sql);
        sqlite3_stmt* stmt = lease.get();
        bindAll(db, stmt, params);
        std::vector<SqlRow> rows;
        const int columns = sqlite3_column_count(stmt);
        while (stepChecked(db, stmt) == SQLITE_ROW) {
            std::vector<SqlValue> values;
            values.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                switch (sqlite3_column_type(stmt, c)) {
                    case SQLITE_NULL:
                        values.emplace_back();
                        break;
                    case SQLITE_INTEGER:
                        values.emplace_back(
                            static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
                        break;
                    default:  // text, blob, and a real as SQLite prints it
                        values.emplace_back(columnString(stmt, c));
                        break;
                }
            }
            rows.emplace_back(std::move(values));
        }
        return rows;
    }

    void forEachRow(std::string_view sql, const SqlParams& params,
                    const std::function<void(const RowView&)>& row) override {
        sqlite3* db = cache_->db();
        Lease lease(*cache_, sql);
        bindAll(db, lease.get(), params);
        const StatementRow current(lease.get());
        while (stepChecked(db, lease.get()) == SQLITE_ROW) row(current);
    }

    std::int64_t execute(std::string_view sql, const SqlParams& params) override {
        sqlite3* db = cache_->db();
        Lease lease(*cache_, sql);
        bindAll(db, lease.get(), params);
        while (stepChecked(db, lease.get()) == SQLITE_ROW) {
        }
        return sqlite3_changes(db);
    }

    std::unique_ptr<PreparedStatement> prepare(std::string_view sql) override {
        return std::make_unique<SqlitePrepared>(*cache_, sql);
    }

private:
    Poco::Data::Session session_;
    std::unique_ptr<StatementCache> cache_;
};

SqliteDatabase::SqliteDatabase(std::string path, const DatabaseOptions& options)
    : path_(std::move(path)), options_(options) {
    static std::once_flag registered;
    std::call_once(registered, [] {
        // Multi-thread mode: no mutex around every call on a connection (each sqlite3_column_*
        // took and released the connection's mutex: a sixth of a small query's cost). Safe
        // because a connection belongs to one transaction, and so to one thread, at a time: the
        // pool hands it out and takes it back. Set before the first connection opens (it
        // restarts the library). Should that fail, serialized mode stays: slower, as safe.
        //
        // Memory statistics off: with them on, every allocation inside SQLite takes one global
        // mutex, which 64 request threads queued on (a quarter of the server's futex calls
        // under the load test; bench/README.md, "Load"). Nothing here reads those statistics.
        sqlite3_shutdown();
        sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        sqlite3_initialize();
        Poco::Data::SQLite::Connector::registerConnector();
    });
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    try {
        release(acquire());  // open one connection now so a bad path fails at start
    } catch (const Poco::Exception& e) {
        throw DbError(DbErrorKind::kConnectionLost,
                      "cannot open " + path_ + ": " + e.displayText());
    }
}

SqliteDatabase::~SqliteDatabase() = default;

const Dialect& SqliteDatabase::dialect() const { return kDialect; }

std::unique_ptr<SqliteConnection> SqliteDatabase::acquire() {
    std::unique_lock lock(mutex_);
    const bool got =
        available_.wait_for(lock, std::chrono::milliseconds(options_.busy_timeout_ms),
                            [&] { return !idle_.empty() || open_count_ < options_.pool_size; });
    if (!got) throw DbError(DbErrorKind::kBusy, "no database connection available");
    if (!idle_.empty()) {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
    }
    ++open_count_;
    lock.unlock();
    try {
        return std::make_unique<SqliteConnection>(
            path_, options_.busy_timeout_ms, options_.checkpoint_pages,
            std::int64_t{options_.mmap_mb} * 1024 * 1024, options_.cache_mb * 1024);
    } catch (...) {
        std::lock_guard relock(mutex_);
        --open_count_;
        available_.notify_one();
        throw;
    }
}

void SqliteDatabase::release(std::unique_ptr<SqliteConnection> connection) {
    std::lock_guard lock(mutex_);
    if (connection) {
        idle_.push_back(std::move(connection));
    } else {
        --open_count_;
    }
    available_.notify_one();
}

void SqliteDatabase::transact(TxMode mode, const std::function<bool(Connection&)>& body) {
    // SQLite has one writer at a time. Writers of this process queue on a mutex instead of
    // polling the database lock in the busy handler: first come, first served, no sleeping
    // while the lock is free. Writers in other processes still meet the busy timeout.
    std::unique_lock<std::mutex> writer;
    if (mode == TxMode::kWrite) writer = std::unique_lock<std::mutex>(writer_mutex_);
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
        auto connection = acquire();
        bool open = false;
        // Rolls back and returns the connection to the pool; a connection that cannot roll
        // back is dropped rather than reused.
        auto abandon = [&] {
            if (open) {
                try {
                    connection->execute("ROLLBACK", {});
                } catch (const DbError&) {
                    connection.reset();
                }
            }
            release(std::move(connection));
        };
        try {
            connection->execute(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN", {});
            open = true;
            const bool commit = body(*connection);
            connection->execute(commit ? "COMMIT" : "ROLLBACK", {});
            release(std::move(connection));
            return;
        } catch (const DbError& e) {
            abandon();
            if (e.kind() != DbErrorKind::kBusy || attempt == kAttempts) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt * attempt));
        } catch (...) {
            abandon();
            throw;
        }
    }
}

void SqliteDatabase::withConnection(const std::function<void(Connection&)>& body) {
    auto connection = acquire();
    try {
        body(*connection);
    } catch (...) {
        release(std::move(connection));
        throw;
    }
    release(std::move(connection));
}

}  // namespace billwright::storage::sqlite
