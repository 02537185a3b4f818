#pragma once

#include <optional>
#include <string>

#include "core/clock.h"

namespace billwright::domain {

// One change to the system: who, when, what, and the object before and after (JSON text in
// the API representation, secrets never included).
struct AuditEvent {
    std::string id;  // "aud_..."
    std::optional<std::string>
        tenant_id;            // the tenant the object belongs to; none for platform-wide
    std::string actor;        // key id, or "system" for scheduler jobs
    std::string actor_role;   // role name, or "system"
    std::string action;       // e.g. "billing_config.updated"
    std::string object_type;  // e.g. "billing_config"
    std::string object_id;
    std::optional<std::string> before_json;
    std::optional<std::string> after_json;
    std::optional<std::string> request_id;
    core::SysSeconds created_at{};
};

}  // namespace billwright::domain
