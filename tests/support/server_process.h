#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "support/test_database.h"

namespace billwright::testing {

struct HttpResult {
    int status = 0;
    std::string reason;                          // the status line's reason phrase
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    // The body parsed as JSON (once, kept with the result so references into it stay valid);
    // fails the calling test if it is not JSON.
    const core::JsonValue& json() const;
    std::string header(const std::string& name) const;

private:
    mutable std::optional<core::JsonValue> parsed_;
};

// A real billwrightd process: port 0, its own temporary directory and database (SQLite, or a
// fresh MariaDB database under BILLWRIGHT_TEST_DATABASE=mysql: support/test_database.h), the
// bootstrap super key read from bootstrap.key_file. Stopped with SIGTERM in the destructor.
class ServerProcess {
public:
    explicit ServerProcess(std::vector<std::string> extra_defines = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    void start();
    // SIGTERM and wait; returns the exit status (0 on a clean shutdown).
    int stop();
    // Sends `signal` (SIGKILL: a crash) and waits; returns the exit status as stop() does. The
    // directory and database stay, so start() runs the server again on them.
    int kill(int signal);
    bool running() const { return pid_ > 0; }

    std::uint16_t port() const { return port_; }
    const std::string& superKey() const { return super_key_; }
    const std::string& directory() const { return dir_; }
    // The database.url the server runs on.
    const std::string& databaseUrl() const { return database_->url(); }
    std::string stderrText() const;

    HttpResult request(const std::string& method, const std::string& path, const std::string& key,
                       const std::optional<std::string>& body = std::nullopt,
                       const std::map<std::string, std::string>& headers = {}) const;
    HttpResult get(const std::string& path, const std::string& key) const {
        return request("GET", path, key);
    }
    HttpResult post(const std::string& path, const std::string& key, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) const {
        return request("POST", path, key, body, headers);
    }

private:
    std::vector<std::string> defines_;
    std::string dir_;
    std::unique_ptr<TestDatabase> database_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::string super_key_;
};

// Runs billwrightd to completion with the given arguments (for --help, --migrate, bad config).
struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
CommandResult runBillwrightd(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& environment = {});

std::string billwrightdPath();
std::string sourceDir();
std::string makeTempDir();

}  // namespace billwright::testing
