#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"

namespace billwright::services {

// Signed webhooks as Billwright sends them (docs/revenue-guard.md). The body is fixed when the
// event is queued; the signature is made at each attempt, so a retry carries a fresh timestamp.
inline constexpr std::string_view kSignatureHeader = "Billwright-Signature";
inline constexpr std::string_view kEventIdHeader = "Billwright-Event-Id";

// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string webhookSignature(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body);

// {"id", "type", "created_at", "tenant_id", "data"}, compact, members in that order.
struct WebhookEvent {
    std::string id;    // "evt_..."
    std::string type;  // e.g. "customer.pool_redirect.activated"
    core::SysSeconds created_at{};
    std::string tenant_id;
    core::JsonValue data = core::JsonValue::object();
};
std::string webhookBody(const WebhookEvent& event);

inline constexpr std::size_t kMaxWebhookUrlLength = 2000;
inline constexpr std::size_t kMinWebhookSecretLength = 16;
inline constexpr std::size_t kMaxWebhookSecretLength = 200;

// An absolute https URL without credentials, at most 2000 bytes; plain http only to a loopback
// host (localhost, 127.0.0.0/8, [::1]), for local receivers and tests. The error names
// `field`.
core::Status checkWebhookUrl(std::string_view url, const std::string& field);
// Printable ASCII without spaces, 16 to 200 bytes.
core::Status checkWebhookSecret(std::string_view secret, const std::string& field);
// "whsec_" + 32 random bytes in base64url.
std::string newWebhookSecret();

}  // namespace billwright::services
