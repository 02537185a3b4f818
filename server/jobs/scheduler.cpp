#include "jobs/scheduler.h"

namespace billwright::jobs {

Scheduler::Scheduler(core::Logger& log, core::Metrics& metrics) : log_(log), metrics_(metrics) {
    metrics_.describe("billwright_job_runs_total", "counter",
                      "Scheduler job runs by job and outcome");
    metrics_.describe("billwright_job_items_total", "counter",
                      "Items handled by scheduler jobs by job and result");
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::add(Job job) { jobs_.push_back(std::move(job)); }

void Scheduler::tick() {
    for (const Job& job : jobs_) {
        try {
            const services::JobOutcome outcome = job.run();
            metrics_.increment("billwright_job_runs_total", {{"job", job.name}, {"outcome", "ok"}});
            metrics_.increment("billwright_job_items_total",
                               {{"job", job.name}, {"result", "processed"}}, outcome.processed);
            metrics_.increment("billwright_job_items_total",
                               {{"job", job.name}, {"result", "skipped"}}, outcome.skipped);
            metrics_.increment("billwright_job_items_total",
                               {{"job", job.name}, {"result", "failed"}}, outcome.failed);
            if (outcome.processed > 0 || outcome.failed > 0) {
                log_.info("job finished", {{"job", job.name},
                                           {"processed", std::to_string(outcome.processed)},
                                           {"failed", std::to_string(outcome.failed)}});
            }
        } catch (const std::exception& e) {
            metrics_.increment("billwright_job_runs_total",
                               {{"job", job.name}, {"outcome", "error"}});
            log_.error("job failed", {{"job", job.name}, {"error", e.what()}});
        }
    }
}

void Scheduler::start(std::chrono::milliseconds interval) {
    thread_ = std::thread([this, interval] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            tick();
            lock.lock();
            wake_.wait_for(lock, interval, [this] { return stopping_; });
        }
    });
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void addPlatformJobs(Scheduler& scheduler, services::WorkLeases& leases,
                     services::PlatformBilling& billing, services::Idempotency& idempotency) {
    scheduler.add({"auto_generate_invoices",
                   [&leases, &billing] { return billing.generateDueInvoices(leases); }});
    scheduler.add({"overdue_sweep", [&leases, &billing] { return billing.sweepOverdue(leases); }});
    scheduler.add({"idempotency_expiry", [&idempotency] {
                       services::JobOutcome outcome;
                       outcome.processed = static_cast<int>(idempotency.purgeExpired());
                       return outcome;
                   }});
}

void addContractJobs(Scheduler& scheduler, services::WorkLeases& leases,
                     services::Contracts& contracts) {
    scheduler.add({"contract_end_dates", [&leases, &contracts] {
                       const services::ContractJobOutcome done = contracts.processEndDates(leases);
                       services::JobOutcome outcome;
                       outcome.processed = done.renewed + done.expired;
                       outcome.failed = done.failed;
                       return outcome;
                   }});
}

void addInvoicingJobs(Scheduler& scheduler, services::WorkLeases& leases,
                      services::Invoicing& invoicing, services::InvoiceRuns& runs,
                      int catch_up_days) {
    scheduler.add({"scheduled_invoice_runs", [&leases, &runs, catch_up_days] {
                       return runs.startScheduledRuns(leases, catch_up_days);
                   }});
    scheduler.add({"invoice_overdue_sweep",
                   [&leases, &invoicing] { return invoicing.sweepOverdue(leases); }});
}

void addPaymentJobs(Scheduler& scheduler, services::WorkLeases& leases,
                    services::Payments& payments) {
    scheduler.add(
        {"payment_collection", [&leases, &payments] { return payments.collectDue(leases); }});
    scheduler.add(
        {"payment_reconciliation", [&leases, &payments] { return payments.reconcile(leases); }});
}

}  // namespace billwright::jobs
