#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "services/actor.h"
#include "storage/repositories.h"

namespace billwright::services {

// Writes one audit event inside the caller's transaction, so the change and its record commit
// or roll back together.
void recordAudit(storage::UnitOfWork& uow, const Actor& actor, const core::Clock& clock,
                 const std::optional<std::string>& tenant_id, std::string action,
                 std::string object_type, std::string object_id,
                 const std::optional<core::JsonValue>& before,
                 const std::optional<core::JsonValue>& after);

std::int64_t unixMillis(const core::Clock& clock);

// The audit trail, newest first; limit + 1 rows (see storage::PageRequest).
std::vector<domain::AuditEvent> listAuditEvents(storage::Store& store,
                                                const std::optional<std::string>& tenant_id,
                                                const storage::PageRequest& page);

}  // namespace billwright::services
