#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace billwright::domain {

enum class Role { kSuper, kTenantAdmin, kTenantViewer };
std::string_view roleName(Role r);
std::optional<Role> parseRole(std::string_view text);

// Metadata of an API key; the secret itself is never stored, only its SHA-256.
struct ApiKey {
    std::string id;                        // "key_..."
    std::optional<std::string> tenant_id;  // empty for super keys
    Role role = Role::kTenantViewer;
    std::string name;
    std::string secret_hash;  // lowercase hex SHA-256 of the secret part
    core::SysSeconds created_at{};
    std::optional<std::string> created_by;  // key id of the creator, none for bootstrap keys
    std::optional<core::SysSeconds> revoked_at;
    std::optional<core::SysSeconds> last_used_at;
};

// Who is calling: derived from the authenticated key for each request.
struct Principal {
    std::string key_id;
    Role role = Role::kTenantViewer;
    std::optional<std::string> tenant_id;

    bool isSuper() const { return role == Role::kSuper; }
    // May this principal read objects of `tenant`?
    bool canRead(std::string_view tenant) const {
        return isSuper() || (tenant_id && *tenant_id == tenant);
    }
};

// The actor recorded for changes made by the server itself (scheduler jobs).
inline constexpr std::string_view kSystemActor = "system";

}  // namespace billwright::domain
