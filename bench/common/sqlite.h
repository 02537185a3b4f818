#pragma once

// A raw sqlite3 connection with the server's settings: what the benchmarks measure the server
// against, and how they read and check a database behind the server's back.

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace bench {

class Sqlite {
public:
    // Opens an existing database and applies the server's connection settings
    // (server/storage/sqlite/sqlite_database.cpp).
    explicit Sqlite(const std::string& path);
    ~Sqlite();
    Sqlite(const Sqlite&) = delete;
    Sqlite& operator=(const Sqlite&) = delete;

    void exec(const std::string& sql);
    // The caller owns the statement (sqlite3_finalize). flags: sqlite3_prepare_v3's.
    sqlite3_stmt* prepare(const std::string& sql, unsigned flags = 0);
    std::int64_t scalar(const std::string& sql);  // the first column of the first row; 0 if none
    void check(int rc, const char* what);         // throws unless OK, DONE or ROW
    sqlite3* handle() { return db_; }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace bench
