#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/metrics.h"
#include "services/invoice_runs.h"

namespace billwright::jobs {

// The background thread that works invoice runs: it leases batches of pending items of queued
// and running runs (of any tenant) and generates their invoices until none is left free, then
// looks again every `poll`. Several nodes may run one each and share a run: item leases keep
// them off each other's customers, and a dead node's batch is taken over when its lease ends.
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
