#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "api/api_fixture.h"
#include "core/date.h"
#include "domain/money.h"

using namespace billwright::testing;
using billwright::core::JsonValue;

namespace {

std::string today() {
    return billwright::core::formatIsoDate(billwright::core::Date{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())});
}

std::string invoicePath(const std::string& tenant, const std::string& invoice) {
    return "/v1/tenants/" + tenant + "/invoices/" + invoice;
}

JsonValue dashboard() {
    const auto r = asSuper().get("/v1/dashboard/billing");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.json();
}

std::int64_t count(const JsonValue& dash, const std::string& field) {
    return dash.find(field)->asInt64().value();
}

std::string revenue(const JsonValue& dash, const std::string& currency) {
    for (const auto& f : dash.find("monthly_revenue")->items()) {
        if (f.find("currency")->asString() == currency) return f.find("amount")->asString();
    }
    return "none";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(platform_invoices_api)

BOOST_AUTO_TEST_CASE(generating_an_invoice_uses_the_billing_config_and_the_seeds_fields) {
    const std::string tenant = createTenant("Invoiced");
    const auto r =
        asSuper().post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2025-03-01"})");
    BOOST_REQUIRE_EQUAL(r.status, 201);
    const auto inv = r.json();
    const std::string number = str(inv, "invoice_number");
    BOOST_CHECK_EQUAL(number.size(), std::string("BW-2026-000001").size());
    BOOST_CHECK(number.rfind("BW-" + today().substr(0, 4) + "-", 0) == 0);
    BOOST_CHECK_EQUAL(str(inv, "amount"), "1500.00");
    BOOST_CHECK_EQUAL(str(inv, "currency"), "USD");
    BOOST_CHECK_EQUAL(str(inv, "status"), "pending_payment");
    BOOST_CHECK_EQUAL(str(inv, "period_start"), "2025-03-01");
    BOOST_CHECK_EQUAL(str(inv, "period_end"), "2025-04-01");
    BOOST_CHECK_EQUAL(str(inv, "issue_date"), today());
    const auto issue = billwright::core::parseIsoDate(today()).value();
    BOOST_CHECK_EQUAL(str(inv, "due_date"),
                      billwright::core::formatIsoDate(billwright::core::addDays(issue, 15)));
    BOOST_CHECK(inv.find("paid_date")->isNull());
    BOOST_CHECK(inv.find("payment_reference")->isNull());
    BOOST_CHECK(inv.find("payment_method")->isNull());
    BOOST_CHECK_EQUAL(r.header("location"), invoicePath(tenant, str(inv, "id")));

    const auto read = asSuper().get(invoicePath(tenant, str(inv, "id")));
    BOOST_REQUIRE_EQUAL(read.status, 200);
    BOOST_CHECK_EQUAL(str(read.json(), "invoice_number"), number);
    BOOST_CHECK(read.json().find("payment_attempts")->items().empty());
}

BOOST_AUTO_TEST_CASE(invoice_numbers_are_sequential_across_the_platform) {
    const std::string a = createTenant("Seq A");
    const std::string b = createTenant("Seq B");
    const auto first =
        asSuper().post("/v1/tenants/" + a + "/invoices", R"({"period_start":"2025-05-01"})").json();
    const auto second =
        asSuper().post("/v1/tenants/" + b + "/invoices", R"({"period_start":"2025-05-01"})").json();
    const std::string n1 = str(first, "invoice_number");
    const std::string n2 = str(second, "invoice_number");
    BOOST_CHECK_EQUAL(std::stoll(n2.substr(8)), std::stoll(n1.substr(8)) + 1);
}

BOOST_AUTO_TEST_CASE(a_repeated_generation_answers_with_the_existing_invoice) {
    const std::string tenant = createTenant("Repeat");
    const std::string id = generateInvoice(tenant, "2025-04-01");
    const auto again =
        asSuper().post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2025-04-01"})");
    BOOST_CHECK_EQUAL(again.status, 200);
    BOOST_CHECK_EQUAL(str(again.json(), "id"), id);
    const auto list = asSuper().get("/v1/tenants/" + tenant + "/invoices");
    BOOST_CHECK_EQUAL(list.json().find("data")->items().size(), 1U);
}

BOOST_AUTO_TEST_CASE(concurrent_generations_of_one_period_make_exactly_one_invoice) {
    const std::string tenant = createTenant("Concurrent");
    constexpr int kThreads = 8;
    std::vector<int> statuses(kThreads);
    std::vector<std::string> ids(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            const auto r =
                sharedServer().post("/v1/tenants/" + tenant + "/invoices",
                                    sharedServer().superKey(), R"({"period_start":"2025-06-01"})");
            statuses[static_cast<std::size_t>(i)] = r.status;
            auto parsed = billwright::core::parseJson(r.body);
            if (parsed.ok() && parsed->find("id") != nullptr)
                ids[static_cast<std::size_t>(i)] = parsed->find("id")->asString();
        });
    }
    for (auto& t : threads) t.join();
    int created = 0;
    for (int i = 0; i < kThreads; ++i) {
        const auto s = statuses[static_cast<std::size_t>(i)];
        BOOST_CHECK_MESSAGE(s == 201 || s == 200, "status " << s);
        created += s == 201 ? 1 : 0;
        BOOST_CHECK_EQUAL(ids[static_cast<std::size_t>(i)], ids[0]);
    }
    BOOST_CHECK_EQUAL(created, 1);
    BOOST_CHECK_EQUAL(
        asSuper().get("/v1/tenants/" + tenant + "/invoices").json().find("data")->items().size(),
        1U);
}

BOOST_AUTO_TEST_CASE(generation_refuses_bad_periods_and_missing_config) {
    const std::string tenant = createTenant("Periods");
    struct Case {
        std::string body;
        int status;
        std::string code;
        std::string field;
    };
    const std::vector<Case> cases = {
        {R"({"period_start":"2025-03-15"})", 422, "validation_failed", "period_start"},
        {R"({"period_start":"2025-02-30"})", 422, "validation_failed", "period_start"},
        {R"({"period_start":"2099-01-01"})", 422, "validation_failed", "period_start"},
        {R"({"period_start":20250301})", 422, "validation_failed", "period_start"},
        {R"({})", 422, "validation_failed", "period_start"},
        {R"({"period_start":"2025-03-01","amount":"5"})", 422, "validation_failed", "amount"},
        {R"({"period_start":"2025-03-01")", 400, "malformed_request", ""},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            const auto r = asSuper().post("/v1/tenants/" + tenant + "/invoices", c.body);
            BOOST_CHECK_EQUAL(r.status, c.status);
            BOOST_CHECK_EQUAL(problemCode(r), c.code);
            BOOST_CHECK_EQUAL(problemField(r), c.field);
        }
    }
    const auto not_start =
        asSuper().post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2025-03-15"})");
    BOOST_CHECK_EQUAL(problemFieldCode(not_start), "not_a_period_start");
    const auto future =
        asSuper().post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2099-01-01"})");
    BOOST_CHECK_EQUAL(problemFieldCode(future), "in_future");
    BOOST_CHECK(
        asSuper().get("/v1/tenants/" + tenant + "/invoices").json().find("data")->items().empty());

    const std::string bare = createTenant("No Config", "");
    const auto r =
        asSuper().post("/v1/tenants/" + bare + "/invoices", R"({"period_start":"2025-03-01"})");
    BOOST_CHECK_EQUAL(r.status, 409);
    BOOST_CHECK_EQUAL(problemCode(r), "conflict");
}

BOOST_AUTO_TEST_CASE(a_period_overlapping_an_existing_invoice_is_refused) {
    const std::string tenant = createTenant("Overlap");
    generateInvoice(tenant, "2025-02-01");
    const auto quarterly = asSuper().put("/v1/tenants/" + tenant + "/billing-config",
                                         R"({"flat_rate_amount":"4000.00","currency":"USD",
        "billing_frequency":"quarterly","billing_email":"b@example.com"})");
    BOOST_REQUIRE_EQUAL(quarterly.status, 200);
    const auto r =
        asSuper().post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2025-01-01"})");
    BOOST_CHECK_EQUAL(r.status, 409);
    BOOST_CHECK_EQUAL(problemCode(r), "conflict");
    const auto next =
        asSuper().post("/v1/tenants/" + tenant + "/invoices", R"({"period_start":"2025-04-01"})");
    BOOST_REQUIRE_EQUAL(next.status, 201);
    BOOST_CHECK_EQUAL(str(next.json(), "period_end"), "2025-07-01");
    BOOST_CHECK_EQUAL(str(next.json(), "amount"), "4000.00");
}

BOOST_AUTO_TEST_CASE(recording_a_payment_marks_the_invoice_paid_and_counts_as_revenue) {
    const std::string tenant =
        createTenant("Payer", R"({"flat_rate_amount":"99.99","currency":"CHF",
        "billing_frequency":"monthly","billing_email":"pay@example.com"})");
    const std::string id = generateInvoice(tenant, "2025-07-01");
    const auto before = dashboard();
    const auto paid =
        asSuper().post(invoicePath(tenant, id) + "/payments",
                       R"({"paid_date":")" + today() +
                           R"(","payment_reference":"WIRE-77","payment_method":"wire"})");
    BOOST_REQUIRE_MESSAGE(paid.status == 200, paid.body);
    const auto inv = paid.json();
    BOOST_CHECK_EQUAL(str(inv, "status"), "paid");
    BOOST_CHECK_EQUAL(str(inv, "paid_date"), today());
    BOOST_CHECK_EQUAL(str(inv, "payment_reference"), "WIRE-77");
    BOOST_CHECK_EQUAL(str(inv, "payment_method"), "wire");
    const auto after = dashboard();
    BOOST_CHECK_EQUAL(count(after, "pending_invoices"), count(before, "pending_invoices") - 1);
    const auto chf = *billwright::domain::findCurrency("CHF");
    const std::string chf_before = revenue(before, "CHF");
    const std::int64_t base =
        chf_before == "none" ? 0 : *billwright::domain::parseMinorUnits(chf_before, chf);
    BOOST_CHECK_EQUAL(*billwright::domain::parseMinorUnits(revenue(after, "CHF"), chf),
                      base + 9999);

    const auto again = asSuper().post(invoicePath(tenant, id) + "/payments", R"({})");
    BOOST_CHECK_EQUAL(again.status, 409);
    BOOST_CHECK_EQUAL(problemCode(again), "invalid_transition");
    BOOST_CHECK_EQUAL(problemField(again), "status");
    BOOST_CHECK_EQUAL(problemFieldCode(again), "paid");
    const auto fail = asSuper().post(invoicePath(tenant, id) + "/payment-failures", R"({})");
    BOOST_CHECK_EQUAL(fail.status, 409);
    BOOST_CHECK_EQUAL(problemFieldCode(fail), "paid");
}

BOOST_AUTO_TEST_CASE(a_failed_attempt_moves_the_invoice_to_failed_and_a_later_payment_to_paid) {
    const std::string tenant = createTenant("Retry");
    const std::string id = generateInvoice(tenant, "2025-08-01");
    const auto failed =
        asSuper().post(invoicePath(tenant, id) + "/payment-failures",
                       R"({"failure_reason":"insufficient funds","payment_method":"ach"})");
    BOOST_REQUIRE_EQUAL(failed.status, 200);
    BOOST_CHECK_EQUAL(str(failed.json(), "status"), "failed");
    BOOST_CHECK_EQUAL(str(failed.json(), "failed_attempts"), "1");
    BOOST_CHECK_EQUAL(str(failed.json(), "last_failure_reason"), "insufficient funds");
    const auto failed_again =
        asSuper().post(invoicePath(tenant, id) + "/payment-failures", R"({})");
    BOOST_CHECK_EQUAL(str(failed_again.json(), "failed_attempts"), "2");
    const auto paid =
        asSuper().post(invoicePath(tenant, id) + "/payments", R"({"payment_method":"card"})");
    BOOST_REQUIRE_EQUAL(paid.status, 200);
    BOOST_CHECK_EQUAL(str(paid.json(), "status"), "paid");
    BOOST_CHECK_EQUAL(str(paid.json(), "paid_date"), today());
    const auto attempts =
        asSuper().get(invoicePath(tenant, id)).json().find("payment_attempts")->items();
    BOOST_REQUIRE_EQUAL(attempts.size(), 3U);
    BOOST_CHECK_EQUAL(attempts[0].find("outcome")->asString(), "failed");
    BOOST_CHECK_EQUAL(attempts[2].find("outcome")->asString(), "succeeded");
    BOOST_CHECK_EQUAL(attempts[2].find("amount")->asString(), "1500.00");
}

BOOST_AUTO_TEST_CASE(payment_validation_errors_change_nothing) {
    const std::string tenant = createTenant("Bad Payments");
    const std::string id = generateInvoice(tenant, "2025-09-01");
    const auto before = asSuper().get(invoicePath(tenant, id)).body;
    struct Case {
        std::string path;
        std::string body;
        std::string field;
        std::string code;
    };
    const std::vector<Case> cases = {
        {"/payments", R"({"paid_date":"2099-01-01"})", "paid_date", "in_future"},
        {"/payments", R"({"paid_date":"yesterday"})", "paid_date", "invalid_date"},
        {"/payments", R"({"payment_method":"barter"})", "payment_method", "invalid_enum"},
        {"/payments", R"({"payment_reference":""})", "payment_reference", "out_of_range"},
        {"/payments", R"({"payment_reference":5})", "payment_reference", "wrong_type"},
        {"/payments", R"({"amount":"1500.00"})", "amount", "unknown_field"},
        {"/payment-failures", R"({"failure_reason":"x\u0001y"})", "failure_reason",
         "invalid_characters"},
        {"/payment-failures", R"({"reason":"typo"})", "reason", "unknown_field"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.path << " " << c.body) {
            const auto r = asSuper().post(invoicePath(tenant, id) + c.path, c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemField(r), c.field);
            BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
        }
    }
    BOOST_CHECK_EQUAL(asSuper().get(invoicePath(tenant, id)).body, before);
    BOOST_CHECK_EQUAL(
        asSuper().post("/v1/tenants/" + tenant + "/invoices/inv_nope/payments", "{}").status, 404);
}

BOOST_AUTO_TEST_CASE(invoice_history_filters_and_paginates) {
    const std::string tenant = createTenant("History");
    std::vector<std::string> ids;
    for (const auto* start : {"2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"}) {
        ids.push_back(generateInvoice(tenant, start));
    }
    BOOST_REQUIRE_EQUAL(asSuper().post(invoicePath(tenant, ids[1]) + "/payments", "{}").status,
                        200);
    const std::string base = "/v1/tenants/" + tenant + "/invoices";

    std::set<std::string> seen;
    std::string cursor;
    int pages = 0;
    for (;;) {
        const auto page =
            asSuper().get(base + "?limit=3" + (cursor.empty() ? "" : "&starting_after=" + cursor));
        BOOST_REQUIRE_EQUAL(page.status, 200);
        const auto body = page.json();
        for (const auto& inv : body.find("data")->items())
            BOOST_CHECK(seen.insert(inv.find("id")->asString()).second);
        ++pages;
        if (!body.find("has_more")->asBool()) break;
        cursor = body.find("next_cursor")->asString();
    }
    BOOST_CHECK_EQUAL(pages, 2);
    BOOST_CHECK_EQUAL(seen.size(), 4U);

    const auto paid = asSuper().get(base + "?status=paid").json().find("data")->items();
    BOOST_REQUIRE_EQUAL(paid.size(), 1U);
    BOOST_CHECK_EQUAL(paid[0].find("id")->asString(), ids[1]);
    BOOST_CHECK_EQUAL(
        asSuper().get(base + "?status=pending_payment").json().find("data")->items().size(), 3U);
    BOOST_CHECK_EQUAL(asSuper()
                          .get(base + "?issued_from=" + today() + "&issued_to=" + today())
                          .json()
                          .find("data")
                          ->items()
                          .size(),
                      4U);
    BOOST_CHECK(asSuper().get(base + "?issued_to=2000-01-01").json().find("data")->items().empty());

    for (const std::string& query :
         std::vector<std::string>{"?status=lost", "?issued_from=2025-13-01", "?limit=0",
                                  "?limit=101", "?limit=ten", "?sort=asc"}) {
        BOOST_TEST_CONTEXT(query) {
            const auto r = asSuper().get(base + query);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemCode(r), "validation_failed");
        }
    }
}

BOOST_AUTO_TEST_CASE(the_dashboard_counts_every_tenant_not_a_page_of_them) {
    const auto before = dashboard();
    for (int i = 0; i < 3; ++i) {
        const std::string t = createTenant("Dash " + std::to_string(i));
        generateInvoice(t, "2025-10-01");
    }
    const auto after = dashboard();
    BOOST_CHECK_EQUAL(count(after, "total_tenants"), count(before, "total_tenants") + 3);
    BOOST_CHECK_EQUAL(count(after, "pending_invoices"), count(before, "pending_invoices") + 3);
    BOOST_CHECK_EQUAL(count(after, "overdue_invoices"), count(before, "overdue_invoices"));
    BOOST_CHECK_EQUAL(str(after, "month"), today().substr(0, 7));
}

BOOST_AUTO_TEST_SUITE_END()
