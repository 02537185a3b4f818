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
    std::int64_t lease_seconds = 60;  // a crashed node's run is taken over after this
    int threads = 2;                  // customers computed in parallel within a run
    std::size_t batch_size = 64;      // customers written per transaction
};

// Batch generation (seed 000 "Run Batch Generation"): a run is a durable job in the database —
// the run row and one item per customer, created together. Workers lease a run, generate each
// pending customer's invoice through Invoicing::generate (the item's outcome is written in the
// same transaction as the invoice), and renew the lease as they go; a run whose node died is
// taken over when its lease expires and finishes with nothing lost or doubled.
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

    // Leases one queued or running run (of any tenant) and works on it until it is done, it
    // waits for confirmation, it is cancelled, or `max_items` customers have been processed.
    // False when no run was available.
    bool workOnce(std::size_t max_items = SIZE_MAX);

    // Scheduler: on each auto-generating tenant's billing day (in its zone, or up to
    // `catch_up_days` after it), starts the run of the period that just ended; once per period.
    JobOutcome startScheduledRuns(int catch_up_days);

private:
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
