#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/api_key.h"

namespace billwright::services {

// Who makes a change, for the audit trail.
struct Actor {
    std::string id;    // key id, or "system"
    std::string role;  // role name, or "system"
    std::optional<std::string> request_id;

    static Actor of(const domain::Principal& p, std::optional<std::string> request_id) {
        return Actor{p.key_id, std::string(domain::roleName(p.role)), std::move(request_id)};
    }
    // The server itself, e.g. "system:overdue_sweep"; no request id.
    static Actor system(std::string_view job) {
        return Actor{std::string(domain::kSystemActor) + ":" + std::string(job),
                     std::string(domain::kSystemActor), std::nullopt};
    }
};

}  // namespace billwright::services
