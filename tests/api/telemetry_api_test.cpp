// Telemetry ingestion, usage queries and the RevenueGuard uncontracted list over HTTP.

#include <boost/test/unit_test.hpp>
#include <chrono>

#include "api/api_fixture.h"

using namespace billwright::testing;

namespace {

constexpr std::int64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kHour = 3600;

struct Tenant {
    std::string id;
    Api admin;
    Api viewer;
};

Tenant newTenant() {
    const auto created =
        asSuper().post("/v1/tenants", R"({"name":"Telemetry Co","timezone":"UTC"})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const std::string id = str(created.json(), "id");
    return {id, as(createKey("tenant_admin", id)), as(createKey("tenant_viewer", id))};
}

std::string newUnit(const Api& api, const std::string& serial, const std::string& extra = "") {
    const auto r = api.post("/v1/equipment", R"({"serial_number":")" + serial +
                                                 R"(","model":"S19","hashrate_ths":100,)" +
                                                 R"("power_w":3250)" + extra + "}");
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json(), "id");
}

std::string line(const std::string& kind, const std::string& unit, std::int64_t ts,
                 const std::string& value) {
    return R"({"kind":")" + kind + R"(","equipment_id":")" + unit + R"(","ts":)" +
           std::to_string(ts) + R"(,"value":")" + value + "\"}\n";
}

// kWh with three decimals from Wh.
std::string kwh(std::int64_t wh) {
    std::string frac = std::to_string(wh % 1000);
    return std::to_string(wh / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

HttpResult send(const Api& api, const std::string& body,
                const std::string& type = "application/x-ndjson") {
    return api.post("/v1/telemetry", body, {{"Content-Type", type}});
}

std::int64_t num(const HttpResult& r, const std::string& name) {
    const auto* v = r.json().find(name);
    BOOST_REQUIRE_MESSAGE(v != nullptr, "missing " + name + " in " + r.body);
    return v->asInt64().value();
}

HttpResult usage(const Api& api, const std::string& unit, const std::string& from,
                 const std::string& to) {
    return api.get("/v1/equipment/" + unit + "/usage?from=" + from + "&to=" + to);
}

// A day of hourly data: the counter rises 3.25 kWh an hour, hashrate 100 TH/s, online.
std::string steadyDay(const std::string& unit) {
    std::string body = line("status", unit, kJan1, "online");
    for (int h = 0; h <= 24; ++h)
        body += line("energy", unit, kJan1 + h * kHour, kwh(1000000 + 3250 * h));
    for (int h = 0; h < 24; ++h) body += line("hashrate", unit, kJan1 + h * kHour, "100");
    return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(telemetry_api)

BOOST_AUTO_TEST_CASE(a_steady_day_gives_the_same_energy_by_every_method) {
    const auto t = newTenant();
    const std::string unit = newUnit(t.admin, "DAY-1");
    const auto sent = send(t.admin, steadyDay(unit));
    BOOST_REQUIRE_MESSAGE(sent.status == 200, sent.body);
    BOOST_CHECK_EQUAL(num(sent, "received"), 50);
    BOOST_CHECK_EQUAL(num(sent, "stored"), 50);
    BOOST_CHECK_EQUAL(num(sent, "rejected"), 0);

    // The tenant is in UTC, so the dates mean the same day in UTC.
    const auto day = usage(t.viewer, unit, "2026-01-01", "2026-01-02");
    BOOST_REQUIRE_MESSAGE(day.status == 200, day.body);
    const auto& u = day.json();
    BOOST_CHECK_EQUAL(num(day, "hours"), 24);
    BOOST_CHECK_EQUAL(str(u, "metered_kwh"), "78.000");  // 24 h x 3.25 kWh
    // Efficiency 3250 W / 100 TH/s = 32.5 J/TH; 100 TH/s x 32.5 J/TH = 3250 W for 24 h.
    BOOST_CHECK_EQUAL(str(u, "hash_kwh"), "78.000");
    BOOST_CHECK_EQUAL(str(u, "calculated_kwh"), "78.000");  // nameplate 3250 W x 24 h online
    BOOST_CHECK_EQUAL(str(u, "hours_online"), "24.000");
    BOOST_CHECK_EQUAL(str(u, "average_hashrate_ths"), "100.000");
    const auto metrics = t.viewer.get("/metrics");
    BOOST_CHECK(metrics.body.find("billwright_telemetry_rows_total{outcome=\"stored\"}") !=
                std::string::npos);
    const auto* metered = u.find("coverage")->find("metered");
    BOOST_CHECK_EQUAL(metered->find("hours_with_data")->asInt64().value(), 24);
    BOOST_CHECK(metered->find("missing")->items().empty());

    // A period edge inside a counter interval gets its share: 00:30 to 02:00 is 1.5 h.
    const auto edge = usage(t.viewer, unit, "2026-01-01T00:30:00Z", "2026-01-01T02:00:00Z");
    BOOST_REQUIRE_EQUAL(edge.status, 200);
    BOOST_CHECK_EQUAL(str(edge.json(), "metered_kwh"), "4.875");

    const auto hourly = t.viewer.get("/v1/equipment/" + unit +
                                     "/usage?from=2026-01-01&to=2026-01-02&detail=hourly");
    BOOST_REQUIRE_EQUAL(hourly.status, 200);
    const auto& hours = hourly.json().find("hourly")->items();
    BOOST_REQUIRE_EQUAL(hours.size(), 24U);
    BOOST_CHECK_EQUAL(hours[5].find("metered_kwh")->asString(), "3.250");
    BOOST_CHECK_EQUAL(hours[5].find("start")->asString(), "2026-01-01T05:00:00Z");
}

BOOST_AUTO_TEST_CASE(resent_samples_are_stored_once_and_conflicts_are_reported_by_line) {
    const auto t = newTenant();
    const std::string unit = newUnit(t.admin, "DUP-1");
    const std::string body = steadyDay(unit);
    BOOST_REQUIRE_EQUAL(send(t.admin, body).status, 200);
    const auto again = send(t.admin, body);
    BOOST_REQUIRE_EQUAL(again.status, 200);
    BOOST_CHECK_EQUAL(num(again, "stored"), 0);
    BOOST_CHECK_EQUAL(num(again, "duplicates"), 50);

    // Out of order and partly repeated: the new hour lands, the changed value is refused.
    const std::string mixed = line("energy", unit, kJan1 + 26 * kHour, kwh(1000000 + 3250 * 26)) +
                              line("energy", unit, kJan1 + 25 * kHour, kwh(1000000 + 3250 * 25)) +
                              line("energy", unit, kJan1 + 3 * kHour, "1.000");
    const auto partial = send(t.admin, mixed);
    BOOST_REQUIRE_EQUAL(partial.status, 200);
    BOOST_CHECK_EQUAL(num(partial, "stored"), 2);
    BOOST_CHECK_EQUAL(num(partial, "rejected"), 1);
    const auto& err = partial.json().find("errors")->items().at(0);
    BOOST_CHECK_EQUAL(err.find("line")->asInt64().value(), 3);
    BOOST_CHECK_EQUAL(err.find("code")->asString(), "conflicts_with_stored");

    const auto total = usage(t.viewer, unit, "2026-01-01T00:00:00Z", "2026-01-02T02:00:00Z");
    BOOST_REQUIRE_EQUAL(total.status, 200);
    BOOST_CHECK_EQUAL(str(total.json(), "metered_kwh"), "84.500");  // 26 h x 3.25, stored once
}

BOOST_AUTO_TEST_CASE(a_counter_reset_starts_a_new_segment_never_a_negative_delta) {
    const auto t = newTenant();
    const std::string unit = newUnit(t.admin, "RST-1");
    const std::string body = line("energy", unit, kJan1, "500.000") +
                             line("energy", unit, kJan1 + kHour, "503.250") +
                             line("energy", unit, kJan1 + 2 * kHour, "0.500") +  // reset
                             line("energy", unit, kJan1 + 3 * kHour, "3.750");
    BOOST_REQUIRE_EQUAL(send(t.admin, body).status, 200);
    const auto u = usage(t.viewer, unit, "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z");
    BOOST_REQUIRE_EQUAL(u.status, 200);
    BOOST_CHECK_EQUAL(str(u.json(), "metered_kwh"), "6.500");  // 3.25 + (unknown) + 3.25
    const auto* metered = u.json().find("coverage")->find("metered");
    BOOST_CHECK_EQUAL(metered->find("hours_with_data")->asInt64().value(), 2);
    const auto& gap = metered->find("missing")->items().at(0);
    BOOST_CHECK_EQUAL(gap.find("from")->asString(), "2026-01-01T01:00:00Z");
    BOOST_CHECK_EQUAL(gap.find("to")->asString(), "2026-01-01T02:00:00Z");
    // No hashrate and no status: those methods have no data.
    BOOST_CHECK(u.json().find("hash_kwh")->isNull());
    BOOST_CHECK(u.json().find("calculated_kwh")->isNull());
}

BOOST_AUTO_TEST_CASE(bad_rows_are_rejected_with_their_line_and_good_rows_are_kept) {
    const auto t = newTenant();
    const std::string unit = newUnit(t.admin, "BAD-1");
    const std::string body = line("power", unit, kJan1, "3200") +            // 1 ok
                             line("power", "eqp_unknown", kJan1, "3200") +   // 2 unknown unit
                             line("power", unit, 4102444800, "3200") +       // 3 year 2100
                             line("power", unit, kJan1 + 60, "3200.1234") +  // 4 4 decimals
                             "\n" +                                          // 5 blank
                             R"({"kind":"heat","equipment_id":")" + unit +
                             R"(","ts":1767225600,"value":"1"})" + "\n" +  // 6 bad kind
                             "{not json\n" +                               // 7 malformed
                             line("power", unit, kJan1 + 120, "3190");     // 8 ok
    const auto r = send(t.admin, body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_CHECK_EQUAL(num(r, "received"), 7);
    BOOST_CHECK_EQUAL(num(r, "stored"), 2);
    BOOST_CHECK_EQUAL(num(r, "rejected"), 5);
    std::vector<std::string> seen;
    for (const auto& e : r.json().find("errors")->items()) {
        seen.push_back(std::to_string(e.find("line")->asInt64().value()) + ":" +
                       e.find("field")->asString() + ":" + e.find("code")->asString());
    }
    const std::vector<std::string> expected = {"2:equipment_id:unknown_equipment", "3:ts:in_future",
                                               "4:value:too_many_decimals", "6:kind:invalid_enum",
                                               "7::malformed_json"};
    BOOST_CHECK_EQUAL_COLLECTIONS(seen.begin(), seen.end(), expected.begin(), expected.end());

    // A body where every row is bad stores nothing and is a 422 listing the rows.
    const auto none = send(t.admin, line("power", "eqp_unknown", kJan1, "1") + "{}\n");
    BOOST_CHECK_EQUAL(none.status, 422);
    // the unknown unit, then kind, equipment_id, ts and value missing from "{}"
    BOOST_CHECK_EQUAL(none.json().find("errors")->items().size(), 5U);
    BOOST_CHECK_EQUAL(send(t.admin, "").status, 422);
    BOOST_CHECK_EQUAL(send(t.admin, "kind,ts\n", "text/plain").status, 415);
}

BOOST_AUTO_TEST_CASE(csv_rows_may_name_the_pdu_port_and_status_moves_the_unit) {
    const auto t = newTenant();
    const std::string unit = newUnit(t.admin, "CSV-1", R"(,"pdu_port":"PDU-7/3")");
    BOOST_CHECK_EQUAL(str(t.viewer.get("/v1/equipment/" + unit).json(), "status"), "offline");
    const std::string csv =
        "kind,pdu_port,ts,value\r\n"
        "status,PDU-7/3,2026-01-01T00:00:00Z,online\r\n"
        "energy,PDU-7/3,2026-01-01T00:00:00Z,10\r\n"
        "energy,PDU-7/3,2026-01-01T01:00:00+01:00,10\r\n"  // = 00:00Z: dup
        "energy,PDU-7/3,2026-01-01T01:00:00Z,13.25\r\n"
        "energy,PDU-9/9,2026-01-01T01:00:00Z,1\r\n";
    const auto r = send(t.admin, csv, "text/csv");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_CHECK_EQUAL(num(r, "stored"), 3);
    BOOST_CHECK_EQUAL(num(r, "duplicates"), 1);
    BOOST_CHECK_EQUAL(num(r, "rejected"), 1);
    BOOST_CHECK_EQUAL(str(t.viewer.get("/v1/equipment/" + unit).json(), "status"), "online");

    // An older status change arriving late does not override the newer one.
    BOOST_REQUIRE_EQUAL(send(t.admin, line("status", unit, kJan1 - kHour, "offline")).status, 200);
    BOOST_CHECK_EQUAL(str(t.viewer.get("/v1/equipment/" + unit).json(), "status"), "online");
    BOOST_REQUIRE_EQUAL(send(t.admin, line("status", unit, kJan1 + kHour, "offline")).status, 200);
    BOOST_CHECK_EQUAL(str(t.viewer.get("/v1/equipment/" + unit).json(), "status"), "offline");

    const auto u = usage(t.viewer, unit, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z");
    BOOST_CHECK_EQUAL(str(u.json(), "metered_kwh"), "3.250");
    BOOST_CHECK_EQUAL(str(u.json(), "hours_online"), "1.000");
}

BOOST_AUTO_TEST_CASE(uploads_have_their_own_body_limit_above_the_json_one) {
    // Small limits keep the refused bodies within the socket buffers.
    ServerProcess server({"http.max_body_bytes=2048", "http.max_bulk_body_bytes=65536"});
    const Api super{server, server.superKey()};
    const auto tenant = super.post("/v1/tenants", R"({"name":"Limits"})");
    BOOST_REQUIRE_EQUAL(tenant.status, 201);
    const Api admin{server, [&] {
                        const auto key = super.post(
                            "/v1/api-keys", R"({"name":"k","role":"tenant_admin","tenant_id":")" +
                                                str(tenant.json(), "id") + R"("})");
                        BOOST_REQUIRE_EQUAL(key.status, 201);
                        return str(key.json(), "secret");
                    }()};
    const std::string unit = newUnit(admin, "BIG-1");
    std::string body;  // about 30 KB: over the JSON limit, under the upload limit
    for (int i = 0; i < 250; ++i) body += line("power", unit, kJan1 + i * 60, "3250.125");
    BOOST_REQUIRE_GT(body.size(), 20000U);
    const auto big = send(admin, body);
    BOOST_REQUIRE_MESSAGE(big.status == 200, big.body.substr(0, 300));
    BOOST_CHECK_EQUAL(num(big, "stored"), 250);
    const std::string json = R"({"name":")" + std::string(4096, 'x') + R"("})";
    BOOST_CHECK_EQUAL(admin.post("/v1/customers", json).status, 413);
    std::string too_big;
    for (int i = 0; i < 4000; ++i) too_big += line("power", unit, kJan1 + i * 60, "1");
    BOOST_CHECK_EQUAL(send(admin, too_big).status, 413);
    BOOST_CHECK_EQUAL(num(send(admin, body), "duplicates"), 250);  // nothing else was stored
}

BOOST_AUTO_TEST_CASE(usage_queries_are_validated) {
    const auto t = newTenant();
    const std::string unit = newUnit(t.admin, "Q-1");
    const auto missing = t.viewer.get("/v1/equipment/" + unit + "/usage?from=2026-01-01");
    BOOST_CHECK_EQUAL(missing.status, 422);
    BOOST_CHECK_EQUAL(problemField(missing), "to");
    const auto reversed = usage(t.viewer, unit, "2026-01-02", "2026-01-01");
    BOOST_CHECK_EQUAL(reversed.status, 422);
    BOOST_CHECK_EQUAL(problemField(reversed), "to");
    const auto garbage = usage(t.viewer, unit, "yesterday", "2026-01-01");
    BOOST_CHECK_EQUAL(problemField(garbage), "from");
    const auto too_long = usage(t.viewer, unit, "2024-01-01", "2026-01-01");
    BOOST_CHECK_EQUAL(too_long.status, 422);
    BOOST_CHECK_EQUAL(usage(t.viewer, "eqp_nope", "2026-01-01", "2026-01-02").status, 404);
    const auto empty = usage(t.viewer, unit, "2026-01-01", "2026-01-02");
    BOOST_REQUIRE_EQUAL(empty.status, 200);
    BOOST_CHECK(empty.json().find("metered_kwh")->isNull());
    BOOST_CHECK_EQUAL(str(empty.json(), "hours_online"), "0.000");
}

BOOST_AUTO_TEST_CASE(revenue_guard_lists_hashing_equipment_without_an_active_contract) {
    const auto t = newTenant();
    const auto customer =
        t.admin.post("/v1/customers", R"({"name":"Guarded","contact_email":"g@example.com"})");
    BOOST_REQUIRE_EQUAL(customer.status, 201);
    const std::string customer_id = str(customer.json(), "id");
    const std::string hashing =
        newUnit(t.admin, "RG-1", R"(,"owner_customer_id":")" + customer_id + "\"");
    const std::string stale = newUnit(t.admin, "RG-2");
    const std::string idle = newUnit(t.admin, "RG-3");
    const std::string retired = newUnit(t.admin, "RG-4", R"(,"status":"retired")");
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const std::string body = line("hashrate", hashing, now - 120, "98.5") +
                             line("hashrate", stale, now - 3 * kHour, "100") +
                             line("hashrate", idle, now - 60, "0") +
                             line("hashrate", retired, now - 60, "90");
    BOOST_REQUIRE_EQUAL(send(t.admin, body).status, 200);

    const auto recent = t.viewer.get("/v1/revenue-guard/uncontracted");
    BOOST_REQUIRE_MESSAGE(recent.status == 200, recent.body);
    BOOST_CHECK_EQUAL(num(recent, "count"), 1);
    const auto& item = recent.json().find("data")->items().at(0);
    BOOST_CHECK_EQUAL(item.find("id")->asString(), hashing);
    BOOST_CHECK_EQUAL(item.find("last_hashrate_ths")->asString(), "98.500");
    const auto wider = t.viewer.get("/v1/revenue-guard/uncontracted?within_minutes=240");
    BOOST_CHECK_EQUAL(num(wider, "count"), 2);
    BOOST_CHECK_EQUAL(t.viewer.get("/v1/revenue-guard/uncontracted?within_minutes=0").status, 422);

    // An active contract holding the unit clears it from the list.
    const auto contract = t.admin.post(
        "/v1/contracts", R"({"customer_id":")" + customer_id +
                             R"(","type":"hosted","term":"1_year",)" + R"("rate_per_kwh":"0.07"})");
    BOOST_REQUIRE_MESSAGE(contract.status == 201, contract.body);
    const std::string contract_id = str(contract.json(), "id");
    const auto assigned = t.admin.post("/v1/contracts/" + contract_id + "/equipment",
                                       R"({"equipment_ids":[")" + hashing + R"("]})");
    BOOST_REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
    const auto activated = t.admin.post("/v1/contracts/" + contract_id + "/activate", "");
    BOOST_REQUIRE_MESSAGE(activated.status == 200, activated.body);
    BOOST_CHECK_EQUAL(num(t.viewer.get("/v1/revenue-guard/uncontracted"), "count"), 0);
    BOOST_CHECK_EQUAL(str(t.viewer.get("/v1/equipment/" + hashing).json(), "active_contract_id"),
                      contract_id);
    // Lists show each unit's holder too.
    const auto listed = t.viewer.get("/v1/equipment?limit=100");
    BOOST_REQUIRE_EQUAL(listed.status, 200);
    std::size_t held = 0;
    for (const auto& e : listed.json().find("data")->items()) {
        const auto* holder = e.find("active_contract_id");
        BOOST_REQUIRE(holder != nullptr);
        if (e.find("id")->asString() == hashing) {
            BOOST_CHECK_EQUAL(holder->asString(), contract_id);
            ++held;
        } else {
            BOOST_CHECK(holder->isNull());
        }
    }
    BOOST_CHECK_EQUAL(held, 1U);
}

BOOST_AUTO_TEST_SUITE_END()
