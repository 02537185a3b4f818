#include "common/provider_http.h"

#include <algorithm>
#include <string>

namespace billwright::common {
namespace {

constexpr std::size_t kMaxUrl = 2048;

bool isControl(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
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

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool hasControl(std::string_view s) { return std::any_of(s.begin(), s.end(), isControl); }

std::string printable(std::string_view s, std::size_t max_bytes) {
    if (s.size() > max_bytes) {
        // Cut before a character, never inside one: the host refuses text that is not UTF-8.
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
        s = s.substr(0, cut);
    }
    std::string out;
    for (const char ch : s) {
        if (!isControl(ch)) out += ch;
    }
    return out;
}

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string upperAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

std::string requiredSecret(const sdk::Call& call, const char* key) {
    auto value = optionalSecret(call, key);
    if (!value) badConfig(key, "is not configured");
    if (hasControl(*value)) badConfig(key, "must not contain control characters");
    return std::move(*value);
}

std::optional<std::string> optionalSecret(const sdk::Call& call, const char* key) {
    const auto value = call.secret(key);
    if (!value || trim(*value).empty()) return std::nullopt;
    return std::string(trim(*value));
}

std::string configText(const sdk::Call& call, const char* key, std::string_view fallback) {
    const auto value = call.config(key);
    if (!value) return std::string(fallback);
    return std::string(trim(*value));
}

std::int64_t configInteger(const sdk::Call& call, const char* key, std::int64_t fallback,
                           std::int64_t min, std::int64_t max) {
    const auto value = call.config(key);
    if (!value) return fallback;
    const auto number = sdk::Call::parseInteger(trim(*value));
    if (!number || *number < min || *number > max) {
        badConfig(key,
                  "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return *number;
}

bool isHttpUrl(std::string_view url) {
    const bool https = url.starts_with("https://") && url.size() > 8;
    const bool http = url.starts_with("http://") && url.size() > 7;
    return (https || http) && url.find(' ') == std::string_view::npos && !hasControl(url);
}

std::string configBaseUrl(const sdk::Call& call, const char* key, std::string_view fallback) {
    std::string url = configText(call, key, fallback);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!isHttpUrl(url)) badConfig(key, "must be an http(s) URL");
    if (url.find_first_of("?#") != std::string::npos) {
        badConfig(key, "must be a base URL without a query or fragment");
    }
    return url;
}

std::string urlParam(const sdk::Call& call, const char* key) {
    const std::string_view value = trim(call.requiredParam(key));
    if (value.size() > kMaxUrl || !isHttpUrl(value)) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, std::string("parameter ") + key +
                                                      " must be an http(s) URL of at most " +
                                                      std::to_string(kMaxUrl) + " bytes");
    }
    return std::string(value);
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

std::optional<std::string> idText(const codec::JsonValue& object, std::string_view key) {
    const codec::JsonValue* v = object.find(key);
    if (v == nullptr) return std::nullopt;
    if (v->isString()) return std::string(v->asString());
    if (v->isNumber()) return std::string(v->numberLexeme());
    return std::nullopt;
}

std::string digestKey(const sdk::Call& call, std::string_view prefix, std::string_view text,
                      std::size_t hex_chars) {
    const std::string digest = codec::hexEncode(call.hash(BW_HASH_SHA256, text));
    return std::string(prefix) + digest.substr(0, hex_chars);
}

}  // namespace billwright::common
