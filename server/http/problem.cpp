#include "http/problem.h"

namespace billwright::http {

using core::ErrorCode;

ProblemKind problemKind(ErrorCode code) {
    switch (code) {
        case ErrorCode::kValidationFailed:
            return {422, "Validation failed"};
        case ErrorCode::kMalformedRequest:
            return {400, "Malformed request"};
        case ErrorCode::kUnauthenticated:
            return {401, "Authentication required"};
        case ErrorCode::kForbidden:
            return {403, "Forbidden"};
        case ErrorCode::kTenantSuspended:
            return {403, "Tenant suspended"};
        case ErrorCode::kNotFound:
            return {404, "Not found"};
        case ErrorCode::kRouteNotFound:
            return {404, "No such route"};
        case ErrorCode::kMethodNotAllowed:
            return {405, "Method not allowed"};
        case ErrorCode::kConflict:
            return {409, "Conflict"};
        case ErrorCode::kInvalidTransition:
            return {409, "Invalid status transition"};
        case ErrorCode::kIdempotencyKeyReused:
            return {409, "Idempotency key reused"};
        case ErrorCode::kIdempotencyKeyInFlight:
            return {409, "Idempotency key in use"};
        case ErrorCode::kPayloadTooLarge:
            return {413, "Payload too large"};
        case ErrorCode::kUnsupportedMediaType:
            return {415, "Unsupported media type"};
        case ErrorCode::kUnavailable:
            return {503, "Service unavailable"};
        case ErrorCode::kPluginFailed:
            return {502, "Plugin failed"};
        case ErrorCode::kInvalidSignature:
            return {400, "Invalid signature"};
        case ErrorCode::kInternal:
            return {500, "Internal error"};
    }
    return {500, "Internal error"};
}

Response problemResponse(const core::Error& error, const std::string& request_id) {
    const ProblemKind kind = problemKind(error.code);
    const std::string code(core::errorCodeName(error.code));
    core::JsonValue body = core::JsonValue::object();
    body.set("type", core::JsonValue::string("https://billwright.dev/problems/" + code))
        .set("title", core::JsonValue::string(std::string(kind.title)))
        .set("status", core::JsonValue::number(kind.status))
        .set("code", core::JsonValue::string(code))
        .set("detail", core::JsonValue::string(error.detail))
        .set("request_id", core::JsonValue::string(request_id));
    if (!error.fields.empty()) {
        core::JsonValue errors = core::JsonValue::array();
        for (const auto& f : error.fields) {
            core::JsonValue item = core::JsonValue::object();
            item.set("field", core::JsonValue::string(f.field))
                .set("code", core::JsonValue::string(f.code))
                .set("message", core::JsonValue::string(f.message));
            if (f.line)
                item.set("line", core::JsonValue::number(static_cast<std::int64_t>(*f.line)));
            errors.push(std::move(item));
        }
        body.set("errors", std::move(errors));
    }
    Response r = Response::json(kind.status, body);
    r.content_type = "application/problem+json";
    return r;
}

Response Response::json(int status, const core::JsonValue& value) {
    return Response{status, "application/json", core::toJson(value), {}};
}

Response Response::text(int status, std::string content_type, std::string body) {
    return Response{status, std::move(content_type), std::move(body), {}};
}

}  // namespace billwright::http
