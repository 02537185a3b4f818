#include "services/revenue_guard.h"

#include "core/random.h"
#include "domain/tenant.h"
#include "services/audit.h"
#include "services/representation.h"
#include "services/webhooks.h"

namespace billwright::services {

using core::Error;
using core::JsonValue;

namespace {

struct ChangeNames {
    const char* kind;          // customer_status_events.kind
    const char* audit_action;  // audit_events.action
};

ChangeNames namesOf(CustomerStatusChange change) {
    switch (change) {
        case CustomerStatusChange::kSetDefault:
            return {"default_set", "customer.default_set"};
        case CustomerStatusChange::kClearDefault:
            return {"default_cleared", "customer.default_cleared"};
        case CustomerStatusChange::kRedirectOn:
            return {"redirect_on", "customer.pool_redirect_activated"};
        case CustomerStatusChange::kRedirectOff:
            break;
    }
    return {"redirect_off", "customer.pool_redirect_deactivated"};
}

// Applies the change to `c`; false when `c` is already in that state.
bool apply(domain::Customer& c, CustomerStatusChange change,
           const std::optional<std::string>& reason, core::SysSeconds now) {
    switch (change) {
        case CustomerStatusChange::kSetDefault:
            if (c.in_default) return false;
            c.in_default = true;
            c.default_reason = reason;
            c.default_since = now;
            return true;
        case CustomerStatusChange::kClearDefault:
            if (!c.in_default) return false;
            c.in_default = false;
            c.default_reason.reset();
            c.default_since.reset();
            return true;
        case CustomerStatusChange::kRedirectOn:
        case CustomerStatusChange::kRedirectOff: {
            const bool on = change == CustomerStatusChange::kRedirectOn;
            if (c.pool_redirect == on) return false;
            c.pool_redirect = on;
            return true;
        }
    }
    return false;
}

// Queues the signed event of a redirect change; returns its id. Without a configured URL the
// message is kept as failed (dead letter) with the reason, to be retried once a URL is set.
std::string queueRedirectEvent(storage::UnitOfWork& uow, const core::Clock& clock,
                               const Actor& actor, const domain::Customer& c,
                               const std::optional<std::string>& reason) {
    const auto now = clock.nowSeconds();
    WebhookEvent event;
    event.id = core::newId("evt", unixMillis(clock));
    event.type = std::string(c.pool_redirect ? kRedirectActivated : kRedirectDeactivated);
    event.created_at = now;
    event.tenant_id = c.tenant_id;
    JsonValue units = JsonValue::array();
    for (const auto& u : uow.revenueGuard().activeEquipmentOf(c.tenant_id, c.id)) {
        JsonValue unit = JsonValue::object();
        unit.set("id", JsonValue::string(u.id))
            .set("serial_number", JsonValue::string(u.serial_number))
            .set("site_id", optionalString(u.site_id));
        units.push(std::move(unit));
    }
    event.data.set("customer_id", JsonValue::string(c.id))
        .set("customer_name", JsonValue::string(c.name))
        .set("company_name", optionalString(c.company_name))
        .set("equipment", std::move(units))
        .set("actor", JsonValue::string(actor.id))
        .set("reason", optionalString(reason));

    storage::OutboxMessage m;
    m.id = core::newId("msg", unixMillis(clock));
    m.tenant_id = c.tenant_id;
    m.kind = event.type;
    m.channel = "webhook";
    m.dedupe_key = "webhook:" + event.id;
    m.recipient = std::string(kWebhookRecipient);
    m.subject = event.id;
    m.body = webhookBody(event);
    m.object_id = c.id;
    m.next_attempt_at = now;
    m.created_at = now;
    const auto settings = uow.revenueGuard().findSettings(c.tenant_id);
    if (!settings || !settings->webhook_url) {
        m.status = "failed";
        m.last_error =
            "no webhook URL is configured (PUT /v1/revenue-guard/settings); retry this message "
            "once it is";
    }
    uow.outbox().enqueue(m);
    return event.id;
}

std::string secretPlace(const std::string& tenant_id) {
    return "revenue_guard:" + tenant_id + ":webhook_secret";
}

RevenueGuardSettingsView viewOf(const storage::RevenueGuardSettings& s) {
    RevenueGuardSettingsView v;
    v.webhook_url = s.webhook_url;
    v.webhook_secret_set = s.webhook_secret_sealed.has_value();
    v.updated_at = s.updated_at;
    return v;
}

Error noMasterKey() {
    return Error{core::ErrorCode::kUnavailable,
                 "this server has no secrets.master_key configured, so it cannot store or open "
                 "the webhook secret",
                 {}};
}

}  // namespace

core::Result<domain::Customer> changeCustomerStatus(storage::UnitOfWork& uow,
                                                    const core::Clock& clock, const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& customer_id,
                                                    CustomerStatusChange change,
                                                    const std::optional<std::string>& reason) {
    if (reason && !domain::isValidText(*reason, domain::kMaxReasonLength))
        return Error::validation("reason", "invalid_text", "must be 1 to 500 bytes of text");
    if (change == CustomerStatusChange::kSetDefault && !reason)
        return Error::validation("reason", "required",
                                 "a customer goes into default with a reason");
    const auto existing = uow.customers().find(tenant_id, customer_id);
    if (!existing) return Error::notFound("customer");
    if (existing->archived_at)
        return Error::conflict("the customer is archived; unarchive it before changing it");
    domain::Customer c = *existing;
    const auto now = clock.nowSeconds();
    if (!apply(c, change, reason, now)) return c;
    c.updated_at = now;
    uow.customers().update(c);

    const ChangeNames names = namesOf(change);
    storage::CustomerStatusEvent event;
    event.id = core::newId("cse", unixMillis(clock));
    event.tenant_id = tenant_id;
    event.customer_id = customer_id;
    event.kind = names.kind;
    event.actor = actor.id;
    event.actor_role = actor.role;
    event.reason = reason;
    event.created_at = now;
    if (change == CustomerStatusChange::kRedirectOn || change == CustomerStatusChange::kRedirectOff)
        event.webhook_event_id = queueRedirectEvent(uow, clock, actor, c, reason);
    uow.revenueGuard().insertStatusEvent(event);
    recordAudit(uow, actor, clock, tenant_id, names.audit_action, "customer", c.id,
                toJson(*existing), toJson(c));
    return c;
}

RevenueGuard::RevenueGuard(storage::Store& store, const core::Clock& clock, Telemetry& telemetry,
                           const SecretBox* secrets)
    : store_(store), clock_(clock), telemetry_(telemetry), secrets_(secrets) {}

core::Result<domain::Customer> RevenueGuard::change(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& customer_id,
                                                    CustomerStatusChange change,
                                                    const std::optional<std::string>& reason) {
    return store_.write([&](storage::UnitOfWork& uow) {
        return changeCustomerStatus(uow, clock_, actor, tenant_id, customer_id, change, reason);
    });
}

core::Result<Page<storage::CustomerStatusEvent>> RevenueGuard::statusEvents(
    const std::string& tenant_id, const std::string& customer_id,
    const storage::PageRequest& page) {
    return store_.read(
        [&](storage::UnitOfWork& uow) -> core::Result<Page<storage::CustomerStatusEvent>> {
            if (!uow.customers().find(tenant_id, customer_id)) return Error::notFound("customer");
            return toPage(uow.revenueGuard().listStatusEvents(tenant_id, customer_id, page),
                          page.limit);
        });
}

core::Result<RevenueGuardSettingsView> RevenueGuard::settings(const std::string& tenant_id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<RevenueGuardSettingsView> {
        const auto stored = uow.revenueGuard().findSettings(tenant_id);
        if (!stored) return RevenueGuardSettingsView{};
        return viewOf(*stored);
    });
}

core::Result<RevenueGuardSettingsView> RevenueGuard::updateSettings(
    const Actor& actor, const std::string& tenant_id, const RevenueGuardSettingsEdit& edit) {
    Error invalid{core::ErrorCode::kValidationFailed, "the settings have invalid fields", {}};
    if (edit.webhook_url) {
        if (auto s = checkWebhookUrl(*edit.webhook_url, "webhook_url"); !s.ok())
            invalid.fields.push_back(s.error().fields.at(0));
    }
    if (edit.webhook_secret) {
        if (auto s = checkWebhookSecret(*edit.webhook_secret, "webhook_secret"); !s.ok())
            invalid.fields.push_back(s.error().fields.at(0));
    }
    if (!invalid.fields.empty()) return invalid;
    const auto now = clock_.nowSeconds();
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<RevenueGuardSettingsView> {
        const auto stored = uow.revenueGuard().findSettings(tenant_id);
        storage::RevenueGuardSettings next;
        if (stored) {
            next = *stored;
        } else {
            next.tenant_id = tenant_id;
            next.created_at = now;
        }
        std::optional<std::string> generated;
        std::optional<std::string> secret = edit.webhook_secret;
        if (!secret && !next.webhook_secret_sealed && edit.webhook_url) {
            generated = newWebhookSecret();
            secret = generated;
        }
        if (secret) {
            if (secrets_ == nullptr) return noMasterKey();
            next.webhook_secret_sealed = secrets_->seal(*secret, secretPlace(tenant_id));
            next.key_id = secrets_->keyId();
        }
        next.webhook_url = edit.webhook_url;
        next.updated_at = now;
        uow.revenueGuard().upsertSettings(next);
        RevenueGuardSettingsView view = viewOf(next);
        recordAudit(uow, actor, clock_, tenant_id, "revenue_guard_settings.updated",
                    "revenue_guard_settings", tenant_id,
                    stored ? std::optional<JsonValue>(toJson(viewOf(*stored))) : std::nullopt,
                    toJson(view));
        view.generated_secret = std::move(generated);
        return view;
    });
}

core::Result<WebhookEndpoint> RevenueGuard::webhookEndpoint(const std::string& tenant_id) {
    const auto stored = store_
                            .read([&](storage::UnitOfWork& uow) {
                                return core::Result<std::optional<storage::RevenueGuardSettings>>(
                                    uow.revenueGuard().findSettings(tenant_id));
                            })
                            .value();
    if (!stored || !stored->webhook_url || !stored->webhook_secret_sealed) {
        return Error{core::ErrorCode::kNotFound,
                     "no webhook URL is configured (PUT /v1/revenue-guard/settings)",
                     {}};
    }
    if (secrets_ == nullptr) return noMasterKey();
    auto secret = secrets_->open(*stored->webhook_secret_sealed, secretPlace(tenant_id));
    if (!secret.ok()) {
        return Error{core::ErrorCode::kUnavailable,
                     "the webhook secret does not open under the configured master key",
                     {}};
    }
    return WebhookEndpoint{*stored->webhook_url, std::move(*secret)};
}

RevenueGuardSummary RevenueGuard::summary(const std::string& tenant_id,
                                          std::int64_t window_seconds) {
    RevenueGuardSummary out =
        store_
            .read([&](storage::UnitOfWork& uow) {
                RevenueGuardSummary s;
                auto& rg = uow.revenueGuard();
                s.in_default_count = rg.countInDefault(tenant_id);
                storage::CustomerFilter filter;
                filter.in_default = true;
                storage::PageRequest page;
                page.limit = kSummaryPageSize;
                s.in_default = toPage(uow.customers().list(tenant_id, filter, page), page.limit);
                s.redirects_active = rg.countRedirected(tenant_id);
                s.overdue = rg.overdueByCurrency(tenant_id);
                return core::Result<RevenueGuardSummary>(std::move(s));
            })
            .value();
    out.uncontracted_count = telemetry_.uncontracted(tenant_id, window_seconds, 0).count;
    return out;
}

JsonValue toJson(const storage::CustomerStatusEvent& e) {
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("customer_status_event"))
        .set("id", JsonValue::string(e.id))
        .set("customer_id", JsonValue::string(e.customer_id))
        .set("kind", JsonValue::string(e.kind))
        .set("actor", JsonValue::string(e.actor))
        .set("actor_role", JsonValue::string(e.actor_role))
        .set("reason", optionalString(e.reason))
        .set("webhook_event_id", optionalString(e.webhook_event_id))
        .set("created_at", timestampJson(e.created_at));
    return out;
}

JsonValue toJson(const RevenueGuardSettingsView& v) {
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("revenue_guard_settings"))
        .set("webhook_url", optionalString(v.webhook_url))
        .set("webhook_secret_set", JsonValue::boolean(v.webhook_secret_set))
        .set("updated_at", optionalTimestamp(v.updated_at));
    if (v.generated_secret) out.set("webhook_secret", JsonValue::string(*v.generated_secret));
    return out;
}

}  // namespace billwright::services
