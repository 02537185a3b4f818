#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace billwright::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

bool parseLogLevel(std::string_view text, LogLevel& out);
bool parseLogFormat(std::string_view text, LogFormat& out);

// Field names and values, read during the call (a request's access line copies nothing before
// it is formatted). A value made for the call (std::to_string) lives to the end of the call's
// full expression, which is long enough; a LogFields kept in a variable must not point at such
// temporaries.
using LogFields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// One line per event, to stderr by default. Callers pass only values that are safe to log:
// never an API key, a secret or a request body.
//
// Lines are written by the calling thread, one write each, until startWriter(): from then on
// debug and info lines (a line per request) are queued and a writer thread writes what has
// gathered at most `delay` later, in one write. Under load that is hundreds of lines per write
// instead of a write(2) per request on the threads answering requests (bench/README.md,
// "Load"). A warning or an error is written at once, after the lines queued before it, so
// lines keep their order and nothing serious waits; the queue is bounded (a caller waits for
// the writer rather than memory growing). stopWriter(), and the destructor, write what is
// queued. A process killed outright loses at most the last `delay` of debug and info lines.
class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::kInfo, LogFormat format = LogFormat::kText,
                    std::FILE* sink = stderr);
    ~Logger();
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;
    void configure(LogLevel level, LogFormat format);
    // A delay of zero (or less) keeps writing each line at once. Calling it again while the
    // writer runs changes nothing.
    void startWriter(std::chrono::milliseconds delay);
    void stopWriter();
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
    void writerLoop(std::chrono::milliseconds delay);
    // Writes `text` to the sink; the caller holds write_mutex_.
    void write(const std::string& text);

    LogLevel level_;
    LogFormat format_;
    std::FILE* sink_;
    // Order: write_mutex_ before queue_mutex_. write_mutex_ is held while text goes to the sink,
    // so a line taken from the queue is never overtaken by one written directly.
    std::mutex write_mutex_;
    std::mutex queue_mutex_;
    std::condition_variable queue_changed_;
    std::string queued_;
    bool writer_running_ = false;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace billwright::core
