#pragma once

// The SQL repositories kept outside sql_store.cpp (storage-internal): each made on first use by
// a unit of work, for one transaction.

#include <memory>

#include "storage/database.h"
#include "storage/hosting_repositories.h"
#include "storage/repositories.h"

namespace billwright::storage {

// The hosting repositories (sql_hosting.cpp).
std::unique_ptr<CustomerRepository> makeSqlCustomers(Connection& c);
std::unique_ptr<SiteRepository> makeSqlSites(Connection& c);
std::unique_ptr<EquipmentRepository> makeSqlEquipment(Connection& c, const Dialect& dialect);
std::unique_ptr<TelemetryRepository> makeSqlTelemetry(Connection& c, const Dialect& dialect);
std::unique_ptr<ContractRepository> makeSqlContracts(Connection& c);
std::unique_ptr<TenantSettingsRepository> makeSqlTenantSettings(Connection& c,
                                                                const Dialect& dialect);
// Customer invoices, the credit ledger and invoice runs (sql_invoices.cpp).
std::unique_ptr<InvoiceRepository> makeSqlInvoices(Connection& c, const Dialect& dialect);
std::unique_ptr<CreditLedgerRepository> makeSqlCreditLedger(Connection& c);
std::unique_ptr<InvoiceRunRepository> makeSqlInvoiceRuns(Connection& c, const Dialect& dialect);

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
