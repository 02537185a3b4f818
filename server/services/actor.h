#pragma once

#include <optional>
#include <string>

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
    static Actor system(std::string job) {
        return Actor{std::string(domain::kSystemActor), std::string(domain::kSystemActor),
                     std::move(job)};
    }
};

}  // namespace billwright::services
