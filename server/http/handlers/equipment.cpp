#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

constexpr std::int64_t kMaxQuantity = std::int64_t{1} << 50;

core::Result<services::EquipmentEdit> equipmentEdit(const Request& r, bool creating) {
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto req = creating ? Presence::kRequired : Presence::kOptional;
    struct Fields {
        std::optional<std::string> serial, model;
        std::optional<std::int64_t> hashrate, power;
        std::optional<std::optional<std::int64_t>> efficiency;
        std::optional<std::optional<std::string>> site, owner, port;
        std::optional<domain::EquipmentStatus> status;
    } v;
    v.serial = f.string("serial_number", req, domain::kMaxSerialLength);
    v.model = f.string("model", req, domain::kMaxNameLength);
    v.hashrate = f.fixed("hashrate_ths", req, 3, 1, kMaxQuantity);
    v.power = f.fixed("power_w", req, 3, 1, kMaxQuantity);
    if (f.isNull("efficiency_jth")) {
        v.efficiency = std::optional<std::int64_t>{};
    } else if (auto n = f.fixed("efficiency_jth", Presence::kOptional, 3, 1, kMaxQuantity)) {
        v.efficiency = std::optional<std::int64_t>{*n};
    }
    const auto nullable = [&](const char* name, std::size_t max,
                              std::optional<std::optional<std::string>>& out) {
        if (f.isNull(name)) {
            out = std::optional<std::string>{};
        } else if (auto s = f.string(name, Presence::kOptional, max)) {
            out = std::optional<std::string>{*s};
        }
    };
    nullable("site_id", 64, v.site);
    nullable("owner_customer_id", 64, v.owner);
    nullable("pdu_port", domain::kMaxPortLength, v.port);
    if (auto s = f.oneOf("status", Presence::kOptional,
                         {"online", "offline", "maintenance", "retired"})) {
        v.status = domain::parseEquipmentStatus(*s);
    }
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return services::EquipmentEdit([v](domain::Equipment& e) {
        const bool specs_changed =
            (v.hashrate && *v.hashrate != e.hashrate_mth) || (v.power && *v.power != e.power_mw);
        if (v.serial) e.serial_number = *v.serial;
        if (v.model) e.model = *v.model;
        if (v.hashrate) e.hashrate_mth = *v.hashrate;
        if (v.power) e.power_mw = *v.power;
        if (v.efficiency && *v.efficiency) {
            e.efficiency_mjth = **v.efficiency;
            e.efficiency_computed = false;
        } else if (v.efficiency || (specs_changed && e.efficiency_computed)) {
            e.efficiency_mjth = 0;  // derived again from power / hashrate
        }
        if (v.site) e.site_id = *v.site;
        if (v.owner) e.owner_customer_id = *v.owner;
        if (v.port) e.pdu_port = *v.port;
        if (v.status) e.status = *v.status;
    });
}

HandlerResult createEquipment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto edit = equipmentEdit(r, true);
    if (!edit.ok()) return std::move(edit).error();
    auto e = ctx.inventory.createEquipment(actorOf(r), *tenant, *edit);
    if (!e.ok()) return std::move(e).error();
    return Response::json(201, services::toJson(*e, std::nullopt));
}

HandlerResult listEquipment(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"site_id", "owner", "owner_customer_id", "status", "model",
                                      "search", "contracted"});
    if (!page.ok()) return std::move(page).error();
    core::Error error{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    storage::EquipmentFilter filter;
    const auto param = [&](const char* name) -> std::optional<std::string> {
        const auto it = r.query.find(name);
        if (it == r.query.end()) return std::nullopt;
        return it->second;
    };
    filter.site_id = param("site_id");
    filter.owner_customer_id = param("owner_customer_id");
    filter.model = param("model");
    filter.search = param("search");
    if (const auto owner = param("owner")) {
        if (*owner == "tenant") {
            filter.tenant_owned_only = true;
        } else if (*owner == "customer") {
            filter.customer_owned_only = true;
        } else {
            error.fields.push_back({"owner", "invalid_enum", "must be tenant or customer"});
        }
    }
    if (const auto status = param("status")) {
        filter.status = domain::parseEquipmentStatus(*status);
        if (!filter.status)
            error.fields.push_back(
                {"status", "invalid_enum", "must be one of online, offline, maintenance, retired"});
    }
    if (const auto contracted = param("contracted")) {
        if (*contracted == "true" || *contracted == "false") {
            filter.contracted = *contracted == "true";
        } else {
            error.fields.push_back({"contracted", "invalid_boolean", "must be true or false"});
        }
    }
    if (!error.fields.empty()) return error;
    const auto result = ctx.inventory.listEquipment(*tenant, filter, *page);
    const auto contracts = ctx.inventory.activeContractsOf(*tenant, result.items);
    return Response::json(
        200, listJson(result.items, result.has_more, [&](const auto& e) {
            const auto it = contracts.find(e.id);
            return services::toJson(
                e, it == contracts.end() ? std::nullopt : std::optional<std::string>(it->second));
        }));
}

HandlerResult getEquipment(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto e = ctx.inventory.getEquipment(*tenant, r.param("equipment_id"));
    if (!e.ok()) return std::move(e).error();
    return Response::json(200,
                          services::toJson(*e, ctx.inventory.activeContractOf(*tenant, e->id)));
}

HandlerResult patchEquipment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto edit = equipmentEdit(r, false);
    if (!edit.ok()) return std::move(edit).error();
    auto e = ctx.inventory.updateEquipment(actorOf(r), *tenant, r.param("equipment_id"), *edit);
    if (!e.ok()) return std::move(e).error();
    return Response::json(200,
                          services::toJson(*e, ctx.inventory.activeContractOf(*tenant, e->id)));
}

HandlerResult importEquipment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (r.content_type != "text/csv") {
        return core::Error{core::ErrorCode::kUnsupportedMediaType,
                           "send the import as text/csv with a header line",
                           {}};
    }
    auto result = ctx.inventory.importEquipmentCsv(actorOf(r), *tenant, r.body);
    if (!result.ok()) return std::move(result).error();
    if (!result->errors.empty()) {
        core::Error error{core::ErrorCode::kValidationFailed,
                          "the file has " + std::to_string(result->errors.size()) +
                              " problems; nothing was imported",
                          {}};
        for (const auto& e : result->errors)
            error.fields.push_back({e.field, e.code, e.message, e.line});
        return error;
    }
    core::JsonValue data = core::JsonValue::array();
    for (const auto& e : result->created) data.push(services::toJson(e, std::nullopt));
    core::JsonValue out = core::JsonValue::object();
    out.set("object", core::JsonValue::string("equipment_import"))
        .set("imported", core::JsonValue::number(static_cast<std::int64_t>(result->created.size())))
        .set("data", std::move(data));
    return Response::json(201, out);
}

}  // namespace

void registerEquipmentRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"POST", "/v1/equipment", Access::kAuthenticated, bind(createEquipment)});
    router.add({"GET", "/v1/equipment", Access::kAuthenticated, bind(listEquipment)});
    router.add({"POST", "/v1/equipment/import", Access::kAuthenticated, bind(importEquipment),
                BodyKind::kBulk});
    router.add({"GET", "/v1/equipment/{equipment_id}", Access::kAuthenticated, bind(getEquipment)});
    router.add(
        {"PATCH", "/v1/equipment/{equipment_id}", Access::kAuthenticated, bind(patchEquipment)});
}

}  // namespace billwright::http
