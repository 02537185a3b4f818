#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "fakes/fake_server.h"

namespace billwright::fakes {

class FakeStripe;

struct FakePlaidOptions {
    std::string client_id = "fake_plaid_client_id";
    std::string secret = "fake_plaid_secret";
    // The webhook signing key: a P-256 private scalar in hex. The default is the test key of
    // reference §2.6, so the published JWK matches the reference's.
    std::string webhook_key_hex =
        "ca895abef9f66e4f18f123b55b38e1def2f8043b7d6d2180bb1dfe16462b071a";
    std::string webhook_key_id = "6c5516e1-92dc-479e-a8ff-5a51992e0001";
    std::int64_t webhook_key_created_at = 1'700'000'000;
};

// What Plaid Link hands the browser on success (the test's way past the Link UI).
struct PlaidLinkResult {
    std::string public_token;
    std::string item_id;
    // Kind -> account id; see FakePlaid::kAccountKinds.
    std::map<std::string, std::string> account_ids;
};

struct PlaidCounts {
    int link_tokens = 0;
    int items = 0;
    int exchanges = 0;
    int processor_tokens = 0;  // Stripe btok_ and generic processor tokens
};

// Plaid's API for ACH linking (reference §2.1, 2.2, 2.5, 2.6): JSON POSTs, credentials in the
// body or in PLAID-CLIENT-ID / PLAID-SECRET, Plaid error objects, single-use public tokens,
// Stripe bank-account tokens, and webhooks signed with a Plaid-Verification ES256 JWT.
//
// Every Item has the same five accounts, whose ACH numbers are Stripe's test numbers (§1.5), so
// a btok_ made from one debits with that account's outcome at a linked FakeStripe.
class FakePlaid final : public FakeServer {
public:
    // Account kinds, and the Stripe test account number behind each: "checking" (succeeds,
    // 000123456789), "insufficient_funds" (000222222227), "account_closed" (000111111113),
    // "no_account" (000111111116), "processing" (stays processing, 000000000009).
    static const std::vector<std::string> kAccountKinds;

    // `stripe`, when given, receives every bank-account token this fake issues.
    explicit FakePlaid(FakePlaidOptions options = {}, FakeStripe* stripe = nullptr);
    ~FakePlaid() override;

    const FakePlaidOptions& options() const { return options_; }

    // The JWK of a P-256 private key (hex), as /webhook_verification_key/get returns it.
    static core::JsonValue jwkFor(const std::string& private_key_hex, const std::string& kid,
                                  std::int64_t created_at);
    // An ES256 JWT {"iat": now, "request_body_sha256": hex} with the current key.
    std::string verificationJwt(std::string_view body) const;

    // ---- Test controls -----------------------------------------------------------------------
    // The user finishes Link (user_good at ins_109508) for a link token from /link/token/create;
    // the Item's webhook is the link token's. "" makes an Item without a link token.
    PlaidLinkResult link(const std::string& link_token = "", const std::string& webhook = "");
    // Signs with a new key from now on; the old one stays retrievable, expired_at = now.
    void rotateWebhookKey(std::string kid, std::string private_key_hex);
    // The Item's login breaks: its calls fail ITEM_ERROR/ITEM_LOGIN_REQUIRED, and an ITEM/ERROR
    // webhook goes to the Item's webhook.
    std::vector<int> breakItemLogin(const std::string& item_id, Send send = Send::kNow);
    // Any webhook for an Item: {"environment", "error": null, "item_id", "webhook_code",
    // "webhook_type"} plus `extra`'s members, keys sorted, indented by two spaces.
    std::vector<int> fireWebhook(const std::string& item_id, const std::string& webhook_type,
                                 const std::string& webhook_code,
                                 const core::JsonValue& extra = core::JsonValue::object(),
                                 Send send = Send::kNow);

    PlaidCounts counts() const;

private:
    struct State;

    FakeResponse handle(const RecordedRequest& request) override;
    FakeResponse failure(int http_status) override;
    WebhookDelivery sign(const QueuedWebhook& webhook) const override;

    FakePlaidOptions options_;
    FakeStripe* stripe_;
    std::unique_ptr<State> state_;
};

}  // namespace billwright::fakes
