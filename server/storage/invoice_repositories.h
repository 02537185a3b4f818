#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/date.h"
#include "domain/invoice.h"

namespace billwright::storage {

struct PageRequest;

// Customer invoices, the credit ledger and invoice runs. Every call takes the tenant id, except
// the scheduler's cross-tenant candidate lists.

struct InvoiceFilter {
    std::optional<std::string> customer_id;
    std::optional<domain::InvoiceStatus> status;
    std::optional<core::Date> period_start;
    std::optional<std::string> run_id;
};

struct InvoiceRef {
    std::string tenant_id;
    std::string id;
};

class InvoiceRepository {
public:
    virtual ~InvoiceRepository() = default;
    // With lines (by position) and contract summaries.
    virtual std::optional<domain::Invoice> find(std::string_view tenant_id,
                                                std::string_view id) = 0;
    // As find, and the invoice's row stays locked until the transaction ends (Dialect::
    // forUpdate): for a transaction that will change the invoice, so a concurrent one waits
    // instead of deadlocking with it.
    virtual std::optional<domain::Invoice> findForUpdate(std::string_view tenant_id,
                                                         std::string_view id) = 0;
    // The customer's live (not cancelled) invoice for the period starting on `period_start`.
    virtual std::optional<domain::Invoice> findLive(std::string_view tenant_id,
                                                    std::string_view customer_id,
                                                    core::Date period_start) = 0;
    // Headers only (no lines), newest first.
    virtual std::vector<domain::Invoice> list(std::string_view tenant_id,
                                              const InvoiceFilter& filter,
                                              const PageRequest& page) = 0;
    // Header, lines and contract summaries. A second live invoice for the same customer and
    // period throws a DbError of kind kUniqueViolation.
    virtual void insert(const domain::Invoice& invoice) = 0;
    // The header (status, dates, totals, ...).
    virtual void update(const domain::Invoice& invoice) = 0;
    // Replaces the lines (after a draft edit or a regeneration) and the contract summaries.
    virtual void replaceLines(const domain::Invoice& invoice) = 0;
    // The invoice's revision: update and replaceLines raise it in their transaction, so two
    // reads that see the same revision see the same invoice, lines and summaries. Nothing for
    // an invoice that does not exist.
    virtual std::optional<std::int64_t> revision(std::string_view tenant_id,
                                                 std::string_view id) = 0;
    // Invoices of every tenant whose next collection (auto-pay or a retry) is due at `now`,
    // the longest waiting first.
    virtual std::vector<InvoiceRef> collectionsDue(core::SysSeconds now, std::size_t limit) = 0;
    // Issued invoices of every tenant whose due date is before `date` (candidates for the
    // overdue sweep, which checks each against its tenant's today).
    virtual std::vector<InvoiceRef> issuedDueBefore(core::Date date) = 0;
};

struct CreditEntry {
    std::string id;  // "crd_..."
    std::string tenant_id;
    std::string customer_id;
    // "grant", "adjustment", "applied", "restored"; payments: "overpayment" (received beyond
    // what the invoice owed), "refunded" (a refund paid out of it), "refund_failed" (back)
    std::string kind;
    std::int64_t amount_minor = 0;  // signed: + adds to the balance
    std::string currency;
    std::int64_t balance_after_minor = 0;
    std::optional<std::string> invoice_id;
    std::optional<std::string> reason;
    std::string actor;
    core::SysSeconds created_at{};
    std::optional<std::string> payment_id;  // the payment or refund ("pay_...", "rfd_...")
};

class CreditLedgerRepository {
public:
    virtual ~CreditLedgerRepository() = default;
    virtual void insert(const CreditEntry& entry) = 0;
    // Newest first.
    virtual std::vector<CreditEntry> list(std::string_view tenant_id, std::string_view customer_id,
                                          const PageRequest& page) = 0;
    // The sum of the customer's entries: what the balance must be.
    virtual std::int64_t balance(std::string_view tenant_id, std::string_view customer_id) = 0;
};

enum class RunStatus { kQueued, kRunning, kAwaitingConfirmation, kCompleted, kCancelled };
std::string_view runStatusName(RunStatus s);
std::optional<RunStatus> parseRunStatus(std::string_view text);

struct InvoiceRun {
    std::string id;  // "run_..."
    std::string tenant_id;
    domain::Period period{};
    std::optional<std::string> customer_id;  // one customer, or all
    bool skip_existing = true;
    bool preview_one = false;
    bool auto_send = false;  // the tenant's setting when the run was created
    RunStatus status = RunStatus::kQueued;
    std::string trigger = "api";  // "api" or "scheduler"
    std::optional<std::string> schedule_key;
    std::optional<std::string> preview_invoice_id;
    std::string created_by;
    core::SysSeconds created_at{};
    std::optional<core::SysSeconds> started_at;
    std::optional<core::SysSeconds> finished_at;
    core::SysSeconds updated_at{};
};

struct RunItem {
    std::string customer_id;
    std::int64_t position = 0;
    std::string status = "pending";  // pending, created, held, skipped, failed
    std::optional<std::string> invoice_id;
    std::optional<std::string> reason;
    // The node that holds the item's lease, or that finished it (the lease ends with the item,
    // the owner stays).
    std::optional<std::string> lease_owner;
};

class InvoiceRunRepository {
public:
    virtual ~InvoiceRunRepository() = default;
    // Throws kUniqueViolation when schedule_key is taken (the scheduler's run of that period
    // exists).
    virtual void insert(const InvoiceRun& run) = 0;
    virtual std::optional<InvoiceRun> find(std::string_view tenant_id, std::string_view id) = 0;
    virtual std::vector<InvoiceRun> list(std::string_view tenant_id, const PageRequest& page) = 0;
    virtual void update(const InvoiceRun& run) = 0;
    // One prepared statement for all the run's customers, positions in order.
    virtual void insertItems(std::string_view tenant_id, std::string_view run_id,
                             const std::vector<std::string>& customer_ids, core::SysSeconds at) = 0;
    virtual std::vector<RunItem> pendingItems(std::string_view tenant_id, std::string_view run_id,
                                              std::size_t limit) = 0;
    // Writes the item's outcome and ends its lease (the owner is kept).
    virtual void updateItem(std::string_view tenant_id, std::string_view run_id,
                            const RunItem& item, core::SysSeconds at) = 0;
    // Items by status ("pending" -> 12, ...).
    virtual std::map<std::string, std::int64_t> counts(std::string_view tenant_id,
                                                       std::string_view run_id) = 0;
    // Items with the given status, by position.
    virtual std::vector<RunItem> itemsWithStatus(std::string_view tenant_id,
                                                 std::string_view run_id, std::string_view status,
                                                 std::size_t limit) = 0;
    // Queued and running runs of every tenant, oldest first: the runs workers take items from.
    virtual std::vector<InvoiceRun> active(std::size_t limit) = 0;
    // Up to `limit` pending items of the run whose lease is free or expired at `now`, by
    // position, leased to `owner` until `lease_until`. Items another transaction is claiming are
    // skipped where the database can (FOR UPDATE SKIP LOCKED), so nodes get different items.
    virtual std::vector<RunItem> claimItems(std::string_view tenant_id, std::string_view run_id,
                                            std::int64_t now, std::string_view owner,
                                            std::int64_t lease_until, std::size_t limit) = 0;
    // Pending items of the run under a lease that still holds at `now`.
    virtual std::int64_t leasedItems(std::string_view tenant_id, std::string_view run_id,
                                     std::int64_t now) = 0;
};

}  // namespace billwright::storage
