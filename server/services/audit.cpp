#include "services/audit.h"

#include "core/random.h"

namespace billwright::services {

std::int64_t unixMillis(const core::Clock& clock) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
        .count();
}

void recordAudit(storage::UnitOfWork& uow, const Actor& actor, const core::Clock& clock,
                 const std::optional<std::string>& tenant_id, std::string action,
                 std::string object_type, std::string object_id,
                 const std::optional<core::JsonValue>& before,
                 const std::optional<core::JsonValue>& after) {
    domain::AuditEvent event;
    event.id = core::newId("aud", unixMillis(clock));
    event.tenant_id = tenant_id;
    event.actor = actor.id;
    event.actor_role = actor.role;
    event.action = std::move(action);
    event.object_type = std::move(object_type);
    event.object_id = std::move(object_id);
    if (before) event.before_json = core::toJson(*before);
    if (after) event.after_json = core::toJson(*after);
    event.request_id = actor.request_id;
    event.created_at = clock.nowSeconds();
    uow.audit().insert(event);
}

std::vector<domain::AuditEvent> listAuditEvents(storage::Store& store,
                                                const std::optional<std::string>& tenant_id,
                                                const storage::PageRequest& page) {
    return store.read([&](storage::UnitOfWork& uow) { return uow.audit().list(tenant_id, page); });
}

}  // namespace billwright::services
