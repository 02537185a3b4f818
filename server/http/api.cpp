#include "http/api.h"

#include <cctype>

#include "core/random.h"
#include "domain/decimal.h"
#include "http/problem.h"
#include "services/audit.h"
#include "services/crypto.h"
#include "storage/database.h"

namespace billwright::http {
namespace {

using core::Error;
using core::ErrorCode;

std::string header(const RawRequest& raw, const std::string& name) {
    const auto it = raw.headers.find(name);
    return it == raw.headers.end() ? std::string() : it->second;
}

bool isSafeToken(std::string_view value, std::size_t max_length) {
    if (value.empty() || value.size() > max_length) return false;
    for (const char c : value) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool isPrintableAscii(std::string_view value) {
    for (const char c : value) {
        if (c < 0x21 || c > 0x7E) return false;
    }
    return true;
}

// The media type of a Content-Type value, lower case, without parameters ("; charset=utf-8").
// A missing Content-Type reads as application/json.
std::string mediaType(const std::string& value) {
    if (value.empty()) return "application/json";
    std::string media = value.substr(0, value.find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return media;
}

bool acceptsMediaType(BodyKind kind, const std::string& media) {
    if (kind == BodyKind::kRaw || media == "application/json") return true;
    return kind == BodyKind::kBulk && (media == "application/x-ndjson" ||
                                       media == "application/ndjson" || media == "text/csv");
}

bool hasBody(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

Api::Api(ApiContext context) : ctx_(std::move(context)) {
    registerSystemRoutes(router_, ctx_);
    registerTenantRoutes(router_, ctx_);
    registerPlatformInvoiceRoutes(router_, ctx_);
    registerApiKeyRoutes(router_, ctx_);
    registerAuditRoutes(router_, ctx_);
    registerCustomerRoutes(router_, ctx_);
    registerBillingSettingsRoutes(router_, ctx_);
    registerInvoiceRoutes(router_, ctx_);
    registerSiteRoutes(router_, ctx_);
    registerEquipmentRoutes(router_, ctx_);
    registerTelemetryRoutes(router_, ctx_);
    registerContractRoutes(router_, ctx_);
    registerPluginRoutes(router_, ctx_);
    registerHashpriceRoutes(router_, ctx_);
    registerOutboxRoutes(router_, ctx_);
    registerScriptRoutes(router_, ctx_);
    registerPaymentRoutes(router_, ctx_);
    registerRevenueGuardRoutes(router_, ctx_);
    ctx_.metrics.describe("billwright_http_requests_total", "counter",
                          "HTTP requests by route template, method and status");
    ctx_.metrics.describe("billwright_http_request_duration_seconds", "histogram",
                          "HTTP request latency by route template and method");
}

std::size_t Api::bodyLimit(std::string_view method, std::string_view path) const {
    return router_.bodyKind(method, path) == BodyKind::kBulk ? ctx_.max_bulk_body_bytes
                                                             : ctx_.max_body_bytes;
}

Response Api::handle(const RawRequest& raw) {
    const auto started = std::chrono::steady_clock::now();
    Request request;
    const std::string given_id = header(raw, "x-request-id");
    request.request_id =
        isSafeToken(given_id, 64)
            ? given_id
            : core::newId("req", std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
    std::string route_name = "unmatched";
    Response response;
    try {
        response = dispatch(raw, request, route_name);
    } catch (const storage::DbError& e) {
        ctx_.log.error("database error", {{"request_id", request.request_id}, {"error", e.what()}});
        response =
            problemResponse(Error{e.kind() == storage::DbErrorKind::kBusy ? ErrorCode::kUnavailable
                                                                          : ErrorCode::kInternal,
                                  "the database could not complete the request; it changed nothing",
                                  {}},
                            request.request_id);
        if (e.kind() == storage::DbErrorKind::kBusy)
            response.headers.emplace_back("Retry-After", "1");
    } catch (const std::exception& e) {
        ctx_.log.error("unhandled error",
                       {{"request_id", request.request_id}, {"error", e.what()}});
        response =
            problemResponse(Error::internal("an internal error occurred"), request.request_id);
    }
    response.headers.emplace_back("X-Request-Id", request.request_id);

    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    const std::string status = std::to_string(response.status);
    ctx_.metrics.increment("billwright_http_requests_total",
                           {{"route", route_name}, {"method", raw.method}, {"status", status}});
    ctx_.metrics.observeMicros("billwright_http_request_duration_seconds",
                               {{"route", route_name}, {"method", raw.method}}, micros);
    std::string tenant;
    if (request.principal && request.principal->tenant_id) {
        tenant = *request.principal->tenant_id;
    } else if (const auto it = request.params.find("tenant_id"); it != request.params.end()) {
        tenant = it->second;
    }
    // Milliseconds with three decimals ("12.345").
    const std::string duration = domain::formatFixed(micros, 3);
    ctx_.log.info("request", {{"method", raw.method},
                              {"route", route_name},
                              {"status", status},
                              {"duration_ms", duration},
                              {"request_id", request.request_id},
                              {"tenant_id", tenant.empty() ? "-" : tenant}});
    return response;
}

Response Api::dispatch(const RawRequest& raw, Request& request, std::string& route_name) {
    request.method = raw.method;
    request.path = raw.path;
    request.query = raw.query;
    if (raw.bad_uri) {
        return problemResponse(
            Error{ErrorCode::kMalformedRequest, "the request URI cannot be decoded", {}},
            request.request_id);
    }
    const RouteMatch match = router_.match(raw.method, raw.path);
    if (match.route == nullptr) {
        if (match.path_known) {
            Response r = problemResponse(Error{ErrorCode::kMethodNotAllowed,
                                               raw.method + " is not supported on " + raw.path,
                                               {}},
                                         request.request_id);
            std::string allow;
            for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
            r.headers.emplace_back("Allow", allow);
            return r;
        }
        return problemResponse(Error{ErrorCode::kRouteNotFound, "no route for " + raw.path, {}},
                               request.request_id);
    }
    const Route& route = *match.route;
    route_name = route.pattern;
    request.route = route.pattern;
    request.params = match.params;

    if (raw.body_too_large) {
        return problemResponse(
            Error{ErrorCode::kPayloadTooLarge, "the request body is too large", {}},
            request.request_id);
    }

    if (route.access == Access::kAuthenticated) {
        const std::string authorization = header(raw, "authorization");
        constexpr std::string_view kBearer = "Bearer ";
        core::Result<domain::Principal> principal =
            authorization.rfind(kBearer, 0) == 0
                ? ctx_.keys.authenticate(std::string_view(authorization).substr(kBearer.size()))
                : core::Result<domain::Principal>(Error{
                      ErrorCode::kUnauthenticated, "send Authorization: Bearer <api key>", {}});
        if (!principal.ok()) {
            Response r = problemResponse(principal.error(), request.request_id);
            if (r.status == 401)
                r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"billwright\"");
            return r;
        }
        request.principal = principal.value();
    }

    request.content_type = mediaType(header(raw, "content-type"));
    request.accept = header(raw, "accept");
    if (hasBody(raw.method) && !raw.body.empty() &&
        !acceptsMediaType(route.body, request.content_type)) {
        return problemResponse(
            Error{ErrorCode::kUnsupportedMediaType,
                  route.body == BodyKind::kBulk
                      ? "send the body as application/json, application/x-ndjson or text/csv"
                      : "send the body as application/json",
                  {}},
            request.request_id);
    }
    request.body = raw.body;
    if (route.body == BodyKind::kRaw) request.headers = raw.headers;
    if (const auto it = raw.headers.find("billwright-tenant"); it != raw.headers.end())
        request.acting_tenant = it->second;

    const std::string idem_key = header(raw, "idempotency-key");
    const bool idempotent = raw.method == "POST" && !idem_key.empty() && request.principal;
    if (raw.method == "POST" && !idem_key.empty() &&
        (idem_key.size() > services::Idempotency::kMaxKeyLength || !isPrintableAscii(idem_key))) {
        return problemResponse(Error::validation("Idempotency-Key", "invalid_header",
                                                 "must be 1 to 255 printable ASCII characters"),
                               request.request_id);
    }
    if (idempotent) {
        request.idempotency_key = idem_key;
        // The acting tenant is part of the request: the same body sent into another tenant is
        // another request.
        const std::string hash =
            services::sha256Hex(raw.method + " " + raw.path + "\n" +
                                request.acting_tenant.value_or("") + "\n" + raw.body);
        const auto decision = ctx_.idempotency.begin(request.caller().key_id, idem_key, hash);
        using Kind = services::IdempotencyDecision::Kind;
        switch (decision.kind) {
            case Kind::kReplay: {
                Response r{decision.status,
                           decision.status >= 400 ? "application/problem+json" : "application/json",
                           decision.body,
                           {{"Idempotent-Replayed", "true"}}};
                return r;
            }
            case Kind::kMismatch:
                return problemResponse(
                    Error{ErrorCode::kIdempotencyKeyReused,
                          "this Idempotency-Key was used with a different request",
                          {}},
                    request.request_id);
            case Kind::kInFlight:
                return problemResponse(
                    Error{ErrorCode::kIdempotencyKeyInFlight,
                          "a request with this Idempotency-Key is still being processed",
                          {}},
                    request.request_id);
            case Kind::kProceed:
                break;
        }
    }

    Response response;
    try {
        HandlerResult result = route.handler(request);
        response = result.ok() ? std::move(result).value()
                               : problemResponse(result.error(), request.request_id);
    } catch (...) {
        if (idempotent) ctx_.idempotency.finish(request.caller().key_id, idem_key, 500, "");
        throw;
    }
    if (idempotent)
        ctx_.idempotency.finish(request.caller().key_id, idem_key, response.status, response.body);
    return response;
}

}  // namespace billwright::http
