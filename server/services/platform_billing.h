#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/time_zone.h"
#include "domain/billing_config.h"
#include "domain/platform_invoice.h"
#include "domain/tenant.h"
#include "services/actor.h"
#include "services/plugins.h"
#include "services/work_leases.h"
#include "storage/repositories.h"

namespace billwright::services {

template <typename T>
struct Page {
    std::vector<T> items;
    bool has_more = false;
};

// Trims a repository result of limit + 1 rows to a page.
template <typename T>
Page<T> toPage(std::vector<T> rows, std::size_t limit) {
    Page<T> page;
    page.has_more = rows.size() > limit;
    if (page.has_more) rows.resize(limit);
    page.items = std::move(rows);
    return page;
}

struct NewTenant {
    std::string name;
    domain::TenantStatus status = domain::TenantStatus::kActive;
    std::string timezone = "UTC";
    std::string default_currency = "USD";
};

struct TenantChanges {
    std::optional<std::string> name;
    std::optional<domain::TenantStatus> status;
    std::optional<std::string> timezone;
    std::optional<std::string> default_currency;
};

struct PaymentDetails {
    std::optional<core::Date> paid_date;  // defaults to today in the tenant's time zone
    std::optional<std::string> payment_reference;
    std::optional<std::string> payment_method;
};

struct FailureDetails {
    std::optional<std::string> failure_reason;
    std::optional<std::string> payment_reference;
    std::optional<std::string> payment_method;
};

// A charge of a platform invoice through a payment processor, the tenant paying: a method the
// processor charges on the spot (`method_reference`, e.g. a Stripe pm_...) or the parameters of
// a processor that records payments (payment_manual) or needs none.
struct PlatformCharge {
    std::string plugin_id;
    std::map<std::string, std::string> params;
    std::string method_reference;
    std::string return_url;
};

struct PlatformChargeOutcome {
    domain::PlatformInvoice invoice;  // after: paid, failed, or unchanged while pending
    std::string status;               // the processor's: succeeded, failed, requires_action, ...
    std::optional<std::string> reference;
    std::optional<std::string> failure_code;
    std::optional<std::string> action_url;
};

struct GeneratedInvoice {
    domain::PlatformInvoice invoice;
    bool created = false;  // false: the period already had this invoice
};

struct RevenueFigure {
    domain::Currency currency;
    std::int64_t amount_minor = 0;
};

struct DashboardMetrics {
    std::int64_t total_tenants = 0;
    std::int64_t pending_invoices = 0;
    std::int64_t overdue_invoices = 0;
    std::int64_t failed_invoices = 0;
    std::string month;  // "2026-11", in the platform's time zone
    std::vector<RevenueFigure> monthly_revenue;
};

// The platform billing its tenants (seed 004): tenants, their BillingConfig, platform invoices,
// payments, the dashboard, and the two scheduler jobs (auto-generation and the overdue sweep).
class PlatformBilling {
public:
    // Platform invoices are billed through the billing_flat plugin (method "flat"), which
    // `plugins` must have loaded; without it generation fails with 503.
    PlatformBilling(storage::Store& store, const core::Clock& clock, Plugins& plugins,
                    core::TimeZone platform_zone, int catch_up_days = 7);

    core::Result<domain::Tenant> createTenant(const Actor& actor, const NewTenant& input);
    core::Result<domain::Tenant> getTenant(const std::string& id);
    Page<domain::Tenant> listTenants(std::optional<domain::TenantStatus> status,
                                     const storage::PageRequest& page);
    core::Result<domain::Tenant> updateTenant(const Actor& actor, const std::string& id,
                                              const TenantChanges& changes);

    core::Result<domain::BillingConfig> putBillingConfig(const Actor& actor,
                                                         domain::BillingConfig config);
    core::Result<domain::BillingConfig> getBillingConfig(const std::string& tenant_id);

    core::Result<GeneratedInvoice> generateInvoice(const Actor& actor, const std::string& tenant_id,
                                                   core::Date period_start);
    core::Result<domain::PlatformInvoice> getInvoice(const std::string& tenant_id,
                                                     const std::string& invoice_id);
    core::Result<std::vector<storage::PaymentAttempt>> listAttempts(const std::string& tenant_id,
                                                                    const std::string& invoice_id);
    core::Result<Page<domain::PlatformInvoice>> listInvoices(
        const storage::PlatformInvoiceFilter& filter);
    core::Result<domain::PlatformInvoice> recordPayment(const Actor& actor,
                                                        const std::string& tenant_id,
                                                        const std::string& invoice_id,
                                                        const PaymentDetails& details);
    core::Result<domain::PlatformInvoice> recordFailure(const Actor& actor,
                                                        const std::string& tenant_id,
                                                        const std::string& invoice_id,
                                                        const FailureDetails& details);

    // Charges the invoice through `charge.plugin_id` with the platform's configuration of it
    // (Plugins::platformSettings) and the tenant as payer. Succeeded: the invoice is paid;
    // failed or canceled: the attempt is recorded and the invoice is `failed` (seed 004);
    // pending or requires_action: nothing changes yet (action_url says where the payer goes).
    // The provider's idempotency key is the invoice and its count of failed attempts, so a
    // request repeated after a timeout cannot charge twice.
    core::Result<PlatformChargeOutcome> chargeInvoice(const Actor& actor,
                                                      const std::string& tenant_id,
                                                      const std::string& invoice_id,
                                                      const PlatformCharge& charge);

    DashboardMetrics dashboard();

    // Scheduler jobs; each is idempotent and safe to run at any time, any number of times, on
    // any number of nodes, which split the work through `leases`. Auto-generation's subject is
    // a tenant's period ("ten_1/2026-04-01"), the overdue sweep's an invoice ("ten_1/inv_2").
    JobOutcome generateDueInvoices(WorkLeases& leases);
    JobOutcome sweepOverdue(WorkLeases& leases);

    core::Date todayIn(const std::string& timezone) const;

private:
    core::Result<domain::PlatformInvoice> applyEvent(const Actor& actor,
                                                     const std::string& tenant_id,
                                                     const std::string& invoice_id,
                                                     domain::PlatformInvoiceEvent event,
                                                     const PaymentDetails* payment,
                                                     const FailureDetails* failure);

    // The period whose invoice auto-generation owes the tenant now: the one containing its
    // local today, if auto-generation is on, the tenant active and the period began less than
    // catch_up_days ago.
    std::optional<domain::Period> autoGenerationPeriod(const domain::BillingConfig& config,
                                                       const domain::Tenant& tenant) const;

    core::Result<std::int64_t> flatAmount(const domain::BillingConfig& config,
                                          const domain::Period& period,
                                          const domain::Tenant& tenant);

    storage::Store& store_;
    const core::Clock& clock_;
    Plugins& plugins_;
    core::TimeZone platform_zone_;
    int catch_up_days_;
};

}  // namespace billwright::services
