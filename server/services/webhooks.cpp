#include "services/webhooks.h"

#include <charconv>

#include "core/random.h"
#include "services/crypto.h"
#include "services/representation.h"

namespace billwright::services {

std::string webhookSignature(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body) {
    const std::string t = std::to_string(unix_seconds);
    std::string signed_text;
    signed_text.reserve(t.size() + 1 + body.size());
    signed_text.append(t).append(".").append(body);
    return "t=" + t + ",v1=" + hmacSha256Hex(secret, signed_text);
}

std::string webhookBody(const WebhookEvent& event) {
    core::JsonValue out = core::JsonValue::object();
    out.set("id", core::JsonValue::string(event.id))
        .set("type", core::JsonValue::string(event.type))
        .set("created_at", timestampJson(event.created_at))
        .set("tenant_id", core::JsonValue::string(event.tenant_id))
        .set("data", event.data);
    return core::toJson(out);
}

namespace {

bool isLoopbackHost(std::string_view host) {
    if (host == "localhost" || host == "[::1]") return true;
    // 127.0.0.0/8 as a dotted quad.
    if (!host.starts_with("127.")) return false;
    int parts = 0;
    for (std::string_view rest = host; !rest.empty(); ++parts) {
        const auto dot = rest.find('.');
        const std::string_view part = rest.substr(0, dot);
        int value = -1;
        const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || ec != std::errc{} || ptr != part.data() + part.size() || value > 255)
            return false;
        rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
        if (dot != std::string_view::npos && rest.empty()) return false;
    }
    return parts == 4;
}

core::Status badUrl(const std::string& field, std::string code, std::string message) {
    return core::Error::validation(field, std::move(code), std::move(message));
}

}  // namespace

core::Status checkWebhookUrl(std::string_view url, const std::string& field) {
    if (url.empty() || url.size() > kMaxWebhookUrlLength)
        return badUrl(field, "out_of_range", "must be 1 to 2000 bytes");
    for (const char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F)
            return badUrl(field, "invalid_url", "must not contain spaces or non-ASCII bytes");
    }
    const auto scheme_end = url.find("://");
    const std::string_view scheme =
        scheme_end == std::string_view::npos ? std::string_view{} : url.substr(0, scheme_end);
    if (scheme != "https" && scheme != "http")
        return badUrl(field, "invalid_url", "must be an absolute https:// URL");
    const std::string_view rest = url.substr(scheme_end + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos)
        return badUrl(field, "invalid_url", "must not carry credentials; sign with the secret");
    std::string_view host = authority;
    std::string_view port;
    if (host.starts_with("[")) {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return badUrl(field, "invalid_url", "bad host");
        port = host.substr(close + 1);
        host = host.substr(0, close + 1);
    } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        port = host.substr(colon);
        host = host.substr(0, colon);
    }
    if (host.empty() || host == "[]") return badUrl(field, "invalid_url", "must name a host");
    if (!port.empty()) {
        int value = 0;
        const std::string_view digits = port.substr(1);
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (!port.starts_with(":") || digits.empty() || ec != std::errc{} ||
            ptr != digits.data() + digits.size() || value < 1 || value > 65535)
            return badUrl(field, "invalid_url", "the port must be 1 to 65535");
    }
    if (url.find('#') != std::string_view::npos)
        return badUrl(field, "invalid_url", "must not have a fragment");
    if (scheme == "http" && !isLoopbackHost(host)) {
        return badUrl(field, "https_required",
                      "must use https; plain http is accepted only for a loopback host");
    }
    return {};
}

core::Status checkWebhookSecret(std::string_view secret, const std::string& field) {
    if (secret.size() < kMinWebhookSecretLength || secret.size() > kMaxWebhookSecretLength)
        return core::Error::validation(field, "out_of_range", "must be 16 to 200 bytes");
    for (const char c : secret) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F)
            return core::Error::validation(field, "invalid_secret",
                                           "must be printable ASCII without spaces");
    }
    return {};
}

std::string newWebhookSecret() { return "whsec_" + core::base64Url(core::randomBytes(32)); }

}  // namespace billwright::services
