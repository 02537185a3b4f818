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

core::Result<std::string> tenantScope(const Request& request, storage::Store& store) {
    const auto& caller = request.caller();
    if (!caller.isSuper()) {
        if (request.acting_tenant && *request.acting_tenant != *caller.tenant_id)
            return Error::notFound("tenant");
        return *caller.tenant_id;
    }
    if (!request.acting_tenant || request.acting_tenant->empty()) {
        return Error::validation("Billwright-Tenant", "required",
                                 "a super key names the tenant it acts in with this header");
    }
    const std::string tenant_id = *request.acting_tenant;
    const bool exists =
        store
            .read([&](storage::UnitOfWork& uow) {
                return core::Result<bool>(uow.tenants().find(tenant_id).has_value());
            })
            .value();
    if (!exists) return Error::notFound("tenant");
    return tenant_id;
}

core::Result<std::string> writableTenantScope(const Request& request, storage::Store& store) {
    auto tenant = tenantScope(request, store);  // another tenant stays a 404, even for viewers
    if (!tenant.ok()) return tenant;
    if (auto s = requireWriter(request); !s.ok()) return std::move(s).error();
    return tenant;
}

}  // namespace billwright::http
