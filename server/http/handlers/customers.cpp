#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;

// Reads the customer fields of a create (all required ones present) or update (any subset)
// body into an edit. Nullable text fields are cleared with JSON null.
core::Result<services::CustomerEdit> customerEdit(const Request& r, bool creating) {
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto req = creating ? Presence::kRequired : Presence::kOptional;
    const auto opt = Presence::kOptional;
    struct Fields {
        std::optional<std::string> name, contact_email, billing_currency;
        std::optional<std::optional<std::string>> company_name, billing_email, phone,
            internal_notes, default_reason;
        std::optional<bool> active, portal_access, in_default, billing_hold, pool_redirect,
            auto_pay;
        std::optional<std::optional<bool>> show_line_items;
    } v;
    const auto nullable = [&](const char* name, std::size_t max,
                              std::optional<std::optional<std::string>>& out) {
        if (f.isNull(name)) {
            out = std::optional<std::string>{};
        } else if (auto s = f.string(name, opt, max)) {
            out = std::optional<std::string>{*s};
        }
    };
    v.name = f.string("name", req, domain::kMaxNameLength);
    v.contact_email = f.string("contact_email", req, 254);
    nullable("company_name", domain::kMaxNameLength, v.company_name);
    nullable("billing_email", 254, v.billing_email);
    nullable("phone", 40, v.phone);
    nullable("internal_notes", domain::kMaxNotesLength, v.internal_notes);
    nullable("default_reason", domain::kMaxReasonLength, v.default_reason);
    v.billing_currency = f.string("billing_currency", opt, 3);
    if (!creating && v.billing_currency) {
        f.addError("billing_currency", "immutable",
                   "is fixed at creation; contracts and balances are in this currency");
    }
    v.active = f.boolean("active", opt);
    v.portal_access = f.boolean("portal_access", opt);
    v.in_default = f.boolean("in_default", opt);
    v.billing_hold = f.boolean("billing_hold", opt);
    v.pool_redirect = f.boolean("pool_redirect", opt);
    v.auto_pay = f.boolean("auto_pay", opt);
    if (f.isNull("show_line_items")) {
        v.show_line_items = std::optional<bool>{};
    } else if (auto b = f.boolean("show_line_items", opt)) {
        v.show_line_items = std::optional<bool>{*b};
    }
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return services::CustomerEdit([v](domain::Customer& c) {
        if (v.name) c.name = *v.name;
        if (v.contact_email) c.contact_email = *v.contact_email;
        if (v.company_name) c.company_name = *v.company_name;
        if (v.billing_email) c.billing_email = *v.billing_email;
        if (v.phone) c.phone = *v.phone;
        if (v.internal_notes) c.internal_notes = *v.internal_notes;
        if (v.default_reason) c.default_reason = *v.default_reason;
        if (v.billing_currency) c.billing_currency = *v.billing_currency;
        if (v.active) c.active = *v.active;
        if (v.portal_access) c.portal_access = *v.portal_access;
        if (v.in_default) c.in_default = *v.in_default;
        if (v.billing_hold) c.billing_hold = *v.billing_hold;
        if (v.pool_redirect) c.pool_redirect = *v.pool_redirect;
        if (v.auto_pay) c.auto_pay = *v.auto_pay;
        if (v.show_line_items) c.show_line_items = *v.show_line_items;
    });
}

core::JsonValue customerJson(const domain::Customer& c) { return services::toJson(c); }

HandlerResult createCustomer(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto edit = customerEdit(r, true);
    if (!edit.ok()) return std::move(edit).error();
    auto c = ctx.inventory.createCustomer(actorOf(r), *tenant, *edit);
    if (!c.ok()) return std::move(c).error();
    return Response::json(201, customerJson(*c));
}

std::optional<bool> boolParam(const Request& r, const std::string& name, core::Error& error) {
    const auto it = r.query.find(name);
    if (it == r.query.end()) return std::nullopt;
    if (it->second == "true") return true;
    if (it->second == "false") return false;
    error.fields.push_back({name, "invalid_boolean", "must be true or false"});
    return std::nullopt;
}

HandlerResult listCustomers(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page =
        pageRequest(r.query, {"search", "active", "in_default", "billing_hold", "archived"});
    if (!page.ok()) return std::move(page).error();
    Error error{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    storage::CustomerFilter filter;
    if (const auto it = r.query.find("search"); it != r.query.end()) {
        if (it->second.empty() || it->second.size() > 200) {
            error.fields.push_back({"search", "out_of_range", "must be 1 to 200 characters"});
        } else {
            filter.search = it->second;
        }
    }
    filter.active = boolParam(r, "active", error);
    filter.in_default = boolParam(r, "in_default", error);
    filter.billing_hold = boolParam(r, "billing_hold", error);
    filter.archived = boolParam(r, "archived", error).value_or(false);
    if (!error.fields.empty()) return error;
    const auto result = ctx.inventory.listCustomers(*tenant, filter, *page);
    return Response::json(200, listJson(result.items, result.has_more, customerJson));
}

HandlerResult getCustomer(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto c = ctx.inventory.getCustomer(*tenant, r.param("customer_id"));
    if (!c.ok()) return std::move(c).error();
    return Response::json(200, customerJson(*c));
}

HandlerResult patchCustomer(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto edit = customerEdit(r, false);
    if (!edit.ok()) return std::move(edit).error();
    auto c = ctx.inventory.updateCustomer(actorOf(r), *tenant, r.param("customer_id"), *edit);
    if (!c.ok()) return std::move(c).error();
    return Response::json(200, customerJson(*c));
}

HandlerResult archiveCustomer(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto c = ctx.inventory.archiveCustomer(actorOf(r), *tenant, r.param("customer_id"));
    if (!c.ok()) return std::move(c).error();
    return Response::json(200, customerJson(*c));
}

HandlerResult unarchiveCustomer(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto c = ctx.inventory.unarchiveCustomer(actorOf(r), *tenant, r.param("customer_id"));
    if (!c.ok()) return std::move(c).error();
    return Response::json(200, customerJson(*c));
}

}  // namespace

void registerCustomerRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"POST", "/v1/customers", Access::kAuthenticated, bind(createCustomer)});
    router.add({"GET", "/v1/customers", Access::kAuthenticated, bind(listCustomers)});
    router.add({"GET", "/v1/customers/{customer_id}", Access::kAuthenticated, bind(getCustomer)});
    router.add(
        {"PATCH", "/v1/customers/{customer_id}", Access::kAuthenticated, bind(patchCustomer)});
    router.add({"POST", "/v1/customers/{customer_id}/archive", Access::kAuthenticated,
                bind(archiveCustomer)});
    router.add({"POST", "/v1/customers/{customer_id}/unarchive", Access::kAuthenticated,
                bind(unarchiveCustomer)});
}

}  // namespace billwright::http
