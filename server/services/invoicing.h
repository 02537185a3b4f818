#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "domain/inventory.h"
#include "domain/invoice.h"
#include "domain/tenant.h"
#include "services/actor.h"
#include "services/invoice_text_cache.h"
#include "services/platform_billing.h"
#include "services/scripts.h"
#include "services/usage_chain.h"
#include "storage/repositories.h"

namespace billwright::services {

// What a new invoice becomes: a draft for review, issued (and emailed) at once, or whatever
// the tenant's auto-send setting says (the batch run and the scheduler).
enum class IssueIntent { kDraft, kIssue, kAutoSend };

enum class GenerateOutcome {
    kCreated,      // a new draft or issued invoice
    kHeld,         // a new held invoice (customer in default or on billing hold)
    kExisting,     // the period already had a live invoice; nothing changed
    kRegenerated,  // an existing draft was computed again
    kNothingToBill,
};

struct Generated {
    std::optional<domain::Invoice> invoice;  // none only for kNothingToBill
    GenerateOutcome outcome = GenerateOutcome::kCreated;
};

struct GenerateRequest {
    std::string customer_id;
    core::Date period_start{};
    IssueIntent intent = IssueIntent::kIssue;
    std::optional<std::string> run_id;
    // An existing draft of the period is computed again (lines added by hand kept, edits of
    // computed lines dropped) instead of being answered as it is.
    bool regenerate_draft = false;
    // Runs inside the transaction that writes the outcome (the invoice run records its item
    // there, so a killed run never loses or doubles one).
    std::function<void(storage::UnitOfWork&, const Generated&)> on_commit;
};

// A status change asked for by a user, with what the target status needs.
struct StatusChange {
    domain::InvoiceStatus target = domain::InvoiceStatus::kIssued;
    std::optional<std::string> reason;    // hold, write-off, cancel
    std::optional<core::Date> paid_date;  // paid; defaults to today in the tenant's zone
    std::optional<bool> send_email;       // issued: default true from draft, auto-send when
                                          // releasing a held invoice
};

struct BulkStatusResult {
    std::string invoice_id;
    std::optional<domain::Invoice> invoice;  // the invoice after the change
    std::optional<core::Error> error;        // why this id was not changed
};

// A line added or edited by hand on a draft. Set fields replace the line's; an amount makes the
// line a fixed amount, kwh/rate keep an energy line's formula and recompute it.
struct LineEdit {
    std::optional<domain::LineKind> kind;  // new lines: adjustment (default) or discount
    std::optional<std::string> description;
    std::optional<std::int64_t> amount_minor;
    std::optional<std::int64_t> wh;
    std::optional<std::int64_t> rate_micro;
    std::optional<bool> taxable;
};

// Everything a document or an email of one invoice shows.
struct InvoiceContext {
    domain::Invoice invoice;
    domain::Customer customer;
    domain::TenantBillingSettings settings;
    std::string tenant_name;
};

struct InvoiceListFilter {
    storage::InvoiceFilter filter;
    storage::PageRequest page;
};

// Customer invoicing (seeds 000/001): computing an invoice for a customer and period from the
// customer's contracts and telemetry, issuing it, the status machine, draft edits, the credit
// ledger and the overdue sweep. Every change is one transaction with its audit event, its
// credit-ledger entries and its email in the outbox.
class Invoicing {
public:
    // With `scripts`, the tenant's active rate and invoice_adjust scripts take part.
    Invoicing(storage::Store& store, const core::Clock& clock, BillingChain& chain,
              Scripts* scripts = nullptr);

    // The invoice as it would be generated now; nothing is saved. Any period that has begun.
    core::Result<domain::Invoice> preview(const std::string& tenant_id,
                                          const std::string& customer_id, core::Date period_start);
    // Generates (or finds) the customer's invoice for a period that has ended.
    core::Result<Generated> generate(const Actor& actor, const std::string& tenant_id,
                                     const GenerateRequest& request);
    // generate() in two steps, for batches: prepare computes in a read transaction (in
    // parallel), commit writes inside the caller's write transaction (several per
    // transaction). commit may throw a kUniqueViolation DbError when another writer created
    // the period's invoice meanwhile; the caller then retries with generate().
    struct Prepared;
    core::Result<std::shared_ptr<Prepared>> prepare(const std::string& tenant_id,
                                                    const GenerateRequest& request);
    core::Result<Generated> commit(storage::UnitOfWork& uow, const Actor& actor,
                                   const std::string& tenant_id, const GenerateRequest& request,
                                   const Prepared& prepared);

    core::Result<domain::Invoice> get(const std::string& tenant_id, const std::string& id);
    // The invoice's JSON representation with lines (invoiceJsonText), taken from the text cache
    // when the invoice's revision is the one the text was made from (keepTexts).
    core::Result<std::string> jsonText(const std::string& tenant_id, const std::string& id);
    // Keeps up to `max_bytes` of invoice representations for jsonText (invoices.cache_mb);
    // without a call, or with 0, every read writes the text again.
    void keepTexts(std::size_t max_bytes);
    core::Result<InvoiceContext> context(const std::string& tenant_id, const std::string& id);
    Page<domain::Invoice> list(const std::string& tenant_id, const InvoiceListFilter& filter);

    core::Result<domain::Invoice> changeStatus(const Actor& actor, const std::string& tenant_id,
                                               const std::string& id, const StatusChange& change);
    // Per id, each in its own transaction: one refused id does not stop the others.
    std::vector<BulkStatusResult> bulkStatus(const Actor& actor, const std::string& tenant_id,
                                             const std::vector<std::string>& ids,
                                             const StatusChange& change);
    // Emails an issued or overdue invoice (again).
    core::Result<domain::Invoice> send(const Actor& actor, const std::string& tenant_id,
                                       const std::string& id);

    core::Result<domain::Invoice> addLine(const Actor& actor, const std::string& tenant_id,
                                          const std::string& id, const LineEdit& edit,
                                          const std::string& reason);
    core::Result<domain::Invoice> editLine(const Actor& actor, const std::string& tenant_id,
                                           const std::string& id, const std::string& line_id,
                                           const LineEdit& edit, const std::string& reason);
    core::Result<domain::Invoice> removeLine(const Actor& actor, const std::string& tenant_id,
                                             const std::string& id, const std::string& line_id,
                                             const std::string& reason);

    // A credit (amount > 0) or a debit (< 0) on the customer's balance, which may not go below
    // zero; reason required.
    core::Result<storage::CreditEntry> adjustCredit(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& customer_id,
                                                    std::int64_t amount_minor,
                                                    const std::string& reason);
    core::Result<Page<storage::CreditEntry>> listCredit(const std::string& tenant_id,
                                                        const std::string& customer_id,
                                                        const storage::PageRequest& page);

    // Scheduler: issued invoices past their due date in their tenant's zone become overdue. The
    // subject of a lease is an invoice ("ten_1/inv_2").
    JobOutcome sweepOverdue(WorkLeases& leases);

    // The billing period of the tenant's settings starting on `start` (422 naming `field` when
    // no period starts that day).
    core::Result<domain::Period> periodStartingOn(const std::string& tenant_id, core::Date start,
                                                  const std::string& field);
    core::Date todayFor(const domain::Tenant& tenant) const;

    // A script dry run on real data: the invoice preview of `customer_id` for the period
    // starting on `period_start`, with `script` in place of the tenant's active script of its
    // kind (failures are reported, not recorded). A failure of the script is a 422 naming it.
    core::Result<domain::Invoice> previewWithScript(const std::string& tenant_id,
                                                    const std::string& customer_id,
                                                    core::Date period_start,
                                                    const RunnableScript& script);

private:
    // commit; `recheck` false skips looking for the period's invoice again when `prepared`
    // found none (generate: the unique key refuses a second one, and generate retries).
    core::Result<Generated> commitChecked(storage::UnitOfWork& uow, const Actor& actor,
                                          const std::string& tenant_id,
                                          const GenerateRequest& request, const Prepared& prepared,
                                          bool recheck);
    struct Computed;
    core::Result<Computed> compute(storage::UnitOfWork& uow, const std::string& tenant_id,
                                   const std::string& customer_id, const domain::Period& period,
                                   const RunnableScript* override_script = nullptr);
    core::Result<domain::Invoice> editDraft(
        const Actor& actor, const std::string& tenant_id, const std::string& id,
        const std::string& action, const std::string& reason,
        const std::function<core::Status(domain::Invoice&, core::JsonValue& detail)>& change);

    storage::Store& store_;
    const core::Clock& clock_;
    BillingChain& chain_;
    Scripts* scripts_;
    std::unique_ptr<InvoiceTextCache> texts_;
};

// Moves the customer's credit balance by `amount` (+ adds credit) and writes its ledger entry
// (with the invoice and payment it concerns), so the balance stays the sum of the customer's
// entries. Saves the customer; returns the entry.
storage::CreditEntry moveCredit(storage::UnitOfWork& uow, const Actor& actor,
                                const core::Clock& clock, domain::Customer& customer,
                                const domain::Currency& currency, std::string kind,
                                std::int64_t amount, std::optional<std::string> invoice_id,
                                std::optional<std::string> reason,
                                std::optional<std::string> payment_id = std::nullopt);

// The invoice as JSON: header, totals, lines and contract summaries (lines and summaries only
// when `with_lines`). writeInvoice is the one definition; invoiceJsonText is its text (what the
// API answers), toJson the same as a tree (audit snapshots, answers that add members).
void writeInvoice(core::JsonWriter& writer, const domain::Invoice& invoice, bool with_lines);
std::string invoiceJsonText(const domain::Invoice& invoice, bool with_lines = true);
core::JsonValue toJson(const domain::Invoice& invoice, bool with_lines = true);
core::JsonValue toJson(const storage::CreditEntry& entry);

}  // namespace billwright::services
