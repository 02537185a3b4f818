#include "domain/api_key.h"

namespace billwright::domain {

std::string_view roleName(Role r) {
    switch (r) {
        case Role::kSuper:
            return "super";
        case Role::kTenantAdmin:
            return "tenant_admin";
        case Role::kTenantViewer:
            return "tenant_viewer";
    }
    return "tenant_viewer";
}

std::optional<Role> parseRole(std::string_view text) {
    for (const auto r : {Role::kSuper, Role::kTenantAdmin, Role::kTenantViewer}) {
        if (roleName(r) == text) return r;
    }
    return std::nullopt;
}

}  // namespace billwright::domain
