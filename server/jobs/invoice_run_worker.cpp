#include "jobs/invoice_run_worker.h"

namespace billwright::jobs {

InvoiceRunWorker::InvoiceRunWorker(services::InvoiceRuns& runs, core::Logger& log,
                                   core::Metrics& metrics)
    : runs_(runs), log_(log), metrics_(metrics) {
    metrics_.describe("billwright_invoice_run_leases_total", "counter",
                      "Invoice-run leases worked by this node, by outcome");
}

InvoiceRunWorker::~InvoiceRunWorker() { stop(); }

void InvoiceRunWorker::start(std::chrono::milliseconds poll) {
    thread_ = std::thread([this, poll] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            bool worked = false;
            try {
                worked = runs_.workOnce();
                if (worked)
                    metrics_.increment("billwright_invoice_run_leases_total", {{"outcome", "ok"}});
            } catch (const std::exception& e) {
                // The batch's lease expires and this or another node takes it over.
                metrics_.increment("billwright_invoice_run_leases_total", {{"outcome", "error"}});
                log_.error("invoice run failed", {{"error", e.what()}});
            }
            lock.lock();
            if (!worked) wake_.wait_for(lock, poll, [this] { return stopping_; });
        }
    });
}

void InvoiceRunWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace billwright::jobs
