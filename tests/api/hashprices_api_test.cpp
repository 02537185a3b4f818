// Market hashprices and contract failover priced by them, over HTTP.

#include "api_fixture.h"

using namespace billwright;
using namespace billwright::testing;

namespace {

struct HashpriceTenant {
    std::string id;
    Api admin;
    Api viewer;
    std::string contract;
};

// A UTC tenant with one active hosted contract (metered only, no telemetry at all, so every
// hour falls to failover: 50 % of the manual hashprice) holding one 100 TH/s, 3000 W unit.
HashpriceTenant hashpriceTenant() {
    const auto created =
        asSuper().post("/v1/tenants", R"({"name":"Hashprice Co","timezone":"UTC"})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const std::string id = str(created.json(), "id");
    HashpriceTenant t{id, as(createKey("tenant_admin", id)), as(createKey("tenant_viewer", id)),
                      ""};
    const auto customer =
        t.admin.post("/v1/customers", R"({"name":"Ada","contact_email":"ada@example.com"})");
    BOOST_REQUIRE_EQUAL(customer.status, 201);
    const auto unit = t.admin.post("/v1/equipment", R"({"serial_number":"HP-1","model":"S19",
        "hashrate_ths":100,"power_w":3000,"owner_customer_id":")" +
                                                        str(customer.json(), "id") + R"("})");
    BOOST_REQUIRE_EQUAL(unit.status, 201);
    const auto contract = t.admin.post(
        "/v1/contracts", R"({"customer_id":")" + str(customer.json(), "id") +
                             R"(","type":"hosted","term":"1_year","start_date":"2026-01-01",
        "billing_methods":["metered"],"rate_per_kwh":"0.07","failover_mode":"hashprice",
        "failover_hashprice_percent":"50","failover_hashprice_source":"manual"})");
    BOOST_REQUIRE_MESSAGE(contract.status == 201, contract.body);
    t.contract = str(contract.json(), "id");
    BOOST_REQUIRE_EQUAL(t.admin
                            .post("/v1/contracts/" + t.contract + "/equipment",
                                  R"({"equipment_ids":[")" + str(unit.json(), "id") + R"("]})")
                            .status,
                        200);
    BOOST_REQUIRE_EQUAL(t.admin.post("/v1/contracts/" + t.contract + "/activate", "").status, 200);
    return t;
}

const core::JsonValue* lineOf(const core::JsonValue& preview, const std::string& method) {
    for (const auto& l : preview.find("lines")->items()) {
        if (l.find("method")->asString() == method) return &l;
    }
    return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hashprices_api)

BOOST_AUTO_TEST_CASE(failover_by_hashprice_prices_uncovered_hours_with_the_quote_of_their_day) {
    const auto t = hashpriceTenant();
    const auto first =
        t.admin.put("/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"0.048"})");
    BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
    BOOST_CHECK_EQUAL(str(first.json(), "currency"), "USD");  // the tenant's by default
    BOOST_CHECK_EQUAL(str(first.json(), "price_per_th_day"), "0.048000");
    BOOST_REQUIRE_EQUAL(
        t.admin.put("/v1/hashprices/manual/2026-01-02", R"({"price_per_th_day":0.06})").status,
        200);
    // A quote in another currency is not used for a USD contract.
    BOOST_REQUIRE_EQUAL(
        t.admin
            .put("/v1/hashprices/manual/2026-01-03", R"({"price_per_th_day":"1","currency":"EUR"})")
            .status,
        200);

    const auto preview =
        t.viewer.get("/v1/contracts/" + t.contract +
                     "/usage-preview?period_start=2026-01-01&period_end=2026-01-04");
    BOOST_REQUIRE_MESSAGE(preview.status == 200, preview.body);
    const auto& p = preview.json();
    // No telemetry: all 72 hours fail over. 100 TH/s x 50 %: Jan 1 at 0.048 = 2.40, Jan 2 at
    // 0.060 = 3.00, Jan 3 still 0.060 (the EUR quote does not count) = 3.00; 8.40 in all.
    const auto* line = lineOf(p, "failover_hashprice");
    BOOST_REQUIRE(line != nullptr);
    BOOST_CHECK_EQUAL(line->find("kind")->asString(), "failover");
    BOOST_CHECK_EQUAL(line->find("equipment_hours")->asInt64().value_or(-1), 72);
    BOOST_CHECK_EQUAL(line->find("amount")->asString(), "8.40");
    BOOST_CHECK_EQUAL(str(p, "total"), "8.40");
    BOOST_CHECK_EQUAL(p.find("unbilled_equipment_hours")->asInt64().value_or(-1), 0);
    BOOST_CHECK(lineOf(p, "metered") == nullptr);

    // Correcting a day's quote replaces it: Jan 1 at 0.036 makes that day 1.80.
    BOOST_REQUIRE_EQUAL(
        t.admin.put("/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"0.036"})").status,
        200);
    const auto corrected =
        t.viewer.get("/v1/contracts/" + t.contract +
                     "/usage-preview?period_start=2026-01-01&period_end=2026-01-04");
    BOOST_CHECK_EQUAL(str(corrected.json(), "total"), "7.80");

    const auto listed = t.viewer.get("/v1/hashprices/manual?from=2026-01-01&to=2026-01-31");
    BOOST_REQUIRE_EQUAL(listed.status, 200);
    const auto& items = listed.json().find("data")->items();
    BOOST_REQUIRE_EQUAL(items.size(), 3U);
    BOOST_CHECK_EQUAL(items[0].find("day")->asString(), "2026-01-01");
    BOOST_CHECK_EQUAL(items[0].find("price_per_th_day")->asString(), "0.036000");
    BOOST_CHECK_EQUAL(items[2].find("currency")->asString(), "EUR");
}

BOOST_AUTO_TEST_CASE(hours_without_a_quote_of_the_contracts_source_stay_unbilled) {
    const auto t = hashpriceTenant();
    // A luxor quote exists, but the contract reads the manual source.
    BOOST_REQUIRE_EQUAL(
        t.admin.put("/v1/hashprices/luxor/2026-01-01", R"({"price_per_th_day":"0.05"})").status,
        200);
    // A manual quote from Jan 2 on: Jan 1's 24 hours have none.
    BOOST_REQUIRE_EQUAL(
        t.admin.put("/v1/hashprices/manual/2026-01-02", R"({"price_per_th_day":"0.05"})").status,
        200);
    const auto preview =
        t.viewer.get("/v1/contracts/" + t.contract +
                     "/usage-preview?period_start=2026-01-01&period_end=2026-01-03");
    BOOST_REQUIRE_MESSAGE(preview.status == 200, preview.body);
    const auto& p = preview.json();
    BOOST_CHECK_EQUAL(p.find("unbilled_equipment_hours")->asInt64().value_or(-1), 24);
    BOOST_CHECK(!p.find("unbilled_reason")->isNull());
    const auto* line = lineOf(p, "failover_hashprice");
    BOOST_REQUIRE(line != nullptr);
    BOOST_CHECK_EQUAL(line->find("equipment_hours")->asInt64().value_or(-1), 24);
    BOOST_CHECK_EQUAL(line->find("amount")->asString(), "2.50");  // 100 x 0.05 x 50 %
}

BOOST_AUTO_TEST_CASE(bad_quotes_are_refused_naming_the_field_and_change_nothing) {
    const auto t = hashpriceTenant();
    const struct {
        std::string path;
        std::string body;
        std::string field;
    } cases[] = {
        {"/v1/hashprices/nasdaq/2026-01-01", R"({"price_per_th_day":"0.05"})", "source"},
        {"/v1/hashprices/manual/2026-02-30", R"({"price_per_th_day":"0.05"})", "day"},
        {"/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"0"})", "price_per_th_day"},
        {"/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"0.0000001"})",
         "price_per_th_day"},
        {"/v1/hashprices/manual/2026-01-01", R"({})", "price_per_th_day"},
        {"/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"1","currency":"ZZZ"})",
         "currency"},
        {"/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"1","extra":1})", "extra"},
    };
    for (const auto& c : cases) {
        const auto r = t.admin.put(c.path, c.body);
        BOOST_CHECK_MESSAGE(r.status == 422, c.path << " " << c.body << " -> " << r.status);
        BOOST_CHECK_EQUAL(problemField(r), c.field);
    }
    BOOST_CHECK_EQUAL(
        t.viewer.put("/v1/hashprices/manual/2026-01-01", R"({"price_per_th_day":"1"})").status,
        403);
    const auto listed = t.viewer.get("/v1/hashprices/manual?from=2025-01-01&to=2026-01-31");
    BOOST_REQUIRE_EQUAL(listed.status, 200);
    BOOST_CHECK(listed.json().find("data")->items().empty());
    BOOST_CHECK_EQUAL(t.viewer.get("/v1/hashprices/manual?from=2026-01-01").status, 422);
}

BOOST_AUTO_TEST_SUITE_END()
