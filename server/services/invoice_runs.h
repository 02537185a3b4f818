#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "services/actor.h"
#include "services/invoicing.h"
#include "storage/repositories.h"

namespace billwright::services {

struct RunRequest {
    core::Date period_start{};
    std::optional<std::string> customer_id;  // none: every customer with a contract in the period
    bool skip_existing = true;
    bool preview_one = false;
};

struct RunView {
    storage::InvoiceRun run;
    std::int64_t total = 0;
    std::map<std::string, std::int64_t> counts;  // pending, created, held, skipped, failed
    std::vector<storage::RunItem> failures;      // with their reasons, by position
};

struct RunWorkerOptions {
    std::string node_id = "node";     // lease owner name, unique per process
    std::int64_t lease_seconds = 60;  // a crashed node's batch is taken over after this
    int threads = 2;                  // customers computed in parallel within a batch
    std::size_t batch_size = 64;      // customers leased at once and written per transaction
};

// Batch generation (seed 000 "Run Batch Generation"): a run is a durable job in the database —
// the run row and one item per customer, created together. Workers on any number of nodes lease
// batches of the run's pending items (`FOR UPDATE SKIP LOCKED` where the database has it, so
// two nodes get different items), generate each customer's invoice through Invoicing (the
// item's outcome is written in the same transaction as the invoice, which ends its lease), and
// come back for the next batch. A batch whose node died is taken over when its lease expires;
// the worker that finds no pending item left completes the run. Nothing is lost or doubled:
// an item is pending until its invoice is written, and the unique key on the customer's period
// settles a batch worked twice.
class InvoiceRuns {
public:
    InvoiceRuns(storage::Store& store, const core::Clock& clock, Invoicing& invoicing,
                RunWorkerOptions options);

    core::Result<RunView> create(const Actor& actor, const std::string& tenant_id,
                                 const RunRequest& request);
    core::Result<RunView> get(const std::string& tenant_id, const std::string& id);
    Page<storage::InvoiceRun> list(const std::string& tenant_id, const storage::PageRequest& page);
    // A preview run waiting for review goes on with the other customers; its preview invoice
    // is issued (and emailed) now when the run auto-sends.
    core::Result<RunView> confirm(const Actor& actor, const std::string& tenant_id,
                                  const std::string& id);
    // Stops a run: customers not yet processed stay pending; invoices already made stay.
    core::Result<RunView> cancel(const Actor& actor, const std::string& tenant_id,
                                 const std::string& id);

    // Works on the oldest queued or running run (of any tenant) that has items free to lease:
    // batch after batch until none is left free (the rest are done or leased by other nodes),
    // it waits for confirmation, it is cancelled, or `max_items` customers have been processed
    // (batches are then cut to fit). A run found with nothing pending is completed. False when
    // there was nothing to do.
    bool workOnce(std::size_t max_items = SIZE_MAX);

    // Scheduler: on each auto-generating tenant's billing day (in its zone, or up to
    // `catch_up_days` after it), starts the run of the period that just ended; once per period.
    // The subject of a lease is the tenant's period ("ten_1/2026-04-01").
    JobOutcome startScheduledRuns(WorkLeases& leases, int catch_up_days);

private:
    // The period whose scheduled run the tenant is owed now: the one that just ended, while its
    // successor began less than `catch_up_days` ago (auto-generation on, the tenant active).
    std::optional<domain::Period> scheduledPeriod(const domain::TenantBillingSettings& settings,
                                                  const domain::Tenant& tenant, int catch_up_days);
    struct Claim {
        std::optional<storage::InvoiceRun> run;  // the run the items belong to
        std::vector<storage::RunItem> items;     // leased to this node
        bool completed = false;                  // a run with nothing pending was completed
    };
    // One write transaction: up to `limit` pending items of `only` (or of the oldest active run
    // with items free to lease), leased to this node. A run found with no pending item left is
    // completed on the way; a cancelled or paused one gives nothing.
    Claim claimBatch(const std::optional<storage::InvoiceRun>& only, std::size_t limit);
    RunView view(storage::UnitOfWork& uow, const storage::InvoiceRun& run);
    // Writes a new run (id, status, times set here) with one pending item per customer, and its
    // audit event; a run without customers is completed at once.
    RunView insertRun(storage::UnitOfWork& uow, const Actor& actor, storage::InvoiceRun run,
                      const std::vector<std::string>& customers);
    // The request for one customer; its on_commit writes the item's outcome into `done`.
    GenerateRequest requestFor(const storage::InvoiceRun& run, const storage::RunItem& item,
                               IssueIntent intent, storage::RunItem& done,
                               std::optional<std::string>* created_invoice);
    void recordFailure(storage::UnitOfWork& uow, const storage::InvoiceRun& run,
                       storage::RunItem& done, const core::Error& error);
    // One customer: computed and written on its own (previews, and the fallback of a batch).
    void processItem(const storage::InvoiceRun& run, const storage::RunItem& item,
                     IssueIntent intent, std::optional<std::string>* created_invoice);
    // A batch: computed in parallel, written in one transaction.
    void processBatch(const storage::InvoiceRun& run, const std::vector<storage::RunItem>& batch,
                      IssueIntent intent);

    storage::Store& store_;
    const core::Clock& clock_;
    Invoicing& invoicing_;
    RunWorkerOptions options_;
};

core::JsonValue toJson(const RunView& view);

}  // namespace billwright::services
