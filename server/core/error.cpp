#include "core/error.h"

namespace billwright::core {

std::string_view errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kValidationFailed:
            return "validation_failed";
        case ErrorCode::kMalformedRequest:
            return "malformed_request";
        case ErrorCode::kUnauthenticated:
            return "unauthenticated";
        case ErrorCode::kForbidden:
            return "forbidden";
        case ErrorCode::kTenantSuspended:
            return "tenant_suspended";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kRouteNotFound:
            return "route_not_found";
        case ErrorCode::kMethodNotAllowed:
            return "method_not_allowed";
        case ErrorCode::kConflict:
            return "conflict";
        case ErrorCode::kInvalidTransition:
            return "invalid_transition";
        case ErrorCode::kIdempotencyKeyReused:
            return "idempotency_key_reused";
        case ErrorCode::kIdempotencyKeyInFlight:
            return "idempotency_key_in_flight";
        case ErrorCode::kPayloadTooLarge:
            return "payload_too_large";
        case ErrorCode::kUnsupportedMediaType:
            return "unsupported_media_type";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kPluginFailed:
            return "plugin_failed";
        case ErrorCode::kInvalidSignature:
            return "invalid_signature";
        case ErrorCode::kInternal:
            return "internal";
    }
    return "internal";
}

Error Error::validation(std::string field, std::string field_code, std::string message) {
    Error e{ErrorCode::kValidationFailed, "the request has invalid fields", {}};
    e.fields.push_back({std::move(field), std::move(field_code), std::move(message)});
    return e;
}

Error Error::notFound(std::string what) {
    return Error{ErrorCode::kNotFound, std::move(what) + " not found", {}};
}

Error Error::conflict(std::string detail) {
    return Error{ErrorCode::kConflict, std::move(detail), {}};
}

Error Error::internal(std::string detail) {
    return Error{ErrorCode::kInternal, std::move(detail), {}};
}

}  // namespace billwright::core
