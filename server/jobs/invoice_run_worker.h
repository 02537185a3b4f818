#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/metrics.h"
#include "services/invoice_runs.h"

namespace billwright::jobs {

// The background thread that works invoice runs: it leases queued runs (of any tenant) and
// generates their invoices until none is left, then looks again every `poll`. Several nodes
// may run one each; leases keep them off each other's runs.
class InvoiceRunWorker {
public:
    InvoiceRunWorker(services::InvoiceRuns& runs, core::Logger& log, core::Metrics& metrics);
    ~InvoiceRunWorker();

    void start(std::chrono::milliseconds poll);
    void stop();

private:
    services::InvoiceRuns& runs_;
    core::Logger& log_;
    core::Metrics& metrics_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace billwright::jobs
