#include "services/platform_billing.h"

#include "core/random.h"
#include "domain/money.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {
namespace {

using core::Error;
using core::ErrorCode;
using domain::PlatformInvoiceEvent;
using domain::PlatformInvoiceStatus;

constexpr std::size_t kMaxReferenceLength = 200;
constexpr std::size_t kMaxReasonLength = 500;

core::Result<domain::Currency> currencyField(const std::string& field, const std::string& code) {
    const auto currency = domain::findCurrency(code);
    if (!currency) {
        return Error::validation(field, "unknown_currency", "must be an ISO 4217 currency code");
    }
    return *currency;
}

core::Status checkTimezone(const std::string& name) {
    auto zone = core::TimeZone::load(name);
    if (!zone.ok())
        return Error::validation("timezone", "unknown_timezone", "must be an IANA time zone");
    return {};
}

core::Status checkText(const std::string& field, const std::optional<std::string>& value,
                       std::size_t max_length) {
    if (!value) return {};
    if (value->empty() || value->size() > max_length) {
        return Error::validation(field, "out_of_range",
                                 "must be 1 to " + std::to_string(max_length) + " characters");
    }
    for (const char c : *value) {
        if (static_cast<unsigned char>(c) < 0x20) {
            return Error::validation(field, "invalid_characters",
                                     "must not contain control characters");
        }
    }
    return {};
}

// The reference and method both a payment and a failed attempt may carry.
void checkPaymentFields(const std::optional<std::string>& reference,
                        const std::optional<std::string>& method, Error& errors) {
    if (auto s = checkText("payment_reference", reference, kMaxReferenceLength); !s.ok()) {
        errors.fields.push_back(s.error().fields[0]);
    }
    if (method && !domain::isKnownPaymentMethod(*method)) {
        errors.fields.push_back({"payment_method", "invalid_enum",
                                 "must be one of ach, wire, card, crypto, check, cash, other"});
    }
}

Error invalidTransition(PlatformInvoiceStatus current, PlatformInvoiceEvent event) {
    Error e{ErrorCode::kInvalidTransition,
            "cannot apply " + std::string(domain::platformInvoiceEventName(event)) +
                " to an invoice that is " + std::string(domain::platformInvoiceStatusName(current)),
            {}};
    e.fields.push_back({"status", std::string(domain::platformInvoiceStatusName(current)),
                        "the invoice's current status"});
    return e;
}

std::string invoiceMailBody(const domain::PlatformInvoice& inv, std::string_view lead) {
    return std::string(lead) + "\n\nInvoice: " + inv.invoice_number +
           "\nAmount: " + domain::formatMinorUnits(inv.amount_minor, inv.currency) + " " +
           std::string(inv.currency.code) + "\nPeriod: " + core::formatIsoDate(inv.period.start) +
           " to " + core::formatIsoDate(core::addDays(inv.period.end, -1)) +
           "\nIssued: " + core::formatIsoDate(inv.issue_date) +
           "\nDue: " + core::formatIsoDate(inv.due_date) + "\n";
}

void enqueueMail(storage::UnitOfWork& uow, const core::Clock& clock,
                 const domain::BillingConfig& config, const domain::PlatformInvoice& inv,
                 std::string kind, std::string subject, std::string body) {
    if (!config.email_notifications) return;
    storage::OutboxMessage m;
    m.id = core::newId("msg", unixMillis(clock));
    m.tenant_id = inv.tenant_id;
    m.dedupe_key = kind + ":" + inv.id;
    m.object_id = inv.id;
    m.kind = std::move(kind);
    m.recipient = config.billing_email;
    m.subject = std::move(subject);
    m.body = std::move(body);
    m.next_attempt_at = clock.nowSeconds();
    m.created_at = clock.nowSeconds();
    uow.outbox().enqueue(m);  // false when already queued once: the event was seen before
}

}  // namespace

PlatformBilling::PlatformBilling(storage::Store& store, const core::Clock& clock, Plugins& plugins,
                                 core::TimeZone platform_zone, int catch_up_days)
    : store_(store),
      clock_(clock),
      plugins_(plugins),
      platform_zone_(std::move(platform_zone)),
      catch_up_days_(catch_up_days) {}

core::Date PlatformBilling::todayIn(const std::string& timezone) const {
    return core::TimeZone::loadOr(timezone, platform_zone_).localDate(clock_.nowSeconds());
}

core::Result<domain::Tenant> PlatformBilling::createTenant(const Actor& actor,
                                                           const NewTenant& input) {
    Error errors{ErrorCode::kValidationFailed, "the tenant has invalid fields", {}};
    if (!domain::isValidName(input.name)) {
        errors.fields.push_back({"name", "invalid_name", "must be 1 to 200 characters of text"});
    }
    if (auto s = checkTimezone(input.timezone); !s.ok())
        errors.fields.push_back(s.error().fields[0]);
    auto currency = currencyField("default_currency", input.default_currency);
    if (!currency.ok()) errors.fields.push_back(currency.error().fields[0]);
    if (!errors.fields.empty()) return errors;

    domain::Tenant t;
    t.id = core::newId("ten", unixMillis(clock_));
    t.name = input.name;
    t.status = input.status;
    t.timezone = input.timezone;
    t.default_currency = currency.value();
    t.created_at = t.updated_at = clock_.nowSeconds();
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Tenant> {
        uow.tenants().insert(t);
        recordAudit(uow, actor, clock_, t.id, "tenant.created", "tenant", t.id, std::nullopt,
                    toJson(t));
        return t;
    });
}

core::Result<domain::Tenant> PlatformBilling::getTenant(const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::Tenant> {
        auto t = uow.tenants().find(id);
        if (!t) return Error::notFound("tenant");
        return *t;
    });
}

Page<domain::Tenant> PlatformBilling::listTenants(std::optional<domain::TenantStatus> status,
                                                  const storage::PageRequest& page) {
    return toPage(
        store_.read([&](storage::UnitOfWork& uow) { return uow.tenants().list(status, page); }),
        page.limit);
}

core::Result<domain::Tenant> PlatformBilling::updateTenant(const Actor& actor,
                                                           const std::string& id,
                                                           const TenantChanges& changes) {
    Error errors{ErrorCode::kValidationFailed, "the tenant has invalid fields", {}};
    if (changes.name && !domain::isValidName(*changes.name)) {
        errors.fields.push_back({"name", "invalid_name", "must be 1 to 200 characters of text"});
    }
    if (changes.timezone) {
        if (auto s = checkTimezone(*changes.timezone); !s.ok())
            errors.fields.push_back(s.error().fields[0]);
    }
    std::optional<domain::Currency> currency;
    if (changes.default_currency) {
        auto c = currencyField("default_currency", *changes.default_currency);
        if (c.ok()) {
            currency = c.value();
        } else {
            errors.fields.push_back(c.error().fields[0]);
        }
    }
    if (!errors.fields.empty()) return errors;
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::Tenant> {
        auto existing = uow.tenants().find(id);
        if (!existing) return Error::notFound("tenant");
        domain::Tenant t = *existing;
        if (changes.name) t.name = *changes.name;
        if (changes.status) t.status = *changes.status;
        if (changes.timezone) t.timezone = *changes.timezone;
        if (currency) t.default_currency = *currency;
        const bool unchanged = t.name == existing->name && t.status == existing->status &&
                               t.timezone == existing->timezone &&
                               t.default_currency == existing->default_currency;
        if (unchanged) return t;  // nothing to write, nothing to audit
        t.updated_at = clock_.nowSeconds();
        uow.tenants().update(t);
        recordAudit(uow, actor, clock_, t.id, "tenant.updated", "tenant", t.id, toJson(*existing),
                    toJson(t));
        return t;
    });
}

core::Result<domain::BillingConfig> PlatformBilling::putBillingConfig(
    const Actor& actor, domain::BillingConfig config) {
    if (auto s = domain::validateBillingConfig(config); !s.ok()) return std::move(s).error();
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::BillingConfig> {
        if (!uow.tenants().find(config.tenant_id)) return Error::notFound("tenant");
        const auto before = uow.billingConfigs().find(config.tenant_id);
        const auto now = clock_.nowSeconds();
        config.created_at = before ? before->created_at : now;
        config.updated_at = now;
        uow.billingConfigs().upsert(config);
        recordAudit(uow, actor, clock_, config.tenant_id,
                    before ? "billing_config.updated" : "billing_config.created", "billing_config",
                    config.tenant_id,
                    before ? std::optional<core::JsonValue>(toJson(*before)) : std::nullopt,
                    toJson(config));
        return config;
    });
}

core::Result<domain::BillingConfig> PlatformBilling::getBillingConfig(
    const std::string& tenant_id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::BillingConfig> {
        if (!uow.tenants().find(tenant_id)) return Error::notFound("tenant");
        auto config = uow.billingConfigs().find(tenant_id);
        if (!config) return Error::notFound("billing config");
        return *config;
    });
}

core::Result<GeneratedInvoice> PlatformBilling::generateInvoice(const Actor& actor,
                                                                const std::string& tenant_id,
                                                                core::Date period_start) {
    auto attempt = [&]() {
        return store_.write([&](storage::UnitOfWork& uow) -> core::Result<GeneratedInvoice> {
            const auto tenant = uow.tenants().find(tenant_id);
            if (!tenant) return Error::notFound("tenant");
            const auto config = uow.billingConfigs().find(tenant_id);
            if (!config) {
                return Error{ErrorCode::kConflict,
                             "the tenant has no billing config; PUT one before generating invoices",
                             {}};
            }
            const domain::BillingSchedule schedule{config->billing_frequency,
                                                   config->billing_day_of_month};
            const auto period = domain::periodStartingOn(schedule, period_start);
            if (!period) {
                const auto nearest = domain::periodContaining(schedule, period_start);
                return Error::validation("period_start", "not_a_period_start",
                                         "no billing period starts on this day; the period "
                                         "containing it starts on " +
                                             core::formatIsoDate(nearest.start));
            }
            const core::Date today = todayIn(tenant->timezone);
            if (std::chrono::sys_days{period->start} > std::chrono::sys_days{today}) {
                return Error::validation(
                    "period_start", "in_future",
                    "the period has not started yet in the tenant's time zone");
            }
            if (auto existing = uow.platformInvoices().findOverlapping(tenant_id, *period)) {
                if (existing->period.start == period->start &&
                    existing->period.end == period->end) {
                    return GeneratedInvoice{*existing, false};
                }
                return Error{
                    ErrorCode::kConflict,
                    "invoice " + existing->invoice_number + " already covers part of this period",
                    {}};
            }
            auto amount = flatAmount(*config, *period, *tenant);
            if (!amount) return std::move(amount).error();
            domain::PlatformInvoice inv =
                domain::draftPlatformInvoice(*config, *period, today, *amount);
            inv.id = core::newId("inv", unixMillis(clock_));
            const int year = static_cast<int>(today.year());
            inv.invoice_number = domain::formatInvoiceNumber(
                year, uow.platformInvoices().nextSequence("platform", year));
            inv.created_at = inv.updated_at = clock_.nowSeconds();
            uow.platformInvoices().insert(inv);
            recordAudit(uow, actor, clock_, tenant_id, "platform_invoice.created",
                        "platform_invoice", inv.id, std::nullopt, toJson(inv));
            enqueueMail(
                uow, clock_, *config, inv, "platform_invoice.issued",
                "Invoice " + inv.invoice_number + " from Billwright",
                invoiceMailBody(inv, "A new invoice has been issued to " + tenant->name + "."));
            return GeneratedInvoice{inv, true};
        });
    };
    try {
        return attempt();
    } catch (const storage::DbError& e) {
        // Another node or request created the period's invoice between our read and insert:
        // the unique key refused ours, so answer with theirs.
        if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
        return attempt();
    }
}

// The billing_flat plugin bills the configured flat rate once per period; the invoice is the
// sum of the lines it returns.
core::Result<std::int64_t> PlatformBilling::flatAmount(const domain::BillingConfig& config,
                                                       const domain::Period& period,
                                                       const domain::Tenant& tenant) {
    const auto* flat = plugins_.billingMethod("flat");
    if (flat == nullptr || !flat->info.bills_amount)
        return Error{ErrorCode::kUnavailable,
                     "the billing_flat plugin (billing method \"flat\") is not loaded; platform "
                     "invoices are billed through it",
                     {}};
    const core::TimeZone zone = core::TimeZone::loadOr(tenant.timezone, platform_zone_);
    plugins::BillingSubject subject;
    subject.tenant_id = tenant.id;
    subject.currency = std::string(config.currency.code);
    subject.currency_exponent = config.currency.exponent;
    subject.period_start = zone.startOfDay(period.start).time_since_epoch().count();
    subject.period_end = zone.startOfDay(period.end).time_since_epoch().count();
    subject.params["amount_minor"] = std::to_string(config.flat_rate_minor);
    subject.params["description"] =
        "Billwright platform fee, " +
        std::string(domain::billingFrequencyName(config.billing_frequency)) + " " +
        core::formatIsoDate(period.start) + " to " + core::formatIsoDate(period.end);
    auto run = plugins_.runPlatformBilling(*flat, subject);
    if (!run) return std::move(run).error();
    if (run->amounts.empty())
        return Error{
            ErrorCode::kPluginFailed, "plugin " + flat->info.id + " returned no amount", {}};
    std::int64_t total = 0;
    for (const auto& line : run->amounts) {
        if (__builtin_add_overflow(total, line.amount_minor, &total))
            return Error{ErrorCode::kPluginFailed, "plugin amounts overflow", {}};
    }
    return total;
}

core::Result<domain::PlatformInvoice> PlatformBilling::getInvoice(const std::string& tenant_id,
                                                                  const std::string& invoice_id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<domain::PlatformInvoice> {
        auto inv = uow.platformInvoices().find(tenant_id, invoice_id);
        if (!inv) return Error::notFound("invoice");
        return *inv;
    });
}

core::Result<std::vector<storage::PaymentAttempt>> PlatformBilling::listAttempts(
    const std::string& tenant_id, const std::string& invoice_id) {
    return store_.read(
        [&](storage::UnitOfWork& uow) -> core::Result<std::vector<storage::PaymentAttempt>> {
            if (!uow.platformInvoices().find(tenant_id, invoice_id))
                return Error::notFound("invoice");
            return uow.platformInvoices().listAttempts(tenant_id, invoice_id);
        });
}

core::Result<Page<domain::PlatformInvoice>> PlatformBilling::listInvoices(
    const storage::PlatformInvoiceFilter& filter) {
    return store_.read(
        [&](storage::UnitOfWork& uow) -> core::Result<Page<domain::PlatformInvoice>> {
            if (filter.tenant_id && !uow.tenants().find(*filter.tenant_id))
                return Error::notFound("tenant");
            return toPage(uow.platformInvoices().list(filter), filter.page.limit);
        });
}

core::Result<domain::PlatformInvoice> PlatformBilling::recordPayment(
    const Actor& actor, const std::string& tenant_id, const std::string& invoice_id,
    const PaymentDetails& details) {
    Error errors{ErrorCode::kValidationFailed, "the payment has invalid fields", {}};
    checkPaymentFields(details.payment_reference, details.payment_method, errors);
    if (!errors.fields.empty()) return errors;
    return applyEvent(actor, tenant_id, invoice_id, PlatformInvoiceEvent::kPaymentRecorded,
                      &details, nullptr);
}

core::Result<domain::PlatformInvoice> PlatformBilling::recordFailure(
    const Actor& actor, const std::string& tenant_id, const std::string& invoice_id,
    const FailureDetails& details) {
    Error errors{ErrorCode::kValidationFailed, "the payment failure has invalid fields", {}};
    if (auto s = checkText("failure_reason", details.failure_reason, kMaxReasonLength); !s.ok()) {
        errors.fields.push_back(s.error().fields[0]);
    }
    checkPaymentFields(details.payment_reference, details.payment_method, errors);
    if (!errors.fields.empty()) return errors;
    return applyEvent(actor, tenant_id, invoice_id, PlatformInvoiceEvent::kPaymentFailed, nullptr,
                      &details);
}

namespace {

// The platform invoice's payment_method for a processor: what it takes (payment_manual: the
// channel the money came through).
std::string platformMethodOf(const plugins::PaymentProcessor& processor,
                             const std::map<std::string, std::string>& params) {
    if ((processor.flags() & BW_PROCESSOR_RECORDS) != 0) {
        const auto channel = params.find("channel");
        if (channel == params.end()) return "other";
        if (channel->second == "cheque") return "check";
        return domain::isKnownPaymentMethod(channel->second) ? channel->second : "other";
    }
    if (processor.handles(plugins::MethodType::kCard)) return "card";
    if (processor.handles(plugins::MethodType::kBankAccount)) return "ach";
    if (processor.handles(plugins::MethodType::kCrypto)) return "crypto";
    return "other";
}

}  // namespace

core::Result<PlatformChargeOutcome> PlatformBilling::chargeInvoice(const Actor& actor,
                                                                   const std::string& tenant_id,
                                                                   const std::string& invoice_id,
                                                                   const PlatformCharge& charge) {
    const auto* plugin = plugins_.find(charge.plugin_id);
    if (plugin == nullptr)
        return Error::validation("plugin_id", "unknown", "no such plugin loaded");
    auto processor = plugins::PaymentProcessor::of(plugins_.environment(), *plugin);
    if (!processor)
        return Error::validation("plugin_id", "not_a_processor",
                                 charge.plugin_id + " is not a payment processor");
    if (processor->has(BW_PROCESSOR_NEEDS_METHOD) && charge.method_reference.empty())
        return Error::validation(
            "method_reference", "required",
            charge.plugin_id + " charges a payment method: give its reference");
    auto settings = plugins_.platformSettings(*plugin);
    if (!settings) return std::move(settings).error();
    struct Input {
        domain::Tenant tenant;
        domain::PlatformInvoice invoice;
        std::string email;
    };
    auto input = store_.read([&](storage::UnitOfWork& uow) -> core::Result<Input> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        const auto inv = uow.platformInvoices().find(tenant_id, invoice_id);
        if (!inv) return Error::notFound("invoice");
        if (inv->status == PlatformInvoiceStatus::kPaid)
            return invalidTransition(inv->status, PlatformInvoiceEvent::kPaymentRecorded);
        const auto config = uow.billingConfigs().find(tenant_id);
        return Input{*tenant, *inv, config ? config->billing_email : std::string()};
    });
    if (!input) return std::move(input).error();
    const auto& inv = input->invoice;
    plugins::ChargeRequest request;
    request.payer.kind = "tenant";
    request.payer.id = tenant_id;
    request.payer.name = input->tenant.name;
    request.payer.email = input->email;
    // One key per attempt: the same until an attempt is recorded as failed.
    request.payment_id = inv.id + "-" + std::to_string(inv.failed_attempts + 1);
    request.invoice_id = inv.id;
    request.idempotency_key = request.payment_id;
    request.amount = {inv.amount_minor, std::string(inv.currency.code), inv.currency.exponent};
    request.method_reference = charge.method_reference;
    request.description = "Billwright invoice " + inv.invoice_number;
    request.return_url = charge.return_url;
    const auto result = processor->charge(
        plugins_.paymentContext("", std::move(*settings), charge.params), request);
    if (!result) {
        const auto& e = result.error();
        if (e.status == BW_ERR_INVALID_ARGUMENT && !e.broken_result)
            return Error::validation("params", "refused_by_processor",
                                     charge.plugin_id + ": " + e.message);
        return Error{ErrorCode::kPluginFailed,
                     "plugin " + charge.plugin_id + ": " + e.describe() +
                         " (the outcome may be unknown: send the same request again; it "
                         "cannot charge twice)",
                     {}};
    }
    PlatformChargeOutcome out;
    out.status = std::string(plugins::paymentStatusName(result->status));
    if (!result->reference.empty()) out.reference = result->reference;
    if (!result->failure_code.empty()) out.failure_code = result->failure_code;
    if (!result->action_url.empty()) out.action_url = result->action_url;
    const std::string method = platformMethodOf(*processor, charge.params);
    const std::optional<std::string> reference =
        out.reference ? std::optional<std::string>(charge.plugin_id + ":" + *out.reference)
                      : std::nullopt;
    core::Result<domain::PlatformInvoice> after = inv;
    switch (result->status) {
        case plugins::PaymentStatus::kSucceeded:
            after = recordPayment(actor, tenant_id, invoice_id, {std::nullopt, reference, method});
            break;
        case plugins::PaymentStatus::kFailed:
        case plugins::PaymentStatus::kCanceled:
        case plugins::PaymentStatus::kPartial: {
            std::string reason = out.failure_code.value_or(out.status);
            if (!result->failure_message.empty()) reason += ": " + result->failure_message;
            after = recordFailure(actor, tenant_id, invoice_id,
                                  {reason.substr(0, kMaxReasonLength), reference, method});
            break;
        }
        case plugins::PaymentStatus::kPending:
        case plugins::PaymentStatus::kRequiresAction:
            break;
    }
    if (!after) return std::move(after).error();
    out.invoice = std::move(*after);
    return out;
}

core::Result<domain::PlatformInvoice> PlatformBilling::applyEvent(
    const Actor& actor, const std::string& tenant_id, const std::string& invoice_id,
    PlatformInvoiceEvent event, const PaymentDetails* payment, const FailureDetails* failure) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::PlatformInvoice> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        auto found = uow.platformInvoices().find(tenant_id, invoice_id);
        if (!found) return Error::notFound("invoice");
        const domain::PlatformInvoice before = *found;
        const auto next = domain::nextStatus(before.status, event);
        if (!next) return invalidTransition(before.status, event);
        const core::Date today = todayIn(tenant->timezone);

        domain::PlatformInvoice after = before;
        after.status = *next;
        after.updated_at = clock_.nowSeconds();
        storage::PaymentAttempt attempt;
        attempt.id = core::newId("pat", unixMillis(clock_));
        attempt.tenant_id = tenant_id;
        attempt.invoice_id = invoice_id;
        attempt.amount_minor = before.amount_minor;
        attempt.currency = std::string(before.currency.code);
        attempt.actor = actor.id;
        attempt.created_at = after.updated_at;
        std::string action;
        if (payment != nullptr) {
            const core::Date paid = payment->paid_date.value_or(today);
            if (std::chrono::sys_days{paid} > std::chrono::sys_days{today}) {
                return Error::validation("paid_date", "in_future",
                                         "must not be after today in the tenant's time zone");
            }
            after.paid_date = paid;
            after.payment_reference = payment->payment_reference;
            after.payment_method = payment->payment_method;
            attempt.outcome = "succeeded";
            attempt.paid_date = paid;
            attempt.payment_method = payment->payment_method;
            attempt.payment_reference = payment->payment_reference;
            action = "platform_invoice.paid";
        } else {
            after.failed_attempts = before.failed_attempts + 1;
            after.last_failure_reason = failure->failure_reason;
            attempt.outcome = "failed";
            attempt.failure_reason = failure->failure_reason;
            attempt.payment_method = failure->payment_method;
            attempt.payment_reference = failure->payment_reference;
            action = "platform_invoice.payment_failed";
        }
        uow.platformInvoices().update(after);
        uow.platformInvoices().insertAttempt(attempt);
        recordAudit(uow, actor, clock_, tenant_id, std::move(action), "platform_invoice",
                    invoice_id, toJson(before), toJson(after));
        return after;
    });
}

DashboardMetrics PlatformBilling::dashboard() {
    const core::Date today = platform_zone_.localDate(clock_.nowSeconds());
    const core::Date month_start{today.year(), today.month(), std::chrono::day{1}};
    const core::Date next_month = core::addMonthsClamped(month_start, 1);
    return store_.read([&](storage::UnitOfWork& uow) {
        DashboardMetrics m;
        m.total_tenants = uow.tenants().count();
        m.pending_invoices =
            uow.platformInvoices().countByStatus(PlatformInvoiceStatus::kPendingPayment);
        m.overdue_invoices = uow.platformInvoices().countByStatus(PlatformInvoiceStatus::kOverdue);
        m.failed_invoices = uow.platformInvoices().countByStatus(PlatformInvoiceStatus::kFailed);
        m.month = core::formatIsoDate(month_start).substr(0, 7);
        for (const auto& [code, minor] :
             uow.platformInvoices().paidTotalsByCurrency(month_start, next_month)) {
            if (const auto currency = domain::findCurrency(code))
                m.monthly_revenue.push_back({*currency, minor});
        }
        return m;
    });
}

std::optional<domain::Period> PlatformBilling::autoGenerationPeriod(
    const domain::BillingConfig& config, const domain::Tenant& tenant) const {
    if (!config.auto_generate_invoices || tenant.status != domain::TenantStatus::kActive)
        return std::nullopt;
    const core::Date today = todayIn(tenant.timezone);
    const auto period =
        domain::periodContaining({config.billing_frequency, config.billing_day_of_month}, today);
    // Catch up after downtime, but do not bill a period long after it began (for example
    // when auto-generation is switched on mid-period).
    if (core::daysBetween(period.start, today) >= catch_up_days_) return std::nullopt;
    return period;
}

JobOutcome PlatformBilling::generateDueInvoices(WorkLeases& leases) {
    const auto due = store_.read([&](storage::UnitOfWork& uow) {
        DueSubjects out;
        for (const auto& config : uow.billingConfigs().listAutoGenerating()) {
            const auto tenant = uow.tenants().find(config.tenant_id);
            auto period = tenant ? autoGenerationPeriod(config, *tenant) : std::nullopt;
            // A period already invoiced is not offered (it would be found done every tick).
            if (period && uow.platformInvoices().findOverlapping(config.tenant_id, *period))
                period.reset();
            out.add(config.tenant_id, period);
        }
        return out;
    });
    const Actor actor = Actor::system("auto_generate_invoices");
    return leases.run("auto_generate_invoices", due, [&](const JobSubject& subject) {
        // Still owed: the tenant's settings or its today may have moved since it was
        // offered. generateInvoice then checks for the period's invoice in its transaction.
        const auto start = store_.read([&](storage::UnitOfWork& uow) {
            const auto config = uow.billingConfigs().find(subject.tenant_id);
            const auto tenant = uow.tenants().find(subject.tenant_id);
            const auto period =
                config && tenant ? autoGenerationPeriod(*config, *tenant) : std::nullopt;
            return period && core::formatIsoDate(period->start) == subject.key
                       ? std::optional<core::Date>(period->start)
                       : std::nullopt;
        });
        if (!start) return Handled::kSkipped;
        auto generated = generateInvoice(actor, subject.tenant_id, *start);
        if (!generated.ok()) return Handled::kFailed;
        return generated->created ? Handled::kProcessed : Handled::kSkipped;
    });
}

JobOutcome PlatformBilling::sweepOverdue(WorkLeases& leases) {
    // No time zone is more than 14 hours ahead of UTC, so tomorrow in UTC bounds "today"
    // everywhere; each tenant's own date is checked below.
    const core::Date bound = core::addDays(core::TimeZone::utc().localDate(clock_.nowSeconds()), 1);
    DueSubjects due;
    for (const auto& candidate : store_.read([&](storage::UnitOfWork& uow) {
             return uow.platformInvoices().listUnpaidDueBefore(bound);
         }))
        due.add(candidate.tenant_id, candidate.id);
    const Actor actor = Actor::system("overdue_sweep");
    return leases.run("overdue_sweep", due, [&](const JobSubject& subject) {
        const bool moved =
            store_
                .write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
                    const auto tenant = uow.tenants().find(subject.tenant_id);
                    auto inv = uow.platformInvoices().find(subject.tenant_id, subject.key);
                    if (!tenant || !inv) return false;
                    const core::Date today = todayIn(tenant->timezone);
                    if (std::chrono::sys_days{inv->due_date} >= std::chrono::sys_days{today})
                        return false;
                    const auto next =
                        domain::nextStatus(inv->status, PlatformInvoiceEvent::kDueDatePassed);
                    if (!next) return false;
                    domain::PlatformInvoice after = *inv;
                    after.status = *next;
                    after.updated_at = clock_.nowSeconds();
                    uow.platformInvoices().update(after);
                    recordAudit(uow, actor, clock_, after.tenant_id, "platform_invoice.overdue",
                                "platform_invoice", after.id, toJson(*inv), toJson(after));
                    if (const auto config = uow.billingConfigs().find(after.tenant_id)) {
                        enqueueMail(uow, clock_, *config, after, "platform_invoice.overdue",
                                    "Invoice " + after.invoice_number + " is overdue",
                                    invoiceMailBody(
                                        after, "This invoice to " + tenant->name +
                                                   " is past its due date and has not been paid."));
                    }
                    return true;
                })
                .value();
        return moved ? Handled::kProcessed : Handled::kSkipped;
    });
}

}  // namespace billwright::services
