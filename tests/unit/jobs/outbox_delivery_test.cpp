#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "jobs/outbox_delivery.h"
#include "jobs/smtp_mailer.h"
#include "services/service_fixture.h"
#include "services/webhooks.h"

using namespace billwright;
using namespace billwright::testing;
using namespace std::chrono_literals;

namespace {

// Records every email; answers with the scripted errors first ("" = accepted), then accepts.
struct FakeMailer final : jobs::Mailer {
    std::vector<jobs::Email> sent;
    std::vector<std::string> script;
    std::function<void()> during_send;

    jobs::SendResult send(const jobs::Email& email) override {
        sent.push_back(email);
        if (during_send) during_send();
        if (script.empty()) return {};
        const std::string error = script.front();
        script.erase(script.begin());
        return jobs::SendResult{error};
    }
};

// Records every webhook; answers with the scripted errors first ("" = a 2xx), then accepts.
struct FakeWebhookSender final : jobs::WebhookSender {
    std::vector<jobs::WebhookRequest> posted;
    std::vector<std::string> script;

    jobs::SendResult post(const jobs::WebhookRequest& request) override {
        posted.push_back(request);
        if (script.empty()) return {};
        const std::string error = script.front();
        script.erase(script.begin());
        return jobs::SendResult{error};
    }
};

std::string headerOf(const jobs::WebhookRequest& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
        if (n == name) return v;
    }
    return "";
}

struct DeliveryFixture : StoreFixture {
    std::FILE* sink = std::tmpfile();
    core::Logger log{core::LogLevel::kError, core::LogFormat::kText, sink};
    core::Metrics metrics;
    FakeMailer mailer;
    jobs::OutboxOptions options;

    DeliveryFixture() {
        options.max_attempts = 4;
        options.backoff_seconds = 30;
        options.max_backoff_seconds = 100;
        options.lease = 300s;
        store->transact(storage::TxMode::kWrite, [](storage::UnitOfWork& uow) {
            domain::Tenant t;
            t.id = "ten_a";
            t.name = "A";
            uow.tenants().insert(t);
            return true;
        });
    }
    ~DeliveryFixture() { std::fclose(sink); }

    jobs::OutboxDelivery worker() {
        return jobs::OutboxDelivery(*store, clock, mailer, log, metrics, options);
    }

    storage::OutboxMessage enqueue(const std::string& id,
                                   const std::function<void(storage::OutboxMessage&)>& edit = {}) {
        storage::OutboxMessage m;
        m.id = id;
        m.tenant_id = "ten_a";
        m.kind = "platform_invoice.issued";
        m.dedupe_key = "k:" + id;
        m.recipient = "billing@tenant.example";
        m.subject = "Invoice " + id;
        m.body = "Hello";
        m.next_attempt_at = clock.nowSeconds();
        m.created_at = clock.nowSeconds();
        if (edit) edit(m);
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            BOOST_REQUIRE(uow.outbox().enqueue(m));
            return true;
        });
        return m;
    }

    storage::OutboxMessage stored(const std::string& id) {
        return store->read([&](storage::UnitOfWork& uow) { return uow.outbox().find("ten_a", id); })
            .value();
    }

    std::vector<storage::OutboxMessage> claim(std::chrono::seconds lease) {
        std::vector<storage::OutboxMessage> out;
        const auto now = clock.nowSeconds();
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            out = uow.outbox().claimDue(now, now + lease, 10, {"email"});
            return true;
        });
        return out;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(outbox_delivery)

BOOST_AUTO_TEST_CASE(the_backoff_doubles_from_the_base_and_stops_at_the_maximum) {
    struct Case {
        std::int64_t attempts;
        std::int64_t expected;
    };
    const Case cases[] = {{1, 30},   {2, 60},   {3, 120},   {4, 240},   {7, 1920},
                          {8, 3600}, {9, 3600}, {63, 3600}, {64, 3600}, {1000, 3600}};
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("attempts " << c.attempts) {
            BOOST_CHECK_EQUAL(jobs::backoffDelay(c.attempts, 30, 3600).count(), c.expected);
        }
    }
    BOOST_CHECK_EQUAL(jobs::backoffDelay(3, 5, 12).count(), 12);
}

BOOST_FIXTURE_TEST_CASE(a_due_message_is_sent_and_marked_sent, DeliveryFixture) {
    enqueue("msg_1", [](auto& m) {
        m.html_body = "<p>Hello</p>";
        m.reply_to = "help@tenant.example";
        m.attachment_name = "invoice.html";
        m.attachment_type = "text/html";
        m.attachment_body = "<html></html>";
    });
    auto w = worker();
    clock.advance(5s);
    const auto done = w.runOnce();
    BOOST_CHECK_EQUAL(done.sent, 1);
    BOOST_REQUIRE_EQUAL(mailer.sent.size(), 1U);
    const auto& email = mailer.sent[0];
    BOOST_CHECK_EQUAL(email.to, "billing@tenant.example");
    BOOST_CHECK_EQUAL(email.subject, "Invoice msg_1");
    BOOST_CHECK_EQUAL(email.from.email, "billing@localhost");  // no sender: the default
    BOOST_CHECK(email.html_body == std::optional<std::string>("<p>Hello</p>"));
    BOOST_CHECK(email.reply_to == std::optional<std::string>("help@tenant.example"));
    BOOST_REQUIRE(email.attachment);
    BOOST_CHECK_EQUAL(email.attachment->name, "invoice.html");
    BOOST_CHECK_EQUAL(email.attachment->bytes, "<html></html>");
    BOOST_CHECK(email.message_id == std::optional<std::string>("msg_1"));
    const auto m = stored("msg_1");
    BOOST_CHECK_EQUAL(m.status, "sent");
    BOOST_CHECK(m.sent_at == clock.nowSeconds());
    BOOST_CHECK(!m.lease_until);
    BOOST_CHECK(metrics.render().find(R"(billwright_outbox_messages_total{result="sent"} 1)") !=
                std::string::npos);
    // Nothing is sent twice.
    BOOST_CHECK_EQUAL(w.runOnce().sent, 0);
    BOOST_CHECK_EQUAL(mailer.sent.size(), 1U);
}

BOOST_FIXTURE_TEST_CASE(a_message_that_names_its_sender_is_sent_from_it, DeliveryFixture) {
    enqueue("msg_1", [](auto& m) {
        m.sender_name = "Acme Hosting";
        m.sender_email = "billing@acme.example";
    });
    BOOST_CHECK_EQUAL(worker().runOnce().sent, 1);
    BOOST_REQUIRE_EQUAL(mailer.sent.size(), 1U);
    BOOST_CHECK_EQUAL(mailer.sent[0].from.name, "Acme Hosting");
    BOOST_CHECK_EQUAL(mailer.sent[0].from.email, "billing@acme.example");
}

BOOST_FIXTURE_TEST_CASE(a_message_not_yet_due_waits, DeliveryFixture) {
    enqueue("msg_1", [&](auto& m) { m.next_attempt_at = clock.nowSeconds() + 10s; });
    auto w = worker();
    BOOST_CHECK_EQUAL(w.runOnce().sent, 0);
    clock.advance(10s);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 1);
}

BOOST_FIXTURE_TEST_CASE(a_failure_schedules_the_retry_after_the_backoff, DeliveryFixture) {
    enqueue("msg_1");
    mailer.script = {"451 try later", "421 busy"};
    auto w = worker();
    const auto start = clock.nowSeconds();
    const auto first = w.runOnce();
    BOOST_CHECK_EQUAL(first.retrying, 1);
    auto m = stored("msg_1");
    BOOST_CHECK_EQUAL(m.status, "pending");
    BOOST_CHECK_EQUAL(m.attempts, 1);
    BOOST_CHECK(m.last_error == std::optional<std::string>("451 try later"));
    BOOST_CHECK(m.next_attempt_at == start + 30s);
    BOOST_CHECK(!m.lease_until);

    clock.advance(29s);
    BOOST_CHECK_EQUAL(w.runOnce().retrying, 0);
    BOOST_CHECK_EQUAL(mailer.sent.size(), 1U);
    clock.advance(1s);
    BOOST_CHECK_EQUAL(w.runOnce().retrying, 1);
    m = stored("msg_1");
    BOOST_CHECK_EQUAL(m.attempts, 2);
    BOOST_CHECK(m.next_attempt_at == start + 30s + 60s);

    clock.advance(60s);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 1);
    m = stored("msg_1");
    BOOST_CHECK_EQUAL(m.status, "sent");
    BOOST_CHECK_EQUAL(m.attempts, 2);
    BOOST_CHECK(!m.last_error);
}

BOOST_FIXTURE_TEST_CASE(a_message_is_dead_after_the_last_attempt_until_retried, DeliveryFixture) {
    enqueue("msg_1");
    mailer.script = {"550 no", "550 no", "550 no", "550 no", "550 still no"};
    auto w = worker();
    int dead = 0;
    for (int i = 0; i < 10; ++i) {
        dead += w.runOnce().dead;
        clock.advance(100s);  // the longest backoff
    }
    BOOST_CHECK_EQUAL(dead, 1);
    BOOST_CHECK_EQUAL(mailer.sent.size(), 4U);  // max_attempts
    auto m = stored("msg_1");
    BOOST_CHECK_EQUAL(m.status, "failed");
    BOOST_CHECK_EQUAL(m.attempts, 4);
    BOOST_CHECK(metrics.render().find(R"(billwright_outbox_messages_total{result="dead"} 1)") !=
                std::string::npos);

    // A retry gives it one more attempt; it fails again and is dead again.
    bool retried = false;
    store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        retried = uow.outbox().retry("ten_a", "msg_1", clock.nowSeconds());
        return true;
    });
    BOOST_CHECK(retried);
    BOOST_CHECK_EQUAL(stored("msg_1").status, "pending");
    BOOST_CHECK_EQUAL(w.runOnce().dead, 1);
    m = stored("msg_1");
    BOOST_CHECK_EQUAL(m.status, "failed");
    BOOST_CHECK_EQUAL(m.attempts, 5);
    BOOST_CHECK(m.last_error == std::optional<std::string>("550 still no"));
    // Only failed messages can be retried, and only by their tenant.
    store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        BOOST_CHECK(!uow.outbox().retry("ten_b", "msg_1", clock.nowSeconds()));
        BOOST_CHECK(uow.outbox().retry("ten_a", "msg_1", clock.nowSeconds()));
        BOOST_CHECK(!uow.outbox().retry("ten_a", "msg_1", clock.nowSeconds()));
        return true;
    });
}

BOOST_FIXTURE_TEST_CASE(a_leased_message_is_not_claimed_by_a_second_worker, DeliveryFixture) {
    enqueue("msg_1");
    enqueue("msg_2");
    BOOST_CHECK_EQUAL(claim(300s).size(), 2U);
    BOOST_CHECK(claim(300s).empty());

    // Two workers: while the first is sending, the second finds nothing to do.
    enqueue("msg_3");
    auto first = worker();
    FakeMailer other;
    jobs::OutboxDelivery second(*store, clock, other, log, metrics, options);
    jobs::DeliveryOutcome second_done;
    mailer.during_send = [&] { second_done = second.runOnce(); };
    BOOST_CHECK_EQUAL(first.runOnce().sent, 1);
    BOOST_CHECK_EQUAL(second_done.sent, 0);
    BOOST_CHECK(other.sent.empty());
    BOOST_CHECK_EQUAL(stored("msg_3").status, "sent");
}

BOOST_FIXTURE_TEST_CASE(an_expired_lease_is_claimed_again, DeliveryFixture) {
    enqueue("msg_1");
    // A worker claims it and dies before recording anything.
    BOOST_REQUIRE_EQUAL(claim(300s).size(), 1U);
    auto w = worker();
    clock.advance(300s);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 0);  // the lease holds up to its end
    clock.advance(1s);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 1);
    BOOST_CHECK_EQUAL(stored("msg_1").status, "sent");
}

BOOST_FIXTURE_TEST_CASE(many_due_messages_are_sent_batch_after_batch, DeliveryFixture) {
    options.batch_size = 3;
    for (int i = 0; i < 8; ++i) enqueue("msg_" + std::to_string(i));
    BOOST_CHECK_EQUAL(worker().runOnce().sent, 8);
}

BOOST_AUTO_TEST_CASE(an_email_with_html_and_an_attachment_is_mixed_around_an_alternative) {
    jobs::Email e;
    e.from = {"Acme Hosting", "billing@acme.example"};
    e.to = "customer@example.com";
    e.subject = "Invoice INV-1";
    e.text_body = "Plain text";
    e.html_body = "<p>HTML</p>";
    e.attachment = jobs::Email::Attachment{"INV-1.html", "text/html", "<html>doc</html>"};
    e.message_id = "msg_1";
    const std::string mime = jobs::renderEmail(e);
    for (const char* expected :
         {"Content-Type: multipart/mixed", "multipart/alternative", "Content-Type: text/plain",
          "Content-Type: text/html", "Plain text", "<p>HTML</p>",
          "Content-Disposition: attachment; filename=INV-1.html",
          "Content-Transfer-Encoding: base64", "PGh0bWw+ZG9jPC9odG1sPg==",
          "Message-ID: <msg_1@acme.example>", "\"Acme Hosting\" <billing@acme.example>"}) {
        BOOST_TEST_CONTEXT(expected) { BOOST_CHECK(mime.find(expected) != std::string::npos); }
    }
    e.attachment.reset();
    e.html_body.reset();
    const std::string plain = jobs::renderEmail(e);
    BOOST_CHECK(plain.find("multipart") == std::string::npos);
    BOOST_CHECK(plain.find("Content-Type: text/plain; charset=UTF-8") != std::string::npos);
}

namespace {

const std::string kSecret = "whsec_unit_test_secret";

struct WebhookFixture : DeliveryFixture {
    FakeWebhookSender sender;
    std::optional<core::Error> endpoint_error;

    jobs::OutboxDelivery webhookWorker(jobs::Mailer* with_mailer) {
        jobs::WebhookChannel channel{
            sender, [this](const std::string& tenant) -> core::Result<services::WebhookEndpoint> {
                BOOST_CHECK_EQUAL(tenant, "ten_a");
                if (endpoint_error) return *endpoint_error;
                return services::WebhookEndpoint{"https://mm.example/hook", kSecret};
            }};
        return jobs::OutboxDelivery(*store, clock, with_mailer, channel, log, metrics, options);
    }

    void enqueueWebhook(const std::string& id) {
        enqueue(id, [](storage::OutboxMessage& m) {
            m.channel = "webhook";
            m.kind = "customer.pool_redirect.activated";
            m.recipient = "revenue_guard.webhook_url";
            m.subject = "evt_1";
            m.body = R"({"id":"evt_1"})";
        });
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_webhook_is_signed_at_each_attempt_and_retried_after_the_backoff,
                        WebhookFixture) {
    enqueueWebhook("msg_w");
    sender.script = {"the webhook endpoint answered HTTP 500"};
    auto w = webhookWorker(&mailer);
    const auto t0 = clock.nowSeconds();
    BOOST_CHECK_EQUAL(w.runOnce().retrying, 1);
    auto m = stored("msg_w");
    BOOST_CHECK_EQUAL(m.attempts, 1);
    BOOST_CHECK(m.next_attempt_at == t0 + 30s);
    BOOST_CHECK_EQUAL(m.last_error.value_or(""), "the webhook endpoint answered HTTP 500");
    clock.advance(29s);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 0);  // not due yet
    clock.advance(1s);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 1);
    BOOST_CHECK_EQUAL(stored("msg_w").status, "sent");
    BOOST_REQUIRE_EQUAL(sender.posted.size(), 2U);
    const auto unix = [](core::SysSeconds t) { return t.time_since_epoch().count(); };
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& r = sender.posted[i];
        BOOST_CHECK_EQUAL(r.url, "https://mm.example/hook");
        BOOST_CHECK_EQUAL(r.body, R"({"id":"evt_1"})");
        BOOST_CHECK_EQUAL(headerOf(r, "Billwright-Event-Id"), "evt_1");
        // A fresh timestamp each time: the retry is signed 30 s later.
        BOOST_CHECK_EQUAL(headerOf(r, "Billwright-Signature"),
                          services::webhookSignature(kSecret, unix(t0 + 30s * i), r.body));
    }
    BOOST_CHECK(mailer.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(without_an_endpoint_the_attempt_fails_with_the_reason, WebhookFixture) {
    enqueueWebhook("msg_w");
    endpoint_error = core::Error{core::ErrorCode::kNotFound, "no webhook URL is configured", {}};
    auto w = webhookWorker(nullptr);
    BOOST_CHECK_EQUAL(w.runOnce().retrying, 1);
    BOOST_CHECK(sender.posted.empty());
    BOOST_CHECK_EQUAL(stored("msg_w").last_error.value_or(""), "no webhook URL is configured");
}

BOOST_FIXTURE_TEST_CASE(a_worker_claims_only_the_channels_it_can_send, WebhookFixture) {
    enqueueWebhook("msg_w");
    enqueue("msg_e");
    // Email only: the webhook stays pending, untouched.
    BOOST_CHECK_EQUAL(worker().runOnce().sent, 1);
    BOOST_CHECK_EQUAL(stored("msg_w").status, "pending");
    BOOST_CHECK_EQUAL(stored("msg_w").attempts, 0);
    // Webhooks only (smtp.host empty): the email would stay pending.
    enqueue("msg_e2");
    auto w = webhookWorker(nullptr);
    BOOST_CHECK_EQUAL(w.runOnce().sent, 1);
    BOOST_CHECK_EQUAL(stored("msg_w").status, "sent");
    BOOST_CHECK_EQUAL(stored("msg_e2").status, "pending");
    BOOST_CHECK_EQUAL(mailer.sent.size(), 1U);
}

BOOST_AUTO_TEST_SUITE_END()
