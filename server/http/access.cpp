#include "http/access.h"

namespace billwright::http {

using core::Error;
using core::ErrorCode;

core::Status requireVisibleTenant(const Request& request, const std::string& tenant_id) {
    if (!request.caller().canRead(tenant_id)) return Error::notFound("tenant");
    return {};
}

core::Status requireSuper(const Request& request) {
    if (!request.caller().isSuper()) {
        return Error{ErrorCode::kForbidden, "this needs a super key", {}};
    }
    return {};
}

core::Status requireWriter(const Request& request) {
    if (request.caller().role == domain::Role::kTenantViewer) {
        return Error{ErrorCode::kForbidden, "viewer keys are read-only", {}};
    }
    return {};
}

}  // namespace billwright::http
