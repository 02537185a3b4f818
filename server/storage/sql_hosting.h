#pragma once

// The SQL implementations of the hosting repositories (storage-internal), owned by a unit of
// work for one transaction.

#include <memory>

#include "storage/database.h"
#include "storage/hosting_repositories.h"
#include "storage/repositories.h"

namespace billwright::storage {

struct HostingRepositories {
    HostingRepositories(Connection& c, const Dialect& dialect);
    ~HostingRepositories();
    HostingRepositories(const HostingRepositories&) = delete;
    HostingRepositories& operator=(const HostingRepositories&) = delete;

    std::unique_ptr<CustomerRepository> customers;
    std::unique_ptr<SiteRepository> sites;
    std::unique_ptr<EquipmentRepository> equipment;
    std::unique_ptr<TelemetryRepository> telemetry;
    std::unique_ptr<ContractRepository> contracts;
    std::unique_ptr<TenantSettingsRepository> tenant_settings;
};

struct InvoicingRepositories {
    InvoicingRepositories(Connection& c, const Dialect& dialect);
    ~InvoicingRepositories();
    InvoicingRepositories(const InvoicingRepositories&) = delete;
    InvoicingRepositories& operator=(const InvoicingRepositories&) = delete;

    std::unique_ptr<InvoiceRepository> invoices;
    std::unique_ptr<CreditLedgerRepository> credit_ledger;
    std::unique_ptr<InvoiceRunRepository> runs;
};

// The plugin configuration repository (sql_plugins.cpp).
std::unique_ptr<PluginSettingsRepository> makeSqlPluginSettings(Connection& c);
// Tenant scripts, their versions and limits (sql_scripts.cpp).
std::unique_ptr<ScriptRepository> makeSqlScripts(Connection& c);
// Payment methods; payments, refunds and provider events (sql_payments.cpp).
std::unique_ptr<PaymentMethodRepository> makeSqlPaymentMethods(Connection& c);
std::unique_ptr<PaymentRepository> makeSqlPayments(Connection& c, const Dialect& dialect);
// The market hashprice repository (sql_plugins.cpp).
std::unique_ptr<HashpriceRepository> makeSqlHashprices(Connection& c);
// RevenueGuard: status history, webhook settings, summary figures (sql_revenue_guard.cpp).
std::unique_ptr<RevenueGuardRepository> makeSqlRevenueGuard(Connection& c);
// The scheduler jobs' row leases (sql_work_leases.cpp).
std::unique_ptr<WorkLeaseRepository> makeSqlWorkLeases(Connection& c, const Dialect& dialect);

}  // namespace billwright::storage
