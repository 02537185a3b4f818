#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/database.h"

namespace billwright::storage::sqlite {

class SqliteConnection;

// SQLite (Poco::Data opens the handle; statements run on the C API and stay prepared per
// connection): WAL, foreign keys on, a busy timeout, and writers taking the
// lock up front (BEGIN IMMEDIATE) so read-then-write transactions never fail half-way with
// "database is locked".
class SqliteDatabase final : public Database {
public:
    SqliteDatabase(std::string path, const DatabaseOptions& options);
    ~SqliteDatabase() override;

    const Dialect& dialect() const override;
    void transact(TxMode mode, const std::function<bool(Connection&)>& body) override;
    void withConnection(const std::function<void(Connection&)>& body) override;

private:
    std::unique_ptr<SqliteConnection> acquire();
    void release(std::unique_ptr<SqliteConnection> connection);

    std::string path_;
    DatabaseOptions options_;
    std::mutex mutex_;
    std::mutex writer_mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<SqliteConnection>> idle_;
    std::size_t open_count_ = 0;
};

}  // namespace billwright::storage::sqlite
