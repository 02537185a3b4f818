#include "storage/mysql/mysql_database.h"

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "storage/string_hash.h"

namespace billwright::storage::mysql {

// The session every connection gets. STRICT_ALL_TABLES: a value that does not fit is an
// error, never a silent truncation. ANSI_QUOTES, PIPES_AS_CONCAT, NO_BACKSLASH_ESCAPES: double
// quotes name identifiers, || concatenates and a backslash is an ordinary character (LIKE ...
// ESCAPE '\'), as in SQLite. SIMULTANEOUS_ASSIGNMENT (MariaDB): every expression of an UPDATE's
// SET list sees the row as it was, as in SQLite and standard SQL (MySQL's default reads columns
// already assigned to the left). ONLY_FULL_GROUP_BY keeps queries portable.
constexpr std::string_view kSqlMode =
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY,ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,"
    "SIMULTANEOUS_ASSIGNMENT";

class MysqlDialect final : public Dialect {
public:
    explicit MysqlDialect(const std::string& collation)
        : table_options_(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + collation) {}
    std::string_view name() const override { return "mysql"; }
    std::string_view forUpdateSkipLocked() const override { return "FOR UPDATE SKIP LOCKED"; }
    std::string_view clusteredTableOption() const override { return ""; }  // InnoDB always is
    std::string_view insertIgnore() const override { return "INSERT IGNORE"; }
    std::string_view forUpdate() const override { return "FOR UPDATE"; }
    std::string upsertClause(std::string_view) const override { return "ON DUPLICATE KEY UPDATE"; }
    std::string_view tableOptions() const override { return table_options_; }
    // Connector/C++ 1.1 cannot read a TEXT column whose collation it does not know (it fails
    // with "Unknown charsetnr" on utf8mb4_nopad_bin); unbounded text is never compared or
    // indexed, so PAD SPACE does not matter there.
    std::string_view textType() const override { return "LONGTEXT COLLATE utf8mb4_bin"; }
    bool ddlIsTransactional() const override { return false; }
    // Lock names are server-wide and at most 64 characters: one lock per database.
    std::string_view migrationLock() const override {
        return "SELECT GET_LOCK(CONCAT('bw_migrate_', MD5(DATABASE())), 600)";
    }
    std::string_view migrationUnlock() const override {
        return "SELECT RELEASE_LOCK(CONCAT('bw_migrate_', MD5(DATABASE())))";
    }

private:
    std::string table_options_;
};

namespace {

DbErrorKind kindOf(const sql::SQLException& e) {
    switch (e.getErrorCode()) {
        case 1022:  // ER_DUP_KEY
        case 1062:  // ER_DUP_ENTRY
        case 1169:  // ER_DUP_UNIQUE
        case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
            return DbErrorKind::kUniqueViolation;
        case 1216:  // ER_NO_REFERENCED_ROW
        case 1217:  // ER_ROW_IS_REFERENCED
        case 1451:  // ER_ROW_IS_REFERENCED_2
        case 1452:  // ER_NO_REFERENCED_ROW_2
            return DbErrorKind::kForeignKeyViolation;
        case 1020:  // ER_CHECKREAD: the row changed since the snapshot read it
        case 1040:  // ER_CON_COUNT_ERROR: too many connections
        case 1205:  // ER_LOCK_WAIT_TIMEOUT
        case 1213:  // ER_LOCK_DEADLOCK
            return DbErrorKind::kBusy;
        case 1053:  // ER_SERVER_SHUTDOWN
        case 1152:  // ER_ABORTING_CONNECTION
        case 1927:  // ER_CONNECTION_KILLED
        case 2002:  // CR_CONNECTION_ERROR
        case 2003:  // CR_CONN_HOST_ERROR
        case 2006:  // CR_SERVER_GONE_ERROR
        case 2013:  // CR_SERVER_LOST
        case 2055:  // CR_SERVER_LOST_EXTENDED
        case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT
            return DbErrorKind::kConnectionLost;
        default:
            break;
    }
    if (e.getSQLState().rfind("08", 0) == 0) return DbErrorKind::kConnectionLost;
    return DbErrorKind::kOther;
}

DbError toDbError(const sql::SQLException& e, std::string_view what, std::string_view sql) {
    std::string message = "mysql " + std::string(what) + ": " + e.what() + " (error " +
                          std::to_string(e.getErrorCode()) + ", SQLSTATE " + e.getSQLState() + ")";
    if (!sql.empty()) message += " in: " + std::string(sql.substr(0, 120));
    return DbError(kindOf(e), message);
}

// Connector/C++ asks every thread that uses it, other than the one that loaded the driver, to
// call threadInit() first and threadEnd() before it exits (per-thread client state).
void ensureThreadInit(sql::Driver& driver) {
    struct ThreadInit {
        sql::Driver* driver;
        explicit ThreadInit(sql::Driver& d) : driver(&d) { driver->threadInit(); }
        ~ThreadInit() { driver->threadEnd(); }
        ThreadInit(const ThreadInit&) = delete;
        ThreadInit& operator=(const ThreadInit&) = delete;
    };
    thread_local ThreadInit init(driver);
}

// The URL's TLS options as Connector/C++ 1.1.12 connection properties. Debian builds that
// version on MariaDB Connector/C 3.3, where OPT_SSL_MODE is accepted and ignored (a "required"
// connection went out in plain text), so the modes are made of the options libmariadb honours:
// sslEnforce asks for TLS, sslCA makes the library verify the server's certificate chain
// against that file, and sslVerify adds the check that the certificate names the host (against
// the system's CAs when no sslCA is given). Only with sslVerify does the library refuse a server
// that offers no TLS; otherwise it goes on in plain text, which connectRaw then refuses
// (checkEncrypted).
void addTlsOptions(sql::ConnectOptionsMap& props, const MysqlTls& tls) {
    if (tls.mode == MysqlSslMode::kDisabled) return;
    props["sslEnforce"] = true;
    if (!tls.ca.empty()) props["sslCA"] = sql::SQLString(tls.ca);
    if (tls.mode == MysqlSslMode::kVerifyIdentity) props["sslVerify"] = true;
    if (!tls.cert.empty()) {
        props["sslCert"] = sql::SQLString(tls.cert);
        props["sslKey"] = sql::SQLString(tls.key);
    }
}

// What a failed connection tried, for its error message (never the password).
std::string describeTarget(const MysqlUrl& url) {
    std::string out = "mysql://" + url.user + "@" + url.host + ":" + std::to_string(url.port) +
                      "/" + url.database;
    if (url.tls.mode != MysqlSslMode::kDisabled) {
        out += " with ssl-mode=" + std::string(sslModeName(url.tls.mode));
        if (!url.tls.ca.empty()) out += " ssl-ca=" + url.tls.ca;
        if (!url.tls.cert.empty()) out += " ssl-cert=" + url.tls.cert;
    }
    return out;
}

// With ssl-mode required or verify-ca the library connects in plain text to a server that
// offers no TLS: such a session is closed before anything is sent on it. (The answer comes from
// the server, so this catches a server without TLS, not an attacker who strips TLS and rewrites
// the answer: only verify-identity refuses plain text in the handshake.)
void checkEncrypted(sql::Connection& connection, const MysqlUrl& url) {
    if (url.tls.mode == MysqlSslMode::kDisabled || url.tls.mode == MysqlSslMode::kVerifyIdentity)
        return;
    std::unique_ptr<sql::Statement> st(connection.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'"));
    if (rs->next() && !rs->getString(2).asStdString().empty()) return;
    throw DbError(DbErrorKind::kConnectionLost,
                  "cannot connect to the database " + describeTarget(url) +
                      ": the session is not encrypted (the server offers no TLS)");
}

std::unique_ptr<sql::Connection> connectRaw(sql::Driver& driver, const MysqlUrl& url,
                                            bool select_database) {
    ensureThreadInit(driver);
    sql::ConnectOptionsMap props;
    props["hostName"] = sql::SQLString(url.host);
    props["port"] = static_cast<int>(url.port);
    props["userName"] = sql::SQLString(url.user);
    props["password"] = sql::SQLString(url.password);
    if (select_database) props["schema"] = sql::SQLString(url.database);
    props["OPT_CONNECT_TIMEOUT"] = 10;
    props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    // UPDATE reports the rows it matched, as SQLite does, not only the rows whose values
    // changed: repositories test "updated nothing" to decide to insert instead.
    props["CLIENT_FOUND_ROWS"] = true;
    // Never reconnect silently inside a transaction: a lost connection is an error that
    // transact() handles by discarding the connection.
    props["OPT_RECONNECT"] = false;
    addTlsOptions(props, url.tls);
    try {
        std::unique_ptr<sql::Connection> connection(driver.connect(props));
        checkEncrypted(*connection, url);
        return connection;
    } catch (const sql::SQLException& e) {
        const DbErrorKind kind =
            kindOf(e) == DbErrorKind::kBusy ? DbErrorKind::kBusy : DbErrorKind::kConnectionLost;
        throw DbError(kind, "cannot connect to the database " + describeTarget(url) + ": " +
                                e.what() + " (error " + std::to_string(e.getErrorCode()) + ")");
    }
}

void runText(sql::Connection& connection, const std::string& statement) {
    std::unique_ptr<sql::Statement> st(connection.createStatement());
    st->execute(statement);
}

std::string queryText(sql::Connection& connection, const std::string& statement) {
    std::unique_ptr<sql::Statement> st(connection.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(statement));
    if (!rs->next() || rs->isNull(1)) return {};
    return rs->getString(1);
}

// Statements the server prepares; anything else (DDL, SET, transaction control) goes over the
// text protocol when it has no parameters, and is not cached.
bool preparable(std::string_view sql) {
    const auto start = sql.find_first_not_of(" \t\r\n(");
    if (start == std::string_view::npos) return false;
    std::string word;
    for (std::size_t i = start; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]));
         ++i) {
        word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
    }
    return word == "SELECT" || word == "INSERT" || word == "UPDATE" || word == "DELETE" ||
           word == "REPLACE" || word == "WITH";
}

enum class ColumnKind { kSigned, kUnsigned, kText };

std::vector<ColumnKind> columnKinds(sql::ResultSet& rs) {
    // The metadata object belongs to the result set.
    sql::ResultSetMetaData* meta = rs.getMetaData();
    const unsigned count = meta->getColumnCount();
    std::vector<ColumnKind> kinds;
    kinds.reserve(count);
    for (unsigned c = 1; c <= count; ++c) {
        switch (meta->getColumnType(c)) {
            case sql::DataType::BIT:
            case sql::DataType::TINYINT:
            case sql::DataType::SMALLINT:
            case sql::DataType::MEDIUMINT:
            case sql::DataType::INTEGER:
            case sql::DataType::BIGINT:
                kinds.push_back(meta->isSigned(c) ? ColumnKind::kSigned : ColumnKind::kUnsigned);
                break;
            default:  // text, and DECIMAL (SUM of BIGINT) as its exact digits
                kinds.push_back(ColumnKind::kText);
                break;
        }
    }
    return kinds;
}

std::int64_t unsignedValue(sql::ResultSet& rs, unsigned column) {
    const std::uint64_t v = rs.getUInt64(column);
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw DbError(DbErrorKind::kOther, "unsigned value out of int64 range");
    return static_cast<std::int64_t>(v);
}

SqlValue readValue(sql::ResultSet& rs, unsigned column, ColumnKind kind) {
    if (rs.isNull(column)) return SqlValue{};
    switch (kind) {
        case ColumnKind::kSigned:
            return SqlValue{static_cast<std::int64_t>(rs.getInt64(column))};
        case ColumnKind::kUnsigned:
            return SqlValue{unsignedValue(rs, column)};
        case ColumnKind::kText:
            break;
    }
    return SqlValue{rs.getString(column).asStdString()};
}

void bindAll(sql::PreparedStatement& st, const SqlParams& params) {
    unsigned index = 1;
    for (const SqlValue& p : params) {
        if (const auto* n = std::get_if<std::int64_t>(&p)) {
            st.setInt64(index, *n);
        } else if (const auto* s = std::get_if<std::string>(&p)) {
            st.setString(index, sql::SQLString(*s));
        } else {
            st.setNull(index, sql::DataType::SQLNULL);
        }
        ++index;
    }
}

// Server-side prepared statements per connection, keyed by SQL text, leased to one user at a
// time (as in the SQLite driver): preparing is a round trip to the server.
class StatementCache {
public:
    struct Entry {
        std::unique_ptr<sql::PreparedStatement> stmt;
        bool leased = false;
    };

    explicit StatementCache(sql::Connection& connection) : connection_(connection) {}

    // `entry` is null for a statement of its own, closed when given back.
    sql::PreparedStatement* lease(std::string_view sql, Entry*& entry,
                                  std::unique_ptr<sql::PreparedStatement>& own) {
        const auto it = entries_.find(sql);
        if (it != entries_.end() && !it->second.leased) {
            it->second.leased = true;
            entry = &it->second;
            return it->second.stmt.get();
        }
        std::unique_ptr<sql::PreparedStatement> stmt(
            connection_.prepareStatement(sql::SQLString(std::string(sql))));
        entry = nullptr;
        if (it == entries_.end() && entries_.size() < kMaxEntries) {
            entry = &entries_.emplace(std::string(sql), Entry{std::move(stmt), true}).first->second;
            return entry->stmt.get();
        }
        own = std::move(stmt);
        return own.get();
    }

    void giveBack(Entry* entry) {
        if (entry == nullptr) return;
        try {
            entry->stmt->clearParameters();
            entry->leased = false;
        } catch (const sql::SQLException&) {
            // A statement that cannot be reset is not reused; the map keeps it leased so its
            // text gets statements of its own from now on.
        }
    }

private:
    // Bounded like the SQLite driver's: servers cap prepared statements (max_prepared_stmt_count,
    // 16382 by default) across all connections.
    static constexpr std::size_t kMaxEntries = 256;
    sql::Connection& connection_;
    std::unordered_map<std::string, Entry, TransparentStringHash, std::equal_to<>> entries_;
};

class Lease {
public:
    Lease(StatementCache& cache, std::string_view sql)
        : cache_(cache), stmt_(cache.lease(sql, entry_, own_)) {}
    ~Lease() { cache_.giveBack(entry_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    sql::PreparedStatement& get() const { return *stmt_; }

private:
    StatementCache& cache_;
    StatementCache::Entry* entry_ = nullptr;
    std::unique_ptr<sql::PreparedStatement> own_;
    sql::PreparedStatement* stmt_;
};

}  // namespace

class MysqlConnection final : public Connection {
public:
    MysqlConnection(sql::Driver& driver, const MysqlUrl& url, int lock_wait_seconds)
        : connection_(connectRaw(driver, url, true)), cache_(*connection_) {
        // The connection's collation labels converted results, and Connector/C++ 1.1 knows
        // utf8mb4_bin but not the no-pad one; columns carry their own (tableOptions).
        control("SET NAMES utf8mb4 COLLATE utf8mb4_bin");
        control("SET SESSION sql_mode = '" + std::string(kSqlMode) +
                "', time_zone = '+00:00', innodb_lock_wait_timeout = " +
                std::to_string(lock_wait_seconds));
    }
    ~MysqlConnection() override = default;
    MysqlConnection(const MysqlConnection&) = delete;
    MysqlConnection& operator=(const MysqlConnection&) = delete;

    std::vector<SqlRow> query(std::string_view sql, const SqlParams& params) override {
        return guarded("query", sql, [&] {
            std::vector<SqlRow> rows;
            auto read = [&](sql::ResultSet& rs) {
                const auto kinds = columnKinds(rs);
                while (rs.next()) {
                    std::vector<SqlValue> values;
                    values.reserve(kinds.size());
                    for (unsigned c = 0; c < kinds.size(); ++c)
                        values.push_back(readValue(rs, c + 1, kinds[c]));
                    rows.emplace_back(std::move(values));
                }
            };
            if (params.empty() && !preparable(sql)) {
                std::unique_ptr<sql::Statement> st(connection_->createStatement());
                std::unique_ptr<sql::ResultSet> rs(st->executeQuery(std::string(sql)));
                read(*rs);
                return rows;
            }
            Lease lease(cache_, sql);
            bindAll(lease.get(), params);
            std::unique_ptr<sql::ResultSet> rs(lease.get().executeQuery());
            read(*rs);
            return rows;
        });
    }

    std::int64_t execute(std::string_view sql, const SqlParams& params) override {
        return guarded("execute", sql, [&]() -> std::int64_t {
            if (params.empty() && !preparable(sql)) {
                std::unique_ptr<sql::Statement> st(connection_->createStatement());
                st->execute(std::string(sql));
                return 0;
            }
            Lease lease(cache_, sql);
            bindAll(lease.get(), params);
            return lease.get().executeUpdate();
        });
    }

    std::unique_ptr<PreparedStatement> prepare(std::string_view sql) override;

    // Runs `f`, turning Connector errors into DbError; after a kBusy or kConnectionLost error
    // the transaction is over on the server, and every later statement fails the same way.
    template <typename F>
    auto guarded(const char* what, std::string_view sql, F&& f) -> decltype(f()) {
        if (failed_)
            throw DbError(failed_->kind(),
                          std::string("transaction already failed: ") + failed_->what());
        try {
            return f();
        } catch (const sql::SQLException& e) {
            DbError error = toDbError(e, what, sql);
            if (error.kind() == DbErrorKind::kBusy || error.kind() == DbErrorKind::kConnectionLost)
                failed_ = error;
            if (error.kind() == DbErrorKind::kConnectionLost) lost_ = true;
            throw error;
        }
    }

    void begin(TxMode mode) {
        failed_.reset();
        if (isolation_ != mode) {
            control(mode == TxMode::kWrite
                        ? "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE"
                        : "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            isolation_ = mode;
        }
        control(mode == TxMode::kWrite ? "START TRANSACTION" : "START TRANSACTION READ ONLY");
    }
    void commit() { control("COMMIT"); }
    // withConnection's statements run outside transact(): nothing earlier may refuse them.
    void clearFailure() { failed_.reset(); }
    void rollback() { control("ROLLBACK"); }

    bool lost() const { return lost_; }
    const std::optional<DbError>& failure() const { return failed_; }
    bool alive() {
        try {
            return connection_->isValid();
        } catch (const sql::SQLException&) {
            return false;
        }
    }
    std::chrono::steady_clock::time_point idle_since{};

private:
    // Session and transaction control over the text protocol; ignores an earlier failure (a
    // ROLLBACK after a deadlock must still run).
    void control(const std::string& statement) {
        try {
            runText(*connection_, statement);
        } catch (const sql::SQLException& e) {
            DbError error = toDbError(e, "session", statement);
            if (error.kind() == DbErrorKind::kConnectionLost) lost_ = true;
            throw error;
        }
    }

    std::unique_ptr<sql::Connection> connection_;
    StatementCache cache_;
    std::optional<TxMode> isolation_;
    std::optional<DbError> failed_;
    bool lost_ = false;
};

namespace {

// The bulk path's statement: a lease held for the statement's life, and the result set of the
// query being stepped.
class MysqlPrepared final : public PreparedStatement {
public:
    MysqlPrepared(MysqlConnection& connection, StatementCache& cache, std::string_view sql)
        : connection_(connection), sql_(sql), lease_(cache, sql) {}
    ~MysqlPrepared() override { rows_.reset(); }
    MysqlPrepared(const MysqlPrepared&) = delete;
    MysqlPrepared& operator=(const MysqlPrepared&) = delete;

    void bind(int index, std::int64_t value) override {
        guard("bind", [&] { lease_.get().setInt64(slot(index), value); });
    }
    void bind(int index, std::string_view value) override {
        guard("bind",
              [&] { lease_.get().setString(slot(index), sql::SQLString(std::string(value))); });
    }
    void bindNull(int index) override {
        guard("bind", [&] { lease_.get().setNull(slot(index), sql::DataType::SQLNULL); });
    }
    std::int64_t run() override {
        return connection_.guarded("run", sql_, [&]() -> std::int64_t {
            rows_.reset();
            return lease_.get().executeUpdate();
        });
    }
    bool step() override {
        return connection_.guarded("step", sql_, [&] {
            if (!rows_) {
                rows_.reset(lease_.get().executeQuery());
                kinds_ = columnKinds(*rows_);
            }
            return rows_->next();
        });
    }
    std::int64_t columnInt(int column) override {
        return connection_.guarded("read", sql_, [&]() -> std::int64_t {
            const SqlValue v = readValue(*rows_, slot(column + 1), kind(column));
            return SqlRow({v}).getInt(0);
        });
    }
    std::string columnText(int column) override {
        return connection_.guarded("read", sql_, [&] {
            const SqlValue v = readValue(*rows_, slot(column + 1), kind(column));
            return SqlRow({v}).getString(0);
        });
    }
    bool columnIsNull(int column) override {
        return connection_.guarded("read", sql_, [&] { return rows_->isNull(slot(column + 1)); });
    }
    void reset() override {
        guard("reset", [&] {
            rows_.reset();
            lease_.get().clearParameters();
        });
    }

private:
    template <typename F>
    void guard(const char* what, F&& f) {
        connection_.guarded(what, sql_, [&] {
            f();
            return 0;
        });
    }
    static unsigned slot(int index) {
        if (index < 1) throw DbError(DbErrorKind::kOther, "parameters and columns count from 1");
        return static_cast<unsigned>(index);
    }
    ColumnKind kind(int column) const {
        if (!rows_ || column < 0 || static_cast<std::size_t>(column) >= kinds_.size())
            throw DbError(DbErrorKind::kOther, "no such column in the current row");
        return kinds_[static_cast<std::size_t>(column)];
    }

    MysqlConnection& connection_;
    std::string sql_;
    Lease lease_;
    std::unique_ptr<sql::ResultSet> rows_;
    std::vector<ColumnKind> kinds_;
};

// The version must be MariaDB 10.6 or newer: "10.11.19-MariaDB-0+deb12u1".
void checkServerVersion(const std::string& version) {
    int major = 0;
    int minor = 0;
    const char* begin = version.data();
    const char* end = begin + version.size();
    auto [p, ec] = std::from_chars(begin, end, major);
    if (ec == std::errc{} && p != end && *p == '.') std::from_chars(p + 1, end, minor);
    if (version.find("MariaDB") == std::string::npos) {
        throw DbError(DbErrorKind::kOther,
                      "server " + version +
                          " is not MariaDB: the mysql driver needs MariaDB 10.6 or newer "
                          "(re-runnable migrations use ADD COLUMN IF NOT EXISTS)");
    }
    if (major < 10 || (major == 10 && minor < 6)) {
        throw DbError(DbErrorKind::kOther, "MariaDB " + version +
                                               " is too old: 10.6 or newer is needed (FOR "
                                               "UPDATE SKIP LOCKED)");
    }
}

int lockWaitSeconds(const DatabaseOptions& options) {
    return std::max(1, (options.busy_timeout_ms + 999) / 1000);
}

void backoff(int attempt) {
    thread_local std::minstd_rand random{std::random_device{}()};
    const int ceiling = std::min(320, 5 << std::min(attempt - 1, 6));
    std::uniform_int_distribution<int> jitter(ceiling / 2, ceiling);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
}

constexpr int kAttempts = 10;
constexpr auto kCheckIdleAfter = std::chrono::seconds(5);

}  // namespace

std::unique_ptr<PreparedStatement> MysqlConnection::prepare(std::string_view sql) {
    return guarded("prepare", sql, [&]() -> std::unique_ptr<PreparedStatement> {
        return std::make_unique<MysqlPrepared>(*this, cache_, sql);
    });
}

MysqlDatabase::MysqlDatabase(MysqlUrl url, const DatabaseOptions& options)
    : url_(std::move(url)), options_(options), driver_(sql::mysql::get_mysql_driver_instance()) {
    auto probe = connectRaw(*driver_, url_, true);
    try {
        checkServerVersion(queryText(*probe, "SELECT VERSION()"));
        // utf8mb4_nopad_bin compares like SQLite: byte for byte, trailing spaces significant
        // (utf8mb4_bin pads, so 'a' = 'a ' and they collide in a unique key).
        collation_ = queryText(*probe,
                               "SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE "
                               "COLLATION_NAME = 'utf8mb4_nopad_bin'");
        if (collation_.empty()) collation_ = "utf8mb4_bin";
    } catch (const sql::SQLException& e) {
        throw toDbError(e, "probe", "");
    }
    dialect_ = std::make_unique<MysqlDialect>(collation_);
    release(acquire());
}

MysqlDatabase::~MysqlDatabase() = default;

const Dialect& MysqlDatabase::dialect() const { return *dialect_; }

std::size_t MysqlDatabase::openConnections() {
    std::lock_guard lock(mutex_);
    return open_count_;
}

std::size_t MysqlDatabase::idleConnections() {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

std::unique_ptr<MysqlConnection> MysqlDatabase::acquire() {
    ensureThreadInit(*driver_);
    std::unique_lock lock(mutex_);
    for (;;) {
        const bool got =
            available_.wait_for(lock, std::chrono::milliseconds(options_.busy_timeout_ms),
                                [&] { return !idle_.empty() || open_count_ < options_.pool_size; });
        if (!got) throw DbError(DbErrorKind::kBusy, "no database connection available");
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            if (std::chrono::steady_clock::now() - connection->idle_since < kCheckIdleAfter)
                return connection;
            // Idle for a while: the server may have closed it (wait_timeout, a restart).
            lock.unlock();
            if (connection->alive()) return connection;
            connection.reset();
            lock.lock();
            --open_count_;
            continue;
        }
        ++open_count_;
        lock.unlock();
        try {
            return std::make_unique<MysqlConnection>(*driver_, url_, lockWaitSeconds(options_));
        } catch (...) {
            lock.lock();
            --open_count_;
            available_.notify_one();
            throw;
        }
    }
}

void MysqlDatabase::release(std::unique_ptr<MysqlConnection> connection) {
    std::lock_guard lock(mutex_);
    if (connection && !connection->lost()) {
        connection->idle_since = std::chrono::steady_clock::now();
        idle_.push_back(std::move(connection));
    } else {
        connection.reset();
        --open_count_;
    }
    available_.notify_one();
}

// Rolls back and pools the connection; a lost one, or one that cannot roll back, is closed.
void MysqlDatabase::abandon(std::unique_ptr<MysqlConnection> connection) {
    if (!connection) return;
    if (!connection->lost()) {
        try {
            connection->rollback();
        } catch (const DbError&) {
            connection.reset();
        }
    }
    release(std::move(connection));
}

void MysqlDatabase::transact(TxMode mode, const std::function<bool(Connection&)>& body) {
    for (int attempt = 1;; ++attempt) {
        std::unique_ptr<MysqlConnection> connection;
        bool committing = false;
        try {
            connection = acquire();
            connection->begin(mode);
            const bool commit = body(*connection);
            // A body that caught a deadlock or a lost connection and returned anyway: its
            // transaction is gone (or half gone: a lock-wait timeout undoes one statement), so
            // it is rolled back and run again, never committed.
            if (const auto& failure = connection->failure()) throw *failure;
            committing = commit;
            if (commit) {
                connection->commit();
            } else {
                connection->rollback();
            }
            release(std::move(connection));
            return;
        } catch (const DbError& e) {
            const bool pooled = connection != nullptr;
            abandon(std::move(connection));
            if (e.kind() == DbErrorKind::kConnectionLost && committing) {
                throw DbError(DbErrorKind::kConnectionLost,
                              std::string("connection lost during COMMIT, the transaction may "
                                          "or may not have been applied: ") +
                                  e.what());
            }
            // A pool that stayed empty for the whole wait is not retried: that wait was long.
            const bool retry = pooled ? (e.kind() == DbErrorKind::kBusy ||
                                         e.kind() == DbErrorKind::kConnectionLost)
                                      : e.kind() == DbErrorKind::kConnectionLost;
            if (!retry || attempt == kAttempts) throw;
            backoff(attempt);
        } catch (...) {
            abandon(std::move(connection));
            throw;
        }
    }
}

void MysqlDatabase::withConnection(const std::function<void(Connection&)>& body) {
    auto connection = acquire();
    connection->clearFailure();
    try {
        body(*connection);
    } catch (...) {
        release(std::move(connection));
        throw;
    }
    release(std::move(connection));
}

void executeOnServer(const MysqlUrl& url, const std::string& statement) {
    auto connection = connectRaw(*sql::mysql::get_mysql_driver_instance(), url, false);
    try {
        runText(*connection, statement);
    } catch (const sql::SQLException& e) {
        throw toDbError(e, "execute", statement);
    }
}

}  // namespace billwright::storage::mysql
