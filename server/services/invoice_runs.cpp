#include "services/invoice_runs.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/random.h"
#include "core/time_zone.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {

using core::Error;
using core::JsonValue;
using storage::InvoiceRun;
using storage::RunItem;
using storage::RunStatus;

namespace {

constexpr std::size_t kListedFailures = 100;
// Active runs a worker looks at for items to lease, oldest first.
constexpr std::size_t kActiveRuns = 64;

std::int64_t unixNow(const core::Clock& clock) {
    return clock.nowSeconds().time_since_epoch().count();
}

Error runTransition(RunStatus current, std::string_view action) {
    const std::string status(storage::runStatusName(current));
    Error e{core::ErrorCode::kInvalidTransition,
            "cannot " + std::string(action) + " a run that is " + status,
            {}};
    e.fields.push_back({"status", status, "the run's current status"});
    return e;
}

Actor runActor(const InvoiceRun& run) {
    return Actor{run.created_by, run.trigger == "scheduler" ? "system" : "run", std::nullopt};
}

std::string reasonOf(const Error& e) {
    std::string out = e.detail;
    for (const auto& f : e.fields) out += (out.empty() ? "" : "; ") + f.field + ": " + f.message;
    return out.substr(0, 500);
}

}  // namespace

InvoiceRuns::InvoiceRuns(storage::Store& store, const core::Clock& clock, Invoicing& invoicing,
                         RunWorkerOptions options)
    : store_(store), clock_(clock), invoicing_(invoicing), options_(std::move(options)) {}

RunView InvoiceRuns::view(storage::UnitOfWork& uow, const InvoiceRun& run) {
    RunView v;
    v.run = run;
    v.counts = uow.invoiceRuns().counts(run.tenant_id, run.id);
    for (const auto& [status, n] : v.counts) v.total += n;
    v.failures =
        uow.invoiceRuns().itemsWithStatus(run.tenant_id, run.id, "failed", kListedFailures);
    return v;
}

RunView InvoiceRuns::insertRun(storage::UnitOfWork& uow, const Actor& actor, InvoiceRun run,
                               const std::vector<std::string>& customers) {
    run.id = core::newId("run", unixMillis(clock_));
    run.status = customers.empty() ? RunStatus::kCompleted : RunStatus::kQueued;
    run.created_by = actor.id;
    run.created_at = run.updated_at = clock_.nowSeconds();
    if (customers.empty()) run.finished_at = run.created_at;
    uow.invoiceRuns().insert(run);
    uow.invoiceRuns().insertItems(run.tenant_id, run.id, customers, run.created_at);
    RunView v = view(uow, run);
    recordAudit(uow, actor, clock_, run.tenant_id, "invoice_run.created", "invoice_run", run.id,
                std::nullopt, toJson(v));
    return v;
}

core::Result<RunView> InvoiceRuns::create(const Actor& actor, const std::string& tenant_id,
                                          const RunRequest& request) {
    auto period = invoicing_.periodStartingOn(tenant_id, request.period_start, "period_start");
    if (!period) return std::move(period).error();
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<RunView> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        if (invoicing_.todayFor(*tenant) < period->end)
            return Error::validation("period_start", "period_not_ended",
                                     "the period ends on " + core::formatIsoDate(period->end) +
                                         "; a run bills a period once it is over");
        std::vector<std::string> customers;
        if (request.customer_id) {
            if (!uow.customers().find(tenant_id, *request.customer_id))
                return Error::validation("customer_id", "not_found", "no such customer");
            customers.push_back(*request.customer_id);
        } else {
            customers = uow.contracts().billableCustomers(tenant_id, period->start, period->end);
        }
        const auto settings = uow.tenantSettings().find(tenant_id);
        InvoiceRun run;
        run.tenant_id = tenant_id;
        run.period = *period;
        run.customer_id = request.customer_id;
        run.skip_existing = request.skip_existing;
        run.preview_one = request.preview_one;
        run.auto_send = settings && settings->auto_send;
        run.trigger = "api";
        return insertRun(uow, actor, std::move(run), customers);
    });
}

core::Result<RunView> InvoiceRuns::get(const std::string& tenant_id, const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<RunView> {
        const auto run = uow.invoiceRuns().find(tenant_id, id);
        if (!run) return Error::notFound("invoice run");
        return view(uow, *run);
    });
}

Page<InvoiceRun> InvoiceRuns::list(const std::string& tenant_id, const storage::PageRequest& page) {
    return store_.read([&](storage::UnitOfWork& uow) {
        return toPage(uow.invoiceRuns().list(tenant_id, page), page.limit);
    });
}

core::Result<RunView> InvoiceRuns::confirm(const Actor& actor, const std::string& tenant_id,
                                           const std::string& id) {
    auto run = get(tenant_id, id);
    if (!run) return std::move(run).error();
    if (run->run.status != RunStatus::kAwaitingConfirmation)
        return runTransition(run->run.status, "confirm");
    // The reviewed draft goes out like the rest of the run would.
    if (run->run.auto_send && run->run.preview_invoice_id) {
        const auto inv = invoicing_.get(tenant_id, *run->run.preview_invoice_id);
        if (inv && inv->status == domain::InvoiceStatus::kDraft) {
            StatusChange issue;
            issue.target = domain::InvoiceStatus::kIssued;
            auto issued = invoicing_.changeStatus(actor, tenant_id, inv->id, issue);
            if (!issued) return std::move(issued).error();
        }
    }
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<RunView> {
        auto current = uow.invoiceRuns().find(tenant_id, id);
        if (!current) return Error::notFound("invoice run");
        if (current->status != RunStatus::kAwaitingConfirmation)
            return runTransition(current->status, "confirm");
        current->status = RunStatus::kQueued;
        current->updated_at = clock_.nowSeconds();
        uow.invoiceRuns().update(*current);
        recordAudit(uow, actor, clock_, tenant_id, "invoice_run.confirmed", "invoice_run", id,
                    std::nullopt, std::nullopt);
        return view(uow, *current);
    });
}

core::Result<RunView> InvoiceRuns::cancel(const Actor& actor, const std::string& tenant_id,
                                          const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<RunView> {
        auto current = uow.invoiceRuns().find(tenant_id, id);
        if (!current) return Error::notFound("invoice run");
        if (current->status == RunStatus::kCompleted || current->status == RunStatus::kCancelled)
            return runTransition(current->status, "cancel");
        current->status = RunStatus::kCancelled;
        current->finished_at = current->updated_at = clock_.nowSeconds();
        uow.invoiceRuns().update(*current);
        recordAudit(uow, actor, clock_, tenant_id, "invoice_run.cancelled", "invoice_run", id,
                    std::nullopt, std::nullopt);
        return view(uow, *current);
    });
}

GenerateRequest InvoiceRuns::requestFor(const InvoiceRun& run, const RunItem& item,
                                        IssueIntent intent, RunItem& done,
                                        std::optional<std::string>* created_invoice) {
    GenerateRequest request;
    request.customer_id = item.customer_id;
    request.period_start = run.period.start;
    request.intent = intent;
    request.run_id = run.id;
    request.regenerate_draft = !run.skip_existing;
    done = item;
    // The item's outcome is written in the transaction that writes the invoice.
    request.on_commit = [this, &run, &done, created_invoice](storage::UnitOfWork& uow,
                                                             const Generated& g) {
        done.invoice_id = g.invoice ? std::optional<std::string>(g.invoice->id) : std::nullopt;
        done.reason.reset();
        switch (g.outcome) {
            case GenerateOutcome::kCreated:
            case GenerateOutcome::kRegenerated:
                done.status = "created";
                break;
            case GenerateOutcome::kHeld:
                done.status = "held";
                done.reason = g.invoice->held_reason;
                break;
            case GenerateOutcome::kExisting:
                // An earlier attempt of this very run made it (the item was written with it,
                // so this only happens when another run raced us): report what it is.
                if (g.invoice->run_id == run.id) {
                    done.status =
                        g.invoice->status == domain::InvoiceStatus::kHeld ? "held" : "created";
                } else {
                    done.status = "skipped";
                    done.reason = "the period already has invoice " +
                                  g.invoice->invoice_number.value_or(g.invoice->id) + " (" +
                                  std::string(domain::invoiceStatusName(g.invoice->status)) + ")";
                }
                break;
            case GenerateOutcome::kNothingToBill:
                done.status = "skipped";
                done.reason = "nothing to bill for the period";
                break;
        }
        uow.invoiceRuns().updateItem(run.tenant_id, run.id, done, clock_.nowSeconds());
        if (created_invoice && (g.outcome == GenerateOutcome::kCreated ||
                                g.outcome == GenerateOutcome::kRegenerated)) {
            *created_invoice = done.invoice_id;
        }
    };
    return request;
}

void InvoiceRuns::recordFailure(storage::UnitOfWork& uow, const InvoiceRun& run, RunItem& done,
                                const Error& error) {
    done.status = "failed";
    done.invoice_id.reset();
    done.reason = reasonOf(error);
    uow.invoiceRuns().updateItem(run.tenant_id, run.id, done, clock_.nowSeconds());
}

void InvoiceRuns::processItem(const InvoiceRun& run, const RunItem& item, IssueIntent intent,
                              std::optional<std::string>* created_invoice) {
    RunItem done;
    const GenerateRequest request = requestFor(run, item, intent, done, created_invoice);
    core::Result<Generated> result = Error::internal("not run");
    try {
        result = invoicing_.generate(runActor(run), run.tenant_id, request);
    } catch (const std::exception& e) {
        result = Error::internal(std::string("unexpected failure: ") + e.what());
    }
    if (!result) {
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            recordFailure(uow, run, done, result.error());
            return true;
        });
    }
}

void InvoiceRuns::processBatch(const InvoiceRun& run, const std::vector<RunItem>& batch,
                               IssueIntent intent) {
    using PreparedResult = core::Result<std::shared_ptr<Invoicing::Prepared>>;
    const Actor actor = runActor(run);
    std::vector<RunItem> done(batch.size());
    std::vector<GenerateRequest> requests;
    requests.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
        requests.push_back(requestFor(run, batch[i], intent, done[i], nullptr));
    // Customers are computed in parallel (reads run concurrently)...
    std::vector<std::optional<PreparedResult>> prepared(batch.size());
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < batch.size(); i = next++) {
            try {
                prepared[i].emplace(invoicing_.prepare(run.tenant_id, requests[i]));
            } catch (const std::exception& e) {
                prepared[i].emplace(
                    Error::internal(std::string("unexpected failure: ") + e.what()));
            }
        }
    };
    const std::size_t workers = std::min<std::size_t>(
        batch.size(), static_cast<std::size_t>(std::max(1, options_.threads)));
    std::vector<std::thread> pool;
    for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    // ...and written together: one write transaction for the batch, each invoice with its item.
    try {
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const PreparedResult& p = *prepared[i];
                if (!p) {
                    recordFailure(uow, run, done[i], p.error());
                    continue;
                }
                auto r = invoicing_.commit(uow, actor, run.tenant_id, requests[i], **p);
                if (!r) recordFailure(uow, run, done[i], r.error());
            }
            return true;
        });
        return;
    } catch (const storage::DbError& e) {
        // Another writer created one of these invoices meanwhile: the batch rolled back as a
        // whole; each customer is done on its own (generate() resolves the race).
        if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
    }
    for (const auto& item : batch) processItem(run, item, intent, nullptr);
}

InvoiceRuns::Claim InvoiceRuns::claimBatch(const std::optional<InvoiceRun>& only,
                                           std::size_t limit) {
    Claim claim;
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        claim = Claim{};  // the body may run again (MySQL reruns a deadlocked transaction)
        const std::int64_t now = unixNow(clock_);
        std::vector<InvoiceRun> runs;
        if (only) {
            if (auto current = uow.invoiceRuns().find(only->tenant_id, only->id))
                runs.push_back(std::move(*current));
        } else {
            runs = uow.invoiceRuns().active(kActiveRuns);
        }
        for (InvoiceRun& run : runs) {
            // Cancelled, completed or waiting for confirmation: nothing to lease.
            if (run.status != RunStatus::kQueued && run.status != RunStatus::kRunning) continue;
            std::size_t n = limit;
            if (run.preview_one && !run.preview_invoice_id) {
                // Until the preview draft exists: one customer at a time, on one node at a time.
                // Writing the run row first makes the nodes' claims on it take turns (InnoDB:
                // the second waits, or deadlocks and runs again).
                run.updated_at = clock_.nowSeconds();
                uow.invoiceRuns().update(run);
                if (uow.invoiceRuns().leasedItems(run.tenant_id, run.id, now) > 0) continue;
                n = 1;
            }
            auto items = uow.invoiceRuns().claimItems(run.tenant_id, run.id, now, options_.node_id,
                                                      now + options_.lease_seconds, n);
            if (!items.empty()) {
                if (run.status == RunStatus::kQueued) {
                    run.status = RunStatus::kRunning;
                    if (!run.started_at) run.started_at = clock_.nowSeconds();
                    run.updated_at = clock_.nowSeconds();
                    uow.invoiceRuns().update(run);
                }
                claim.run = std::move(run);
                claim.items = std::move(items);
                return true;
            }
            // Nothing free: done when nothing is pending either (items still leased by other
            // nodes, live or expired, keep the run open).
            if (uow.invoiceRuns().pendingItems(run.tenant_id, run.id, 1).empty()) {
                run.status = RunStatus::kCompleted;
                run.finished_at = run.updated_at = clock_.nowSeconds();
                uow.invoiceRuns().update(run);
                claim.completed = true;
            }
        }
        return true;
    });
    return claim;
}

bool InvoiceRuns::workOnce(std::size_t max_items) {
    std::optional<InvoiceRun> current;  // after the first batch: the run this call works on
    std::size_t processed = 0;
    bool worked = false;
    while (processed < max_items) {
        // The run as it stands (a cancel from the API stops us) and the next batch.
        Claim claim = claimBatch(current, std::min(options_.batch_size, max_items - processed));
        worked = worked || claim.completed;
        if (!claim.run) break;
        worked = true;
        const InvoiceRun run = std::move(*claim.run);
        current = run;
        if (run.preview_one && !run.preview_invoice_id) {
            // Preview: customers one at a time until one draft exists for review.
            std::optional<std::string> created;
            processItem(run, claim.items.front(), IssueIntent::kDraft, &created);
            ++processed;
            if (created) {
                store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
                    auto paused = uow.invoiceRuns().find(run.tenant_id, run.id);
                    if (!paused || paused->status != RunStatus::kRunning) return true;
                    paused->preview_invoice_id = created;
                    paused->status = RunStatus::kAwaitingConfirmation;
                    paused->updated_at = clock_.nowSeconds();
                    uow.invoiceRuns().update(*paused);
                    return true;
                });
                break;
            }
            continue;
        }
        const IssueIntent intent = run.auto_send ? IssueIntent::kIssue : IssueIntent::kDraft;
        processBatch(run, claim.items, intent);
        processed += claim.items.size();
    }
    return worked;
}

std::optional<domain::Period> InvoiceRuns::scheduledPeriod(
    const domain::TenantBillingSettings& settings, const domain::Tenant& tenant,
    int catch_up_days) {
    if (!settings.auto_generate || tenant.status != domain::TenantStatus::kActive)
        return std::nullopt;
    const core::Date today = invoicing_.todayFor(tenant);
    const auto current = domain::customerPeriodContaining(settings.billing_day, today);
    if (core::daysBetween(current.start, today) >= catch_up_days) return std::nullopt;
    return domain::customerPeriodContaining(settings.billing_day, core::addDays(current.start, -1));
}

JobOutcome InvoiceRuns::startScheduledRuns(WorkLeases& leases, int catch_up_days) {
    const auto due = store_.read([&](storage::UnitOfWork& uow) {
        DueSubjects out;
        for (const auto& settings : uow.tenantSettings().listAutoGenerating()) {
            const auto tenant = uow.tenants().find(settings.tenant_id);
            out.add(settings.tenant_id,
                    tenant ? scheduledPeriod(settings, *tenant, catch_up_days) : std::nullopt);
        }
        return out;
    });
    const Actor actor = Actor::system("invoice_scheduler");
    return leases.run("scheduled_invoice_runs", due, [&](const JobSubject& subject) {
        const std::string& tenant_id = subject.tenant_id;
        try {
            auto created = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
                // Still owed: the tenant's settings or its today may have moved since the
                // period was offered.
                const auto settings = uow.tenantSettings().find(tenant_id);
                const auto tenant = uow.tenants().find(tenant_id);
                const auto ended = settings && tenant
                                       ? scheduledPeriod(*settings, *tenant, catch_up_days)
                                       : std::nullopt;
                if (!ended || core::formatIsoDate(ended->start) != subject.key) return false;
                InvoiceRun run;
                run.tenant_id = tenant_id;
                run.period = *ended;
                run.auto_send = settings->auto_send;
                run.trigger = "scheduler";
                // A second start of the period fails on its unique key.
                run.schedule_key = tenant_id + ":" + subject.key;
                insertRun(uow, actor, std::move(run),
                          uow.contracts().billableCustomers(tenant_id, ended->start, ended->end));
                return true;
            });
            return created.ok() && *created ? Handled::kProcessed : Handled::kSkipped;
        } catch (const storage::DbError& e) {
            if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
            return Handled::kSkipped;  // this period's scheduled run exists
        }
    });
}

JsonValue toJson(const RunView& v) {
    const auto& r = v.run;
    const auto count = [&](const char* status) {
        const auto it = v.counts.find(status);
        return it == v.counts.end() ? std::int64_t{0} : it->second;
    };
    JsonValue progress = JsonValue::object();
    const std::int64_t pending = count("pending");
    progress.set("total", JsonValue::number(v.total))
        .set("done", JsonValue::number(v.total - pending))
        .set("pending", JsonValue::number(pending))
        .set("created", JsonValue::number(count("created")))
        .set("skipped", JsonValue::number(count("skipped")))
        .set("held", JsonValue::number(count("held")))
        .set("failed", JsonValue::number(count("failed")));
    JsonValue failures = JsonValue::array();
    for (const auto& f : v.failures) {
        JsonValue x = JsonValue::object();
        x.set("customer_id", JsonValue::string(f.customer_id))
            .set("reason", optionalString(f.reason));
        failures.push(std::move(x));
    }
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(r.id))
        .set("object", JsonValue::string("invoice_run"))
        .set("status", JsonValue::string(std::string(storage::runStatusName(r.status))))
        .set("period_start", dateJson(r.period.start))
        .set("period_end", dateJson(r.period.end))
        .set("customer_id", optionalString(r.customer_id))
        .set("skip_existing", JsonValue::boolean(r.skip_existing))
        .set("preview_one", JsonValue::boolean(r.preview_one))
        .set("auto_send", JsonValue::boolean(r.auto_send))
        .set("trigger", JsonValue::string(r.trigger))
        .set("preview_invoice_id", optionalString(r.preview_invoice_id))
        .set("progress", std::move(progress))
        .set("failures", std::move(failures))
        .set("created_by", JsonValue::string(r.created_by))
        .set("created_at", timestampJson(r.created_at))
        .set("started_at", optionalTimestamp(r.started_at))
        .set("finished_at", optionalTimestamp(r.finished_at))
        .set("updated_at", timestampJson(r.updated_at));
    return o;
}

}  // namespace billwright::services
