#include "common/sqlite.h"

#include <stdexcept>

namespace bench {

Sqlite::Sqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        throw std::runtime_error("cannot open " + path + ": " + sqlite3_errmsg(db_));
    exec("PRAGMA busy_timeout = 10000");
    exec("PRAGMA foreign_keys = ON");
    exec("PRAGMA synchronous = NORMAL");
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA wal_autocheckpoint = 20000");  // billwrightd's database.checkpoint_pages
}

Sqlite::~Sqlite() { sqlite3_close_v2(db_); }

void Sqlite::exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "?";
        sqlite3_free(error);
        throw std::runtime_error(sql.substr(0, 80) + ": " + message);
    }
}

sqlite3_stmt* Sqlite::prepare(const std::string& sql, unsigned flags) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), flags, &stmt, nullptr) !=
        SQLITE_OK)
        throw std::runtime_error("prepare " + sql.substr(0, 80) + ": " + sqlite3_errmsg(db_));
    return stmt;
}

std::int64_t Sqlite::scalar(const std::string& sql) {
    sqlite3_stmt* s = prepare(sql);
    const std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return v;
}

void Sqlite::check(int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db_));
}

}  // namespace bench
