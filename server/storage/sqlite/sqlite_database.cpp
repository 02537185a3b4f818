#include "storage/sqlite/sqlite_database.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace billwright::storage::sqlite {
namespace {

class SqliteDialect final : public Dialect {
public:
    std::string_view name() const override { return "sqlite"; }
    std::string_view forUpdateSkipLocked() const override { return ""; }
    std::string_view clusteredTableOption() const override { return "WITHOUT ROWID"; }
    std::string_view insertIgnore() const override { return "INSERT OR IGNORE"; }
};

const SqliteDialect kDialect;

DbErrorKind classify(const Poco::Exception& e) {
    if (dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) != nullptr ||
        dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e) != nullptr) {
        return DbErrorKind::kBusy;
    }
    if (dynamic_cast<const Poco::Data::SQLite::ConstraintViolationException*>(&e) != nullptr) {
        const std::string text = e.displayText();
        if (text.find("UNIQUE") != std::string::npos ||
            text.find("PRIMARY KEY") != std::string::npos) {
            return DbErrorKind::kUniqueViolation;
        }
        if (text.find("FOREIGN KEY") != std::string::npos) return DbErrorKind::kForeignKeyViolation;
    }
    return DbErrorKind::kOther;
}

[[noreturn]] void rethrow(const Poco::Exception& e) { throw DbError(classify(e), e.displayText()); }

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

// Straight on the C API: Poco's Statement re-prepares on every execute (toolchain notes).
class SqlitePrepared final : public PreparedStatement {
public:
    SqlitePrepared(sqlite3* db, std::string_view sql) : db_(db) {
        if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
            throwSqlite(db_, "prepare");
        }
    }
    ~SqlitePrepared() override { sqlite3_finalize(stmt_); }
    SqlitePrepared(const SqlitePrepared&) = delete;
    SqlitePrepared& operator=(const SqlitePrepared&) = delete;

    void bind(int index, std::int64_t value) override {
        check(sqlite3_bind_int64(stmt_, index, value), "bind");
    }
    void bind(int index, std::string_view value) override {
        check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                SQLITE_TRANSIENT),
              "bind");
    }
    void bindNull(int index) override { check(sqlite3_bind_null(stmt_, index), "bind"); }

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
    std::string columnText(int column) override {
        const auto* text = sqlite3_column_text(stmt_, column);
        if (text == nullptr) return {};
        return std::string(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
    }
    bool columnIsNull(int column) override {
        return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

private:
    void check(int rc, const char* what) {
        if (rc != SQLITE_OK) throwSqlite(db_, what);
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

class SqliteConnection final : public Connection {
public:
    SqliteConnection(const std::string& path, int busy_timeout_ms, int checkpoint_pages)
        : session_(Poco::Data::SQLite::Connector::KEY, path) {
        execute("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms), {});
        // How many WAL pages a commit may leave before it checkpoints them into the database
        // file (SQLite's default is 1000). Hot pages rewritten by every ingestion batch are then
        // copied back once per checkpoint rather than once per ~thousand pages (bench/README.md).
        query("PRAGMA wal_autocheckpoint = " + std::to_string(checkpoint_pages), {});
        execute("PRAGMA foreign_keys = ON", {});
        execute("PRAGMA synchronous = NORMAL", {});  // safe with WAL: a crash loses no committed tx
        query("PRAGMA journal_mode = WAL", {});
    }

    std::vector<SqlRow> query(std::string_view sql, const SqlParams& params) override {
        try {
            Poco::Data::Statement stmt(session_);
            stmt << std::string(sql);
            bindAll(stmt, params);
            stmt.execute();
            Poco::Data::RecordSet rs(stmt);
            std::vector<SqlRow> rows;
            const std::size_t columns = rs.columnCount();
            rows.reserve(rs.rowCount());
            for (std::size_t r = 0; r < rs.rowCount(); ++r) {
                std::vector<SqlValue> values;
                values.reserve(columns);
                for (std::size_t c = 0; c < columns; ++c) {
                    if (rs.isNull(c, r)) {
                        values.emplace_back();
                        continue;
                    }
                    const Poco::Dynamic::Var& v = rs.value(c, r);
                    if (v.isInteger()) {
                        values.emplace_back(v.convert<Poco::Int64>());
                    } else {
                        values.emplace_back(v.convert<std::string>());
                    }
                }
                rows.emplace_back(std::move(values));
            }
            return rows;
        } catch (const Poco::Exception& e) {
            rethrow(e);
        }
    }

    std::int64_t execute(std::string_view sql, const SqlParams& params) override {
        try {
            Poco::Data::Statement stmt(session_);
            stmt << std::string(sql);
            bindAll(stmt, params);
            stmt.execute();
            return sqlite3_changes(Poco::Data::SQLite::Utility::dbHandle(session_));
        } catch (const Poco::Exception& e) {
            rethrow(e);
        }
    }

    std::unique_ptr<PreparedStatement> prepare(std::string_view sql) override {
        return std::make_unique<SqlitePrepared>(Poco::Data::SQLite::Utility::dbHandle(session_),
                                                sql);
    }

private:
    static void bindAll(Poco::Data::Statement& stmt, const SqlParams& params) {
        for (const SqlValue& p : params) {
            if (const auto* n = std::get_if<std::int64_t>(&p)) {
                stmt.addBind(Poco::Data::Keywords::bind(static_cast<Poco::Int64>(*n)));
            } else if (const auto* s = std::get_if<std::string>(&p)) {
                stmt.addBind(Poco::Data::Keywords::bind(*s));
            } else {
                stmt.addBind(Poco::Data::Keywords::use(Poco::Data::Keywords::null));
            }
        }
    }

    Poco::Data::Session session_;
};

SqliteDatabase::SqliteDatabase(std::string path, const DatabaseOptions& options)
    : path_(std::move(path)), options_(options) {
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::SQLite::Connector::registerConnector(); });
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
        return std::make_unique<SqliteConnection>(path_, options_.busy_timeout_ms,
                                                  options_.checkpoint_pages);
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

bool SqliteDatabase::ping() {
    try {
        bool ok = false;
        withConnection([&](Connection& c) { ok = c.query("SELECT 1").size() == 1; });
        return ok;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace billwright::storage::sqlite
