#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "http/request.h"
#include "services/actor.h"
#include "storage/repositories.h"

namespace billwright::http {

// Another tenant's object answers 404, exactly like a missing one.
// The audit actor of a request: its key and request id.
inline services::Actor actorOf(const Request& request) {
    return services::Actor::of(request.caller(), request.request_id);
}

core::Status requireVisibleTenant(const Request& request, const std::string& tenant_id);
core::Status requireSuper(const Request& request);
// tenant_admin or super; tenant_viewer is read-only.
core::Status requireWriter(const Request& request);

// The tenant a tenant-scoped route (/v1/customers, /v1/contracts, ...) acts in. A tenant key
// acts in its own tenant; a Billwright-Tenant header naming another tenant answers 404 like
// any other tenant's object. A super key must name an existing tenant with Billwright-Tenant
// (422 naming the header when it is missing, 404 when the tenant does not exist).
core::Result<std::string> tenantScope(const Request& request, storage::Store& store);
// tenantScope for a write: also refuses viewer keys (403).
core::Result<std::string> writableTenantScope(const Request& request, storage::Store& store);

// {"object": "list", "data": [...], "has_more": bool, "next_cursor": id | null}
template <typename T, typename ToJson>
core::JsonValue listJson(const std::vector<T>& items, bool has_more, ToJson&& to_json);

// The same list written as text, each item by write_item(writer, item): for lists of objects
// whose representation is a core::JsonWriter function.
template <typename T, typename WriteItem>
void writeList(core::JsonWriter& w, const std::vector<T>& items, bool has_more,
               WriteItem&& write_item) {
    w.beginObject().key("object").string("list").key("data").beginArray();
    for (const auto& item : items) write_item(w, item);
    w.endArray().key("has_more").boolean(has_more).key("next_cursor");
    if (has_more && !items.empty()) {
        w.string(items.back().id);
    } else {
        w.null();
    }
    w.endObject();
}

template <typename T, typename ToJson>
core::JsonValue listJson(const std::vector<T>& items, bool has_more, ToJson&& to_json) {
    core::JsonValue data = core::JsonValue::array();
    for (const auto& item : items) data.push(to_json(item));
    core::JsonValue out = core::JsonValue::object();
    out.set("object", core::JsonValue::string("list"))
        .set("data", std::move(data))
        .set("has_more", core::JsonValue::boolean(has_more))
        .set("next_cursor", has_more && !items.empty() ? core::JsonValue::string(items.back().id)
                                                       : core::JsonValue::null());
    return out;
}

// The same shape for a list that is never paginated (has_more false, no cursor).
inline core::JsonValue completeListJson(core::JsonValue data) {
    core::JsonValue out = core::JsonValue::object();
    out.set("object", core::JsonValue::string("list"))
        .set("data", std::move(data))
        .set("has_more", core::JsonValue::boolean(false))
        .set("next_cursor", core::JsonValue::null());
    return out;
}

}  // namespace billwright::http
