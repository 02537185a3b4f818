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

Logger::Logger(LogLevel level, LogFormat format, std::FILE* sink)
    : level_(level), format_(format), sink_(sink) {}

void Logger::configure(LogLevel level, LogFormat format) {
    std::lock_guard lock(mutex_);
    level_ = level;
    format_ = format;
}

void Logger::log(LogLevel level, std::string_view message, const LogFields& fields) {
    if (!enabled(level)) return;
    const auto now = std::chrono::system_clock::now();
    const std::string ts = formatTimestamp(std::chrono::time_point_cast<std::chrono::seconds>(now));
    std::string line;
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
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), sink_);
    std::fflush(sink_);
}

}  // namespace billwright::core
