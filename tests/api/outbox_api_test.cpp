#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "api/api_fixture.h"
#include "core/date.h"
#include "support/smtp_sink.h"

using namespace billwright::testing;
using billwright::core::JsonValue;

namespace {

const std::string kConfig = R"({"flat_rate_amount":"1500.00","currency":"USD",
    "billing_frequency":"monthly","billing_email":"billing@tenant.example",
    "billing_day_of_month":1,"payment_due_days":15,"email_notifications":true})";

// A server whose outbox worker sends to `port` every 50 ms.
std::vector<std::string> smtpDefines(std::uint16_t port, std::vector<std::string> more = {}) {
    std::vector<std::string> defines = {"smtp.host=127.0.0.1", "smtp.port=" + std::to_string(port),
                                        "smtp.from=Billwright Billing <billing@platform.example>",
                                        "smtp.timeout_ms=5000", "outbox.interval_ms=50"};
    defines.insert(defines.end(), more.begin(), more.end());
    return defines;
}

std::string tenantWithConfig(const Api& super, const std::string& name) {
    const auto created =
        super.post("/v1/tenants", R"({"name":")" + name + R"(","timezone":"UTC"})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const std::string id = str(created.json(), "id");
    const auto put = super.put("/v1/tenants/" + id + "/billing-config", kConfig);
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    return id;
}

std::string invoiceFor(const Api& super, const std::string& tenant) {
    const auto r =
        super.post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2025-03-01"})");
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json(), "id");
}

// The tenant's one message about `object_id`, as GET /v1/outbox shows it.
JsonValue messageAbout(const Api& api, const std::string& tenant, const std::string& object_id) {
    const auto r = api.server.request("GET", "/v1/outbox?object_id=" + object_id, api.key,
                                      std::nullopt, {{"Billwright-Tenant", tenant}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto& data = r.json().find("data")->items();
    BOOST_REQUIRE_EQUAL(data.size(), 1U);
    return data[0];
}

// Polls the outbox until `done` holds for the message; fails the test after 20 s.
JsonValue waitForMessage(const Api& api, const std::string& tenant, const std::string& object_id,
                         const std::function<bool(const JsonValue&)>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
        JsonValue m = messageAbout(api, tenant, object_id);
        if (done(m)) return m;
        if (std::chrono::steady_clock::now() >= until) {
            BOOST_FAIL("the outbox message never reached the expected state: " +
                       billwright::core::toJson(m));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool isSent(const JsonValue& m) { return str(m, "status") == "sent"; }

HttpResult asTenant(const Api& api, const std::string& method, const std::string& path,
                    const std::string& tenant) {
    return api.server.request(method, path, api.key,
                              method == "POST" ? std::optional<std::string>("") : std::nullopt,
                              {{"Billwright-Tenant", tenant}});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(outbox_api)

BOOST_AUTO_TEST_CASE(an_invoice_email_arrives_over_smtp_and_the_outbox_shows_it_sent) {
    SmtpSink sink;
    ServerProcess server(smtpDefines(sink.port()));
    const Api super{server, server.superKey()};
    const std::string tenant = tenantWithConfig(super, "Mailed");
    const std::string invoice = invoiceFor(super, tenant);

    const auto mails = sink.waitForMessages(1);
    BOOST_REQUIRE_EQUAL(mails.size(), 1U);
    const auto& mail = mails[0];
    BOOST_CHECK_EQUAL(mail.mail_from, "billing@platform.example");
    BOOST_REQUIRE_EQUAL(mail.rcpt_tos.size(), 1U);
    BOOST_CHECK_EQUAL(mail.rcpt_tos[0], "billing@tenant.example");
    BOOST_CHECK_EQUAL(mail.header("To"), "<billing@tenant.example>");
    BOOST_CHECK_EQUAL(mail.header("From"), "\"Billwright Billing\" <billing@platform.example>");
    BOOST_CHECK(!mail.tls);

    const JsonValue m = waitForMessage(super, tenant, invoice, isSent);
    BOOST_CHECK_EQUAL(mail.header("Subject"), str(m, "subject"));
    BOOST_CHECK(str(m, "subject").find("Invoice BW-") == 0);
    BOOST_CHECK_EQUAL(str(m, "kind"), "platform_invoice.issued");
    BOOST_CHECK_EQUAL(str(m, "recipient"), "billing@tenant.example");
    BOOST_CHECK_EQUAL(str(m, "attempts"), "0");
    BOOST_CHECK(m.find("sent_at")->isString());
    BOOST_CHECK(m.find("last_error")->isNull());
    BOOST_CHECK(m.find("body") == nullptr && m.find("attachment_body") == nullptr);
    BOOST_CHECK(mail.header("Message-ID").find(str(m, "id")) != std::string::npos);

    // The single message and the filters.
    const auto one = asTenant(super, "GET", "/v1/outbox/" + str(m, "id"), tenant);
    BOOST_REQUIRE_EQUAL(one.status, 200);
    BOOST_CHECK_EQUAL(str(one.json(), "status"), "sent");
    const auto pending = asTenant(super, "GET", "/v1/outbox?status=pending", tenant);
    BOOST_REQUIRE_EQUAL(pending.status, 200);
    BOOST_CHECK(pending.json().find("data")->items().empty());
    const auto by_kind = asTenant(super, "GET", "/v1/outbox?kind=platform_invoice.issued", tenant);
    BOOST_CHECK_EQUAL(by_kind.json().find("data")->items().size(), 1U);
    const auto bad = asTenant(super, "GET", "/v1/outbox?status=sending", tenant);
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad), "status");
    BOOST_CHECK_EQUAL(sink.messages().size(), 1U);  // delivered once
    BOOST_CHECK(server.get("/metrics", "")
                    .body.find(R"(billwright_outbox_messages_total{result="sent"} 1)") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(starttls_with_a_self_signed_certificate_delivers_when_verification_is_off) {
    SmtpSinkOptions options;
    options.starttls = true;
    options.username = "mailer";
    options.password = "s3cret-pass";
    SmtpSink sink(options);
    ServerProcess server(
        smtpDefines(sink.port(), {"smtp.starttls=true", "smtp.tls_verify=false",
                                  "smtp.username=mailer", "smtp.password=s3cret-pass"}));
    const Api super{server, server.superKey()};
    const std::string tenant = tenantWithConfig(super, "Secure");
    const std::string invoice = invoiceFor(super, tenant);
    const auto mails = sink.waitForMessages(1);
    BOOST_CHECK(mails[0].tls);
    BOOST_CHECK(mails[0].auth_user == std::optional<std::string>("mailer"));
    BOOST_CHECK_EQUAL(mails[0].rcpt_tos.at(0), "billing@tenant.example");
    waitForMessage(super, tenant, invoice, isSent);
    server.stop();
    BOOST_CHECK(server.stderrText().find("s3cret-pass") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(starttls_is_required_when_configured) {
    SmtpSink sink;  // plain SMTP, no STARTTLS offered
    ServerProcess server(smtpDefines(sink.port(), {"smtp.starttls=true"}));
    const Api super{server, server.superKey()};
    const std::string tenant = tenantWithConfig(super, "NoTls");
    const std::string invoice = invoiceFor(super, tenant);
    const JsonValue m = waitForMessage(
        super, tenant, invoice, [](const JsonValue& x) { return str(x, "attempts") == "1"; });
    BOOST_CHECK_EQUAL(str(m, "status"), "pending");
    BOOST_CHECK(sink.messages().empty());
}

BOOST_AUTO_TEST_CASE(with_smtp_down_the_message_stays_pending_and_is_retried_later) {
    ServerProcess server(smtpDefines(unusedPort()));
    const Api super{server, server.superKey()};
    const std::string tenant = tenantWithConfig(super, "Down");
    const std::string invoice = invoiceFor(super, tenant);
    const JsonValue m = waitForMessage(
        super, tenant, invoice, [](const JsonValue& x) { return str(x, "attempts") != "0"; });
    BOOST_CHECK_EQUAL(str(m, "status"), "pending");
    BOOST_CHECK_EQUAL(str(m, "attempts"), "1");
    BOOST_CHECK(m.find("last_error")->isString() && !str(m, "last_error").empty());
    BOOST_CHECK(m.find("sent_at")->isNull());
    // The next attempt is the first backoff (30 s) after the failure: later than creation.
    const auto next = str(m, "next_attempt_at");
    const auto created = str(m, "created_at");
    BOOST_CHECK_GT(next, created);  // RFC 3339 UTC timestamps sort as text
    const auto now = billwright::core::formatTimestamp(
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    BOOST_CHECK_GT(next, now);
}

BOOST_AUTO_TEST_CASE(a_message_with_html_and_an_attachment_arrives_as_multipart_with_both) {
    SmtpSink sink;
    // Delivery off while the message is written straight into the database, as the invoicing
    // service will enqueue it; then the server restarts with delivery on.
    ServerProcess server(smtpDefines(sink.port(), {"smtp.host="}));
    const Api super{server, server.superKey()};
    const auto created = super.post("/v1/tenants", R"({"name":"Html","timezone":"UTC"})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const std::string tenant = str(created.json(), "id");
    server.stop();
    runSql(server.databaseUrl(),
           "INSERT INTO outbox_messages (id, tenant_id, kind, dedupe_key, recipient, subject, "
           "body, status, attempts, next_attempt_at, created_at, html_body, sender_name, "
           "sender_email, reply_to, attachment_name, attachment_type, attachment_body, object_id) "
           "VALUES ('msg_html1', ?, 'invoice.issued', 'invoice.issued:inv_x', "
           "'customer@example.com', 'Your invoice INV-7', 'Plain words', 'pending', 0, 0, 0, "
           "'<p>Rich <b>words</b></p>', 'Acme Hosting', 'billing@acme.example', "
           "'support@acme.example', 'INV-7.html', 'text/html', '<html>the document</html>', "
           "'inv_x')",
           {tenant});

    ServerProcess delivering(smtpDefines(sink.port(), {"database.url=" + server.databaseUrl()}));
    const auto mails = sink.waitForMessages(1);
    const auto& mail = mails[0];
    BOOST_CHECK_EQUAL(mail.mail_from, "billing@acme.example");
    BOOST_CHECK_EQUAL(mail.rcpt_tos.at(0), "customer@example.com");
    BOOST_CHECK_EQUAL(mail.header("From"), "\"Acme Hosting\" <billing@acme.example>");
    BOOST_CHECK_EQUAL(mail.header("Reply-To"), "<support@acme.example>");
    BOOST_CHECK_EQUAL(mail.header("Subject"), "Your invoice INV-7");
    BOOST_CHECK(mail.header("Content-Type").find("multipart/mixed") == 0);
    for (const char* part : {"multipart/alternative", "Content-Type: text/plain", "Plain words",
                             "Content-Type: text/html", "<b>words</b>",
                             "Content-Disposition: attachment; filename=INV-7.html",
                             "PGh0bWw+dGhlIGRvY3VtZW50PC9odG1sPg=="}) {  // base64 of the document
        BOOST_TEST_CONTEXT(part) { BOOST_CHECK(mail.data.find(part) != std::string::npos); }
    }
    // The database already has a super key, so the second server writes none: use the first's.
    const Api admin{delivering, server.superKey()};
    const JsonValue m = waitForMessage(admin, tenant, "inv_x", isSent);
    BOOST_CHECK_EQUAL(str(m, "attachment_name"), "INV-7.html");
    BOOST_CHECK_EQUAL(str(*m.find("sender"), "email"), "billing@acme.example");
}

BOOST_AUTO_TEST_CASE(only_a_failed_message_can_be_retried_and_only_by_its_tenants_writers) {
    const std::uint16_t port = unusedPort();
    ServerProcess server(smtpDefines(port, {"outbox.max_attempts=1"}));
    const Api super{server, server.superKey()};
    const std::string tenant = tenantWithConfig(super, "Retry");
    const std::string other = tenantWithConfig(super, "Other");
    const std::string invoice = invoiceFor(super, tenant);
    const JsonValue dead = waitForMessage(
        super, tenant, invoice, [](const JsonValue& x) { return str(x, "status") == "failed"; });
    const std::string id = str(dead, "id");
    BOOST_CHECK_EQUAL(str(dead, "attempts"), "1");

    const auto key_of = [&](const std::string& role, const std::string& t) {
        const auto r = super.post(
            "/v1/api-keys", R"({"name":"k","role":")" + role + R"(","tenant_id":")" + t + R"("})");
        BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
        return str(r.json(), "secret");
    };
    const Api viewer{server, key_of("tenant_viewer", tenant)};
    const Api admin{server, key_of("tenant_admin", tenant)};
    const Api stranger{server, key_of("tenant_admin", other)};
    const std::string retry = "/v1/outbox/" + id + "/retry";

    // Another tenant's message is 404, read or retried; a viewer may read but not retry.
    BOOST_CHECK_EQUAL(stranger.get("/v1/outbox/" + id).status, 404);
    BOOST_CHECK_EQUAL(problemCode(stranger.post(retry, "")), "not_found");
    BOOST_CHECK_EQUAL(asTenant(super, "POST", retry, other).status, 404);
    BOOST_CHECK_EQUAL(viewer.get("/v1/outbox/" + id).status, 200);
    BOOST_CHECK_EQUAL(viewer.post(retry, "").status, 403);
    BOOST_CHECK(stranger.get("/v1/outbox").json().find("data")->items().empty());
    BOOST_CHECK_EQUAL(str(admin.get("/v1/outbox/" + id).json(), "status"), "failed");

    // Back to pending; delivery now fails again (nothing listens), so it is failed again.
    const auto retried = admin.post(retry, "");
    BOOST_REQUIRE_MESSAGE(retried.status == 200, retried.body);
    BOOST_CHECK(str(retried.json(), "status") == "pending" ||
                str(retried.json(), "status") == "failed");
    const JsonValue again = waitForMessage(super, tenant, invoice, [](const JsonValue& x) {
        return str(x, "status") == "failed" && str(x, "attempts") == "2";
    });

    // With the SMTP server up on that port, a retry delivers it; a sent message cannot be
    // retried (409 naming its status).
    SmtpSinkOptions options;
    options.port = port;
    SmtpSink sink(options);
    BOOST_REQUIRE_EQUAL(admin.post(retry, "").status, 200);
    sink.waitForMessages(1);
    waitForMessage(super, tenant, invoice, isSent);
    const auto conflict = admin.post(retry, "");
    BOOST_CHECK_EQUAL(conflict.status, 409);
    BOOST_CHECK_EQUAL(problemCode(conflict), "invalid_transition");
    BOOST_CHECK_EQUAL(problemField(conflict), "status");
    BOOST_CHECK_EQUAL(problemFieldCode(conflict), "sent");
    BOOST_CHECK_EQUAL(admin.get("/v1/outbox/msg_nope").status, 404);
}

BOOST_AUTO_TEST_CASE(with_smtp_host_empty_delivery_is_off_and_messages_stay_pending) {
    ServerProcess server;
    const Api super{server, server.superKey()};
    const std::string tenant = tenantWithConfig(super, "Off");
    const std::string invoice = invoiceFor(super, tenant);
    const JsonValue m = messageAbout(super, tenant, invoice);
    BOOST_CHECK_EQUAL(str(m, "status"), "pending");
    BOOST_CHECK_EQUAL(str(m, "attempts"), "0");
    server.stop();
    BOOST_CHECK(server.stderrText().find("email delivery is off") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_smtp_and_outbox_settings_refuse_to_start_naming_the_key) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"smtp.port=0", "smtp.port"},
        {"smtp.starttls=maybe", "smtp.starttls"},
        {"smtp.tls_verify=2", "smtp.tls_verify"},
        {"smtp.from=not an address", "smtp.from"},
        {"smtp.timeout_ms=5", "smtp.timeout_ms"},
        {"outbox.interval_ms=0", "outbox.interval_ms"},
        {"outbox.max_attempts=0", "outbox.max_attempts"},
        {"outbox.backoff_seconds=-1", "outbox.backoff_seconds"},
        {"outbox.max_backoff_seconds=10", "outbox.max_backoff_seconds"},
        {"smtp.username=someone", "smtp.username"},
    };
    for (const auto& [define, key] : cases) {
        BOOST_TEST_CONTEXT(define) {
            const auto r = runBillwrightd({"-D" + define, "-Dhttp.port=0"});
            BOOST_CHECK_EQUAL(r.exit_code, 78);
            BOOST_CHECK(r.err.find(key) != std::string::npos);
        }
    }
    const auto help = runBillwrightd({"--help"});
    for (const char* key : {"smtp.host", "smtp.password", "smtp.starttls", "smtp.tls_verify",
                            "outbox.max_attempts", "outbox.max_backoff_seconds"}) {
        BOOST_TEST_CONTEXT(key) { BOOST_CHECK(help.out.find(key) != std::string::npos); }
    }
}

BOOST_AUTO_TEST_SUITE_END()
