#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "domain/inventory.h"
#include "domain/payment.h"
#include "services/actor.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
#include "storage/repositories.h"

namespace billwright::services {

// A payment asked for through the API or by the collection job.
struct PayRequest {
    // Charge this method on file...
    std::optional<std::string> method_id;
    // ...or record money received through a processor that records payments (payment_manual),
    // with its call parameters (reference, channel, received_on, note).
    std::optional<std::string> plugin_id;
    std::map<std::string, std::string> params;
    std::optional<std::int64_t> amount_minor;  // default: what the invoice still owes
    std::string trigger = "api";               // domain::kPaymentTriggers
    std::string return_url;                    // where 3-D Secure sends the payer back
};

struct MethodSession {
    std::string plugin_id;
    std::string client_token;
    std::optional<std::int64_t> expires_at;  // Unix seconds
    std::string provider_customer;
};

struct WebhookOutcome {
    std::string event;  // "payment", "refund", "method", "ignored"
    std::string event_id;
    bool duplicate = false;  // delivered before: nothing changed
    std::string outcome;     // what it did
};

// Payments of customer invoices (issue 7): methods on file, charges and manual records through
// payment-processor plugins, refunds, provider webhooks, auto-pay and the retry schedule.
//
// A charge is three steps so that no database transaction waits on a provider: the payment is
// recorded as `processing` (its id is the idempotency key the provider sees), the plugin is
// called, and its answer is applied in a second transaction. An answer that never comes (a
// timeout, a crash) leaves the payment processing; refresh() and the reconciliation job ask
// again with the same key, so the provider charges at most once. Reports are applied by
// domain::mayMove: final statuses never change, so webhooks may arrive late, twice or out of
// order. Received money goes on the invoice up to what it owes; the rest becomes credit.
class Payments {
public:
    Payments(storage::Store& store, const core::Clock& clock, Plugins& plugins, core::Logger& log,
             core::Metrics& metrics);

    // Methods on file. `params` are the processor's call parameters (payment_plaid_ach:
    // account_id, and ip_address / user_agent for an online mandate).
    core::Result<MethodSession> beginMethod(const Actor& actor, const std::string& tenant_id,
                                            const std::string& customer_id,
                                            const std::string& plugin_id,
                                            const std::map<std::string, std::string>& params = {});
    core::Result<domain::PaymentMethod> addMethod(
        const Actor& actor, const std::string& tenant_id, const std::string& customer_id,
        const std::string& plugin_id, const std::string& token, bool make_default,
        const std::map<std::string, std::string>& params = {});
    core::Result<std::vector<domain::PaymentMethod>> listMethods(const std::string& tenant_id,
                                                                 const std::string& customer_id);
    core::Result<domain::PaymentMethod> getMethod(const std::string& tenant_id,
                                                  const std::string& customer_id,
                                                  const std::string& method_id);
    core::Result<domain::PaymentMethod> makeDefault(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& customer_id,
                                                    const std::string& method_id);
    // Removing the default method turns the customer's auto-pay off.
    core::Result<domain::PaymentMethod> removeMethod(const Actor& actor,
                                                     const std::string& tenant_id,
                                                     const std::string& customer_id,
                                                     const std::string& method_id);

    // Pays (part of) an issued or overdue invoice. The payment comes back in whatever status
    // the processor reported: succeeded, pending, requires_action (with action_url), failed
    // (with failure_code), or processing when the processor's answer is not known yet.
    core::Result<domain::Payment> pay(const Actor& actor, const std::string& tenant_id,
                                      const std::string& invoice_id, const PayRequest& request);
    core::Result<domain::Payment> get(const std::string& tenant_id, const std::string& id);
    core::Result<Page<domain::Payment>> list(const std::string& tenant_id,
                                             const storage::PaymentFilter& filter,
                                             const storage::PageRequest& page);
    // Asks the processor again about an open payment: a processing one is charged again with
    // its idempotency key, a pending one looked up. Final payments come back unchanged.
    core::Result<domain::Payment> refresh(const Actor& actor, const std::string& tenant_id,
                                          const std::string& payment_id);

    // Refunds (part of) a succeeded payment. The refund comes off the credit the payment left
    // first (as far as the balance still holds it), then off the invoice: an open invoice owes
    // it again, a paid one stays paid (the refund is a concession). `params` are the call
    // parameters of a processor that records refunds (payment_manual: reference, channel).
    core::Result<domain::Refund> refund(const Actor& actor, const std::string& tenant_id,
                                        const std::string& payment_id,
                                        std::optional<std::int64_t> amount_minor,
                                        const std::string& reason,
                                        const std::map<std::string, std::string>& params = {});
    core::Result<std::vector<domain::Refund>> refunds(const std::string& tenant_id,
                                                      const std::string& payment_id);

    // A provider's delivery to POST /v1/webhooks/{tenant_id}/{plugin_id}: verified by the
    // plugin before anything is read (invalid_signature otherwise, nothing changed), then
    // applied once per provider event id.
    core::Result<WebhookOutcome> webhook(const std::string& tenant_id, const std::string& plugin_id,
                                         const std::string& headers, const std::string& body);

    // Scheduler: charges the default method of customers with auto-pay for each invoice whose
    // collection is due (when issued or on the due date, and the retries after a failure).
    // Exhausted retries move the invoice to overdue and put the customer in default.
    // The subject of a lease is an invoice ("ten_1/inv_2").
    JobOutcome collectDue(WorkLeases& leases);
    // Scheduler: open payments unchanged for a while are refreshed. The subject of a lease is a
    // payment ("ten_1/pay_2").
    JobOutcome reconcile(WorkLeases& leases);

private:
    struct Prepared;
    struct Report;
    struct MethodCall;
    core::Result<MethodCall> methodCall(const std::string& tenant_id,
                                        const std::string& customer_id,
                                        const std::string& plugin_id,
                                        const std::map<std::string, std::string>& params);
    core::Result<domain::Payment> charge(const Actor& actor, Prepared prepared);
    core::Result<domain::Payment> applyReport(const Actor& actor, const std::string& tenant_id,
                                              const std::string& payment_id, const Report& report);
    core::Result<domain::Payment> applyReportIn(storage::UnitOfWork& uow, const Actor& actor,
                                                const std::string& tenant_id,
                                                const std::string& payment_id,
                                                const Report& report);
    // A pending refund becomes final: a failed one gives back what starting it took.
    void settleRefund(storage::UnitOfWork& uow, const Actor& actor, domain::Refund& refund,
                      domain::RefundStatus status, const std::string& failure);

    storage::Store& store_;
    const core::Clock& clock_;
    Plugins& plugins_;
    core::Logger& log_;
    core::Metrics& metrics_;
};

// When auto-pay should charge an invoice being issued now: the customer's auto-pay and the
// tenant's timing (at once, or at the start of the due date in the tenant's zone); nullopt when
// the customer has no auto-pay.
std::optional<core::SysSeconds> autoPayAt(const domain::Customer& customer,
                                          const domain::TenantBillingSettings& settings,
                                          core::Date due_date, const std::string& timezone,
                                          core::SysSeconds now);

// The currency of a payment (stored as its code; always a known one).
domain::Currency paymentCurrency(const domain::Payment& payment);

// Amounts in the payment's (refund's) own currency.
core::JsonValue toJson(const domain::Payment& payment);
core::JsonValue toJson(const domain::PaymentMethod& method);
core::JsonValue toJson(const domain::Refund& refund);

}  // namespace billwright::services
