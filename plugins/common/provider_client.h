#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

// What the crypto payment processors share to talk to a provider's JSON API through the host:
// per-tenant settings read with their declared defaults, JSON requests with the configured
// timeout, and the mapping of transport failures and HTTP statuses to plugin statuses.
namespace billwright::common {

// A configuration value, or `fallback` (the key's declared default) when the host has none.
std::string configOr(const sdk::Call& call, const char* key, std::string_view fallback);
// An integer configuration value in [min, max], or `fallback`; BW_ERR_INVALID_ARGUMENT naming
// the key otherwise.
std::int64_t integerConfig(const sdk::Call& call, const char* key, std::int64_t fallback,
                           std::int64_t min, std::int64_t max);
// A secret that must be set: BW_ERR_INVALID_ARGUMENT "<key> is not configured" otherwise, and
// the same for one holding control characters (it goes into a header).
std::string requiredSecret(const sdk::Call& call, const char* key);

// Whether `url` is an absolute http(s) URL without spaces or control characters.
bool isHttpUrl(std::string_view url);
// The call parameter `key`, trimmed; it must be an http(s) URL of at most 2048 bytes
// (BW_ERR_INVALID_ARGUMENT "missing parameter <key>" / "parameter <key> must be ...").
std::string urlParam(const sdk::Call& call, const char* key);

// "2023-11-14T22:13:20.000Z" (fraction optional, "Z" required) -> Unix seconds, else nullopt.
std::optional<std::int64_t> parseIsoTime(std::string_view text);

// A string or a number member as text (ids drift between both); nullopt when absent or null.
std::optional<std::string> idText(const codec::JsonValue& object, std::string_view key);

struct ProviderReply {
    int status = 0;
    std::optional<codec::JsonValue> json;  // nullopt when the body is not JSON
    std::string message;                   // the provider's "message" member, or ""
};

// One provider API, for one call: `base_url` without a trailing '/', `auth_headers` the
// "Name: value\r\n" lines every request carries (never logged or put into messages).
class ProviderClient {
public:
    ProviderClient(const sdk::Call& call, std::string provider, std::string base_url,
                   std::string auth_headers, std::uint32_t timeout_ms);

    // A transport failure throws sdk::Error with the host's status (BW_ERR_TIMEOUT,
    // BW_ERR_NETWORK, ...) and "<provider> <METHOD> <path>: ..." as its message.
    ProviderReply get(std::string_view path, std::string_view extra_headers = {}) const;
    ProviderReply post(std::string_view path, const codec::JsonValue& body,
                       std::string_view extra_headers = {}) const;

    // Throws for a reply that is not a success: 401 / 403 BW_ERR_INVALID_ARGUMENT (the
    // configured credentials were refused), 404 BW_ERR_NOT_FOUND, 429 and 5xx
    // BW_ERR_UNAVAILABLE, anything else BW_ERR_INTERNAL; every message names the provider,
    // the request and the provider's message.
    [[noreturn]] void fail(const ProviderReply& reply, std::string_view what) const;
    // The JSON object of a 2xx reply; fail() for any other reply, BW_ERR_UNAVAILABLE for a
    // 2xx whose body is not a JSON object.
    const codec::JsonValue& object(const ProviderReply& reply, std::string_view what) const;

    const std::string& provider() const { return provider_; }

private:
    ProviderReply send(const char* method, std::string_view path, std::string_view body,
                       std::string_view extra_headers) const;

    const sdk::Call& call_;
    std::string provider_;
    std::string base_url_;
    std::string auth_headers_;
    std::uint32_t timeout_ms_;
};

}  // namespace billwright::common
