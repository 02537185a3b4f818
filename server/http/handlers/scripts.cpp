#include "services/scripts.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "scripting/limits.h"

namespace billwright::http {
namespace {

using core::JsonValue;

constexpr std::size_t kMaxIdLength = 64;

std::optional<std::int64_t> versionParam(const Request& r) {
    const std::string& text = r.param("version");
    std::int64_t v = 0;
    for (const char ch : text) {
        if (ch < '0' || ch > '9' || v > 1'000'000'000) return std::nullopt;
        v = v * 10 + (ch - '0');
    }
    if (text.empty() || v < 1) return std::nullopt;
    return v;
}

HandlerResult listScripts(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {}); !s.ok()) return std::move(s).error();
    JsonValue data = JsonValue::array();
    for (const auto& s : ctx.scripts.list(*tenant)) data.push(services::toJson(s));
    return Response::json(200, completeListJson(std::move(data)));
}

HandlerResult getScript(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view = ctx.scripts.get(*tenant, r.param("name"));
    if (!view.ok()) return std::move(view).error();
    return Response::json(200, services::toJson(*view));
}

// A new version: {"kind": "rate", "source": "..."} (kind may be left out once the script
// exists). 201 with the script and its versions; 422 listing every validation problem.
HandlerResult uploadVersion(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    auto kind = f.oneOf("kind", Presence::kOptional, {"rate", "fees", "invoice_adjust"});
    const auto source = f.string("source", Presence::kRequired, scripting::kMaxSourceBytes + 1);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    if (!kind) {
        auto existing = ctx.scripts.get(*tenant, r.param("name"));
        if (!existing.ok())
            return core::Error::validation("kind", "required",
                                           "name the kind of a new script: rate, fees or "
                                           "invoice_adjust");
        kind = existing->script.kind;
    }
    auto view = ctx.scripts.upload(actorOf(r), *tenant, r.param("name"), *kind, *source);
    if (!view.ok()) return std::move(view).error();
    return Response::json(201, services::toJson(*view));
}

HandlerResult listVersions(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view = ctx.scripts.get(*tenant, r.param("name"));
    if (!view.ok()) return std::move(view).error();
    JsonValue data = JsonValue::array();
    for (const auto& v : view->versions) data.push(services::toJson(v));
    return Response::json(200, completeListJson(std::move(data)));
}

HandlerResult getVersion(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    const auto version = versionParam(r);
    if (!version) return core::Error::notFound("script version");
    auto v = ctx.scripts.version(*tenant, r.param("name"), *version);
    if (!v.ok()) return std::move(v).error();
    return Response::json(200, services::toJson(*v));
}

std::optional<std::int64_t> optionalVersion(FieldReader& f) {
    return f.integer("version", Presence::kOptional, 1, 1'000'000'000);
}

using VersionAction = core::Result<services::ScriptView> (services::Scripts::*)(
    const services::Actor&, const std::string&, const std::string&, std::optional<std::int64_t>);

// activate and rollback: {"version": n} optional.
HandlerResult versionAction(ApiContext& ctx, Request& r, VersionAction action) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto version = optionalVersion(f);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto view = (ctx.scripts.*action)(actorOf(r), *tenant, r.param("name"), version);
    if (!view.ok()) return std::move(view).error();
    return Response::json(200, services::toJson(*view));
}

HandlerResult activateScript(ApiContext& ctx, Request& r) {
    return versionAction(ctx, r, &services::Scripts::activate);
}

HandlerResult rollbackScript(ApiContext& ctx, Request& r) {
    return versionAction(ctx, r, &services::Scripts::rollback);
}

HandlerResult deactivateScript(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto b = parseBody(r.body); !b.ok()) return std::move(b).error();
    auto view = ctx.scripts.deactivate(actorOf(r), *tenant, r.param("name"));
    if (!view.ok()) return std::move(view).error();
    return Response::json(200, services::toJson(*view));
}

// Runs a version without activating it: on a supplied context (any kind), on a real contract
// and period (rate: that contract's energy lines), or on a customer's invoice for a period
// (invoice_adjust: the whole preview). Nothing is saved; failures are a 422 naming the
// failure code and line.
HandlerResult dryRunScript(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto version = optionalVersion(f);
    const auto contract_id = f.string("contract_id", Presence::kOptional, kMaxIdLength);
    const auto customer_id = f.string("customer_id", Presence::kOptional, kMaxIdLength);
    const auto period_start = f.date("period_start", Presence::kOptional);
    const JsonValue* context = f.object("context", Presence::kOptional);
    const int modes = (context != nullptr ? 1 : 0) + (contract_id ? 1 : 0) + (customer_id ? 1 : 0);
    if (modes != 1)
        f.addError("context", "required",
                   "send exactly one of context, contract_id (rate) or customer_id "
                   "(invoice_adjust)");
    if ((contract_id || customer_id) && !period_start)
        f.addError("period_start", "required", "name the billing period's first day");
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();

    auto script = ctx.store.read([&](storage::UnitOfWork& uow) {
        return ctx.scripts.runnable(uow, *tenant, r.param("name"), version);
    });
    if (!script.ok()) return std::move(script).error();
    if (context != nullptr) {
        auto out = ctx.scripts.dryRunContext(*script, *context);
        if (!out.ok()) {
            ctx.scripts.auditDryRunFailure(actorOf(r), *tenant, *script, out.error());
            return std::move(out).error();
        }
        out->set("object", JsonValue::string("script_dry_run"));
        return Response::json(200, *out);
    }
    std::string customer;
    if (contract_id) {
        if (script->kind != scripting::ScriptKind::kRate)
            return core::Error::validation("contract_id", "not_applicable",
                                           "a contract dry run is for rate scripts");
        auto contract = ctx.contracts.get(*tenant, *contract_id);
        if (!contract.ok()) return std::move(contract).error();
        customer = contract->contract.customer_id;
    } else {
        if (script->kind != scripting::ScriptKind::kInvoiceAdjust)
            return core::Error::validation("customer_id", "not_applicable",
                                           "a customer dry run is for invoice_adjust scripts");
        customer = *customer_id;
    }
    auto inv = ctx.invoicing.previewWithScript(*tenant, customer, *period_start, *script);
    if (!inv.ok()) {
        ctx.scripts.auditDryRunFailure(actorOf(r), *tenant, *script, inv.error());
        return std::move(inv).error();
    }
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("script_dry_run"))
        .set("script", JsonValue::string(script->name))
        .set("version", JsonValue::number(script->version))
        .set("kind", JsonValue::string(std::string(scripting::kindName(script->kind))));
    JsonValue invoice = services::toJson(*inv);
    if (contract_id) {
        // Only the contract's lines, and their sum.
        JsonValue lines = JsonValue::array();
        std::int64_t total = 0;
        for (const auto& l : inv->lines) {
            if (l.contract_id != *contract_id) continue;
            total += l.amount_minor;
        }
        if (const auto* all = invoice.find("lines"); all != nullptr && all->isArray()) {
            for (const auto& l : all->items()) {
                const auto* c = l.find("contract_id");
                if (c != nullptr && c->isString() && c->asString() == *contract_id) lines.push(l);
            }
        }
        out.set("contract_id", JsonValue::string(*contract_id))
            .set("lines", std::move(lines))
            .set("amount_minor", JsonValue::number(total))
            .set("currency", JsonValue::string(std::string(inv->currency.code)));
    } else {
        out.set("invoice", std::move(invoice));
    }
    return Response::json(200, out);
}

HandlerResult getScriptLimits(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto limits = ctx.scripts.limits(*tenant);
    if (!limits.ok()) return std::move(limits).error();
    return Response::json(200, services::toJson(*limits));
}

// The operator sets a tenant's limits (super-admin keys only, naming the tenant).
HandlerResult patchScriptLimits(ApiContext& ctx, Request& r) {
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    if (!body->isObject())
        return core::Error::validation("", "wrong_type", "the body must be a JSON object");
    auto limits = ctx.scripts.setLimits(actorOf(r), *tenant, *body);
    if (!limits.ok()) return std::move(limits).error();
    return Response::json(200, services::toJson(*limits));
}

HandlerResult resetScriptLimits(ApiContext& ctx, Request& r) {
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto limits = ctx.scripts.setLimits(actorOf(r), *tenant, JsonValue::null());
    if (!limits.ok()) return std::move(limits).error();
    return Response::json(200, services::toJson(*limits));
}

}  // namespace

void registerScriptRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    const auto auth = Access::kAuthenticated;
    router.add({"GET", "/v1/scripts", auth, bind(listScripts)});
    router.add({"GET", "/v1/scripts/{name}", auth, bind(getScript)});
    router.add({"POST", "/v1/scripts/{name}/versions", auth, bind(uploadVersion)});
    router.add({"GET", "/v1/scripts/{name}/versions", auth, bind(listVersions)});
    router.add({"GET", "/v1/scripts/{name}/versions/{version}", auth, bind(getVersion)});
    router.add({"POST", "/v1/scripts/{name}/activate", auth, bind(activateScript)});
    router.add({"POST", "/v1/scripts/{name}/rollback", auth, bind(rollbackScript)});
    router.add({"POST", "/v1/scripts/{name}/deactivate", auth, bind(deactivateScript)});
    router.add({"POST", "/v1/scripts/{name}/dry-run", auth, bind(dryRunScript)});
    router.add({"GET", "/v1/script-limits", auth, bind(getScriptLimits)});
    router.add({"PATCH", "/v1/script-limits", auth, bind(patchScriptLimits)});
    router.add({"DELETE", "/v1/script-limits", auth, bind(resetScriptLimits)});
}

}  // namespace billwright::http
