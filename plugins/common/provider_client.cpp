#include "common/provider_client.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace billwright::common {
namespace {

constexpr std::size_t kMaxUrl = 2048;

bool hasControl(std::string_view s) {
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
std::int64_t daysFromCivil(std::int64_t year, std::int64_t month, std::int64_t day) {
    // Count from March so the leap day is the last day of the counting year.
    const std::int64_t y = month <= 2 ? year - 1 : year;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t year_of_era = y - era * 400;
    const std::int64_t shifted_month = month > 2 ? month - 3 : month + 9;
    const std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    const std::int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::string methodAndPath(const char* method, std::string_view path) {
    return std::string(method) + " " + std::string(path.substr(0, path.find('?')));
}

}  // namespace

std::string configOr(const sdk::Call& call, const char* key, std::string_view fallback) {
    const auto value = call.config(key);
    return std::string(value ? *value : fallback);
}

std::int64_t integerConfig(const sdk::Call& call, const char* key, std::int64_t fallback,
                           std::int64_t min, std::int64_t max) {
    const auto text = call.config(key);
    if (!text) return fallback;
    const auto value = sdk::Call::parseInteger(trim(*text));
    if (!value || *value < min || *value > max)
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, std::string(key) + " must be an integer from " +
                                                      std::to_string(min) + " to " +
                                                      std::to_string(max));
    return *value;
}

std::string requiredSecret(const sdk::Call& call, const char* key) {
    const auto value = call.secret(key);
    if (!value || value->empty())
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, std::string(key) + " is not configured");
    if (hasControl(*value))
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         std::string(key) + " must not contain control characters");
    return std::string(*value);
}

bool isHttpUrl(std::string_view url) {
    const bool https = url.starts_with("https://") && url.size() > 8;
    const bool http = url.starts_with("http://") && url.size() > 7;
    if (!https && !http) return false;
    for (const char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) return false;
    }
    return true;
}

std::string urlParam(const sdk::Call& call, const char* key) {
    const std::string_view value = trim(call.requiredParam(key));
    if (value.size() > kMaxUrl || !isHttpUrl(value))
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, std::string("parameter ") + key +
                                                      " must be an http(s) URL of at most " +
                                                      std::to_string(kMaxUrl) + " bytes");
    return std::string(value);
}

std::optional<std::int64_t> parseIsoTime(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text.back() != 'Z')
        return std::nullopt;
    const auto number = [&](std::size_t at, std::size_t len) -> std::optional<std::int64_t> {
        std::int64_t v = 0;
        for (std::size_t i = at; i < at + len; ++i) {
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
        if (rest.size() < 2 || rest[0] != '.' || !number(20, rest.size() - 1)) return std::nullopt;
    }
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*month < 1 || *month > 12 || *day < 1 || *hour > 23 || *minute > 59 || *second > 59)
        return std::nullopt;
    const std::int64_t month_days =
        kDays[*month - 1] + (*month == 2 && leap(*year) ? std::int64_t{1} : 0);
    if (*day > month_days) return std::nullopt;
    return daysFromCivil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
}

std::optional<std::string> idText(const codec::JsonValue& object, std::string_view key) {
    const codec::JsonValue* v = object.find(key);
    if (v == nullptr) return std::nullopt;
    if (v->isString()) return v->asString();
    if (v->isNumber()) return v->numberLexeme();
    return std::nullopt;
}

ProviderClient::ProviderClient(const sdk::Call& call, std::string provider, std::string base_url,
                               std::string auth_headers, std::uint32_t timeout_ms)
    : call_(call),
      provider_(std::move(provider)),
      base_url_(std::move(base_url)),
      auth_headers_(std::move(auth_headers)),
      timeout_ms_(timeout_ms) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

ProviderReply ProviderClient::get(std::string_view path, std::string_view extra_headers) const {
    return send("GET", path, {}, extra_headers);
}

ProviderReply ProviderClient::post(std::string_view path, const codec::JsonValue& body,
                                   std::string_view extra_headers) const {
    return send("POST", path, codec::writeJson(body), extra_headers);
}

ProviderReply ProviderClient::send(const char* method, std::string_view path, std::string_view body,
                                   std::string_view extra_headers) const {
    std::string headers = auth_headers_;
    headers += "Accept: application/json\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    headers += extra_headers;
    sdk::HttpResponse response;
    try {
        response = call_.http(method, base_url_ + std::string(path), headers, body, timeout_ms_);
    } catch (const sdk::Error& e) {
        std::string why = e.status() == BW_ERR_TIMEOUT   ? "timed out"
                          : e.status() == BW_ERR_NETWORK ? "network failure"
                          : e.status() == BW_ERR_DENIED  ? "host not on the plugin's allowlist"
                                                         : "failed";
        throw sdk::Error(e.status(), provider_ + " " + methodAndPath(method, path) + ": " + why +
                                         " (the outcome is unknown)");
    }
    ProviderReply reply;
    reply.status = response.status;
    reply.json = codec::parseJson(response.body, nullptr);
    if (reply.json && reply.json->isObject()) {
        if (const auto message = reply.json->getString("message")) {
            reply.message = std::string(message->substr(0, 300));
        }
    }
    return reply;
}

void ProviderClient::fail(const ProviderReply& reply, std::string_view what) const {
    const std::string text = provider_ + " " + std::string(what) + ": HTTP " +
                             std::to_string(reply.status) +
                             (reply.message.empty() ? std::string() : " " + reply.message);
    if (reply.status == 401 || reply.status == 403)
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, text + " (check the configured credentials)");
    if (reply.status == 404) throw sdk::Error(BW_ERR_NOT_FOUND, text);
    if (reply.status == 429 || reply.status >= 500) throw sdk::Error(BW_ERR_UNAVAILABLE, text);
    throw sdk::Error(BW_ERR_INTERNAL, text);
}

const codec::JsonValue& ProviderClient::object(const ProviderReply& reply,
                                               std::string_view what) const {
    if (reply.status < 200 || reply.status > 299) fail(reply, what);
    if (!reply.json || !reply.json->isObject())
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         provider_ + " " + std::string(what) + ": the answer is not a JSON object");
    return *reply.json;
}

}  // namespace billwright::common
