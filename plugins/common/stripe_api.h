#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

// Stripe's v1 API as the payment processors use it (reference payment-providers.md §1): form
// bodies with bracket keys, Bearer auth, a pinned Stripe-Version, an Idempotency-Key on every
// POST, 402 declines carrying the PaymentIntent, balance-transaction fees and Stripe-Signature
// webhooks. payment_stripe (cards) and payment_plaid_ach (the ACH debit) share it.
namespace billwright::common {

inline constexpr std::string_view kStripeLiveUrl = "https://api.stripe.com";
inline constexpr std::string_view kStripeApiVersion = "2026-06-24.dahlia";

struct StripeSettings {
    std::string base_url;  // without a trailing slash
    std::string secret_key;
    std::string api_version;
    std::uint32_t timeout_ms = 20000;
};

// The configuration keys a plugin reads its Stripe settings from.
struct StripeKeys {
    const char* base_url;
    const char* secret_key;
    const char* api_version;
    const char* timeout_ms;
    const char* webhook_secret;
    const char* webhook_tolerance_seconds;
};
StripeSettings stripeSettings(const sdk::Call& call, const StripeKeys& keys);

struct StripeReply {
    int status = 0;
    codec::JsonValue body;  // always an object ({} when the answer had no JSON body)

    bool ok() const { return status >= 200 && status < 300; }
};

class StripeClient {
public:
    StripeClient(const sdk::Call& call, StripeSettings settings);

    const sdk::Call& call() const { return call_; }

    // A POST with its Idempotency-Key (required: a retry with the same key is replayed by
    // Stripe, never executed twice). A transport failure throws (outcome unknown).
    StripeReply post(const std::string& path, const codec::FormEncoder& form,
                     std::string_view idempotency_key) const;
    // A GET, expanding the given fields (expand[]).
    StripeReply get(const std::string& path,
                    std::initializer_list<std::string_view> expand = {}) const;

private:
    StripeReply exchange(const char* method, const std::string& path, std::string headers,
                         std::string_view body) const;

    const sdk::Call& call_;
    StripeSettings settings_;
};

// Throws the sdk::Error a failed reply stands for: 400 is BW_ERR_INVALID_ARGUMENT (Stripe did
// nothing), 401/403 BW_ERR_INVALID_ARGUMENT (the configured key), 404 BW_ERR_NOT_FOUND, 409,
// 429 and 5xx BW_ERR_UNAVAILABLE (retry with the same idempotency key).
[[noreturn]] void throwStripeError(const StripeReply& reply, std::string_view what);

// The lower-case currency Stripe takes for `money`; Error(BW_ERR_INVALID_ARGUMENT) when the
// host's exponent is not Stripe's for the currency (zero-decimal and three-decimal currencies,
// reference §1.8) or a three-decimal amount does not end in 0.
std::string stripeCurrency(const sdk::Money& money);

// The stable failure code of a Stripe error object (a 402's error, a last_payment_error or a
// last_setup_error). `bank`: an ACH debit rather than a card.
std::string failureCodeOf(const codec::JsonValue& error, bool bank);

// Where a PaymentIntent stands, as a payment result (fee from an expanded
// latest_charge.balance_transaction when its currency is the payment's, else -1).
sdk::PaymentResult paymentOfIntent(const codec::JsonValue& intent);
// The same, with the fee of a succeeded payment read from its charge's balance transaction when
// the intent does not carry it expanded (still -1 when that read fails: the money moved).
sdk::PaymentResult readIntent(const StripeClient& client, const codec::JsonValue& intent);

struct IntentOptions {
    std::string_view customer;        // "" for none
    std::string_view payment_method;  // pm_..., ba_...
    std::string_view method_type;     // "card" or "us_bank_account"
    bool send_return_url = true;      // on-session: return_url for 3-D Secure redirects
    std::vector<std::pair<std::string, std::string>> metadata;  // besides payment and invoice
};

// Creates and confirms a PaymentIntent for the charge, with the charge's idempotency key. A
// decline (402) is a FAILED result; a missing payment method or customer is FAILED
// invalid_method.
sdk::PaymentResult createIntent(const StripeClient& client, const sdk::ChargeRequest& request,
                                const IntentOptions& options);
// The PaymentIntent `request.reference` as it stands now.
sdk::PaymentResult lookupIntent(const StripeClient& client, const sdk::LookupRequest& request);
// Refunds (part of) the PaymentIntent `request.payment_reference`.
sdk::RefundResult createRefund(const StripeClient& client, const sdk::RefundRequest& request);
// The payer's Stripe customer: provider_customer, or a new one (idempotent on the payer).
std::string ensureCustomer(const StripeClient& client, const sdk::Payer& payer);

// Checks the Stripe-Signature header of `headers` against `body` (the raw bytes) with the
// endpoint's signing secret: any v1 signature must match and t must be within `tolerance`
// seconds of `received_at`. Throws Error(BW_ERR_DENIED) otherwise.
void verifyStripeSignature(const sdk::Call& call, std::string_view headers, std::string_view body,
                           std::string_view secret, std::int64_t received_at,
                           std::int64_t tolerance);

// What a verified Stripe event means, reading the object's current state from Stripe (events
// arrive late, twice and out of order).
sdk::WebhookResult stripeEvent(const StripeClient& client, std::string_view body);

// A payment processor whose payments are Stripe PaymentIntents, with its settings under `keys`:
// lookup and refund act on the PaymentIntent, and webhook takes a Stripe-Signature delivery
// (BW_ERR_DENIED when the webhook secret is not configured or the signature fails, then
// stripeEvent). payment_stripe and payment_plaid_ach derive from it.
class StripeIntentProcessor : public sdk::PaymentProcessor {
public:
    explicit StripeIntentProcessor(const StripeKeys& keys) : keys_(keys) {}

    sdk::PaymentResult lookup(sdk::Call& call, const sdk::LookupRequest& request) override;
    sdk::RefundResult refund(sdk::Call& call, const sdk::RefundRequest& request) override;
    sdk::WebhookResult webhook(sdk::Call& call, const sdk::WebhookRequest& request) override;

protected:
    StripeClient stripe(const sdk::Call& call) const;

private:
    StripeKeys keys_;
};

}  // namespace billwright::common
