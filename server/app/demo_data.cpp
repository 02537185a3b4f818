#include "app/demo_data.h"

namespace billwright::app {

std::optional<std::string> seedDemoData(services::PlatformBilling& billing, storage::Store& store) {
    const bool empty =
        store.read([](storage::UnitOfWork& uow) { return uow.tenants().count() == 0; });
    if (!empty) return std::nullopt;
    const auto actor = services::Actor::system("demo_data");
    auto tenant = billing.createTenant(
        actor, {"Demo Hosting Co", domain::TenantStatus::kActive, "America/New_York", "USD"});
    if (!tenant.ok()) return std::nullopt;
    domain::BillingConfig config;
    config.tenant_id = tenant->id;
    config.flat_rate_minor = 150000;
    config.currency = *domain::findCurrency("USD");
    config.billing_frequency = domain::BillingFrequency::kMonthly;
    config.billing_email = "billing@demo-hosting.example";
    config.auto_generate_invoices = true;
    config.billing_day_of_month = 1;
    config.payment_due_days = 15;
    config.email_notifications = true;
    if (!billing.putBillingConfig(actor, config).ok()) return std::nullopt;

    const core::Date today = billing.todayIn(tenant->timezone);
    const domain::BillingSchedule schedule{config.billing_frequency, config.billing_day_of_month};
    core::Date start = domain::periodContaining(schedule, today).start;
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        auto generated = billing.generateInvoice(actor, tenant->id, start);
        if (generated.ok()) ids.push_back(generated->invoice.id);
        start = domain::periodContaining(schedule, core::addDays(start, -1)).start;
    }
    // The two oldest were paid by wire; the current one awaits payment.
    for (std::size_t i = 1; i < ids.size(); ++i) {
        core::ignoreResult(billing.recordPayment(
            actor, tenant->id, ids[i], {std::nullopt, "WIRE-DEMO-" + std::to_string(i), "wire"}));
    }
    return tenant->id;
}

}  // namespace billwright::app
