#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

// Helpers the payment processors share for talking to a provider through the host: reading
// their configuration, sending a request with a timeout and turning a transport failure into a
// status that says the outcome is unknown, and reading JSON answers.
namespace billwright::common {

// A configured secret; Error(BW_ERR_INVALID_ARGUMENT, "<key> is not configured") when unset or
// blank.
std::string requiredSecret(const sdk::Call& call, const char* key);
// A configured secret, or nullopt when unset or blank.
std::optional<std::string> optionalSecret(const sdk::Call& call, const char* key);
// A configuration value (stored or declared default), or `fallback` when there is neither.
std::string configText(const sdk::Call& call, const char* key, std::string_view fallback = {});
// An integer configuration value in [min, max], or `fallback` when unset;
// Error(BW_ERR_INVALID_ARGUMENT) naming the key when it is not such an integer.
std::int64_t configInteger(const sdk::Call& call, const char* key, std::int64_t fallback,
                           std::int64_t min, std::int64_t max);
// An http(s) base URL without its trailing slashes; Error(BW_ERR_INVALID_ARGUMENT) otherwise.
std::string configBaseUrl(const sdk::Call& call, const char* key, std::string_view fallback);

// One outbound request through the host. A transport failure throws sdk::Error with the host's
// status (BW_ERR_TIMEOUT, BW_ERR_NETWORK, BW_ERR_DENIED for a host outside the allowlist, ...)
// and a message that names `what` and says the outcome is unknown.
sdk::HttpResponse send(const sdk::Call& call, const char* method, const std::string& url,
                       const std::string& headers, std::string_view body, std::uint32_t timeout_ms,
                       std::string_view what);

// The body as a JSON object; Error(BW_ERR_UNAVAILABLE) naming `what` when it is not one.
codec::JsonValue parseObject(std::string_view body, std::string_view what);

// The member at a path of object keys, or nullptr when any step is absent or not an object.
const codec::JsonValue* at(const codec::JsonValue& value,
                           std::initializer_list<std::string_view> path);
// The string at a path, or "" when absent or not a string.
std::string_view stringAt(const codec::JsonValue& value,
                          std::initializer_list<std::string_view> path);

// "2026-11-01T00:00:00Z" (optionally with a fraction of a second) -> Unix seconds.
std::optional<std::int64_t> parseIsoTime(std::string_view text);

// The first `hex_chars` lower-case hex characters of SHA-256(text): a deterministic idempotency
// key for a request whose parameters are fixed by `text`.
std::string digestKey(const sdk::Call& call, std::string_view prefix, std::string_view text,
                      std::size_t hex_chars = 40);

}  // namespace billwright::common
