#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "jobs/mailer.h"
#include "jobs/webhook_sender.h"
#include "services/revenue_guard.h"
#include "storage/repositories.h"

namespace billwright::jobs {

struct OutboxOptions {
    std::int64_t max_attempts = 8;
    std::int64_t backoff_seconds = 30;
    std::int64_t max_backoff_seconds = 3600;
    std::size_t batch_size = 10;
    // How long a claimed message stays invisible to other workers: longer than a batch can
    // take to send (batch_size * smtp timeout), so a live worker never loses its lease.
    std::chrono::seconds lease{300};
    Email::Address default_sender{"Billwright", "billing@localhost"};
};

// The wait before the next attempt after `attempts` failed ones (attempts >= 1):
// min(backoff_seconds * 2^(attempts-1), max_backoff_seconds).
std::chrono::seconds backoffDelay(std::int64_t attempts, std::int64_t backoff_seconds,
                                  std::int64_t max_backoff_seconds);

// The webhook channel: the sender, and the tenant's endpoint (URL and secret) looked up at each
// attempt (services::RevenueGuard::webhookEndpoint), so a retry goes to the URL configured now
// and is signed with a fresh timestamp.
struct WebhookChannel {
    WebhookSender& sender;
    std::function<core::Result<services::WebhookEndpoint>(const std::string& tenant_id)> endpoint;
};

struct DeliveryOutcome {
    int sent = 0;
    int retrying = 0;  // failed, will be tried again
    int dead = 0;      // failed for the last time (status failed)
};

// Sends the outbox. Each run claims due messages in batches (a lease per message, so several
// workers or nodes never send the same message at once), sends each through the Mailer (emails)
// or the webhook channel (signed POSTs) and records the result. A channel without a sender
// (no Mailer: smtp.host is empty) is not claimed, so its messages stay pending. Delivery is
// at-least-once: a worker that dies between the send and the record leaves the lease to
// expire, and the message is sent again.
class OutboxDelivery {
public:
    OutboxDelivery(storage::Store& store, const core::Clock& clock, Mailer* mailer,
                   std::optional<WebhookChannel> webhooks, core::Logger& log,
                   core::Metrics& metrics, OutboxOptions options);
    // Email only.
    OutboxDelivery(storage::Store& store, const core::Clock& clock, Mailer& mailer,
                   core::Logger& log, core::Metrics& metrics, OutboxOptions options)
        : OutboxDelivery(store, clock, &mailer, std::nullopt, log, metrics, std::move(options)) {}
    ~OutboxDelivery();
    OutboxDelivery(const OutboxDelivery&) = delete;
    OutboxDelivery& operator=(const OutboxDelivery&) = delete;

    // Sends everything due now (batch after batch) and returns what happened. A database error
    // escapes; start() catches it per run.
    DeliveryOutcome runOnce();
    // Runs every `interval` on a background thread until stop().
    void start(std::chrono::milliseconds interval);
    void stop();

private:
    Email toEmail(const storage::OutboxMessage& message) const;
    SendResult deliver(const storage::OutboxMessage& message);
    SendResult postWebhook(const storage::OutboxMessage& message);
    bool stopping();

    storage::Store& store_;
    const core::Clock& clock_;
    Mailer* mailer_;
    std::optional<WebhookChannel> webhooks_;
    std::vector<std::string> channels_;  // the channels this worker claims
    core::Logger& log_;
    core::Metrics& metrics_;
    OutboxOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace billwright::jobs
