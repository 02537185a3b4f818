#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_server.h"

namespace billwright::fakes {

struct FakeOpenNodeOptions {
    std::string api_key = "test_api_key";  // the key of reference §4.4's vector
};

struct OpenNodeCounts {
    int charges = 0;
    int webhooks = 0;  // webhooks queued (sent or taken)
};

// How webhooks are encoded: OpenNode sends application/x-www-form-urlencoded (reference §4.4);
// JSON is there to test a handler that accepts both.
enum class OpenNodeWebhookEncoding { kForm, kJson };

// OpenNode's API (reference §4): the raw API key in Authorization, JSON bodies, {"data": ...}
// wrapping, {"success": false, "message"} errors, charge statuses, and webhooks to the
// charge's callback_url whose hashed_order = hex HMAC-SHA256(api key, charge id). Fiat amounts
// convert at BTC = 50000 USD = 46000 EUR.
class FakeOpenNode final : public FakeServer {
public:
    explicit FakeOpenNode(FakeOpenNodeOptions options = {});
    ~FakeOpenNode() override;

    const FakeOpenNodeOptions& options() const { return options_; }

    static std::string hashedOrder(std::string_view api_key, std::string_view charge_id);

    // ---- Test controls -----------------------------------------------------------------------
    void setWebhookEncoding(OpenNodeWebhookEncoding encoding);
    // The payer pays the Lightning invoice: unpaid -> paid.
    std::vector<int> payLightning(const std::string& charge_id, Send send = Send::kNow);
    // An on-chain payment of `sats` (0: the charge's amount) enters the mempool: processing;
    // with `confirm` it then confirms: paid (overpaid_by when more), or underpaid with
    // missing_amt when less.
    std::vector<int> payOnChain(const std::string& charge_id, std::int64_t sats = 0,
                                bool confirm = true, Send send = Send::kNow);
    // The mempool payment of a `processing` charge confirms.
    std::vector<int> confirmOnChain(const std::string& charge_id, Send send = Send::kNow);
    // An unpaid charge reaches its TTL: expired.
    std::vector<int> expire(const std::string& charge_id, Send send = Send::kNow);
    // Any status, one webhook (refunded, or a step out of order).
    std::vector<int> setStatus(const std::string& charge_id, const std::string& status,
                               Send send = Send::kNow);
    // The charge's current state as a webhook to its callback_url.
    WebhookDelivery webhookDelivery(const std::string& charge_id) const;

    OpenNodeCounts counts() const;

private:
    struct State;

    FakeResponse handle(const RecordedRequest& request) override;
    FakeResponse failure(int http_status) override;
    WebhookDelivery sign(const QueuedWebhook& webhook) const override;

    FakeOpenNodeOptions options_;
    std::unique_ptr<State> state_;
};

}  // namespace billwright::fakes
