// RevenueGuard over HTTP: default status, pool redirect with signed webhooks delivered through
// the outbox to a local receiver, the tenant's webhook settings and the summary.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/invoicing_fixture.h"
#include "support/webhook_sink.h"

using namespace billwright::testing;
using namespace billwright::testing::invoicing;
using billwright::core::JsonValue;

namespace {

const std::string kMasterKey = "secrets.master_key=" + std::string(64, 'a');

// A server that can seal webhook secrets and delivers the outbox every 50 ms.
std::vector<std::string> webhookDefines(std::vector<std::string> more = {}) {
    std::vector<std::string> defines = {kMasterKey, "outbox.interval_ms=50"};
    defines.insert(defines.end(), more.begin(), more.end());
    return defines;
}

// HMAC-SHA256 in lower-case hex, computed here with OpenSSL, independently of the server.
std::string hmacHex(const std::string& key, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0x0F]);
    }
    return out;
}

// Checks the Billwright-Signature header of a received webhook against `secret` and returns
// its timestamp.
long long verifiedTimestamp(const ReceivedWebhook& hook, const std::string& secret) {
    const std::string header = hook.header("Billwright-Signature");
    BOOST_REQUIRE_MESSAGE(header.rfind("t=", 0) == 0, "signature header: " + header);
    const auto comma = header.find(",v1=");
    BOOST_REQUIRE(comma != std::string::npos);
    const std::string t = header.substr(2, comma - 2);
    const std::string v1 = header.substr(comma + 4);
    BOOST_CHECK_EQUAL(v1, hmacHex(secret, t + "." + hook.body));
    BOOST_CHECK_NE(v1, hmacHex(secret + "x", t + "." + hook.body));
    return std::stoll(t);
}

JsonValue parsed(const std::string& body) {
    auto v = billwright::core::parseJson(body);
    BOOST_REQUIRE_MESSAGE(v.ok(), body);
    return *v;
}

// The webhook outbox messages about a customer, newest first.
std::vector<JsonValue> webhooksAbout(const Api& api, const std::string& customer) {
    return dataOf(api.get("/v1/outbox?channel=webhook&object_id=" + customer));
}

// Polls the customer's newest webhook message until `done` holds; fails after 20 s.
JsonValue waitForWebhook(const Api& api, const std::string& customer,
                         const std::function<bool(const JsonValue&)>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
        const auto messages = webhooksAbout(api, customer);
        if (!messages.empty() && done(messages.front())) return messages.front();
        if (std::chrono::steady_clock::now() >= until)
            BOOST_FAIL("the webhook message never reached the expected state");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool isSent(const JsonValue& m) { return str(m, "status") == "sent"; }

std::vector<JsonValue> statusEvents(const Api& api, const std::string& customer,
                                    const std::string& query = "") {
    return dataOf(api.get("/v1/customers/" + customer + "/status-events" + query));
}

// Configures the tenant's webhook URL; returns the secret generated for it (shown once).
std::string configureWebhook(const Api& api, const std::string& url) {
    const auto r = api.put("/v1/revenue-guard/settings", R"({"webhook_url":")" + url + R"("})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_REQUIRE(r.json().find("webhook_secret") != nullptr);
    return str(r.json(), "webhook_secret");
}

HttpResult redirect(const Api& api, const std::string& customer, bool active,
                    const std::string& reason = "") {
    std::string body = std::string(R"({"active":)") + (active ? "true" : "false");
    if (!reason.empty()) body += R"(,"reason":")" + reason + "\"";
    return api.post("/v1/customers/" + customer + "/pool-redirect", body + "}");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(revenue_guard_api)

BOOST_AUTO_TEST_CASE(default_status_needs_a_reason_holds_future_invoices_and_is_recorded) {
    const Shop s = newShop(sharedServer(), "Default Co");
    const Shop other = newShop(sharedServer(), "Other Co");
    const Api admin = s.admin();
    const std::string ada = billableCustomer(admin, "Ada");
    const std::string set = "/v1/customers/" + ada + "/default";

    // Bad requests change nothing.
    const auto no_reason = admin.post(set, "{}");
    BOOST_CHECK_EQUAL(no_reason.status, 422);
    BOOST_CHECK_EQUAL(problemField(no_reason), "reason");
    BOOST_CHECK_EQUAL(problemFieldCode(no_reason), "required");
    const auto blank = admin.post(set, R"({"reason":"   "})");
    BOOST_CHECK_EQUAL(blank.status, 422);
    BOOST_CHECK_EQUAL(problemField(blank), "reason");
    const auto too_long = admin.post(set, R"({"reason":")" + std::string(501, 'x') + "\"}");
    BOOST_CHECK_EQUAL(too_long.status, 422);
    BOOST_CHECK_EQUAL(problemField(too_long), "reason");
    BOOST_CHECK_EQUAL(s.viewer().post(set, R"({"reason":"unpaid"})").status, 403);
    const auto stranger = other.admin().post(set, R"({"reason":"unpaid"})");
    BOOST_CHECK_EQUAL(stranger.status, 404);
    BOOST_CHECK_EQUAL(problemCode(stranger), "not_found");
    BOOST_CHECK_EQUAL(other.admin().get("/v1/customers/" + ada + "/status-events").status, 404);
    BOOST_CHECK_EQUAL(admin.post("/v1/customers/cus_nope/default", R"({"reason":"x"})").status,
                      404);
    BOOST_CHECK_EQUAL(str(admin.get("/v1/customers/" + ada).json(), "in_default"), "false");
    BOOST_CHECK(statusEvents(admin, ada).empty());

    const auto marked = admin.post(set, R"({"reason":"two invoices unpaid"})");
    BOOST_REQUIRE_MESSAGE(marked.status == 200, marked.body);
    BOOST_CHECK_EQUAL(str(marked.json(), "in_default"), "true");
    BOOST_CHECK_EQUAL(str(marked.json(), "default_reason"), "two invoices unpaid");
    BOOST_CHECK(marked.json().find("default_since")->isString());

    // Setting it again answers the customer unchanged and records nothing.
    const auto again = admin.post(set, R"({"reason":"another reason"})");
    BOOST_REQUIRE_EQUAL(again.status, 200);
    BOOST_CHECK(again.json() == marked.json());
    BOOST_CHECK_EQUAL(statusEvents(admin, ada).size(), 1U);

    // PATCH does not change the status; sending the current value is harmless.
    for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
             {R"({"in_default":false})", "in_default"},
             {R"({"default_reason":"changed"})", "default_reason"},
             {R"({"pool_redirect":true})", "pool_redirect"}}) {
        const auto refused = admin.patch("/v1/customers/" + ada, body);
        BOOST_CHECK_EQUAL(refused.status, 422);
        BOOST_CHECK_EQUAL(problemField(refused), field);
        BOOST_CHECK_EQUAL(problemFieldCode(refused), "use_endpoint");
    }
    const auto renamed =
        admin.patch("/v1/customers/" + ada, R"({"in_default":true,"name":"Ada Lovelace"})");
    BOOST_REQUIRE_MESSAGE(renamed.status == 200, renamed.body);
    BOOST_CHECK_EQUAL(str(renamed.json(), "default_reason"), "two invoices unpaid");

    // While in default, a new invoice is held and not emailed.
    const auto held = issue(admin, ada);
    BOOST_REQUIRE_MESSAGE(held.status == 201, held.body);
    BOOST_CHECK_EQUAL(str(held.json(), "status"), "held");
    BOOST_CHECK(str(held.json(), "held_reason").find("two invoices unpaid") != std::string::npos);
    BOOST_CHECK(mailsAbout(admin, str(held.json(), "id")).empty());

    const auto cleared = admin.post(set + "/clear", R"({"reason":"paid in full by wire"})");
    BOOST_REQUIRE_MESSAGE(cleared.status == 200, cleared.body);
    BOOST_CHECK_EQUAL(str(cleared.json(), "in_default"), "false");
    BOOST_CHECK(cleared.json().find("default_reason")->isNull());
    BOOST_CHECK(cleared.json().find("default_since")->isNull());
    BOOST_CHECK_EQUAL(admin.post(set + "/clear", "").status, 200);  // again: unchanged

    // After clearing, the next period's invoice is issued and emailed.
    const auto normal = issue(admin, ada, true, "2026-09-01");
    BOOST_REQUIRE_MESSAGE(normal.status == 201, normal.body);
    BOOST_CHECK_EQUAL(str(normal.json(), "status"), "issued");
    BOOST_CHECK_EQUAL(mailsAbout(admin, str(normal.json(), "id")).size(), 1U);

    // The history: who, when, why, newest first; a viewer may read it; cursor pagination.
    const auto events = statusEvents(s.viewer(), ada);
    BOOST_REQUIRE_EQUAL(events.size(), 2U);
    BOOST_CHECK_EQUAL(str(events[0], "kind"), "default_cleared");
    BOOST_CHECK_EQUAL(str(events[0], "reason"), "paid in full by wire");
    BOOST_CHECK_EQUAL(str(events[1], "kind"), "default_set");
    BOOST_CHECK_EQUAL(str(events[1], "reason"), "two invoices unpaid");
    for (const auto& e : events) {
        BOOST_CHECK_EQUAL(str(e, "actor_role"), "tenant_admin");
        BOOST_CHECK(!str(e, "actor").empty());
        BOOST_CHECK(e.find("created_at")->isString());
        BOOST_CHECK(e.find("webhook_event_id")->isNull());
    }
    const auto first = admin.get("/v1/customers/" + ada + "/status-events?limit=1");
    BOOST_REQUIRE_EQUAL(dataOf(first).size(), 1U);
    BOOST_CHECK_EQUAL(str(first.json(), "has_more"), "true");
    const auto second =
        statusEvents(admin, ada, "?limit=1&starting_after=" + str(first.json(), "next_cursor"));
    BOOST_REQUIRE_EQUAL(second.size(), 1U);
    BOOST_CHECK_EQUAL(str(second[0], "kind"), "default_set");

    // Each change is audited once, the repeats not at all.
    BOOST_CHECK_EQUAL(auditOf(admin, "customer.default_set", ada).size(), 1U);
    BOOST_CHECK_EQUAL(auditOf(admin, "customer.default_cleared", ada).size(), 1U);
}

BOOST_AUTO_TEST_CASE(pool_redirect_sends_signed_events_to_the_tenants_url_and_the_reverse) {
    WebhookSink sink;
    ServerProcess server(webhookDefines());
    const Shop s = newShop(server, "Redirect Co");
    const Api admin = s.admin();

    // The settings: https only (http for loopback), a generated secret shown once.
    const auto unset = admin.get("/v1/revenue-guard/settings");
    BOOST_REQUIRE_EQUAL(unset.status, 200);
    BOOST_CHECK(unset.json().find("webhook_url")->isNull());
    BOOST_CHECK_EQUAL(str(unset.json(), "webhook_secret_set"), "false");
    for (const auto& [body, code] : std::vector<std::pair<std::string, std::string>>{
             {R"({})", "required"},
             {R"({"webhook_url":"http://mm.example.com/hook"})", "https_required"},
             {R"({"webhook_url":"ftp://mm.example.com/hook"})", "invalid_url"},
             {R"({"webhook_url":"https://user:pw@mm.example.com/hook"})", "invalid_url"},
             {R"({"webhook_url":"https://mm.example.com/h","webhook_secret":"short"})",
              "out_of_range"}}) {
        const auto r = admin.put("/v1/revenue-guard/settings", body);
        BOOST_CHECK_MESSAGE(r.status == 422, body << " -> " << r.status);
        BOOST_CHECK_EQUAL(problemFieldCode(r), code);
    }
    BOOST_CHECK_EQUAL(
        s.viewer().put("/v1/revenue-guard/settings", R"({"webhook_url":null})").status, 403);
    const std::string secret = configureWebhook(admin, sink.url());
    BOOST_CHECK(secret.rfind("whsec_", 0) == 0);
    const auto shown = s.viewer().get("/v1/revenue-guard/settings");
    BOOST_REQUIRE_EQUAL(shown.status, 200);
    BOOST_CHECK_EQUAL(str(shown.json(), "webhook_url"), sink.url());
    BOOST_CHECK_EQUAL(str(shown.json(), "webhook_secret_set"), "true");
    BOOST_CHECK(shown.json().find("webhook_secret") == nullptr);
    BOOST_CHECK(shown.body.find(secret) == std::string::npos);

    const std::string ada = newCustomer(admin, "Ada");
    const std::string unit = newUnit(admin, ada);
    const auto on = redirect(admin, ada, true, "in default since March");
    BOOST_REQUIRE_MESSAGE(on.status == 200, on.body);
    BOOST_CHECK_EQUAL(str(on.json(), "pool_redirect"), "true");

    const auto first = sink.waitForRequests(1);
    const ReceivedWebhook& hook = first[0];
    BOOST_CHECK_EQUAL(hook.method, "POST");
    BOOST_CHECK_EQUAL(hook.path, "/hooks/revenue-guard");
    BOOST_CHECK(hook.header("content-type").find("application/json") == 0);
    verifiedTimestamp(hook, secret);
    const JsonValue event = parsed(hook.body);
    const std::string event_id = str(event, "id");
    BOOST_CHECK(event_id.rfind("evt_", 0) == 0);
    BOOST_CHECK_EQUAL(hook.header("Billwright-Event-Id"), event_id);
    BOOST_CHECK_EQUAL(str(event, "type"), "customer.pool_redirect.activated");
    BOOST_CHECK_EQUAL(str(event, "tenant_id"), s.tenant);
    BOOST_CHECK(event.find("created_at")->isString());
    const JsonValue& data = *event.find("data");
    BOOST_CHECK_EQUAL(str(data, "customer_id"), ada);
    BOOST_CHECK_EQUAL(str(data, "customer_name"), "Ada");
    BOOST_CHECK_EQUAL(str(data, "reason"), "in default since March");
    BOOST_CHECK(!str(data, "actor").empty());
    const auto& equipment = data.find("equipment")->items();
    BOOST_REQUIRE_EQUAL(equipment.size(), 1U);
    BOOST_CHECK_EQUAL(str(equipment[0], "id"), unit);
    BOOST_CHECK_EQUAL(str(equipment[0], "serial_number"),
                      str(admin.get("/v1/equipment/" + unit).json(), "serial_number"));

    // The outbox shows it as a sent webhook; the history names the event.
    const JsonValue sent = waitForWebhook(admin, ada, isSent);
    BOOST_CHECK_EQUAL(str(sent, "channel"), "webhook");
    BOOST_CHECK_EQUAL(str(sent, "kind"), "customer.pool_redirect.activated");
    BOOST_CHECK_EQUAL(str(sent, "subject"), event_id);
    BOOST_CHECK_EQUAL(str(sent, "attempts"), "0");
    const auto events = statusEvents(admin, ada);
    BOOST_REQUIRE_EQUAL(events.size(), 1U);
    BOOST_CHECK_EQUAL(str(events[0], "kind"), "redirect_on");
    BOOST_CHECK_EQUAL(str(events[0], "webhook_event_id"), event_id);
    BOOST_CHECK_EQUAL(auditOf(admin, "customer.pool_redirect_activated", ada).size(), 1U);

    // Turning it off sends the reverse event; a repeat sends nothing more.
    const auto off = redirect(admin, ada, false);
    BOOST_REQUIRE_MESSAGE(off.status == 200, off.body);
    BOOST_CHECK_EQUAL(str(off.json(), "pool_redirect"), "false");
    const auto both = sink.waitForRequests(2);
    const JsonValue reverse = parsed(both[1].body);
    BOOST_CHECK_EQUAL(str(reverse, "type"), "customer.pool_redirect.deactivated");
    BOOST_CHECK_NE(str(reverse, "id"), event_id);
    BOOST_CHECK(reverse.find("data")->find("reason")->isNull());
    verifiedTimestamp(both[1], secret);
    waitForWebhook(admin, ada, isSent);
    BOOST_CHECK_EQUAL(redirect(admin, ada, false).status, 200);
    BOOST_CHECK_EQUAL(webhooksAbout(admin, ada).size(), 2U);
    BOOST_CHECK_EQUAL(statusEvents(admin, ada).size(), 2U);
    BOOST_CHECK_EQUAL(redirect(admin, "cus_nope", true).status, 404);
    const auto bad = admin.post("/v1/customers/" + ada + "/pool-redirect", R"({"active":"yes"})");
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad), "active");

    // Secrets never reach the log or the audit trail.
    const auto audit = admin.get("/v1/audit-events?limit=100");
    BOOST_CHECK(audit.body.find(secret) == std::string::npos);
    server.stop();
    BOOST_CHECK(server.stderrText().find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_receiver_is_retried_with_backoff_and_gets_the_event_once) {
    WebhookSink sink({500, 503});
    ServerProcess server(
        webhookDefines({"outbox.backoff_seconds=1", "outbox.max_backoff_seconds=2"}));
    const Shop s = newShop(server, "Retry Co");
    const Api admin = s.admin();
    const std::string secret = configureWebhook(admin, sink.url());
    const std::string ada = newCustomer(admin, "Ada");
    BOOST_REQUIRE_EQUAL(redirect(admin, ada, true).status, 200);

    const JsonValue m = waitForWebhook(admin, ada, isSent);
    BOOST_CHECK_EQUAL(str(m, "attempts"), "2");
    BOOST_CHECK(m.find("last_error")->isNull());
    const auto hooks = sink.requests();
    BOOST_REQUIRE_EQUAL(hooks.size(), 3U);
    BOOST_CHECK_EQUAL(hooks[0].answered, 500);
    BOOST_CHECK_EQUAL(hooks[1].answered, 503);
    BOOST_CHECK_EQUAL(hooks[2].answered, 200);
    // The same event each time, signed afresh: each retry waited for its backoff, so its
    // timestamp is later than the attempt before.
    long long previous = 0;
    for (const auto& hook : hooks) {
        BOOST_CHECK_EQUAL(hook.body, hooks[0].body);
        BOOST_CHECK_EQUAL(hook.header("Billwright-Event-Id"), str(m, "subject"));
        const long long t = verifiedTimestamp(hook, secret);
        BOOST_CHECK_GT(t, previous);
        previous = t;
    }
}

BOOST_AUTO_TEST_CASE(without_a_url_the_change_is_recorded_and_the_event_kept_failed_for_retry) {
    WebhookSink sink;
    ServerProcess server(webhookDefines());
    const Shop s = newShop(server, "No Url Co");
    const Api admin = s.admin();
    const std::string ada = newCustomer(admin, "Ada");
    BOOST_REQUIRE_EQUAL(redirect(admin, ada, true, "unpaid").status, 200);
    BOOST_CHECK_EQUAL(str(admin.get("/v1/customers/" + ada).json(), "pool_redirect"), "true");
    BOOST_CHECK_EQUAL(statusEvents(admin, ada).size(), 1U);
    const auto messages = webhooksAbout(admin, ada);
    BOOST_REQUIRE_EQUAL(messages.size(), 1U);
    BOOST_CHECK_EQUAL(str(messages[0], "status"), "failed");
    BOOST_CHECK(str(messages[0], "last_error").find("no webhook URL") != std::string::npos);

    // Once a URL is configured, retrying the message delivers it.
    const std::string secret = configureWebhook(admin, sink.url());
    const auto retried = admin.post("/v1/outbox/" + str(messages[0], "id") + "/retry", "");
    BOOST_REQUIRE_MESSAGE(retried.status == 200, retried.body);
    waitForWebhook(admin, ada, isSent);
    const auto hooks = sink.requests();
    BOOST_REQUIRE_EQUAL(hooks.size(), 1U);
    verifiedTimestamp(hooks[0], secret);
    BOOST_CHECK_EQUAL(str(parsed(hooks[0].body), "type"), "customer.pool_redirect.activated");

    // A new secret given explicitly is not echoed and signs the next events.
    const std::string mine = "my-own-secret-0123456789";
    const auto put =
        admin.put("/v1/revenue-guard/settings",
                  R"({"webhook_url":")" + sink.url() + R"(","webhook_secret":")" + mine + R"("})");
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    BOOST_CHECK(put.json().find("webhook_secret") == nullptr);
    BOOST_REQUIRE_EQUAL(redirect(admin, ada, false).status, 200);
    const auto two = sink.waitForRequests(2);
    verifiedTimestamp(two[1], mine);
}

BOOST_AUTO_TEST_CASE(without_a_master_key_webhook_settings_are_unavailable) {
    const Shop s = newShop(sharedServer(), "Keyless Co");
    const auto r = s.admin().put("/v1/revenue-guard/settings",
                                 R"({"webhook_url":"https://mm.example.com/hook"})");
    BOOST_CHECK_EQUAL(r.status, 503);
    BOOST_CHECK_EQUAL(problemCode(r), "unavailable");
    BOOST_CHECK_EQUAL(str(s.admin().get("/v1/revenue-guard/settings").json(), "webhook_secret_set"),
                      "false");
}

BOOST_AUTO_TEST_CASE(
    the_summary_counts_defaults_redirects_overdue_balances_and_uncontracted_units) {
    ServerProcess server(webhookDefines());
    const Shop s = newShop(server, "Summary Co");
    const Shop other = newShop(server, "Quiet Co");
    const Api admin = s.admin();
    const std::string ada = billableCustomer(admin, "Ada");
    const std::string bob = billableCustomer(admin, "Bob");
    const std::string eve = newCustomer(admin, "Eve", R"(,"billing_currency":"EUR")");
    infinityContract(admin, eve);
    const std::string ada_invoice = str(issue(admin, ada).json(), "id");
    const std::string bob_invoice = str(issue(admin, bob).json(), "id");
    const std::string eve_invoice = str(issue(admin, eve).json(), "id");
    // Bob's September invoice stays issued: not part of the overdue balance.
    BOOST_REQUIRE_EQUAL(issue(admin, bob, true, "2026-09-01").status, 201);

    BOOST_REQUIRE_EQUAL(admin.post("/v1/customers/" + ada + "/default", R"({"reason":"a"})").status,
                        200);
    BOOST_REQUIRE_EQUAL(admin.post("/v1/customers/" + bob + "/default", R"({"reason":"b"})").status,
                        200);
    BOOST_REQUIRE_EQUAL(redirect(admin, bob, true).status, 200);

    // A unit of Eve's that hashes but is in no contract.
    const std::string loose = newUnit(admin, eve);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto sample = admin.post("/v1/telemetry",
                                   R"({"kind":"hashrate","equipment_id":")" + loose + R"(","ts":)" +
                                       std::to_string(now - 60) + R"(,"value":100})",
                                   {{"Content-Type", "application/x-ndjson"}});
    BOOST_REQUIRE_MESSAGE(sample.status == 200, sample.body);

    // Overdue is the payments' and the sweep's business: the test sets it in the database.
    server.stop();
    runSql(server.databaseUrl(), "UPDATE invoices SET status = 'overdue' WHERE id IN ('" +
                                     ada_invoice + "', '" + bob_invoice + "', '" + eve_invoice +
                                     "')");
    server.start();

    const auto r = s.viewer().get("/v1/revenue-guard");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    const JsonValue& summary = r.json();
    BOOST_CHECK_EQUAL(str(summary, "object"), "revenue_guard_summary");
    const JsonValue& in_default = *summary.find("customers_in_default");
    BOOST_CHECK_EQUAL(str(in_default, "count"), "2");
    const auto& listed = in_default.find("data")->items();
    BOOST_REQUIRE_EQUAL(listed.size(), 2U);
    BOOST_CHECK_EQUAL(str(listed[0], "id"), bob);  // newest first
    BOOST_CHECK_EQUAL(str(listed[0], "name"), "Bob");
    BOOST_CHECK_EQUAL(str(listed[0], "pool_redirect"), "true");
    BOOST_CHECK_EQUAL(str(listed[1], "id"), ada);
    BOOST_CHECK_EQUAL(str(listed[1], "default_reason"), "a");
    BOOST_CHECK_EQUAL(str(in_default, "has_more"), "false");
    BOOST_CHECK_EQUAL(str(summary, "pool_redirects_active"), "1");
    const auto& overdue = summary.find("overdue_balance")->items();
    BOOST_REQUIRE_EQUAL(overdue.size(), 2U);
    BOOST_CHECK_EQUAL(str(overdue[0], "currency"), "EUR");
    BOOST_CHECK_EQUAL(str(overdue[0], "amount"), "111.60");
    BOOST_CHECK_EQUAL(str(overdue[0], "invoices"), "1");
    BOOST_CHECK_EQUAL(str(overdue[1], "currency"), "USD");
    BOOST_CHECK_EQUAL(str(overdue[1], "amount"), "223.20");
    BOOST_CHECK_EQUAL(str(overdue[1], "invoices"), "2");
    const JsonValue& uncontracted = *summary.find("uncontracted_equipment");
    BOOST_CHECK_EQUAL(str(uncontracted, "count"), "1");
    BOOST_CHECK_EQUAL(str(uncontracted, "within_minutes"), "60");
    const auto listing = admin.get("/v1/revenue-guard/uncontracted");
    BOOST_REQUIRE_EQUAL(listing.status, 200);
    BOOST_CHECK_EQUAL(str(listing.json(), "count"), "1");
    BOOST_CHECK_EQUAL(str(dataOf(listing)[0], "id"), loose);

    const auto bad = admin.get("/v1/revenue-guard?within_minutes=0");
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad), "within_minutes");
    BOOST_CHECK_EQUAL(admin.get("/v1/revenue-guard?limit=5").status, 422);

    // Another tenant sees only its own (nothing).
    const auto quiet = other.admin().get("/v1/revenue-guard");
    BOOST_REQUIRE_EQUAL(quiet.status, 200);
    BOOST_CHECK_EQUAL(str(*quiet.json().find("customers_in_default"), "count"), "0");
    BOOST_CHECK_EQUAL(str(quiet.json(), "pool_redirects_active"), "0");
    BOOST_CHECK(quiet.json().find("overdue_balance")->items().empty());
    BOOST_CHECK_EQUAL(str(*quiet.json().find("uncontracted_equipment"), "count"), "0");
}

BOOST_AUTO_TEST_SUITE_END()
