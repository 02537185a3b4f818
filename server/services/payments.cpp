#include "services/payments.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/random.h"
#include "core/time_zone.h"
#include "domain/currency.h"
#include "domain/invoice.h"
#include "services/audit.h"
#include "services/invoicing.h"
#include "services/representation.h"
#include "services/revenue_guard.h"

namespace billwright::services {

using core::Error;
using core::ErrorCode;
using core::JsonValue;
using domain::Invoice;
using domain::InvoiceStatus;
using domain::Payment;
using domain::PaymentStatus;

namespace {

constexpr std::size_t kJobBatch = 100;
// An open payment untouched this long is asked about again by the reconciliation job.
constexpr auto kReconcileAfter = std::chrono::minutes{10};
// A collection that could not even be attempted is tried again this much later.
constexpr auto kRetryLater = std::chrono::hours{24};

bool takesPayments(InvoiceStatus s) {
    return s == InvoiceStatus::kIssued || s == InvoiceStatus::kOverdue;
}

bool isOffSession(const std::string& trigger) { return trigger != "api"; }

Error paymentRefused(std::string field, std::string code, std::string message) {
    return Error::validation(std::move(field), std::move(code), std::move(message));
}

core::Date todayIn(const std::string& timezone, core::SysSeconds now) {
    return core::TimeZone::loadOr(timezone, core::TimeZone::utc()).localDate(now);
}

// "2.9" -> 29000 (millionths); nullopt unless a decimal in [0, 100) with at most 4 places.
std::optional<std::int64_t> percentMillionths(const std::string& text) {
    std::int64_t whole = 0;
    std::int64_t fraction = 0;
    int places = 0;
    bool dot = false;
    bool digits = false;
    for (const char ch : text) {
        if (ch == '.' && !dot) {
            dot = true;
            continue;
        }
        if (ch < '0' || ch > '9') return std::nullopt;
        digits = true;
        if (dot) {
            if (++places > 4) return std::nullopt;
            fraction = fraction * 10 + (ch - '0');
        } else {
            whole = whole * 10 + (ch - '0');
            if (whole >= 100) return std::nullopt;
        }
    }
    if (!digits) return std::nullopt;
    for (int i = places; i < 4; ++i) fraction *= 10;
    return whole * 10000 + fraction;
}

// The surcharge of a charge through a processor whose tenant configuration passes its fee on
// (the convention of the fee_mode / fee_percent / fee_fixed_minor keys, docs/plugins.md).
core::Result<std::int64_t> surchargeFor(const plugins::PluginSettings& settings,
                                        const std::string& plugin_id, std::int64_t net_minor) {
    const auto mode = settings.config.find("fee_mode");
    if (mode == settings.config.end() || mode->second != "pass_through") return std::int64_t{0};
    const auto percent_it = settings.config.find("fee_percent");
    const auto fixed_it = settings.config.find("fee_fixed_minor");
    const auto percent =
        percentMillionths(percent_it == settings.config.end() ? "0" : percent_it->second);
    std::int64_t fixed = 0;
    if (fixed_it != settings.config.end()) {
        const auto& text = fixed_it->second;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fixed);
        if (ec != std::errc{} || end != text.data() + text.size() || fixed < 0)
            return Error::validation(plugin_id + ".fee_fixed_minor", "invalid",
                                     "must be a whole number of minor units, 0 or more");
    }
    if (!percent)
        return Error::validation(plugin_id + ".fee_percent", "invalid",
                                 "must be a percentage from 0 to below 100, at most 4 decimals");
    const auto surcharge = domain::passThroughSurcharge(net_minor, *percent, fixed);
    if (!surcharge)
        return Error::validation("amount", "out_of_range", "the processing fee overflows");
    return *surcharge;
}

plugins::Payer payerOf(const domain::Customer& c, const domain::PaymentMethod* method) {
    plugins::Payer p;
    p.kind = "customer";
    p.id = c.id;
    p.name = c.name;
    p.email = c.invoiceEmail();
    if (method != nullptr && method->provider_customer)
        p.provider_customer = *method->provider_customer;
    return p;
}

// "parameter reference is required" -> the field "params.reference".
std::string fieldOf(const std::string& message, const std::string& fallback) {
    constexpr std::string_view kPrefix = "parameter ";
    if (message.rfind(kPrefix, 0) != 0) return fallback;
    const auto name =
        message.substr(kPrefix.size(), message.find(' ', kPrefix.size()) - kPrefix.size());
    return name.empty() ? fallback : "params." + name;
}

// A processor error in answer to a request: a refusal of what was asked is the caller's 422,
// everything else says the processor failed.
Error processorError(const plugins::ProcessorError& e, const std::string& plugin_id,
                     const std::string& field) {
    if (e.status == BW_ERR_INVALID_ARGUMENT && !e.broken_result)
        return Error::validation(fieldOf(e.message, field), "refused_by_processor",
                                 plugin_id + ": " + e.message);
    if (e.status == BW_ERR_NOT_FOUND) return Error::notFound(plugin_id + " object");
    return e.toError(plugin_id);
}

// Whether an error leaves the outcome of a provider call unknown (try again with the same key).
bool outcomeUnknown(const plugins::ProcessorError& e) {
    return !e.broken_result && (e.status == BW_ERR_TIMEOUT || e.status == BW_ERR_NETWORK ||
                                e.status == BW_ERR_UNAVAILABLE);
}

PaymentStatus statusOf(plugins::PaymentStatus s) {
    switch (s) {
        case plugins::PaymentStatus::kSucceeded:
            return PaymentStatus::kSucceeded;
        case plugins::PaymentStatus::kPending:
            return PaymentStatus::kPending;
        case plugins::PaymentStatus::kRequiresAction:
            return PaymentStatus::kRequiresAction;
        case plugins::PaymentStatus::kFailed:
            return PaymentStatus::kFailed;
        case plugins::PaymentStatus::kCanceled:
            return PaymentStatus::kCanceled;
        case plugins::PaymentStatus::kPartial:
            return PaymentStatus::kPartial;
    }
    return PaymentStatus::kPending;
}

domain::MethodStatus methodStatusOf(plugins::MethodStatus s) {
    switch (s) {
        case plugins::MethodStatus::kActive:
            return domain::MethodStatus::kActive;
        case plugins::MethodStatus::kPendingVerification:
            return domain::MethodStatus::kPendingVerification;
        case plugins::MethodStatus::kFailed:
            return domain::MethodStatus::kFailed;
    }
    return domain::MethodStatus::kFailed;
}

domain::Currency currencyOf(const std::string& code) {
    return domain::findCurrency(code).value_or(domain::Currency{"USD", 2});
}

}  // namespace

// What a processor said about a payment (a charge's answer, a lookup, a webhook).
struct Payments::Report {
    PaymentStatus status = PaymentStatus::kPending;
    std::string reference;
    std::int64_t received_minor = 0;
    std::optional<std::int64_t> fee_minor;
    std::string failure_code;
    std::string failure_message;
    std::string action_url;
    std::string source;  // "charge", "lookup", "webhook evt_..."

    static Report of(const plugins::PaymentResult& r, std::string source) {
        Report out;
        out.status = statusOf(r.status);
        out.reference = r.reference;
        out.received_minor = r.amount_received_minor;
        out.fee_minor = r.fee_minor;
        out.failure_code = r.failure_code;
        out.failure_message = r.failure_message;
        out.action_url = r.action_url;
        out.source = std::move(source);
        return out;
    }
};

struct Payments::Prepared {
    std::string tenant_id;
    Payment payment;
    bool record_only = false;  // a processor that records money received: written once accepted
    const plugins::LoadedPlugin* plugin = nullptr;
    plugins::PaymentCallContext context;
    plugins::ChargeRequest request;
};

Payments::Payments(storage::Store& store, const core::Clock& clock, Plugins& plugins,
                   core::Logger& log, core::Metrics& metrics)
    : store_(store), clock_(clock), plugins_(plugins), log_(log), metrics_(metrics) {}

// ---------------------------------------------------------------------------------------------
// Methods on file

namespace {

// The customer's method `method_id` on file (not removed), or nullopt.
std::optional<domain::PaymentMethod> methodOnFile(storage::UnitOfWork& uow,
                                                  const std::string& tenant_id,
                                                  const std::string& customer_id,
                                                  const std::string& method_id) {
    auto m = uow.paymentMethods().find(tenant_id, method_id);
    if (!m || m->customer_id != customer_id || m->status == domain::MethodStatus::kRemoved)
        return std::nullopt;
    return m;
}

// Every other default of the customer stops being one: one default at a time.
void dropOtherDefaults(storage::UnitOfWork& uow, const std::string& tenant_id,
                       const std::string& customer_id, const std::string& keep,
                       core::SysSeconds now) {
    for (auto& other : uow.paymentMethods().list(tenant_id, customer_id)) {
        if (!other.is_default || other.id == keep) continue;
        other.is_default = false;
        other.updated_at = now;
        uow.paymentMethods().update(other);
    }
}

// The charge of `p` for its invoice, as the processor gets it (the same on every retry).
plugins::ChargeRequest chargeRequestOf(const Payment& p, const Invoice& inv,
                                       const domain::Customer& customer,
                                       const domain::PaymentMethod* method) {
    plugins::ChargeRequest r;
    r.payer = payerOf(customer, method);
    r.payment_id = p.id;
    r.invoice_id = inv.id;
    r.idempotency_key = p.idempotency_key;
    r.amount = {p.amount_minor, p.currency, inv.currency.exponent};
    r.surcharge_minor = p.surcharge_minor;
    r.method_reference = method != nullptr ? method->reference : "";
    r.off_session = isOffSession(p.trigger);
    r.description = "Invoice " + inv.invoice_number.value_or(inv.id) + " (" + inv.customer_id + ")";
    return r;
}

core::Result<plugins::PaymentProcessor> processorOf(Plugins& plugins,
                                                    const std::string& plugin_id) {
    const auto* plugin = plugins.find(plugin_id);
    if (plugin == nullptr)
        return Error::validation("plugin_id", "unknown", "no such plugin loaded");
    auto processor = plugins::PaymentProcessor::of(plugins.environment(), *plugin);
    if (!processor)
        return Error::validation("plugin_id", "not_a_processor",
                                 plugin_id + " is not a payment processor");
    return processor;
}

}  // namespace

// What starting or filing a method needs: the processor (one that keeps methods on file), the
// tenant's settings of it, and the payer with the provider's customer from an earlier method.
struct Payments::MethodCall {
    plugins::PaymentProcessor processor;
    plugins::PaymentCallContext context;
    plugins::MethodRequest request;
};

core::Result<Payments::MethodCall> Payments::methodCall(
    const std::string& tenant_id, const std::string& customer_id, const std::string& plugin_id,
    const std::map<std::string, std::string>& params) {
    auto processor = processorOf(plugins_, plugin_id);
    if (!processor) return std::move(processor).error();
    if (!processor->has(BW_PROCESSOR_NEEDS_METHOD))
        return Error::validation("plugin_id", "no_methods",
                                 plugin_id + " keeps no payment methods on file");
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<MethodCall> {
        auto customer = uow.customers().find(tenant_id, customer_id);
        if (!customer) return Error::notFound("customer");
        auto settings = plugins_.settingsFor(uow, tenant_id, processor->plugin());
        if (!settings) return std::move(settings).error();
        MethodCall call{
            *processor, plugins_.paymentContext(tenant_id, std::move(*settings), params), {}};
        call.request.payer = payerOf(*customer, nullptr);
        for (const auto& m : uow.paymentMethods().list(tenant_id, customer_id)) {
            if (m.plugin_id == plugin_id && m.provider_customer) {
                call.request.payer.provider_customer = *m.provider_customer;
                break;
            }
        }
        return call;
    });
}

core::Result<MethodSession> Payments::beginMethod(
    const Actor& actor, const std::string& tenant_id, const std::string& customer_id,
    const std::string& plugin_id, const std::map<std::string, std::string>& params) {
    auto call = methodCall(tenant_id, customer_id, plugin_id, params);
    if (!call) return std::move(call).error();
    const auto result = call->processor.beginMethod(call->context, call->request);
    if (!result) return processorError(result.error(), plugin_id, "plugin_id");
    log_.info("payment method session begun", {{"tenant_id", tenant_id},
                                               {"customer_id", customer_id},
                                               {"plugin", plugin_id},
                                               {"actor", actor.id}});
    MethodSession out;
    out.plugin_id = plugin_id;
    out.client_token = result->client_token;
    if (result->client_token_expires_at > 0) out.expires_at = result->client_token_expires_at;
    out.provider_customer = result->provider_customer;
    return out;
}

core::Result<domain::PaymentMethod> Payments::addMethod(
    const Actor& actor, const std::string& tenant_id, const std::string& customer_id,
    const std::string& plugin_id, const std::string& token, bool make_default,
    const std::map<std::string, std::string>& params) {
    auto call = methodCall(tenant_id, customer_id, plugin_id, params);
    if (!call) return std::move(call).error();
    call->request.token = token;
    const auto result = call->processor.setupMethod(call->context, call->request);
    if (!result) return processorError(result.error(), plugin_id, "token");

    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::PaymentMethod> {
        if (!uow.customers().find(tenant_id, customer_id)) return Error::notFound("customer");
        if (uow.paymentMethods().findByReference(tenant_id, plugin_id, result->reference))
            return Error{ErrorCode::kConflict,
                         "this payment method is already on file",
                         {{"token", "duplicate", "the processor's method is already on file"}}};
        const auto now = clock_.nowSeconds();
        domain::PaymentMethod m;
        m.id = core::newId("pm", unixMillis(clock_));
        m.tenant_id = tenant_id;
        m.customer_id = customer_id;
        m.plugin_id = plugin_id;
        m.type = std::string(plugins::methodTypeName(*result->method_type));
        m.reference = result->reference;
        if (!result->provider_customer.empty()) m.provider_customer = result->provider_customer;
        m.label = result->label.empty() ? m.type : result->label;
        m.status = methodStatusOf(result->status.value_or(plugins::MethodStatus::kActive));
        const auto existing = uow.paymentMethods().list(tenant_id, customer_id);
        const bool has_default = std::any_of(existing.begin(), existing.end(),
                                             [](const auto& x) { return x.is_default; });
        // Only a method that can be charged now becomes the default.
        m.is_default = m.status == domain::MethodStatus::kActive && (make_default || !has_default);
        if (m.is_default) dropOtherDefaults(uow, tenant_id, customer_id, m.id, now);
        m.created_by = actor.id;
        m.created_at = m.updated_at = now;
        uow.paymentMethods().insert(m);
        recordAudit(uow, actor, clock_, tenant_id, "payment_method.added", "payment_method", m.id,
                    std::nullopt, toJson(m));
        return m;
    });
}

core::Result<std::vector<domain::PaymentMethod>> Payments::listMethods(
    const std::string& tenant_id, const std::string& customer_id) {
    return store_.read(
        [&](storage::UnitOfWork& uow) -> core::Result<std::vector<domain::PaymentMethod>> {
            if (!uow.customers().find(tenant_id, customer_id)) return Error::notFound("customer");
            return uow.paymentMethods().list(tenant_id, customer_id);
        });
}

core::Result<domain::PaymentMethod> Payments::getMethod(const std::string& tenant_id,
                                                        const std::string& customer_id,
                                                        const std::string& method_id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::PaymentMethod> {
        auto m = methodOnFile(uow, tenant_id, customer_id, method_id);
        if (!m) return Error::notFound("payment method");
        return *m;
    });
}

core::Result<domain::PaymentMethod> Payments::makeDefault(const Actor& actor,
                                                          const std::string& tenant_id,
                                                          const std::string& customer_id,
                                                          const std::string& method_id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::PaymentMethod> {
        auto m = methodOnFile(uow, tenant_id, customer_id, method_id);
        if (!m) return Error::notFound("payment method");
        if (m->status != domain::MethodStatus::kActive)
            return Error{ErrorCode::kInvalidTransition,
                         "only an active method can be the default",
                         {{"status", std::string(domain::methodStatusName(m->status)),
                           "the method's current status"}}};
        const auto now = clock_.nowSeconds();
        dropOtherDefaults(uow, tenant_id, customer_id, m->id, now);
        if (!m->is_default) {
            m->is_default = true;
            m->updated_at = now;
            uow.paymentMethods().update(*m);
            recordAudit(uow, actor, clock_, tenant_id, "payment_method.made_default",
                        "payment_method", m->id, std::nullopt, toJson(*m));
        }
        return *m;
    });
}

core::Result<domain::PaymentMethod> Payments::removeMethod(const Actor& actor,
                                                           const std::string& tenant_id,
                                                           const std::string& customer_id,
                                                           const std::string& method_id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::PaymentMethod> {
        auto m = methodOnFile(uow, tenant_id, customer_id, method_id);
        if (!m) return Error::notFound("payment method");
        const auto before = toJson(*m);
        const bool was_default = m->is_default;
        m->status = domain::MethodStatus::kRemoved;
        m->is_default = false;
        m->updated_at = clock_.nowSeconds();
        uow.paymentMethods().update(*m);
        if (was_default) {
            auto customer = uow.customers().find(tenant_id, customer_id);
            if (customer && customer->auto_pay) {
                customer->auto_pay = false;
                customer->updated_at = clock_.nowSeconds();
                uow.customers().update(*customer);
            }
        }
        recordAudit(uow, actor, clock_, tenant_id, "payment_method.removed", "payment_method",
                    m->id, before, toJson(*m));
        return *m;
    });
}

// ---------------------------------------------------------------------------------------------
// Paying

core::Result<domain::Payment> Payments::pay(const Actor& actor, const std::string& tenant_id,
                                            const std::string& invoice_id,
                                            const PayRequest& request) {
    if (request.method_id.has_value() == request.plugin_id.has_value())
        return paymentRefused("payment_method_id", "required",
                              "give either payment_method_id or plugin_id (a manual record)");
    if (request.amount_minor && *request.amount_minor <= 0)
        return paymentRefused("amount", "out_of_range", "must be more than zero");
    const std::string plugin_id = request.plugin_id.value_or("");

    auto prepared = store_.write([&](storage::UnitOfWork& uow) -> core::Result<Prepared> {
        // Locked first: a second payment of the invoice waits here until this one is written,
        // then sees it (below) instead of deadlocking with it.
        auto inv = uow.invoices().findForUpdate(tenant_id, invoice_id);
        if (!inv) return Error::notFound("invoice");
        if (!takesPayments(inv->status)) {
            Error e{ErrorCode::kInvalidTransition,
                    "only an issued or overdue invoice takes payments; this one is " +
                        std::string(domain::invoiceStatusName(inv->status)),
                    {}};
            e.fields.push_back({"status", std::string(domain::invoiceStatusName(inv->status)),
                                "the invoice's current status"});
            return e;
        }
        auto customer = uow.customers().find(tenant_id, inv->customer_id);
        if (!customer) return Error::notFound("invoice");
        std::optional<domain::PaymentMethod> method;
        if (request.method_id) {
            method = methodOnFile(uow, tenant_id, inv->customer_id, *request.method_id);
            if (!method)
                return paymentRefused("payment_method_id", "unknown",
                                      "no such payment method on file for the invoice's customer");
            if (method->status != domain::MethodStatus::kActive)
                return paymentRefused("payment_method_id", "not_active",
                                      "the payment method is " +
                                          std::string(domain::methodStatusName(method->status)));
        }
        const std::string pid = method ? method->plugin_id : plugin_id;
        const auto* plugin = plugins_.find(pid);
        if (plugin == nullptr)
            return paymentRefused(method ? "payment_method_id" : "plugin_id", "unknown",
                                  "plugin " + pid + " is not loaded");
        auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *plugin);
        if (!processor)
            return paymentRefused("plugin_id", "not_a_processor",
                                  pid + " is not a payment processor");
        if (!method && processor->has(BW_PROCESSOR_NEEDS_METHOD))
            return paymentRefused("plugin_id", "needs_method",
                                  pid + " charges a method on file: give payment_method_id");
        if (isOffSession(request.trigger) && !processor->has(BW_PROCESSOR_OFF_SESSION))
            return paymentRefused(method ? "payment_method_id" : "plugin_id", "not_off_session",
                                  pid + " cannot charge with nobody present");
        // One charge at a time: a second one while the first is unanswered or settling could
        // take the money twice.
        storage::PageRequest all{1000, std::nullopt};
        for (const auto& p :
             uow.payments().list(tenant_id, {std::nullopt, invoice_id, std::nullopt}, all)) {
            if (p.status == PaymentStatus::kProcessing || p.status == PaymentStatus::kPending)
                return Error{ErrorCode::kConflict,
                             "payment " + p.id + " of this invoice is still " +
                                 std::string(domain::paymentStatusName(p.status)),
                             {}};
        }
        auto settings = plugins_.settingsFor(uow, tenant_id, *plugin);
        if (!settings) return std::move(settings).error();
        const std::int64_t net = request.amount_minor.value_or(inv->amount_due_minor);
        if (net <= 0) return paymentRefused("amount", "nothing_due", "the invoice owes nothing");
        std::int64_t surcharge = 0;
        if (method) {
            auto s = surchargeFor(*settings, pid, net);
            if (!s) return std::move(s).error();
            surcharge = *s;
        }
        const auto now = clock_.nowSeconds();
        Payment p;
        p.id = core::newId("pay", unixMillis(clock_));
        p.tenant_id = tenant_id;
        p.customer_id = inv->customer_id;
        p.invoice_id = inv->id;
        p.plugin_id = pid;
        if (method) p.method_id = method->id;
        p.trigger = request.trigger;
        p.currency = std::string(inv->currency.code);
        p.amount_minor = net + surcharge;
        p.surcharge_minor = surcharge;
        p.idempotency_key = p.id;
        p.created_by = actor.id;
        p.created_at = p.updated_at = now;
        if (auto it = request.params.find("note"); it != request.params.end()) p.note = it->second;
        p.call_params = request.params;
        p.return_url = request.return_url;
        if (auto it = request.params.find("received_on"); it != request.params.end())
            p.received_on = core::parseIsoDate(it->second);

        Prepared out;
        out.tenant_id = tenant_id;
        out.plugin = plugin;
        out.context = plugins_.paymentContext(tenant_id, std::move(*settings), request.params);
        out.request = chargeRequestOf(p, *inv, *customer, method ? &*method : nullptr);
        out.request.return_url = request.return_url;
        // A record of money already received is only written once the processor accepted it
        // (it is a check, not a charge); a charge is written before the provider is asked, so
        // an answer that never comes leaves a payment to ask about with the same key.
        out.record_only = !method && processor->has(BW_PROCESSOR_RECORDS);
        if (!out.record_only) {
            uow.payments().insert(p);
            recordAudit(uow, actor, clock_, tenant_id, "payment.started", "payment", p.id,
                        std::nullopt, toJson(p));
        }
        out.payment = std::move(p);
        return out;
    });
    if (!prepared) return std::move(prepared).error();
    return charge(actor, std::move(*prepared));
}

core::Result<domain::Payment> Payments::charge(const Actor& actor, Prepared prepared) {
    auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *prepared.plugin);
    if (!processor) return Error::internal("not a processor");
    const auto result = processor->charge(prepared.context, prepared.request);
    metrics_.increment("billwright_payment_calls_total",
                       {{"plugin", prepared.payment.plugin_id},
                        {"outcome", result ? std::string(plugins::paymentStatusName(result->status))
                                           : std::string("error")}});
    if (prepared.record_only) {
        // A manual record: refused input changes nothing; an accepted one is written at once.
        if (!result) return processorError(result.error(), prepared.payment.plugin_id, "params");
        Payment p = prepared.payment;
        p.reference = result->reference;
        try {
            return store_.write([&](storage::UnitOfWork& uow) -> core::Result<Payment> {
                auto inv = uow.invoices().findForUpdate(p.tenant_id, p.invoice_id);
                if (!inv || !takesPayments(inv->status))
                    return Error::conflict("the invoice changed meanwhile; try again");
                uow.payments().insert(p);
                recordAudit(uow, actor, clock_, p.tenant_id, "payment.recorded", "payment", p.id,
                            std::nullopt, toJson(p));
                return applyReportIn(uow, actor, p.tenant_id, p.id, Report::of(*result, "record"));
            });
        } catch (const storage::DbError& e) {
            if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
        }
        return Error{
            ErrorCode::kConflict,
            "a payment with this reference is already recorded",
            {{"params.reference", "duplicate",
              "the same reference was recorded before through " + prepared.payment.plugin_id}}};
    }
    if (!result) {
        const auto& e = result.error();
        if (outcomeUnknown(e)) {
            log_.warning("payment outcome unknown; it will be asked again",
                         {{"payment_id", prepared.payment.id},
                          {"plugin", prepared.payment.plugin_id},
                          {"error", e.describe()}});
            return get(prepared.tenant_id, prepared.payment.id);
        }
        Report failed;
        failed.status = PaymentStatus::kFailed;
        failed.failure_code = e.broken_result ? "processor_error" : "processor_refused";
        failed.failure_message = e.describe();
        failed.source = "charge";
        return applyReport(actor, prepared.tenant_id, prepared.payment.id, failed);
    }
    return applyReport(actor, prepared.tenant_id, prepared.payment.id,
                       Report::of(*result, "charge"));
}

// Applies what the processor said, once: a status that may not follow the payment's current
// one changes nothing (final statuses never change). Money received lands on the invoice up to
// what it owes and the rest on the credit balance; a failed collection schedules its retry.
core::Result<domain::Payment> Payments::applyReport(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& payment_id,
                                                    const Report& report) {
    return store_.write([&](storage::UnitOfWork& uow) {
        return applyReportIn(uow, actor, tenant_id, payment_id, report);
    });
}

core::Result<domain::Payment> Payments::applyReportIn(storage::UnitOfWork& uow, const Actor& actor,
                                                      const std::string& tenant_id,
                                                      const std::string& payment_id,
                                                      const Report& report) {
    {
        // The payment, then its invoice, locked as they are read: both are written below, and
        // two reports at once (on one payment, or on two payments of one invoice) that had
        // both only read them would deadlock on the writes.
        auto found = uow.payments().findForUpdate(tenant_id, payment_id);
        if (!found) return Error::notFound("payment");
        Payment p = *found;
        const auto now = clock_.nowSeconds();
        if (p.reference.value_or("").empty() && !report.reference.empty())
            p.reference = report.reference;
        if (!domain::mayMove(p.status, report.status)) {
            if (p.reference != found->reference) {
                p.updated_at = now;
                uow.payments().update(p);
            }
            return p;
        }
        auto inv = uow.invoices().findForUpdate(tenant_id, p.invoice_id);
        auto customer = uow.customers().find(tenant_id, p.customer_id);
        const auto tenant = uow.tenants().find(tenant_id);
        if (!inv || !customer || !tenant) return Error::notFound("invoice");
        const auto before_payment = toJson(p);
        p.status = report.status;
        p.updated_at = now;
        p.action_url = report.action_url.empty() ? std::nullopt
                                                 : std::optional<std::string>(report.action_url);
        if (!report.failure_code.empty()) p.failure_code = report.failure_code;
        if (!report.failure_message.empty()) p.failure_message = report.failure_message;
        if (report.fee_minor && *report.fee_minor >= 0) p.fee_minor = report.fee_minor;
        if (domain::isFinal(p.status)) p.settled_at = now;

        Invoice updated = *inv;
        const bool paid_now =
            p.status == PaymentStatus::kSucceeded || p.status == PaymentStatus::kPartial;
        if (paid_now) {
            p.received_minor = report.received_minor;
            const bool open = takesPayments(updated.status);
            // The payer paid the processing fee on top: it becomes a line of the invoice, which
            // the payment then covers with the rest.
            if (open && p.status == PaymentStatus::kSucceeded && p.surcharge_minor > 0) {
                domain::InvoiceLine fee;
                fee.id = core::newId("inl", unixMillis(clock_));
                fee.position = static_cast<int>(updated.lines.size()) + 1;
                fee.kind = domain::LineKind::kProcessingFee;
                fee.formula = domain::LineFormula::kFixed;
                fee.description = "Processing fee (payment " + p.id + ")";
                fee.plugin_id = p.plugin_id;
                fee.amount_minor = p.surcharge_minor;
                fee.taxable = false;
                updated.lines.push_back(fee);
                if (auto s = domain::computeTotals(updated); !s.ok()) return std::move(s).error();
                uow.invoices().replaceLines(updated);
            }
            const auto split =
                domain::splitPayment(p.received_minor, updated.amount_due_minor, open);
            p.applied_minor = split.applied_minor;
            p.credited_minor = split.credited_minor;
            if (split.applied_minor > 0) {
                updated.amount_paid_minor += split.applied_minor;
                updated.amount_due_minor -= split.applied_minor;
            }
            if (split.credited_minor > 0)
                moveCredit(uow, actor, clock_, *customer, updated.currency, "overpayment",
                           split.credited_minor, updated.id,
                           "payment " + p.id + " exceeded what the invoice owed", p.id);
            if (open && updated.amount_due_minor <= 0) {
                updated.status = InvoiceStatus::kPaid;
                updated.paid_date = p.received_on.value_or(todayIn(tenant->timezone, now));
                updated.collect_at.reset();
                updated.collection_failures = 0;
                updated.first_failure_at.reset();
            }
        } else if ((p.status == PaymentStatus::kFailed || p.status == PaymentStatus::kCanceled) &&
                   isOffSession(p.trigger) && takesPayments(updated.status)) {
            // A failed collection: retry on the tenant's schedule; exhausted, the invoice is
            // overdue and the customer in default (seed 000, "Handling failed payments").
            auto settings =
                uow.tenantSettings().find(tenant_id).value_or(domain::TenantBillingSettings{});
            if (!updated.first_failure_at) updated.first_failure_at = now;
            updated.collection_failures += 1;
            updated.collect_at =
                domain::nextRetryAt(settings.payment_retry_days, updated.collection_failures,
                                    *updated.first_failure_at);
            if (!updated.collect_at) {
                if (updated.status == InvoiceStatus::kIssued)
                    updated.status = InvoiceStatus::kOverdue;
                // RevenueGuard flags the customer (seed 000): in default, future invoices held.
                auto flagged = changeCustomerStatus(
                    uow, clock_, actor, tenant_id, customer->id, CustomerStatusChange::kSetDefault,
                    "automatic payment of invoice " + updated.invoice_number.value_or(updated.id) +
                        " failed " + std::to_string(updated.collection_failures) + " times");
                if (!flagged && flagged.error().code != ErrorCode::kConflict)
                    return std::move(flagged).error();
                recordAudit(
                    uow, actor, clock_, tenant_id, "invoice.collection_exhausted", "invoice",
                    updated.id, std::nullopt,
                    JsonValue::object().set(
                        "failures", JsonValue::number(std::int64_t{updated.collection_failures})));
            }
        }
        uow.payments().update(p);
        if (updated.amount_paid_minor != inv->amount_paid_minor || updated.status != inv->status ||
            updated.collect_at != inv->collect_at ||
            updated.collection_failures != inv->collection_failures ||
            updated.total_minor != inv->total_minor) {
            updated.updated_at = now;
            uow.invoices().update(updated);
            if (updated.status != inv->status)
                recordAudit(
                    uow, actor, clock_, tenant_id,
                    updated.status == InvoiceStatus::kPaid ? "invoice.paid" : "invoice.overdue",
                    "invoice", updated.id,
                    JsonValue::object().set("status", JsonValue::string(std::string(
                                                          domain::invoiceStatusName(inv->status)))),
                    JsonValue::object()
                        .set("status", JsonValue::string(
                                           std::string(domain::invoiceStatusName(updated.status))))
                        .set("payment_id", JsonValue::string(p.id)));
        }
        recordAudit(uow, actor, clock_, tenant_id,
                    "payment." + std::string(domain::paymentStatusName(p.status)), "payment", p.id,
                    before_payment, toJson(p).set("source", JsonValue::string(report.source)));
        return p;
    }
}

core::Result<domain::Payment> Payments::get(const std::string& tenant_id, const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<Payment> {
        auto p = uow.payments().find(tenant_id, id);
        if (!p) return Error::notFound("payment");
        return *p;
    });
}

core::Result<Page<domain::Payment>> Payments::list(const std::string& tenant_id,
                                                   const storage::PaymentFilter& filter,
                                                   const storage::PageRequest& page) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<Page<Payment>> {
        return toPage(uow.payments().list(tenant_id, filter, page), page.limit);
    });
}

core::Result<domain::Payment> Payments::refresh(const Actor& actor, const std::string& tenant_id,
                                                const std::string& payment_id) {
    auto prepared = store_.read([&](storage::UnitOfWork& uow) -> core::Result<Prepared> {
        auto p = uow.payments().find(tenant_id, payment_id);
        if (!p) return Error::notFound("payment");
        Prepared out;
        out.tenant_id = tenant_id;
        out.payment = *p;
        if (domain::isFinal(p->status)) return out;
        out.plugin = plugins_.find(p->plugin_id);
        if (out.plugin == nullptr)
            return Error{ErrorCode::kUnavailable, "plugin " + p->plugin_id + " is not loaded", {}};
        auto settings = plugins_.settingsFor(uow, tenant_id, *out.plugin);
        if (!settings) return std::move(settings).error();
        auto inv = uow.invoices().find(tenant_id, p->invoice_id);
        auto customer = uow.customers().find(tenant_id, p->customer_id);
        if (!inv || !customer) return Error::notFound("payment");
        std::optional<domain::PaymentMethod> method;
        if (p->method_id) method = uow.paymentMethods().find(tenant_id, *p->method_id);
        // The same request as the first time: its parameters and return URL were kept.
        out.context = plugins_.paymentContext(tenant_id, std::move(*settings), p->call_params);
        out.request = chargeRequestOf(*p, *inv, *customer, method ? &*method : nullptr);
        out.request.return_url = p->return_url;
        return out;
    });
    if (!prepared) return std::move(prepared).error();
    if (domain::isFinal(prepared->payment.status)) return prepared->payment;
    if (prepared->payment.status == PaymentStatus::kProcessing) {
        // The first answer never came: the same request with the same idempotency key, which
        // the provider answers from its record of the first (one charge at most).
        return charge(actor, std::move(*prepared));
    }
    auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *prepared->plugin);
    if (!processor) return Error::internal("not a processor");
    plugins::LookupRequest lookup;
    lookup.payer = prepared->request.payer;
    lookup.payment_id = prepared->payment.id;
    lookup.reference = prepared->payment.reference.value_or("");
    lookup.amount = prepared->request.amount;
    const auto result = processor->lookup(prepared->context, lookup);
    if (!result) {
        if (outcomeUnknown(result.error()) || result.error().status == BW_ERR_UNSUPPORTED)
            return prepared->payment;
        return processorError(result.error(), prepared->payment.plugin_id, "payment_id");
    }
    return applyReport(actor, tenant_id, payment_id, Report::of(*result, "lookup"));
}

// ---------------------------------------------------------------------------------------------
// Refunds

core::Result<domain::Refund> Payments::refund(const Actor& actor, const std::string& tenant_id,
                                              const std::string& payment_id,
                                              std::optional<std::int64_t> amount_minor,
                                              const std::string& reason,
                                              const std::map<std::string, std::string>& params) {
    if (reason.empty() || reason.size() > 500)
        return paymentRefused("reason", "required", "a reason of 1 to 500 bytes is required");
    if (amount_minor && *amount_minor <= 0)
        return paymentRefused("amount", "out_of_range", "must be more than zero");
    struct Plan {
        domain::Refund refund;
        std::int64_t refunded_before = 0;  // the payment's, to detect a concurrent refund
        bool records = false;              // the processor records refunds (no provider)
        const plugins::LoadedPlugin* plugin = nullptr;
        plugins::PaymentCallContext context;
        plugins::RefundRequest request;
    };
    // What to refund and from where, decided on a consistent read; nothing written yet.
    auto plan = store_.read([&](storage::UnitOfWork& uow) -> core::Result<Plan> {
        auto p = uow.payments().find(tenant_id, payment_id);
        if (!p) return Error::notFound("payment");
        if (p->status != PaymentStatus::kSucceeded && p->status != PaymentStatus::kPartial)
            return Error{ErrorCode::kInvalidTransition,
                         "only a payment that received money can be refunded",
                         {{"status", std::string(domain::paymentStatusName(p->status)),
                           "the payment's current status"}}};
        const auto* plugin = plugins_.find(p->plugin_id);
        if (plugin == nullptr)
            return Error{ErrorCode::kUnavailable, "plugin " + p->plugin_id + " is not loaded", {}};
        auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *plugin);
        if (!processor || !processor->has(BW_PROCESSOR_REFUNDS))
            return Error{ErrorCode::kConflict, p->plugin_id + " does not refund payments", {}};
        const std::int64_t refundable = p->received_minor - p->refunded_minor;
        const std::int64_t amount = amount_minor.value_or(refundable);
        if (amount <= 0 || amount > refundable)
            return paymentRefused("amount", "out_of_range",
                                  "at most " + std::to_string(refundable) +
                                      " minor units of this payment are left to refund");
        auto inv = uow.invoices().find(tenant_id, p->invoice_id);
        auto customer = uow.customers().find(tenant_id, p->customer_id);
        if (!inv || !customer) return Error::notFound("payment");
        // Off the credit this payment left first, as far as the balance still holds it.
        std::int64_t credit_refunded = 0;
        for (const auto& r : uow.payments().refundsOf(tenant_id, p->id))
            if (r.status != domain::RefundStatus::kFailed) credit_refunded += r.from_credit_minor;
        const std::int64_t from_credit = std::clamp<std::int64_t>(
            std::min(p->credited_minor - credit_refunded, customer->credit_balance_minor), 0,
            amount);
        const std::int64_t invoice_refunded = p->refunded_minor - credit_refunded;
        if (amount - from_credit > p->applied_minor - invoice_refunded)
            return Error{ErrorCode::kConflict,
                         "the credit this payment left has been used; at most " +
                             std::to_string(from_credit + p->applied_minor - invoice_refunded) +
                             " minor units can be refunded",
                         {{"amount", "credit_used", "the payment's credit was applied elsewhere"}}};
        auto settings = plugins_.settingsFor(uow, tenant_id, *plugin);
        if (!settings) return std::move(settings).error();
        const auto now = clock_.nowSeconds();
        Plan out;
        out.refund.id = core::newId("rfd", unixMillis(clock_));
        out.refund.tenant_id = tenant_id;
        out.refund.payment_id = p->id;
        out.refund.invoice_id = p->invoice_id;
        out.refund.customer_id = p->customer_id;
        out.refund.amount_minor = amount;
        out.refund.from_credit_minor = from_credit;
        out.refund.currency = p->currency;
        out.refund.reason = reason;
        out.refund.idempotency_key = out.refund.id;
        out.refund.created_by = actor.id;
        out.refund.created_at = out.refund.updated_at = now;
        out.refunded_before = p->refunded_minor;
        out.records = processor->has(BW_PROCESSOR_RECORDS);
        out.plugin = plugin;
        out.context = plugins_.paymentContext(tenant_id, std::move(*settings), params);
        out.request.payer = payerOf(*customer, nullptr);
        out.request.refund_id = out.refund.id;
        out.request.idempotency_key = out.refund.idempotency_key;
        out.request.payment_reference = p->reference.value_or("");
        out.request.amount = {amount, p->currency, inv->currency.exponent};
        out.request.reason = "requested_by_customer";
        return out;
    });
    if (!plan) return std::move(plan).error();
    auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *plan->plugin);
    if (!processor) return Error::internal("not a processor");
    const auto call = [&] { return processor->refund(plan->context, plan->request); };
    // A processor that records refunds only checks what it is told: a refusal is the caller's
    // mistake and nothing is written. A provider's refund is written first (money may move).
    std::optional<plugins::ProcessorResult<plugins::RefundResult>> result;
    if (plan->records) {
        result.emplace(call());
        if (!*result) return processorError(result->error(), plan->plugin->info.id, "params");
    }
    auto started = store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Refund> {
        auto p = uow.payments().find(tenant_id, payment_id);
        auto inv = p ? uow.invoices().find(tenant_id, p->invoice_id) : std::nullopt;
        auto customer = p ? uow.customers().find(tenant_id, p->customer_id) : std::nullopt;
        if (!p || !inv || !customer) return Error::notFound("payment");
        if (p->refunded_minor != plan->refunded_before)
            return Error::conflict("another refund of this payment started meanwhile; try again");
        const auto now = clock_.nowSeconds();
        const auto& r = plan->refund;
        uow.payments().insertRefund(r);
        p->refunded_minor += r.amount_minor;
        p->updated_at = now;
        uow.payments().update(*p);
        if (r.from_credit_minor > 0)
            moveCredit(uow, actor, clock_, *customer, inv->currency, "refunded",
                       -r.from_credit_minor, inv->id, reason, r.id);
        const std::int64_t from_invoice = r.amount_minor - r.from_credit_minor;
        if (from_invoice > 0 && takesPayments(inv->status)) {
            inv->amount_paid_minor -= from_invoice;
            inv->amount_due_minor += from_invoice;
            inv->updated_at = now;
            uow.invoices().update(*inv);
        }
        recordAudit(uow, actor, clock_, tenant_id, "refund.started", "refund", r.id, std::nullopt,
                    toJson(r));
        return r;
    });
    if (!started) return std::move(started).error();
    if (!result) result.emplace(call());
    domain::RefundStatus status = domain::RefundStatus::kPending;
    std::string reference;
    std::string failure;
    if (*result) {
        const auto& value = result->value();
        status = value.status == plugins::RefundStatus::kSucceeded
                     ? domain::RefundStatus::kSucceeded
                 : value.status == plugins::RefundStatus::kFailed ? domain::RefundStatus::kFailed
                                                                  : domain::RefundStatus::kPending;
        reference = value.reference;
        failure = value.failure_code;
    } else if (!outcomeUnknown(result->error())) {
        status = domain::RefundStatus::kFailed;
        failure = result->error().describe();
    }
    // Settled through the one place that settles refunds (webhooks use it too).
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Refund> {
        auto r = uow.payments().findRefund(tenant_id, started->id);
        if (!r) return Error::notFound("refund");
        if (!reference.empty() && !r->reference) r->reference = reference;
        settleRefund(uow, actor, *r, status, failure);
        return *r;
    });
}

void Payments::settleRefund(storage::UnitOfWork& uow, const Actor& actor, domain::Refund& r,
                            domain::RefundStatus status, const std::string& failure) {
    const auto now = clock_.nowSeconds();
    if (r.status != domain::RefundStatus::kPending || status == domain::RefundStatus::kPending) {
        r.updated_at = now;
        uow.payments().updateRefund(r);
        return;
    }
    r.status = status;
    if (!failure.empty()) r.failure_code = failure.substr(0, 64);
    r.updated_at = now;
    uow.payments().updateRefund(r);
    auto inv = uow.invoices().find(r.tenant_id, r.invoice_id);
    if (status == domain::RefundStatus::kFailed && inv) {
        // The money did not leave: undo what starting the refund did.
        auto p = uow.payments().find(r.tenant_id, r.payment_id);
        auto customer = uow.customers().find(r.tenant_id, r.customer_id);
        if (p && customer) {
            p->refunded_minor -= r.amount_minor;
            p->updated_at = now;
            uow.payments().update(*p);
            if (r.from_credit_minor > 0)
                moveCredit(uow, actor, clock_, *customer, inv->currency, "refund_failed",
                           r.from_credit_minor, inv->id, "refund " + r.id + " failed", r.id);
            const std::int64_t from_invoice = r.amount_minor - r.from_credit_minor;
            if (from_invoice > 0 && takesPayments(inv->status)) {
                inv->amount_paid_minor += from_invoice;
                inv->amount_due_minor -= from_invoice;
                inv->updated_at = now;
                uow.invoices().update(*inv);
            }
        }
    }
    recordAudit(uow, actor, clock_, r.tenant_id,
                "refund." + std::string(domain::refundStatusName(status)), "refund", r.id,
                std::nullopt, toJson(r));
}

core::Result<std::vector<domain::Refund>> Payments::refunds(const std::string& tenant_id,
                                                            const std::string& payment_id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<std::vector<domain::Refund>> {
        if (!uow.payments().find(tenant_id, payment_id)) return Error::notFound("payment");
        return uow.payments().refundsOf(tenant_id, payment_id);
    });
}

// ---------------------------------------------------------------------------------------------
// Webhooks

core::Result<WebhookOutcome> Payments::webhook(const std::string& tenant_id,
                                               const std::string& plugin_id,
                                               const std::string& headers,
                                               const std::string& body) {
    const auto* plugin = plugins_.find(plugin_id);
    if (plugin == nullptr) return Error::notFound("webhook endpoint");
    auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *plugin);
    if (!processor || !processor->has(BW_PROCESSOR_WEBHOOKS))
        return Error::notFound("webhook endpoint");
    auto settings =
        store_.read([&](storage::UnitOfWork& uow) -> core::Result<plugins::PluginSettings> {
            if (!uow.tenants().find(tenant_id)) return Error::notFound("webhook endpoint");
            return plugins_.settingsFor(uow, tenant_id, *plugin);
        });
    if (!settings) {
        // Without its configuration the plugin cannot verify anything: refuse, change nothing.
        if (settings.error().code == ErrorCode::kNotFound) return std::move(settings).error();
        return Error{ErrorCode::kInvalidSignature,
                     plugin_id + " is not configured for this tenant; nothing was applied",
                     {}};
    }
    plugins::WebhookRequest request;
    request.headers = headers;
    request.body = body;
    request.received_at =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.nowSeconds().time_since_epoch())
            .count();
    const auto result =
        processor->webhook(plugins_.paymentContext(tenant_id, std::move(*settings), {}), request);
    if (!result) {
        const auto& e = result.error();
        metrics_.increment("billwright_webhooks_total",
                           {{"plugin", plugin_id}, {"outcome", "refused"}});
        if (e.status == BW_ERR_DENIED)
            return Error{ErrorCode::kInvalidSignature,
                         "the delivery did not verify: " + e.message + "; nothing was applied",
                         {}};
        if (e.status == BW_ERR_INVALID_ARGUMENT && !e.broken_result)
            return Error{
                ErrorCode::kMalformedRequest, "the delivery is not an event: " + e.message, {}};
        return e.toError(plugin_id);
    }
    const auto& w = *result;
    const Actor actor = Actor::system("webhook:" + plugin_id);
    WebhookOutcome out;
    out.event = std::string(plugins::webhookEventName(w.event));
    out.event_id = w.event_id;
    const auto now = clock_.nowSeconds();

    // The event is recorded and applied in one transaction: a redelivery finds it recorded and
    // changes nothing; a crash before the commit leaves neither, and the provider delivers again.
    auto applied = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
        storage::ProviderEvent event;
        event.tenant_id = tenant_id;
        event.plugin_id = plugin_id;
        event.event_id = w.event_id;
        event.kind = out.event;
        event.occurred_at = core::SysSeconds{std::chrono::seconds{w.occurred_at}};
        event.received_at = now;
        if (!w.event_id.empty() && uow.payments().hasEvent(tenant_id, plugin_id, w.event_id)) {
            out.duplicate = true;
            out.outcome = "already applied";
            return true;
        }
        std::optional<Payment> payment;
        if (!w.payment_id.empty()) payment = uow.payments().find(tenant_id, w.payment_id);
        if (!payment && w.payment && !w.payment->reference.empty())
            payment = uow.payments().findByReference(tenant_id, plugin_id, w.payment->reference);
        if (payment && payment->plugin_id != plugin_id) payment.reset();
        switch (w.event) {
            case plugins::WebhookEvent::kPayment:
                if (payment && w.payment) {
                    auto p = applyReportIn(uow, actor, tenant_id, payment->id,
                                           Report::of(*w.payment, "webhook " + w.event_id));
                    if (!p) return std::move(p).error();
                    out.outcome = "payment " + payment->id + " is " +
                                  std::string(domain::paymentStatusName(p->status));
                    event.object_id = payment->id;
                } else {
                    out.outcome = "no payment of ours";
                }
                break;
            case plugins::WebhookEvent::kRefund: {
                std::optional<domain::Refund> refund;
                if (payment && !w.refund_reference.empty())
                    refund = uow.payments().findRefundByReference(tenant_id, payment->id,
                                                                  w.refund_reference);
                if (refund && w.refund_status) {
                    const auto status = *w.refund_status == plugins::RefundStatus::kSucceeded
                                            ? domain::RefundStatus::kSucceeded
                                        : *w.refund_status == plugins::RefundStatus::kFailed
                                            ? domain::RefundStatus::kFailed
                                            : domain::RefundStatus::kPending;
                    settleRefund(uow, actor, *refund, status, "");
                    event.object_id = refund->id;
                    out.outcome = "refund " + refund->id + " is " +
                                  std::string(domain::refundStatusName(refund->status));
                } else {
                    out.outcome = "no refund of ours";
                }
                break;
            }
            case plugins::WebhookEvent::kMethod: {
                auto method = w.method_reference.empty()
                                  ? std::nullopt
                                  : uow.paymentMethods().findByReference(tenant_id, plugin_id,
                                                                         w.method_reference);
                if (method && w.method_status) {
                    const auto status = methodStatusOf(*w.method_status);
                    if (method->status != status) {
                        method->status = status;
                        method->failure_code =
                            w.method_failure_code.empty()
                                ? std::nullopt
                                : std::optional<std::string>(w.method_failure_code);
                        if (status != domain::MethodStatus::kActive) method->is_default = false;
                        method->updated_at = now;
                        uow.paymentMethods().update(*method);
                        recordAudit(uow, actor, clock_, tenant_id, "payment_method.updated",
                                    "payment_method", method->id, std::nullopt, toJson(*method));
                    }
                    out.outcome = "method " + method->id + " is " +
                                  std::string(domain::methodStatusName(status));
                    event.object_id = method->id;
                } else {
                    out.outcome = "no method of ours";
                }
                break;
            }
            case plugins::WebhookEvent::kIgnored:
                out.outcome = "ignored";
                break;
        }
        if (!w.event_id.empty()) {
            event.outcome = out.outcome.substr(0, 200);
            uow.payments().insertEvent(event);
        }
        return true;
    });
    if (!applied) return std::move(applied).error();
    if (out.duplicate) {
        metrics_.increment("billwright_webhooks_total",
                           {{"plugin", plugin_id}, {"outcome", "duplicate"}});
        return out;
    }
    metrics_.increment("billwright_webhooks_total",
                       {{"plugin", plugin_id}, {"outcome", "applied"}});
    return out;
}

// ---------------------------------------------------------------------------------------------
// Jobs

JobOutcome Payments::collectDue(WorkLeases& leases) {
    DueSubjects due;
    for (const auto& ref : store_.read([&](storage::UnitOfWork& uow) {
             return uow.invoices().collectionsDue(clock_.nowSeconds(), kJobBatch);
         }))
        due.add(ref.tenant_id, ref.id);
    const Actor actor = Actor::system("auto_pay");
    return leases.run("payment_collection", due, [&](const JobSubject& subject) {
        const std::string& tenant_id = subject.tenant_id;
        const std::string& invoice_id = subject.key;
        const auto now = clock_.nowSeconds();
        // What to charge, or why not (then the collection is stopped).
        struct Plan {
            std::optional<PayRequest> request;
        };
        const auto plan = store_.write([&](storage::UnitOfWork& uow) -> core::Result<Plan> {
            auto inv = uow.invoices().find(tenant_id, invoice_id);
            if (!inv || !inv->collect_at || now < *inv->collect_at) return Plan{};
            auto customer = uow.customers().find(tenant_id, inv->customer_id);
            std::optional<domain::PaymentMethod> method;
            bool verifying = false;  // the default is being verified: try again tomorrow
            if (customer && customer->auto_pay) {
                for (const auto& m : uow.paymentMethods().list(tenant_id, inv->customer_id)) {
                    if (m.is_default && m.status == domain::MethodStatus::kActive) method = m;
                    if (m.status == domain::MethodStatus::kPendingVerification) verifying = true;
                }
            }
            if (!method && verifying && takesPayments(inv->status)) {
                inv->collect_at = now + kRetryLater;
                inv->updated_at = now;
                uow.invoices().update(*inv);
                return Plan{};
            }
            if (!takesPayments(inv->status) || inv->amount_due_minor <= 0 || !method) {
                inv->collect_at.reset();
                inv->updated_at = now;
                uow.invoices().update(*inv);
                return Plan{};
            }
            PayRequest r;
            r.method_id = method->id;
            r.trigger = inv->collection_failures == 0 ? "auto_pay" : "retry";
            // Taken off the schedule while the charge runs; a failure puts the next retry on.
            inv->collect_at.reset();
            inv->updated_at = now;
            uow.invoices().update(*inv);
            return Plan{r};
        });
        if (!plan || !plan->request) return Handled::kSkipped;
        auto paid = pay(actor, tenant_id, invoice_id, *plan->request);
        if (paid) return Handled::kProcessed;
        log_.warning(
            "auto-pay could not charge; trying again later",
            {{"tenant_id", tenant_id}, {"invoice_id", invoice_id}, {"error", paid.error().detail}});
        // No attempt was made (the processor is not configured, another payment is still
        // settling, ...): the collection stays on the schedule instead of being lost.
        static_cast<void>(store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
            auto inv = uow.invoices().find(tenant_id, invoice_id);
            if (inv && !inv->collect_at && takesPayments(inv->status) &&
                inv->amount_due_minor > 0) {
                inv->collect_at = now + kRetryLater;
                inv->updated_at = now;
                uow.invoices().update(*inv);
            }
            return core::Result<bool>(true);
        }));
        return Handled::kFailed;
    });
}

JobOutcome Payments::reconcile(WorkLeases& leases) {
    DueSubjects due;
    for (const auto& p : store_.read([&](storage::UnitOfWork& uow) {
             return uow.payments().openSince(clock_.nowSeconds() - kReconcileAfter, kJobBatch);
         }))
        due.add(p.tenant_id, p.id);
    const Actor actor = Actor::system("payment_reconciliation");
    return leases.run("payment_reconciliation", due, [&](const JobSubject& subject) {
        const std::string& tenant_id = subject.tenant_id;
        const std::string& payment_id = subject.key;
        // Still open and still untouched (another node may have just asked about it).
        const auto p = store_.read(
            [&](storage::UnitOfWork& uow) { return uow.payments().find(tenant_id, payment_id); });
        if (!p || domain::isFinal(p->status) ||
            p->updated_at > clock_.nowSeconds() - kReconcileAfter)
            return Handled::kSkipped;
        auto r = refresh(actor, tenant_id, payment_id);
        if (!r) return Handled::kFailed;
        if (r->updated_at != p->updated_at) return Handled::kProcessed;
        // Nothing new: touch it so the next batch moves on to others.
        static_cast<void>(store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
            auto again = uow.payments().find(tenant_id, payment_id);
            if (again && again->updated_at == p->updated_at) {
                again->updated_at = clock_.nowSeconds();
                uow.payments().update(*again);
            }
            return core::Result<bool>(true);
        }));
        return Handled::kSkipped;
    });
}

// ---------------------------------------------------------------------------------------------

std::optional<core::SysSeconds> autoPayAt(const domain::Customer& customer,
                                          const domain::TenantBillingSettings& settings,
                                          core::Date due_date, const std::string& timezone,
                                          core::SysSeconds now) {
    if (!customer.auto_pay) return std::nullopt;
    if (domain::parseAutoPayTiming(settings.auto_pay_timing) == domain::AutoPayTiming::kOnIssue)
        return now;
    return std::max(now,
                    core::TimeZone::loadOr(timezone, core::TimeZone::utc()).startOfDay(due_date));
}

domain::Currency paymentCurrency(const domain::Payment& p) { return currencyOf(p.currency); }

JsonValue toJson(const domain::Payment& p) {
    const domain::Currency c = currencyOf(p.currency);
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(p.id))
        .set("object", JsonValue::string("payment"))
        .set("invoice_id", JsonValue::string(p.invoice_id))
        .set("customer_id", JsonValue::string(p.customer_id))
        .set("plugin_id", JsonValue::string(p.plugin_id))
        .set("payment_method_id", optionalString(p.method_id))
        .set("trigger", JsonValue::string(p.trigger))
        .set("status", JsonValue::string(std::string(domain::paymentStatusName(p.status))))
        .set("currency", JsonValue::string(p.currency))
        .set("amount", moneyJson(p.amount_minor, c))
        .set("surcharge", moneyJson(p.surcharge_minor, c))
        .set("amount_received", moneyJson(p.received_minor, c))
        .set("processor_fee", p.fee_minor ? moneyJson(*p.fee_minor, c) : JsonValue::null())
        .set("applied_to_invoice", moneyJson(p.applied_minor, c))
        .set("credited", moneyJson(p.credited_minor, c))
        .set("refunded", moneyJson(p.refunded_minor, c))
        .set("reference", optionalString(p.reference))
        .set("failure_code", optionalString(p.failure_code))
        .set("failure_message", optionalString(p.failure_message))
        .set("action_url", optionalString(p.action_url))
        .set("note", optionalString(p.note))
        .set("received_on", p.received_on ? dateJson(*p.received_on) : JsonValue::null())
        .set("created_by", JsonValue::string(p.created_by))
        .set("created_at", timestampJson(p.created_at))
        .set("updated_at", timestampJson(p.updated_at))
        .set("settled_at", optionalTimestamp(p.settled_at));
    return o;
}

JsonValue toJson(const domain::PaymentMethod& m) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(m.id))
        .set("object", JsonValue::string("payment_method"))
        .set("customer_id", JsonValue::string(m.customer_id))
        .set("plugin_id", JsonValue::string(m.plugin_id))
        .set("type", JsonValue::string(m.type))
        .set("label", JsonValue::string(m.label))
        .set("status", JsonValue::string(std::string(domain::methodStatusName(m.status))))
        .set("is_default", JsonValue::boolean(m.is_default))
        .set("reference", JsonValue::string(m.reference))
        .set("failure_code", optionalString(m.failure_code))
        .set("created_by", JsonValue::string(m.created_by))
        .set("created_at", timestampJson(m.created_at))
        .set("updated_at", timestampJson(m.updated_at));
    return o;
}

JsonValue toJson(const domain::Refund& r) {
    const domain::Currency c = currencyOf(r.currency);
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(r.id))
        .set("object", JsonValue::string("refund"))
        .set("payment_id", JsonValue::string(r.payment_id))
        .set("invoice_id", JsonValue::string(r.invoice_id))
        .set("customer_id", JsonValue::string(r.customer_id))
        .set("status", JsonValue::string(std::string(domain::refundStatusName(r.status))))
        .set("currency", JsonValue::string(r.currency))
        .set("amount", moneyJson(r.amount_minor, c))
        .set("from_credit", moneyJson(r.from_credit_minor, c))
        .set("reference", optionalString(r.reference))
        .set("reason", JsonValue::string(r.reason))
        .set("failure_code", optionalString(r.failure_code))
        .set("created_by", JsonValue::string(r.created_by))
        .set("created_at", timestampJson(r.created_at))
        .set("updated_at", timestampJson(r.updated_at));
    return o;
}

}  // namespace billwright::services
