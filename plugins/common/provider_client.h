#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

// A provider's JSON API as the crypto payment processors use it: requests with the configured
// timeout through common::send (provider_http.h), and the mapping of HTTP statuses to plugin
// statuses.
namespace billwright::common {

struct ProviderReply {
    int status = 0;
    std::optional<codec::JsonValue> json;  // nullopt when the body is not JSON
    std::string message;                   // the provider's "message" member, or ""
};

// One provider API, for one call: `base_url` without a trailing '/' (configBaseUrl),
// `auth_headers` the "Name: value\r\n" lines every request carries (never logged or put into
// messages).
class ProviderClient {
public:
    ProviderClient(const sdk::Call& call, std::string provider, std::string base_url,
                   std::string auth_headers, std::uint32_t timeout_ms);

    // A transport failure throws sdk::Error with the host's status (BW_ERR_TIMEOUT,
    // BW_ERR_NETWORK, ...) and a message naming "<provider> <METHOD> <path>" (common::send).
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
