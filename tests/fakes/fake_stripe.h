#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "fakes/fake_server.h"

namespace billwright::fakes {

struct FakeStripeOptions {
    std::string secret_key = "sk_test_fake";
    std::string webhook_secret = "whsec_test_secret";
    // The account's API version, used when a request sends no Stripe-Version.
    std::string api_version = "2026-06-24.dahlia";
};

// How an ACH debit from a bank account ends (the account numbers of reference §1.5).
enum class AchOutcome {
    kSucceeds,
    kInsufficientFunds,
    kAccountClosed,
    kNoAccount,
    kStaysProcessing
};

// A US bank account behind a bank-account token (btok_) or a us_bank_account PaymentMethod.
struct BankAccountDetails {
    std::string account_number = "000123456789";  // picks the AchOutcome
    std::string routing_number = "110000000";
    std::string bank_name = "STRIPE TEST BANK";
    std::string account_holder_name = "Jenny Rosen";
    std::string account_holder_type = "individual";
    std::string account_type = "checking";
};

struct StripeCounts {
    int customers = 0;
    int payment_methods = 0;  // PaymentMethods and bank-account sources created
    int setup_intents = 0;
    int payment_intents = 0;
    int charges = 0;            // charge attempts, failed ones included
    int succeeded_charges = 0;  // money actually collected (an ACH debit once it settled)
    int refunds = 0;
    int idempotent_replays = 0;
    int events = 0;
};

// Stripe's v1 API (reference §1): form-encoded requests with bracket nesting, Bearer or Basic
// auth, Idempotency-Key replay, magic pm_card_* tokens, 402 declines with the PaymentIntent
// embedded, ACH debits that sit in `processing` until settleAch(), Stripe-Signature webhooks.
//
// Webhooks: every event is kept (events(), GET /v1/events/{id}); those matching the endpoint's
// enabled events are queued for it. Events caused by API requests stay queued until the test
// delivers them (deliverWebhooks(), takeWebhooks()); the test controls below send what is queued
// unless told Send::kQueue.
class FakeStripe final : public FakeServer {
public:
    explicit FakeStripe(FakeStripeOptions options = {});
    ~FakeStripe() override;

    const FakeStripeOptions& options() const { return options_; }

    // "t=<t>,v1=<hex>[,v1=<hex>...]": one v1 per secret (several while a secret is rolled).
    static std::string signatureHeader(const std::vector<std::string>& secrets, std::int64_t t,
                                       std::string_view body);
    static AchOutcome achOutcomeFor(std::string_view account_number);

    // ---- Test controls -----------------------------------------------------------------------
    // A one-time bank-account token (btok_...) as Plaid's processor endpoint creates it; POST
    // /v1/customers source=btok_... turns it into a verified bank_account source ba_....
    std::string registerBankAccountToken(const BankAccountDetails& account);
    // The dashboard's webhook endpoint and the event types it wants ("*": all).
    void setWebhookEndpoint(std::string url, std::vector<std::string> enabled_events = {"*"});
    // The endpoint's signing secrets; each gets a v1 signature (rolling a secret). Replaces
    // options().webhook_secret.
    void setWebhookSecrets(std::vector<std::string> secrets);

    // Settles a `processing` ACH PaymentIntent as its account's test number says (nothing
    // happens for an account that stays processing), or with the given outcome.
    std::vector<int> settleAch(const std::string& payment_intent, Send send = Send::kNow);
    std::vector<int> settleAch(const std::string& payment_intent, AchOutcome outcome,
                               Send send = Send::kNow);
    // The customer completes (or fails) 3-D Secure on a PaymentIntent or SetupIntent in
    // requires_action. Completing a PaymentIntent charges the card (which may then decline).
    std::vector<int> completeAction(const std::string& intent_id, Send send = Send::kNow);
    std::vector<int> failAction(const std::string& intent_id, Send send = Send::kNow);
    // Moves a refund to `succeeded` (failure_reason "") or `failed` (e.g. "declined",
    // "insufficient_funds", "expired_or_canceled_card"): ACH refunds start `pending`, the
    // pm_card_refundFail card's refunds start `succeeded` and fail later.
    std::vector<int> settleRefund(const std::string& refund_id,
                                  const std::string& failure_reason = "", Send send = Send::kNow);

    // ---- Inspection --------------------------------------------------------------------------
    StripeCounts counts() const;
    // Any object by id, rendered as the API would (nothing expanded); nullopt when unknown.
    std::optional<core::JsonValue> object(const std::string& id) const;
    std::vector<core::JsonValue> events() const;  // oldest first
    // An event as a delivery to the webhook endpoint, signed now (a duplicate or a late one).
    WebhookDelivery eventDelivery(const std::string& event_id) const;

private:
    struct State;

    FakeResponse handle(const RecordedRequest& request) override;
    std::optional<FakeResponse> admit(const RecordedRequest& request) override;
    void finish(const RecordedRequest& request) override;
    FakeResponse failure(int http_status) override;
    WebhookDelivery sign(const QueuedWebhook& webhook) const override;

    std::string nextRequestId();  // "req_fake_0001", ...; any thread

    FakeStripeOptions options_;
    std::atomic<int> requests_served_{0};
    std::unique_ptr<State> state_;
};

}  // namespace billwright::fakes
