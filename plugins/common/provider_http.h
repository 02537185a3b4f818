#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

// Helpers every payment processor that talks to a provider shares: reading its configuration,
// secrets and call parameters, sending a request through the host with a timeout and turning a
// transport failure into a status that says the outcome is unknown, and reading JSON answers.
// The clients built on them: ProviderClient (provider_client.h, JSON APIs) and StripeClient
// (stripe_api.h).
namespace billwright::common {

// `s` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);
// Whether `s` holds a control character (below 0x20, or 0x7f): such text cannot go into a
// header line.
bool hasControl(std::string_view s);
// Provider text made safe for a result or a message: control characters dropped, at most
// `max_bytes` of the input kept, cut between two UTF-8 characters.
std::string printable(std::string_view s, std::size_t max_bytes = 500);
// ASCII case mapping (currency codes, tickers).
std::string lowerAscii(std::string_view s);
std::string upperAscii(std::string_view s);

// A configured secret, trimmed; Error(BW_ERR_INVALID_ARGUMENT) naming the key when it is unset
// or blank, or holds a control character (every secret goes into a header or a signature).
std::string requiredSecret(const sdk::Call& call, const char* key);
// A configured secret, trimmed, or nullopt when unset or blank.
std::optional<std::string> optionalSecret(const sdk::Call& call, const char* key);
// A configuration value (stored or declared default), trimmed, or `fallback` when there is
// neither.
std::string configText(const sdk::Call& call, const char* key, std::string_view fallback = {});
// An integer configuration value in [min, max], or `fallback` when unset;
// Error(BW_ERR_INVALID_ARGUMENT) naming the key when it is not such an integer.
std::int64_t configInteger(const sdk::Call& call, const char* key, std::int64_t fallback,
                           std::int64_t min, std::int64_t max);

// Whether `url` is an absolute http(s) URL without spaces or control characters.
bool isHttpUrl(std::string_view url);
// An http(s) base URL without its trailing slashes, query or fragment;
// Error(BW_ERR_INVALID_ARGUMENT) otherwise.
std::string configBaseUrl(const sdk::Call& call, const char* key, std::string_view fallback);
// The call parameter `key`, trimmed; it must be an http(s) URL of at most 2048 bytes
// (BW_ERR_INVALID_ARGUMENT "missing parameter <key>" / "parameter <key> must be ...").
std::string urlParam(const sdk::Call& call, const char* key);

// One outbound request through the host. A transport failure throws sdk::Error with the host's
// status (BW_ERR_TIMEOUT, BW_ERR_NETWORK, BW_ERR_DENIED for a host outside the allowlist, ...)
// and a message that names `what` and says the outcome is unknown.
sdk::HttpResponse send(const sdk::Call& call, const char* method, const std::string& url,
                       const std::string& headers, std::string_view body, std::uint32_t timeout_ms,
                       std::string_view what);

// The member at a path of object keys, or nullptr when any step is absent or not an object.
const codec::JsonValue* at(const codec::JsonValue& value,
                           std::initializer_list<std::string_view> path);
// The string at a path, or "" when absent or not a string.
std::string_view stringAt(const codec::JsonValue& value,
                          std::initializer_list<std::string_view> path);
// A string or a number member as text (providers' ids drift between both); nullopt when absent
// or of another type.
std::optional<std::string> idText(const codec::JsonValue& object, std::string_view key);

// The first `hex_chars` lower-case hex characters of SHA-256(text): a deterministic idempotency
// key for a request whose parameters are fixed by `text`.
std::string digestKey(const sdk::Call& call, std::string_view prefix, std::string_view text,
                      std::size_t hex_chars = 40);

}  // namespace billwright::common
