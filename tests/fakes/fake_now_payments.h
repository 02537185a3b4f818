#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_server.h"

namespace billwright::fakes {

struct FakeNowPaymentsOptions {
    std::string api_key = "fake_np_api_key";
    std::string ipn_secret = "test_ipn_secret";
    // The account login for POST /v1/auth (the JWT the payment list needs).
    std::string email = "merchant@example.com";
    std::string password = "fake_np_password";
};

struct NowPaymentsCounts {
    int payments = 0;
    int invoices = 0;
    int ipns = 0;  // IPNs queued (sent or taken)
};

// NOWPayments' API (reference §3): x-api-key auth, JSON bodies, 201 on creates, the
// {"status":false,"statusCode","code","message"} error object, payment_status values, and IPN
// callbacks to ipn_callback_url signed with x-nowpayments-sig = hex HMAC-SHA512(ipn secret,
// recursively key-sorted compact JSON).
//
// Prices convert at fixed rates in USD: btc 50000, eth 2500, ltc 100, trx 0.1, usdc /
// usdterc20 / usdttrc20 / usdtbsc 1 (eur = 1.1 usd); pay_amount rounds up to the coin's
// precision. Service fees are zero, so outcome_amount = actually_paid.
class FakeNowPayments final : public FakeServer {
public:
    explicit FakeNowPayments(FakeNowPaymentsOptions options = {});
    ~FakeNowPayments() override;

    const FakeNowPaymentsOptions& options() const { return options_; }

    // The body with object keys sorted at every depth, compact, number lexemes kept, strings
    // escaped as JSON.stringify does. Throws std::invalid_argument if `json` is not JSON.
    static std::string canonicalJson(std::string_view json);
    // hex HMAC-SHA512(secret, canonicalJson(body)).
    static std::string signature(std::string_view secret, std::string_view body);

    // ---- Test controls (payment ids as the API shows them, e.g. "5000000001") -----------------
    // The payer sends the whole pay_amount: confirming, confirmed, sending, finished.
    std::vector<int> payInFull(const std::string& payment_id, Send send = Send::kNow);
    // The payer sends less (`amount` in pay_currency, e.g. "0.0001"): confirming, then
    // partially_paid.
    std::vector<int> payPartially(const std::string& payment_id, const std::string& amount,
                                  Send send = Send::kNow);
    // As the sandbox `case` of the payment says: "success" (the default) pays in full,
    // "partially_paid" pays half, "failed" fails.
    std::vector<int> settle(const std::string& payment_id, Send send = Send::kNow);
    // A waiting payment expires (no deposit in time).
    std::vector<int> expire(const std::string& payment_id, Send send = Send::kNow);
    // Any payment_status, one IPN: refunded, failed, or an out-of-order step.
    std::vector<int> setStatus(const std::string& payment_id, const std::string& status,
                               Send send = Send::kNow);
    // The payer picks a coin on the hosted invoice page; returns the new payment's id.
    std::string payInvoice(const std::string& invoice_id, const std::string& pay_currency);

    // The payment's current state as an IPN to its ipn_callback_url, signed.
    WebhookDelivery ipnDelivery(const std::string& payment_id) const;

    NowPaymentsCounts counts() const;

private:
    struct State;

    FakeResponse handle(const RecordedRequest& request) override;
    FakeResponse failure(int http_status) override;
    WebhookDelivery sign(const QueuedWebhook& webhook) const override;

    FakeNowPaymentsOptions options_;
    std::unique_ptr<State> state_;
};

}  // namespace billwright::fakes
