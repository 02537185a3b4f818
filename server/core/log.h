#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace billwright::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

bool parseLogLevel(std::string_view text, LogLevel& out);
bool parseLogFormat(std::string_view text, LogFormat& out);

using LogFields = std::vector<std::pair<std::string, std::string>>;

// One line per event, to stderr by default. Callers pass only values that are safe to log:
// never an API key, a secret or a request body.
class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::kInfo, LogFormat format = LogFormat::kText,
                    std::FILE* sink = stderr);
    void configure(LogLevel level, LogFormat format);
    bool enabled(LogLevel level) const { return level >= level_; }
    void log(LogLevel level, std::string_view message, const LogFields& fields = {});
    void info(std::string_view message, const LogFields& fields = {}) {
        log(LogLevel::kInfo, message, fields);
    }
    void warning(std::string_view message, const LogFields& fields = {}) {
        log(LogLevel::kWarning, message, fields);
    }
    void error(std::string_view message, const LogFields& fields = {}) {
        log(LogLevel::kError, message, fields);
    }

private:
    LogLevel level_;
    LogFormat format_;
    std::FILE* sink_;
    std::mutex mutex_;
};

}  // namespace billwright::core
