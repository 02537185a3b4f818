#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "services/contracts.h"
#include "services/idempotency.h"
#include "services/invoice_runs.h"
#include "services/invoicing.h"
#include "services/payments.h"
#include "services/platform_billing.h"
#include "services/work_leases.h"

namespace billwright::jobs {

struct Job {
    std::string name;
    std::function<services::JobOutcome()> run;
};

// Runs every job once per tick. Jobs are idempotent and read the time from the injected clock
// (through the services), so a test calls tick() after moving a ManualClock instead of waiting.
class Scheduler {
public:
    Scheduler(core::Logger& log, core::Metrics& metrics);
    ~Scheduler();

    void add(Job job);
    // Runs all jobs now, each inside its own catch-all; one failing job does not stop the others.
    void tick();
    // Ticks every `interval` on a background thread until stop().
    void start(std::chrono::milliseconds interval);
    void stop();

private:
    core::Logger& log_;
    core::Metrics& metrics_;
    std::vector<Job> jobs_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// Every job but idempotency_expiry (one DELETE, harmless on several nodes at once) splits its
// work with the other nodes through `leases` (this node's id and lease length).

// The platform's jobs: invoice auto-generation, the overdue sweep, idempotency-key expiry.
void addPlatformJobs(Scheduler& scheduler, services::WorkLeases& leases,
                     services::PlatformBilling& billing, services::Idempotency& idempotency);
// Hosting contracts' end dates: renewals and expiries (each run handles what is due today in
// each tenant's time zone; running more often than daily is harmless).
void addContractJobs(Scheduler& scheduler, services::WorkLeases& leases,
                     services::Contracts& contracts);
// Customer invoicing: the scheduled invoice runs on each tenant's billing day and the overdue
// sweep of customer invoices.
void addInvoicingJobs(Scheduler& scheduler, services::WorkLeases& leases,
                      services::Invoicing& invoicing, services::InvoiceRuns& runs,
                      int catch_up_days);

// Payments: auto-pay and the retry schedule (collections due), and the reconciliation of open
// payments whose processor has not answered.
void addPaymentJobs(Scheduler& scheduler, services::WorkLeases& leases,
                    services::Payments& payments);

}  // namespace billwright::jobs
