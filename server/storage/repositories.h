#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/date.h"
#include "domain/api_key.h"
#include "domain/audit_event.h"
#include "domain/billing_config.h"
#include "domain/hashprice.h"
#include "domain/platform_invoice.h"
#include "domain/tenant.h"
#include "storage/database.h"
#include "storage/hosting_repositories.h"
#include "storage/invoice_repositories.h"
#include "storage/payment_repositories.h"
#include "storage/revenue_guard_repositories.h"
#include "storage/script_repositories.h"
#include "storage/work_lease_repositories.h"

namespace billwright::storage {

// Cursor pagination: newest first (ids sort by creation time), `starting_after` is the last id
// of the previous page. Repositories return up to limit + 1 rows so callers can tell whether
// there is a next page.
struct PageRequest {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
};

class TenantRepository {
public:
    virtual ~TenantRepository() = default;
    virtual std::optional<domain::Tenant> find(std::string_view id) = 0;
    virtual std::vector<domain::Tenant> list(std::optional<domain::TenantStatus> status,
                                             const PageRequest& page) = 0;
    virtual std::vector<domain::Tenant> listAll() = 0;
    virtual void insert(const domain::Tenant& tenant) = 0;
    virtual void update(const domain::Tenant& tenant) = 0;
    virtual std::int64_t count() = 0;
};

class BillingConfigRepository {
public:
    virtual ~BillingConfigRepository() = default;
    virtual std::optional<domain::BillingConfig> find(std::string_view tenant_id) = 0;
    virtual void upsert(const domain::BillingConfig& config) = 0;
    virtual std::vector<domain::BillingConfig> listAutoGenerating() = 0;
};

struct PlatformInvoiceFilter {
    std::optional<std::string> tenant_id;
    std::optional<domain::PlatformInvoiceStatus> status;
    std::optional<core::Date> issued_from;  // inclusive
    std::optional<core::Date> issued_to;    // inclusive
    PageRequest page;
};

struct PaymentAttempt {
    std::string id;
    std::string tenant_id;
    std::string invoice_id;
    std::string outcome;  // "succeeded" | "failed"
    std::int64_t amount_minor = 0;
    std::string currency;
    std::optional<std::string> payment_method;
    std::optional<std::string> payment_reference;
    std::optional<core::Date> paid_date;
    std::optional<std::string> failure_reason;
    std::string actor;
    core::SysSeconds created_at{};
};

class PlatformInvoiceRepository {
public:
    virtual ~PlatformInvoiceRepository() = default;
    virtual std::optional<domain::PlatformInvoice> find(std::string_view tenant_id,
                                                        std::string_view id) = 0;
    // Any invoice of the tenant whose period overlaps [start, end).
    virtual std::optional<domain::PlatformInvoice> findOverlapping(
        std::string_view tenant_id, const domain::Period& period) = 0;
    virtual std::vector<domain::PlatformInvoice> list(const PlatformInvoiceFilter& filter) = 0;
    // pending_payment or failed invoices whose due date is before `date`.
    virtual std::vector<domain::PlatformInvoice> listUnpaidDueBefore(core::Date date) = 0;
    virtual void insert(const domain::PlatformInvoice& invoice) = 0;
    virtual void update(const domain::PlatformInvoice& invoice) = 0;
    virtual std::int64_t countByStatus(domain::PlatformInvoiceStatus status) = 0;
    // Sum of paid invoices by currency with paid_date in [from, to).
    virtual std::vector<std::pair<std::string, std::int64_t>> paidTotalsByCurrency(
        core::Date from, core::Date to) = 0;
    virtual void insertAttempt(const PaymentAttempt& attempt) = 0;
    virtual std::vector<PaymentAttempt> listAttempts(std::string_view tenant_id,
                                                     std::string_view invoice_id) = 0;
    // The next number in a gap-free sequence per (scope, year); part of the caller's transaction.
    virtual std::int64_t nextSequence(std::string_view scope, int year) = 0;
};

class ApiKeyRepository {
public:
    virtual ~ApiKeyRepository() = default;
    virtual std::optional<domain::ApiKey> find(std::string_view id) = 0;
    // tenant_id empty: every key (super's view); otherwise that tenant's keys.
    virtual std::vector<domain::ApiKey> list(const std::optional<std::string>& tenant_id,
                                             const PageRequest& page) = 0;
    virtual void insert(const domain::ApiKey& key) = 0;
    virtual void revoke(std::string_view id, core::SysSeconds at) = 0;
    virtual void touch(std::string_view id, core::SysSeconds at) = 0;
    virtual std::int64_t countActiveSuperKeys() = 0;
};

class AuditRepository {
public:
    virtual ~AuditRepository() = default;
    virtual void insert(const domain::AuditEvent& event) = 0;
    virtual std::vector<domain::AuditEvent> list(const std::optional<std::string>& tenant_id,
                                                 const PageRequest& page) = 0;
};

// One message in the durable outbox: an email (channel "email") or an HTTP POST of a JSON body
// to the tenant's RevenueGuard webhook URL (channel "webhook"; the URL and the signing secret
// are read from the tenant's settings at each attempt, see services/revenue_guard.h). Statuses:
// "pending" (waiting, or being sent while lease_until is in the future), "sent", "failed" (dead
// letter after the last attempt). The worker that claims a message holds it until lease_until; a
// worker that dies mid-send leaves the lease to expire and the message is sent again (at-least-once
// delivery).
struct OutboxMessage {
    std::string id;
    std::optional<std::string> tenant_id;
    std::string kind;               // e.g. "platform_invoice.issued"
    std::string channel = "email";  // "email" | "webhook"
    std::string dedupe_key;         // one message per event, even if the event is processed twice
    std::string recipient;          // email: the address; webhook: the setting the URL comes from
    std::string subject;            // email: the subject line; webhook: the event id ("evt_...")
    std::string body;               // email: text/plain; webhook: the JSON body as sent
    std::optional<std::string> html_body;        // text/html alternative of `body`
    std::optional<std::string> sender_name;      // none: the name of smtp.from
    std::optional<std::string> sender_email;     // none: the address of smtp.from
    std::optional<std::string> reply_to;         // an address
    std::optional<std::string> attachment_name;  // file name; the three are set together
    std::optional<std::string> attachment_type;  // media type, e.g. "text/html"
    std::optional<std::string> attachment_body;  // the content (a TEXT column: text documents)
    std::optional<std::string> object_id;        // what the message is about ("inv_...")
    std::string status = "pending";
    std::int64_t attempts = 0;
    core::SysSeconds next_attempt_at{};
    std::optional<std::string> last_error;
    std::optional<core::SysSeconds> sent_at;
    std::optional<core::SysSeconds> lease_until;
    core::SysSeconds created_at{};
};

struct OutboxFilter {
    std::string tenant_id;
    std::optional<std::string> status;
    std::optional<std::string> kind;
    std::optional<std::string> channel;
    std::optional<std::string> object_id;
    PageRequest page;
};

class OutboxRepository {
public:
    virtual ~OutboxRepository() = default;
    // False when a message with the same dedupe key already exists.
    virtual bool enqueue(const OutboxMessage& message) = 0;
    virtual std::vector<OutboxMessage> listForTenant(std::string_view tenant_id) = 0;
    // Newest first, limit + 1 rows; attachment_body is left empty (lists never need it).
    virtual std::vector<OutboxMessage> list(const OutboxFilter& filter) = 0;
    virtual std::optional<OutboxMessage> find(std::string_view tenant_id, std::string_view id) = 0;
    // Up to `limit` pending messages of `channels` due at `now` whose lease is absent or
    // expired, oldest due first; each is leased until `lease_until` before it is returned, so
    // another worker skips it until then.
    virtual std::vector<OutboxMessage> claimDue(core::SysSeconds now, core::SysSeconds lease_until,
                                                std::size_t limit,
                                                const std::vector<std::string>& channels) = 0;
    // A pending message becomes sent; its lease ends.
    virtual void markSent(std::string_view id, core::SysSeconds at) = 0;
    // One more failed attempt of a pending message: attempts + 1, the error, the next attempt
    // time; its lease ends. It becomes failed (dead letter) when attempts reach max_attempts.
    // Returns the status it has afterwards.
    virtual std::string recordFailure(std::string_view id, std::string_view error,
                                      core::SysSeconds next_attempt_at,
                                      std::int64_t max_attempts) = 0;
    // A failed message back to pending, due at `now` (attempts are kept). False when the
    // message is not failed (or not the tenant's).
    virtual bool retry(std::string_view tenant_id, std::string_view id, core::SysSeconds now) = 0;
};

struct IdempotencyRecord {
    std::string request_hash;
    std::optional<int> status_code;  // none while the first request is still running
    std::string response_body;
    core::SysSeconds created_at{};
};

class IdempotencyRepository {
public:
    virtual ~IdempotencyRepository() = default;
    virtual std::optional<IdempotencyRecord> find(std::string_view principal,
                                                  std::string_view key) = 0;
    // False when the key is already taken.
    virtual bool reserve(std::string_view principal, std::string_view key,
                         std::string_view request_hash, core::SysSeconds at) = 0;
    virtual void complete(std::string_view principal, std::string_view key, int status_code,
                          std::string_view body) = 0;
    virtual void remove(std::string_view principal, std::string_view key) = 0;
    virtual std::int64_t purgeOlderThan(core::SysSeconds cutoff) = 0;
};

// The repositories of one transaction.
// One stored value of a tenant's plugin configuration. Exactly one of `value` (plain keys)
// and `sealed` (secret keys, services::SecretBox output) is set; key_id names the master key
// that sealed it.
struct PluginSetting {
    std::string tenant_id;
    std::string plugin_id;
    std::string name;
    std::optional<std::string> value;
    std::optional<std::string> sealed;
    std::optional<std::string> key_id;
    core::SysSeconds updated_at{};
};

class PluginSettingsRepository {
public:
    virtual ~PluginSettingsRepository() = default;
    virtual std::vector<PluginSetting> list(std::string_view tenant_id,
                                            std::string_view plugin_id) = 0;
    // Replaces every stored value of (tenant, plugin) with `settings`.
    virtual void replace(std::string_view tenant_id, std::string_view plugin_id,
                         const std::vector<PluginSetting>& settings) = 0;
    // The master key ids secrets are sealed under, across all tenants (empty: no secrets):
    // plugin secrets and RevenueGuard webhook secrets.
    virtual std::vector<std::string> secretKeyIds() = 0;
};

class HashpriceRepository {
public:
    virtual ~HashpriceRepository() = default;
    // Inserts or replaces the quote of (tenant, source, day).
    virtual void upsert(const domain::HashpriceQuote& quote) = 0;
    // The quotes of [from, to] by day, preceded by the last one before `from` (it still holds at
    // `from`) when there is one.
    virtual std::vector<domain::HashpriceQuote> span(std::string_view tenant_id,
                                                     std::string_view source, core::Date from,
                                                     core::Date to) = 0;
};

class UnitOfWork {
public:
    virtual ~UnitOfWork() = default;
    virtual TenantRepository& tenants() = 0;
    virtual BillingConfigRepository& billingConfigs() = 0;
    virtual PlatformInvoiceRepository& platformInvoices() = 0;
    virtual ApiKeyRepository& apiKeys() = 0;
    virtual AuditRepository& audit() = 0;
    virtual OutboxRepository& outbox() = 0;
    virtual IdempotencyRepository& idempotency() = 0;
    virtual CustomerRepository& customers() = 0;
    virtual SiteRepository& sites() = 0;
    virtual EquipmentRepository& equipment() = 0;
    virtual TelemetryRepository& telemetry() = 0;
    virtual ContractRepository& contracts() = 0;
    virtual TenantSettingsRepository& tenantSettings() = 0;
    virtual PluginSettingsRepository& pluginSettings() = 0;
    virtual HashpriceRepository& hashprices() = 0;
    virtual InvoiceRepository& invoices() = 0;
    virtual CreditLedgerRepository& creditLedger() = 0;
    virtual InvoiceRunRepository& invoiceRuns() = 0;
    virtual ScriptRepository& scripts() = 0;
    virtual PaymentMethodRepository& paymentMethods() = 0;
    virtual PaymentRepository& payments() = 0;
    virtual RevenueGuardRepository& revenueGuard() = 0;
    virtual WorkLeaseRepository& workLeases() = 0;
};

class Store {
public:
    virtual ~Store() = default;
    // `body` returns true to commit. See Database::transact for retries.
    virtual void transact(TxMode mode, const std::function<bool(UnitOfWork&)>& body) = 0;
    virtual bool ping() = 0;
    virtual int schemaVersion() = 0;

    // Runs `body` (returning a core::Result) in a transaction that commits only on success.
    template <typename F>
    auto write(F&& body) {
        using R = decltype(body(std::declval<UnitOfWork&>()));
        std::optional<R> out;
        transact(TxMode::kWrite, [&](UnitOfWork& uow) {
            out.emplace(body(uow));
            return out->ok();
        });
        return std::move(*out);
    }
    template <typename F>
    auto read(F&& body) {
        using R = decltype(body(std::declval<UnitOfWork&>()));
        std::optional<R> out;
        transact(TxMode::kRead, [&](UnitOfWork& uow) {
            out.emplace(body(uow));
            return true;
        });
        return std::move(*out);
    }
};

std::unique_ptr<Store> makeSqlStore(Database& db);

}  // namespace billwright::storage
