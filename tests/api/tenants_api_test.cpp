#include <boost/test/unit_test.hpp>

#include "api/api_fixture.h"

using namespace billwright::testing;

namespace {

std::int64_t totalTenants() {
    const auto dash = asSuper().get("/v1/dashboard/billing");
    BOOST_REQUIRE_EQUAL(dash.status, 200);
    return dash.json().find("total_tenants")->asInt64().value();
}

const std::string kConfig =
    R"({"flat_rate_amount":"1500.00","currency":"USD","billing_frequency":"monthly",
    "billing_email":"billing@example.com","auto_generate_invoices":false,"billing_day_of_month":1,
    "payment_due_days":15,"email_notifications":true})";

}  // namespace

BOOST_AUTO_TEST_SUITE(tenants_api)

BOOST_AUTO_TEST_CASE(a_super_key_creates_reads_lists_and_updates_a_tenant) {
    const auto created = asSuper().post(
        "/v1/tenants",
        R"({"name":"Hashpower Hosting","timezone":"America/Chicago","default_currency":"EUR"})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const auto body = created.json();
    const std::string id = str(body, "id");
    BOOST_CHECK(id.rfind("ten_", 0) == 0);
    BOOST_CHECK_EQUAL(str(body, "name"), "Hashpower Hosting");
    BOOST_CHECK_EQUAL(str(body, "status"), "active");
    BOOST_CHECK_EQUAL(str(body, "timezone"), "America/Chicago");
    BOOST_CHECK_EQUAL(str(body, "default_currency"), "EUR");

    const auto read = asSuper().get("/v1/tenants/" + id);
    BOOST_REQUIRE_EQUAL(read.status, 200);
    BOOST_CHECK(read.json() == body);

    const auto patched =
        asSuper().patch("/v1/tenants/" + id, R"({"status":"suspended","name":"HH"})");
    BOOST_REQUIRE_EQUAL(patched.status, 200);
    BOOST_CHECK_EQUAL(str(patched.json(), "status"), "suspended");
    BOOST_CHECK_EQUAL(str(patched.json(), "name"), "HH");
    BOOST_CHECK_EQUAL(str(patched.json(), "timezone"), "America/Chicago");

    const auto suspended = asSuper().get("/v1/tenants?status=suspended&limit=100");
    BOOST_REQUIRE_EQUAL(suspended.status, 200);
    bool found = false;
    for (const auto& t : suspended.json().find("data")->items()) {
        BOOST_CHECK_EQUAL(t.find("status")->asString(), "suspended");
        found = found || t.find("id")->asString() == id;
    }
    BOOST_CHECK(found);
}

BOOST_AUTO_TEST_CASE(tenant_validation_errors_name_the_field_and_create_nothing) {
    struct Case {
        std::string body;
        std::string field;
        std::string code;
    };
    const std::vector<Case> cases = {
        {R"({})", "name", "required"},
        {R"({"name":""})", "name", "invalid_name"},
        {R"({"name":5})", "name", "wrong_type"},
        {R"({"name":"A","timezone":"Mars/Phobos"})", "timezone", "unknown_timezone"},
        {R"({"name":"A","timezone":"../../etc/passwd"})", "timezone", "unknown_timezone"},
        {R"({"name":"A","default_currency":"ZZZ"})", "default_currency", "unknown_currency"},
        {R"({"name":"A","status":"deleted"})", "status", "invalid_enum"},
        {R"({"name":"A","colour":"red"})", "colour", "unknown_field"},
        {R"([1,2])", "", "wrong_type"},
    };
    const auto before = totalTenants();
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            const auto r = asSuper().post("/v1/tenants", c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemCode(r), "validation_failed");
            BOOST_CHECK_EQUAL(problemField(r), c.field);
            BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
        }
    }
    BOOST_CHECK_EQUAL(totalTenants(), before);
}

BOOST_AUTO_TEST_CASE(a_rejected_tenant_patch_changes_nothing) {
    const std::string id = createTenant("Patch Target", "");
    const auto before = asSuper().get("/v1/tenants/" + id).json();
    for (const std::string& body : std::vector<std::string>{
             R"({"timezone":"Nowhere/Land"})", R"({"name":"ok","status":"gone"})",
             R"({"default_currency":"usd"})", R"({"id":"ten_x"})"}) {
        BOOST_TEST_CONTEXT(body) {
            const auto r = asSuper().patch("/v1/tenants/" + id, body);
            BOOST_CHECK_EQUAL(r.status, 422);
        }
    }
    BOOST_CHECK(asSuper().get("/v1/tenants/" + id).json() == before);
}

BOOST_AUTO_TEST_CASE(an_unknown_tenant_is_404) {
    BOOST_CHECK_EQUAL(asSuper().get("/v1/tenants/ten_doesnotexist").status, 404);
    BOOST_CHECK_EQUAL(asSuper().patch("/v1/tenants/ten_doesnotexist", R"({"name":"x"})").status,
                      404);
    BOOST_CHECK_EQUAL(asSuper().put("/v1/tenants/ten_doesnotexist/billing-config", kConfig).status,
                      404);
    BOOST_CHECK_EQUAL(asSuper().get("/v1/tenants/ten_doesnotexist/billing-config").status, 404);
}

BOOST_AUTO_TEST_CASE(billing_config_round_trips_with_the_seeds_field_names) {
    const std::string id = createTenant("Config Tenant", "");
    BOOST_CHECK_EQUAL(asSuper().get("/v1/tenants/" + id + "/billing-config").status, 404);
    const auto put = asSuper().put("/v1/tenants/" + id + "/billing-config", kConfig);
    BOOST_REQUIRE_EQUAL(put.status, 200);
    const auto got = asSuper().get("/v1/tenants/" + id + "/billing-config");
    BOOST_REQUIRE_EQUAL(got.status, 200);
    const auto b = got.json();
    BOOST_CHECK_EQUAL(str(b, "flat_rate_amount"), "1500.00");
    BOOST_CHECK_EQUAL(str(b, "currency"), "USD");
    BOOST_CHECK_EQUAL(str(b, "billing_frequency"), "monthly");
    BOOST_CHECK_EQUAL(str(b, "billing_email"), "billing@example.com");
    BOOST_CHECK_EQUAL(str(b, "auto_generate_invoices"), "false");
    BOOST_CHECK_EQUAL(str(b, "billing_day_of_month"), "1");
    BOOST_CHECK_EQUAL(str(b, "payment_due_days"), "15");
    BOOST_CHECK_EQUAL(str(b, "email_notifications"), "true");

    // Amounts may be JSON numbers with no more decimals than the currency has.
    const auto jpy = asSuper().put(
        "/v1/tenants/" + id + "/billing-config",
        R"({"flat_rate_amount":250000,"currency":"JPY","billing_frequency":"quarterly",
        "billing_email":"a@b.co","billing_day_of_month":31,"payment_due_days":0})");
    BOOST_REQUIRE_MESSAGE(jpy.status == 200, jpy.body);
    BOOST_CHECK_EQUAL(str(jpy.json(), "flat_rate_amount"), "250000");
    const auto kwd =
        asSuper().put("/v1/tenants/" + id + "/billing-config",
                      R"({"flat_rate_amount":12.345,"currency":"KWD","billing_frequency":"annually",
        "billing_email":"a@b.co"})");
    BOOST_REQUIRE_MESSAGE(kwd.status == 200, kwd.body);
    BOOST_CHECK_EQUAL(str(kwd.json(), "flat_rate_amount"), "12.345");
}

BOOST_AUTO_TEST_CASE(every_billing_config_validation_error_names_its_field_and_changes_nothing) {
    const std::string id = createTenant("Strict Config", kConfig);
    const auto before = asSuper().get("/v1/tenants/" + id + "/billing-config").body;
    auto with = [](const std::string& field, const std::string& value) {
        std::string body =
            R"({"flat_rate_amount":"1500.00","currency":"USD","billing_frequency":"monthly",
            "billing_email":"billing@example.com","billing_day_of_month":1,"payment_due_days":15})";
        const auto at = body.find("\"" + field + "\"");
        if (at == std::string::npos)
            return body.substr(0, body.size() - 1) + ",\"" + field + "\":" + value + "}";
        const auto colon = body.find(':', at);
        const auto end = body.find_first_of(",}", colon);
        return body.substr(0, colon + 1) + value + body.substr(end);
    };
    struct Case {
        std::string body;
        std::string field;
        std::string code;
    };
    const std::vector<Case> cases = {
        {with("flat_rate_amount", R"("-1.00")"), "flat_rate_amount", "out_of_range"},
        {with("flat_rate_amount", R"("10.001")"), "flat_rate_amount", "too_many_decimals"},
        {with("flat_rate_amount", "10.001"), "flat_rate_amount", "too_many_decimals"},
        {with("flat_rate_amount", "1e3"), "flat_rate_amount", "invalid_amount"},
        {with("flat_rate_amount", R"("ten")"), "flat_rate_amount", "invalid_amount"},
        {with("flat_rate_amount", R"("99999999999999999999")"), "flat_rate_amount", "out_of_range"},
        {with("flat_rate_amount", "true"), "flat_rate_amount", "wrong_type"},
        {with("currency", R"("ZZZ")"), "currency", "unknown_currency"},
        {with("currency", "840"), "currency", "wrong_type"},
        {with("billing_frequency", R"("weekly")"), "billing_frequency", "invalid_enum"},
        {with("billing_email", R"("not-an-email")"), "billing_email", "invalid_email"},
        {with("billing_day_of_month", "0"), "billing_day_of_month", "out_of_range"},
        {with("billing_day_of_month", "32"), "billing_day_of_month", "out_of_range"},
        {with("billing_day_of_month", R"("5")"), "billing_day_of_month", "wrong_type"},
        {with("billing_day_of_month", "5.5"), "billing_day_of_month", "wrong_type"},
        {with("payment_due_days", "-1"), "payment_due_days", "out_of_range"},
        {with("payment_due_days", "366"), "payment_due_days", "out_of_range"},
        {with("auto_generate_invoices", R"("yes")"), "auto_generate_invoices", "wrong_type"},
        {with("email_notifications", "1"), "email_notifications", "wrong_type"},
        {with("surprise", "1"), "surprise", "unknown_field"},
        {R"({"currency":"USD","billing_frequency":"monthly","billing_email":"a@b.co"})",
         "flat_rate_amount", "required"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            const auto r = asSuper().put("/v1/tenants/" + id + "/billing-config", c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemCode(r), "validation_failed");
            BOOST_CHECK_EQUAL(problemField(r), c.field);
            BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
        }
    }
    BOOST_CHECK_EQUAL(asSuper().get("/v1/tenants/" + id + "/billing-config").body, before);
}

BOOST_AUTO_TEST_CASE(a_billing_config_change_writes_an_audit_event_with_before_and_after) {
    const std::string id = createTenant("Audited", kConfig);
    const auto changed = asSuper().put(
        "/v1/tenants/" + id + "/billing-config",
        R"({"flat_rate_amount":"2000.00","currency":"USD","billing_frequency":"monthly",
        "billing_email":"new@example.com"})");
    BOOST_REQUIRE_EQUAL(changed.status, 200);
    const auto events = asSuper().get("/v1/audit-events?tenant_id=" + id);
    BOOST_REQUIRE_EQUAL(events.status, 200);
    const auto& data = events.json().find("data")->items();
    BOOST_REQUIRE_GE(data.size(),
                     3U);  // tenant.created, billing_config.created, billing_config.updated
    const auto& latest = data[0];
    BOOST_CHECK_EQUAL(latest.find("action")->asString(), "billing_config.updated");
    BOOST_CHECK_EQUAL(latest.find("actor_role")->asString(), "super");
    BOOST_CHECK_EQUAL(latest.find("before")->find("flat_rate_amount")->asString(), "1500.00");
    BOOST_CHECK_EQUAL(latest.find("after")->find("flat_rate_amount")->asString(), "2000.00");
    BOOST_CHECK_EQUAL(latest.find("after")->find("billing_email")->asString(), "new@example.com");
    BOOST_CHECK(latest.find("request_id")->isString());
    BOOST_CHECK_EQUAL(data[1].find("action")->asString(), "billing_config.created");
    BOOST_CHECK(data[1].find("before")->isNull());
}

BOOST_AUTO_TEST_SUITE_END()
