#include "core/log.h"

#include <chrono>

#include "core/date.h"
#include "core/json.h"

namespace billwright::core {
namespace {

std::string_view levelName(LogLevel level) {
    switch (level) {
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarning:
            return "warning";
        case LogLevel::kError:
            return "error";
    }
    return "info";
}

bool needsQuoting(std::string_view value) {
    if (value.empty()) return true;
    for (const char c : value) {
        if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
    }
    return false;
}

}  // namespace

bool parseLogLevel(std::string_view text, LogLevel& out) {
    if (text == "debug")
        out = LogLevel::kDebug;
    else if (text == "info")
        out = LogLevel::kInfo;
    else if (text == "warning")
        out = LogLevel::kWarning;
    else if (text == "error")
        out = LogLevel::kError;
    else
        return false;
    return true;
}

bool parseLogFormat(std::string_view text, LogFormat& out) {
    if (text == "text")
        out = LogFormat::kText;
    else if (text == "json")
        out = LogFormat::kJson;
    else
        return false;
    return true;
}

// Queued text past which a caller stops to let the writer catch up (and the writer does not
// wait out its delay).
constexpr std::size_t kQueueLimit = 1 << 20;

Logger::Logger(LogLevel level, LogFormat format, std::FILE* sink)
    : level_(level), format_(format), sink_(sink) {}

Logger::~Logger() { stopWriter(); }

void Logger::configure(LogLevel level, LogFormat format) {
    std::lock_guard lock(queue_mutex_);
    level_ = level;
    format_ = format;
}

void Logger::startWriter(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) return;
    std::lock_guard lock(queue_mutex_);
    if (writer_running_) return;
    writer_running_ = true;
    stopping_ = false;
    writer_ = std::thread([this, delay] { writerLoop(delay); });
}

void Logger::stopWriter() {
    {
        std::lock_guard lock(queue_mutex_);
        if (!writer_running_) return;
        stopping_ = true;
    }
    queue_changed_.notify_all();
    writer_.join();
    std::lock_guard lock(queue_mutex_);
    writer_running_ = false;
}

void Logger::write(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), sink_);
    std::fflush(sink_);
}

void Logger::writerLoop(std::chrono::milliseconds delay) {
    std::string batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_changed_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
            // Let lines gather, unless the server is stopping or the queue is full.
            queue_changed_.wait_for(lock, delay,
                                    [&] { return stopping_ || queued_.size() >= kQueueLimit; });
            if (queued_.empty() && stopping_) return;
        }
        std::lock_guard write_lock(write_mutex_);
        {
            std::lock_guard lock(queue_mutex_);
            batch.swap(queued_);  // the queue keeps the previous batch's capacity
        }
        queue_changed_.notify_all();  // callers waiting for room
        write(batch);
        batch.clear();
    }
}

void Logger::log(LogLevel level, std::string_view message, const LogFields& fields) {
    if (!enabled(level)) return;
    const auto now = std::chrono::system_clock::now();
    const std::string ts = formatTimestamp(std::chrono::time_point_cast<std::chrono::seconds>(now));
    std::string line;
    line.reserve(256);  // a request's line fits; grown by doubling it was copied three times
    if (format_ == LogFormat::kJson) {
        line = "{\"ts\":";
        appendJsonString(line, ts);
        line += ",\"level\":";
        appendJsonString(line, levelName(level));
        line += ",\"msg\":";
        appendJsonString(line, message);
        for (const auto& [key, value] : fields) {
            line.push_back(',');
            appendJsonString(line, key);
            line.push_back(':');
            appendJsonString(line, value);
        }
        line += "}\n";
    } else {
        line = ts;
        line.push_back(' ');
        line += levelName(level);
        line.push_back(' ');
        line += message;
        for (const auto& [key, value] : fields) {
            line.push_back(' ');
            line += key;
            line.push_back('=');
            if (needsQuoting(value)) {
                appendJsonString(line, value);
            } else {
                line += value;
            }
        }
        line.push_back('\n');
    }
    if (level <= LogLevel::kInfo) {
        std::unique_lock lock(queue_mutex_);
        if (writer_running_ && !stopping_) {
            queue_changed_.wait(lock, [&] { return queued_.size() < kQueueLimit || stopping_; });
            const bool wake = queued_.empty() || queued_.size() + line.size() >= kQueueLimit;
            queued_ += line;
            lock.unlock();
            if (wake) queue_changed_.notify_all();
            return;
        }
    }
    std::lock_guard write_lock(write_mutex_);
    {
        std::lock_guard lock(queue_mutex_);
        if (!queued_.empty()) {  // what was queued before this line goes first
            queued_ += line;
            line.swap(queued_);
            queued_.clear();
        }
    }
    queue_changed_.notify_all();
    write(line);
}

}  // namespace billwright::core
