#include "common/provider_http.h"

#include <string>

namespace billwright::common {
namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

[[noreturn]] void badConfig(const char* key, std::string_view why) {
    throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                     "configuration " + std::string(key) + " " + std::string(why));
}

std::string_view statusWord(bw_status status) {
    switch (status) {
        case BW_ERR_TIMEOUT:
            return "timed out";
        case BW_ERR_NETWORK:
            return "failed on the network";
        case BW_ERR_DENIED:
            return "was refused by the host (is the provider's host on the plugin's allowlist?)";
        default:
            return "failed";
    }
}

}  // namespace

std::string requiredSecret(const sdk::Call& call, const char* key) {
    auto value = optionalSecret(call, key);
    if (!value) badConfig(key, "is not configured");
    return std::move(*value);
}

std::optional<std::string> optionalSecret(const sdk::Call& call, const char* key) {
    const auto value = call.secret(key);
    if (!value || trimmed(*value).empty()) return std::nullopt;
    return std::string(trimmed(*value));
}

std::string configText(const sdk::Call& call, const char* key, std::string_view fallback) {
    const auto value = call.config(key);
    if (!value) return std::string(fallback);
    return std::string(trimmed(*value));
}

std::int64_t configInteger(const sdk::Call& call, const char* key, std::int64_t fallback,
                           std::int64_t min, std::int64_t max) {
    const auto value = call.config(key);
    if (!value) return fallback;
    const auto number = sdk::Call::parseInteger(trimmed(*value));
    if (!number || *number < min || *number > max) {
        badConfig(key,
                  "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return *number;
}

std::string configBaseUrl(const sdk::Call& call, const char* key, std::string_view fallback) {
    std::string url = configText(call, key, fallback);
    while (!url.empty() && url.back() == '/') url.pop_back();
    const bool https = url.rfind("https://", 0) == 0 && url.size() > 8;
    const bool http = url.rfind("http://", 0) == 0 && url.size() > 7;
    if (!https && !http) badConfig(key, "must be an http(s) URL");
    if (url.find_first_of("?# \t\r\n") != std::string::npos) {
        badConfig(key, "must be a base URL without a query or fragment");
    }
    return url;
}

sdk::HttpResponse send(const sdk::Call& call, const char* method, const std::string& url,
                       const std::string& headers, std::string_view body, std::uint32_t timeout_ms,
                       std::string_view what) {
    try {
        return call.http(method, url, headers, body, timeout_ms);
    } catch (const sdk::Error& e) {
        throw sdk::Error(e.status(), std::string(what) + " " + std::string(statusWord(e.status())) +
                                         ": the outcome is unknown");
    }
}

codec::JsonValue parseObject(std::string_view body, std::string_view what) {
    std::string error;
    auto value = codec::parseJson(body, &error);
    if (!value || !value->isObject()) {
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         std::string(what) + " answered something that is not a JSON object" +
                             (error.empty() ? std::string() : " (" + error + ")"));
    }
    return std::move(*value);
}

const codec::JsonValue* at(const codec::JsonValue& value,
                           std::initializer_list<std::string_view> path) {
    const codec::JsonValue* current = &value;
    for (const std::string_view key : path) {
        current = current->find(key);
        if (current == nullptr) return nullptr;
    }
    return current;
}

std::string_view stringAt(const codec::JsonValue& value,
                          std::initializer_list<std::string_view> path) {
    const codec::JsonValue* v = at(value, path);
    if (v == nullptr || !v->isString()) return {};
    return v->asString();
}

std::optional<std::int64_t> parseIsoTime(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fff]Z
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text.back() != 'Z') {
        return std::nullopt;
    }
    const auto number = [&](std::size_t from, std::size_t len) -> std::optional<std::int64_t> {
        std::int64_t v = 0;
        for (std::size_t i = from; i < from + len; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    const auto year = number(0, 4);
    const auto month = number(5, 2);
    const auto day = number(8, 2);
    const auto hour = number(11, 2);
    const auto minute = number(14, 2);
    const auto second = number(17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    const std::string_view rest = text.substr(19, text.size() - 20);
    if (!rest.empty()) {
        if (rest[0] != '.' || rest.size() < 2 || !number(20, rest.size() - 1)) return std::nullopt;
    }
    if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *hour > 23 || *minute > 59 ||
        *second > 60) {
        return std::nullopt;
    }
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    static constexpr std::int64_t kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*day > kDaysIn[*month - 1] + (leap && *month == 2 ? 1 : 0)) return std::nullopt;
    // Days from the civil date (the proleptic Gregorian calendar), March-based years.
    const std::int64_t y = *year - (*month <= 2 ? 1 : 0);
    const std::int64_t era = y / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (*month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + *day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + *hour * 3600 + *minute * 60 + *second;
}

std::string digestKey(const sdk::Call& call, std::string_view prefix, std::string_view text,
                      std::size_t hex_chars) {
    const std::string digest = codec::hexEncode(call.hash(BW_HASH_SHA256, text));
    return std::string(prefix) + digest.substr(0, hex_chars);
}

}  // namespace billwright::common
