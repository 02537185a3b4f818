#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <stdexcept>

#include "jobs/scheduler.h"
#include "services/service_fixture.h"

using namespace billwright;
using namespace billwright::testing;

BOOST_AUTO_TEST_SUITE(scheduler)

BOOST_AUTO_TEST_CASE(a_failing_job_is_counted_and_does_not_stop_the_others) {
    std::FILE* sink = std::tmpfile();
    core::Logger log(core::LogLevel::kInfo, core::LogFormat::kText, sink);
    core::Metrics metrics;
    jobs::Scheduler s(log, metrics);
    int ran = 0;
    s.add({"broken", []() -> services::JobOutcome { throw std::runtime_error("boom"); }});
    s.add({"counter", [&] {
               ++ran;
               return services::JobOutcome{2, 1, 0};
           }});
    s.tick();
    s.tick();
    BOOST_CHECK_EQUAL(ran, 2);
    const std::string text = metrics.render();
    BOOST_CHECK(text.find(R"(billwright_job_runs_total{job="broken",outcome="error"} 2)") !=
                std::string::npos);
    BOOST_CHECK(text.find(R"(billwright_job_runs_total{job="counter",outcome="ok"} 2)") !=
                std::string::npos);
    BOOST_CHECK(text.find(R"(billwright_job_items_total{job="counter",result="processed"} 4)") !=
                std::string::npos);
    std::fclose(sink);
}

BOOST_AUTO_TEST_CASE(the_platform_jobs_generate_and_sweep_as_the_clock_moves) {
    StoreFixture f;
    PluginHost plugin_host(*f.store, f.clock);
    services::PlatformBilling billing(*f.store, f.clock, *plugin_host.service,
                                      core::TimeZone::utc());
    services::Idempotency idempotency(*f.store, f.clock);
    std::FILE* sink = std::tmpfile();
    core::Logger log(core::LogLevel::kInfo, core::LogFormat::kText, sink);
    core::Metrics metrics;
    jobs::Scheduler s(log, metrics);
    jobs::addPlatformJobs(s, *f.leases, billing, idempotency);

    const services::Actor actor{"key_x", "super", std::nullopt};
    const auto tenant =
        billing.createTenant(actor, {"Jobs", domain::TenantStatus::kActive, "UTC", "EUR"}).value();
    domain::BillingConfig c;
    c.tenant_id = tenant.id;
    c.flat_rate_minor = 9900;
    c.currency = *domain::findCurrency("EUR");
    c.billing_email = "jobs@example.com";
    c.auto_generate_invoices = true;
    c.billing_day_of_month = 1;
    c.payment_due_days = 0;
    BOOST_REQUIRE(billing.putBillingConfig(actor, c).ok());

    f.setLocal("UTC", 2026, 4, 1, 0, 0);
    s.tick();
    storage::PlatformInvoiceFilter filter;
    filter.tenant_id = tenant.id;
    auto list = billing.listInvoices(filter).value().items;
    BOOST_REQUIRE_EQUAL(list.size(), 1U);
    BOOST_CHECK(list[0].status == domain::PlatformInvoiceStatus::kPendingPayment);
    BOOST_CHECK(list[0].due_date == ymd(2026, 4, 1));

    f.setLocal("UTC", 2026, 4, 2, 0, 0);
    s.tick();
    list = billing.listInvoices(filter).value().items;
    BOOST_REQUIRE_EQUAL(list.size(), 1U);
    BOOST_CHECK(list[0].status == domain::PlatformInvoiceStatus::kOverdue);

    f.setLocal("UTC", 2026, 5, 1, 6, 0);
    s.tick();
    BOOST_CHECK_EQUAL(billing.listInvoices(filter).value().items.size(), 2U);
    BOOST_CHECK(
        metrics.render().find(
            R"(billwright_job_items_total{job="auto_generate_invoices",result="processed"} 2)") !=
        std::string::npos);
    std::fclose(sink);
}

BOOST_AUTO_TEST_CASE(expired_idempotency_keys_are_purged_and_the_key_can_be_used_again) {
    StoreFixture f;
    services::Idempotency idempotency(*f.store, f.clock, std::chrono::hours(24));
    using Kind = services::IdempotencyDecision::Kind;
    BOOST_CHECK(idempotency.begin("key_a", "k1", "hash1").kind == Kind::kProceed);
    BOOST_CHECK(idempotency.begin("key_a", "k1", "hash1").kind == Kind::kInFlight);
    idempotency.finish("key_a", "k1", 201, "{}");
    const auto replay = idempotency.begin("key_a", "k1", "hash1");
    BOOST_CHECK(replay.kind == Kind::kReplay);
    BOOST_CHECK_EQUAL(replay.status, 201);
    BOOST_CHECK(idempotency.begin("key_a", "k1", "hash2").kind == Kind::kMismatch);
    BOOST_CHECK(idempotency.begin("key_b", "k1", "hash2").kind ==
                Kind::kProceed);                 // scoped per key
    idempotency.finish("key_b", "k1", 503, "");  // server errors are not kept
    BOOST_CHECK(idempotency.begin("key_b", "k1", "hash2").kind == Kind::kProceed);

    f.clock.advance(std::chrono::hours(25));
    BOOST_CHECK_GE(idempotency.purgeExpired(), 1);
    BOOST_CHECK(idempotency.begin("key_a", "k1", "hash2").kind == Kind::kProceed);
}

BOOST_AUTO_TEST_SUITE_END()
