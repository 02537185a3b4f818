#include "jobs/outbox_delivery.h"

#include <algorithm>

#include "services/webhooks.h"

namespace billwright::jobs {

std::chrono::seconds backoffDelay(std::int64_t attempts, std::int64_t backoff_seconds,
                                  std::int64_t max_backoff_seconds) {
    std::int64_t delay = std::max<std::int64_t>(backoff_seconds, 0);
    for (std::int64_t i = 1; i < attempts && delay < max_backoff_seconds; ++i) delay *= 2;
    return std::chrono::seconds{std::min(delay, max_backoff_seconds)};
}

OutboxDelivery::OutboxDelivery(storage::Store& store, const core::Clock& clock, Mailer* mailer,
                               std::optional<WebhookChannel> webhooks, core::Logger& log,
                               core::Metrics& metrics, OutboxOptions options)
    : store_(store),
      clock_(clock),
      mailer_(mailer),
      webhooks_(std::move(webhooks)),
      log_(log),
      metrics_(metrics),
      options_(std::move(options)) {
    if (mailer_ != nullptr) channels_.emplace_back("email");
    if (webhooks_) channels_.emplace_back("webhook");
    metrics_.describe("billwright_outbox_messages_total", "counter",
                      "Outbox delivery attempts by result (sent, retrying, dead)");
    metrics_.describe("billwright_outbox_runs_total", "counter", "Outbox delivery runs by outcome");
}

OutboxDelivery::~OutboxDelivery() { stop(); }

Email OutboxDelivery::toEmail(const storage::OutboxMessage& m) const {
    Email e;
    e.from = options_.default_sender;
    if (m.sender_email) {
        e.from.email = *m.sender_email;
        e.from.name = m.sender_name.value_or("");
    } else if (m.sender_name) {
        e.from.name = *m.sender_name;
    }
    e.reply_to = m.reply_to;
    e.to = m.recipient;
    e.subject = m.subject;
    e.text_body = m.body;
    e.html_body = m.html_body;
    if (m.attachment_name) {
        e.attachment = Email::Attachment{*m.attachment_name,
                                         m.attachment_type.value_or("application/octet-stream"),
                                         m.attachment_body.value_or("")};
    }
    e.message_id = m.id;
    return e;
}

SendResult OutboxDelivery::deliver(const storage::OutboxMessage& m) {
    if (m.channel == "webhook") return postWebhook(m);
    return mailer_->send(toEmail(m));
}

SendResult OutboxDelivery::postWebhook(const storage::OutboxMessage& m) {
    auto endpoint = webhooks_->endpoint(m.tenant_id.value_or(""));
    if (!endpoint.ok()) return SendResult::failure(endpoint.error().detail);
    const std::int64_t t = clock_.nowSeconds().time_since_epoch().count();
    WebhookRequest request;
    request.url = endpoint->url;
    request.headers = {{std::string(services::kEventIdHeader), m.subject},
                       {std::string(services::kSignatureHeader),
                        services::webhookSignature(endpoint->secret, t, m.body)}};
    request.body = m.body;
    return webhooks_->sender.post(request);
}

bool OutboxDelivery::stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
}

DeliveryOutcome OutboxDelivery::runOnce() {
    DeliveryOutcome outcome;
    while (!stopping()) {
        const core::SysSeconds now = clock_.nowSeconds();
        std::vector<storage::OutboxMessage> claimed;
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            claimed =
                uow.outbox().claimDue(now, now + options_.lease, options_.batch_size, channels_);
            return true;
        });
        if (claimed.empty()) break;
        // A claimed batch is finished even when stop() is called meanwhile: an abandoned
        // message would wait for its lease to expire.
        for (const auto& message : claimed) {
            const SendResult result = deliver(message);
            const core::SysSeconds at = clock_.nowSeconds();
            if (result.ok()) {
                store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
                    uow.outbox().markSent(message.id, at);
                    return true;
                });
                ++outcome.sent;
                metrics_.increment("billwright_outbox_messages_total", {{"result", "sent"}});
                continue;
            }
            const auto next = at + backoffDelay(message.attempts + 1, options_.backoff_seconds,
                                                options_.max_backoff_seconds);
            std::string status;
            store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
                status = uow.outbox().recordFailure(message.id, result.error, next,
                                                    options_.max_attempts);
                return true;
            });
            const bool dead = status == "failed";
            ++(dead ? outcome.dead : outcome.retrying);
            metrics_.increment("billwright_outbox_messages_total",
                               {{"result", dead ? "dead" : "retrying"}});
            const std::string attempts = std::to_string(message.attempts + 1);
            log_.log(dead ? core::LogLevel::kError : core::LogLevel::kWarning,
                     dead ? "outbox message failed for the last time"
                          : "outbox message not sent; will retry",
                     {{"message_id", message.id},
                      {"channel", message.channel},
                      {"attempts", attempts},
                      {"error", result.error}});
        }
        if (claimed.size() < options_.batch_size) break;
    }
    return outcome;
}

void OutboxDelivery::start(std::chrono::milliseconds interval) {
    thread_ = std::thread([this, interval] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            try {
                const DeliveryOutcome done = runOnce();
                metrics_.increment("billwright_outbox_runs_total", {{"outcome", "ok"}});
                if (done.sent + done.retrying + done.dead > 0) {
                    log_.info("outbox delivery", {{"sent", std::to_string(done.sent)},
                                                  {"retrying", std::to_string(done.retrying)},
                                                  {"dead", std::to_string(done.dead)}});
                }
            } catch (const std::exception& e) {
                metrics_.increment("billwright_outbox_runs_total", {{"outcome", "error"}});
                log_.error("outbox delivery failed", {{"error", e.what()}});
            }
            lock.lock();
            wake_.wait_for(lock, interval, [this] { return stopping_; });
        }
    });
}

void OutboxDelivery::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace billwright::jobs
