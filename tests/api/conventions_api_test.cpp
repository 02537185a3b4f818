#include <boost/test/unit_test.hpp>
#include <set>

#include "api/api_fixture.h"

using namespace billwright::testing;

namespace {
std::int64_t totalTenants() {
    return asSuper().get("/v1/dashboard/billing").json().find("total_tenants")->asInt64().value();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(conventions_api)

BOOST_AUTO_TEST_CASE(malformed_json_is_400_and_creates_nothing) {
    const auto before = totalTenants();
    for (const std::string& body : std::vector<std::string>{
             "{", R"({"name":"x",})", R"({"name":"a","name":"b"})", "nul", "\xff\xfe"}) {
        BOOST_TEST_CONTEXT(body) {
            const auto r = asSuper().post("/v1/tenants", body);
            BOOST_CHECK_EQUAL(r.status, 400);
            BOOST_CHECK_EQUAL(problemCode(r), "malformed_request");
        }
    }
    BOOST_CHECK_EQUAL(totalTenants(), before);
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_413_and_creates_nothing) {
    ServerProcess small({"http.max_body_bytes=2048"});
    const std::string big = R"({"name":")" + std::string(4096, 'a') + R"("})";
    const auto r = small.post("/v1/tenants", small.superKey(), big);
    BOOST_CHECK_EQUAL(r.status, 413);
    BOOST_CHECK_EQUAL(problemCode(r), "payload_too_large");
    const auto fits = small.post("/v1/tenants", small.superKey(),
                                 R"({"name":")" + std::string(1500, 'b') + R"("})");
    BOOST_CHECK_EQUAL(fits.status, 422);  // within the limit, but a name is at most 200 bytes
    const auto list = small.get("/v1/tenants", small.superKey());
    BOOST_CHECK(list.json().find("data")->items().empty());
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_json_is_415) {
    const auto r = asSuper().post("/v1/tenants", "name=x",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_CHECK_EQUAL(r.status, 415);
    BOOST_CHECK_EQUAL(problemCode(r), "unsupported_media_type");
}

BOOST_AUTO_TEST_CASE(unknown_routes_are_404_and_wrong_methods_405_with_allow) {
    const auto missing = asSuper().get("/v1/nothing-here");
    BOOST_CHECK_EQUAL(missing.status, 404);
    BOOST_CHECK_EQUAL(missing.reason, "Not Found");  // the status line's phrase matches its code
    BOOST_CHECK_EQUAL(problemCode(missing), "route_not_found");
    const auto wrong = asSuper().del("/v1/tenants");
    BOOST_CHECK_EQUAL(wrong.status, 405);
    BOOST_CHECK_EQUAL(wrong.reason, "Method Not Allowed");
    BOOST_CHECK_EQUAL(problemCode(wrong), "method_not_allowed");
    const std::string allow = wrong.header("allow");
    BOOST_CHECK(allow.find("GET") != std::string::npos && allow.find("POST") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_idempotent_replay_returns_the_first_response_and_creates_nothing_more) {
    const auto before = totalTenants();
    const std::map<std::string, std::string> headers{{"Idempotency-Key", "create-tenant-7f3a"}};
    const auto first = asSuper().post("/v1/tenants", R"({"name":"Once"})", headers);
    BOOST_REQUIRE_EQUAL(first.status, 201);
    const auto replay = asSuper().post("/v1/tenants", R"({"name":"Once"})", headers);
    BOOST_CHECK_EQUAL(replay.status, 201);
    BOOST_CHECK_EQUAL(replay.body, first.body);
    BOOST_CHECK_EQUAL(replay.header("idempotent-replayed"), "true");
    BOOST_CHECK_EQUAL(totalTenants(), before + 1);

    const auto different = asSuper().post("/v1/tenants", R"({"name":"Twice"})", headers);
    BOOST_CHECK_EQUAL(different.status, 409);
    BOOST_CHECK_EQUAL(problemCode(different), "idempotency_key_reused");
    BOOST_CHECK_EQUAL(totalTenants(), before + 1);

    // Keys are scoped to the calling API key: another key may use the same value.
    const std::string tenant = createTenant("Idem Scope");
    const std::string admin = createKey("tenant_admin", tenant);
    const auto other =
        as(admin).post("/v1/api-keys", R"({"name":"v","role":"tenant_viewer"})", headers);
    BOOST_CHECK_EQUAL(other.status, 201);
}

BOOST_AUTO_TEST_CASE(a_replayed_payment_is_recorded_once) {
    const std::string tenant = createTenant("Idem Pay");
    const std::string invoice = generateInvoice(tenant, "2025-01-01");
    const std::string path = "/v1/tenants/" + tenant + "/invoices/" + invoice + "/payments";
    const std::map<std::string, std::string> headers{{"Idempotency-Key", "pay-" + invoice}};
    const auto first = asSuper().post(path, R"({"payment_reference":"R1"})", headers);
    BOOST_REQUIRE_EQUAL(first.status, 200);
    const auto replay = asSuper().post(path, R"({"payment_reference":"R1"})", headers);
    BOOST_CHECK_EQUAL(replay.status, 200);
    BOOST_CHECK_EQUAL(replay.body, first.body);
    const auto attempts = asSuper()
                              .get("/v1/tenants/" + tenant + "/invoices/" + invoice)
                              .json()
                              .find("payment_attempts")
                              ->items();
    BOOST_CHECK_EQUAL(attempts.size(), 1U);
    // A replayed error is the same error.
    const auto bad_headers =
        std::map<std::string, std::string>{{"Idempotency-Key", "bad-" + invoice}};
    const auto bad = asSuper().post(path, R"({"payment_method":"shells"})", bad_headers);
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(asSuper().post(path, R"({"payment_method":"shells"})", bad_headers).body,
                      bad.body);
}

BOOST_AUTO_TEST_CASE(an_invalid_idempotency_key_is_422) {
    const auto r = asSuper().post("/v1/tenants", R"({"name":"K"})",
                                  {{"Idempotency-Key", std::string(300, 'k')}});
    BOOST_CHECK_EQUAL(r.status, 422);
    BOOST_CHECK_EQUAL(problemField(r), "Idempotency-Key");
}

BOOST_AUTO_TEST_CASE(every_response_carries_a_request_id_and_a_given_one_is_echoed) {
    const auto generated = asSuper().get("/v1/tenants?limit=1");
    BOOST_CHECK(generated.header("x-request-id").rfind("req_", 0) == 0);
    const auto echoed = sharedServer().request("GET", "/v1/nothing", sharedServer().superKey(),
                                               std::nullopt, {{"X-Request-Id", "trace-42"}});
    BOOST_CHECK_EQUAL(echoed.header("x-request-id"), "trace-42");
    BOOST_CHECK_EQUAL(echoed.json().find("request_id")->asString(), "trace-42");
}

BOOST_AUTO_TEST_CASE(tenant_lists_paginate_without_repeats_or_gaps) {
    std::set<std::string> created;
    for (int i = 0; i < 5; ++i) created.insert(createTenant("Page " + std::to_string(i), ""));
    std::set<std::string> seen;
    std::string cursor;
    for (int guard = 0; guard < 1000; ++guard) {
        const auto page = asSuper().get("/v1/tenants?limit=2" +
                                        (cursor.empty() ? "" : "&starting_after=" + cursor));
        BOOST_REQUIRE_EQUAL(page.status, 200);
        const auto body = page.json();
        BOOST_CHECK_LE(body.find("data")->items().size(), 2U);
        for (const auto& t : body.find("data")->items())
            BOOST_CHECK(seen.insert(t.find("id")->asString()).second);
        if (!body.find("has_more")->asBool()) {
            BOOST_CHECK(body.find("next_cursor")->isNull());
            break;
        }
        cursor = body.find("next_cursor")->asString();
    }
    for (const auto& id : created) BOOST_CHECK(seen.count(id) == 1);
    BOOST_CHECK_EQUAL(static_cast<std::int64_t>(seen.size()), totalTenants());
}

BOOST_AUTO_TEST_CASE(health_readiness_and_metrics_are_served_without_a_key) {
    const auto health = sharedServer().get("/healthz", "");
    BOOST_CHECK_EQUAL(health.status, 200);
    const auto ready = sharedServer().get("/readyz", "");
    BOOST_CHECK_EQUAL(ready.status, 200);
    BOOST_CHECK_EQUAL(str(ready.json(), "status"), "ready");
    BOOST_CHECK_EQUAL(str(ready.json(), "schema_version"),
                      str(ready.json(), "latest_schema_version"));

    BOOST_REQUIRE_EQUAL(asSuper().get("/v1/tenants?limit=1").status, 200);
    const auto metrics = sharedServer().get("/metrics", "");
    BOOST_CHECK_EQUAL(metrics.status, 200);
    BOOST_CHECK(metrics.header("content-type").rfind("text/plain", 0) == 0);
    const std::string& m = metrics.body;
    BOOST_CHECK(m.find("# TYPE billwright_http_requests_total counter") != std::string::npos);
    BOOST_CHECK(
        m.find(
            R"(billwright_http_requests_total{method="GET",route="/v1/tenants",status="200"})") !=
            std::string::npos ||
        m.find(
            R"(billwright_http_requests_total{route="/v1/tenants",method="GET",status="200"})") !=
            std::string::npos);
    BOOST_CHECK(m.find("billwright_http_request_duration_seconds_bucket{") != std::string::npos);
    BOOST_CHECK(m.find(R"(le="+Inf")") != std::string::npos);
    BOOST_CHECK(m.find(R"(billwright_job_runs_total{job="overdue_sweep",outcome="ok"})") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(
    each_request_is_logged_once_with_route_status_and_request_id_but_never_the_key) {
    const auto r = sharedServer().request("GET", "/v1/tenants?limit=1", sharedServer().superKey(),
                                          std::nullopt, {{"X-Request-Id", "log-line-check"}});
    BOOST_REQUIRE_EQUAL(r.status, 200);
    const std::string log = sharedServer().stderrText();
    const auto at = log.find("request_id=log-line-check");
    BOOST_REQUIRE(at != std::string::npos);
    const auto line_start = log.rfind('\n', at) + 1;
    const std::string line = log.substr(line_start, log.find('\n', at) - line_start);
    BOOST_CHECK(line.find("method=GET") != std::string::npos);
    BOOST_CHECK(line.find("route=/v1/tenants") != std::string::npos);
    BOOST_CHECK(line.find("status=200") != std::string::npos);
    BOOST_CHECK(line.find("duration_ms=") != std::string::npos);
    BOOST_CHECK(log.find(sharedServer().superKey()) == std::string::npos);
    BOOST_CHECK(log.find("request_id=log-line-check", at + 1) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
