#pragma once

// Helpers of the customer invoicing API tests (invoices_api_test.cpp, invoice_runs_api_test.cpp):
// tenants with keys on any server, customers, contracts that bill October 2026, metered
// telemetry, and polling a run until it settles.

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "api/api_fixture.h"
#include "core/date.h"

namespace billwright::testing::invoicing {

using core::JsonValue;

inline std::string createdId(const HttpResult& r) {
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json(), "id");
}

// Today in UTC (every tenant here is in UTC) and a day relative to it.
inline core::Date todayUtc() {
    return core::Date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
}
inline std::string isoToday(int shift = 0) {
    return core::formatIsoDate(core::addDays(todayUtc(), shift));
}
// The invoice number the tenant's n-th issued invoice of this year gets.
inline std::string invoiceNumber(int n) {
    std::string seq = std::to_string(n);
    return "INV-" + std::to_string(static_cast<int>(todayUtc().year())) + "-" +
           std::string(6 - seq.size(), '0') + seq;
}

// A tenant (UTC) with an admin and a viewer key, on `server`.
struct Shop {
    ServerProcess* server = nullptr;
    std::string tenant;
    std::string admin_key;
    std::string viewer_key;
    Api admin() const { return Api{*server, admin_key}; }
    Api viewer() const { return Api{*server, viewer_key}; }
};

inline Shop newShop(ServerProcess& server, const std::string& name = "Hosting Co") {
    const Api super{server, server.superKey()};
    Shop s;
    s.server = &server;
    s.tenant =
        createdId(super.post("/v1/tenants", R"({"name":")" + name + R"(","timezone":"UTC"})"));
    const auto key = [&](const std::string& role) {
        const auto r = super.post("/v1/api-keys", R"({"name":"k","role":")" + role +
                                                      R"(","tenant_id":")" + s.tenant + R"("})");
        BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
        return str(r.json(), "secret");
    };
    s.admin_key = key("tenant_admin");
    s.viewer_key = key("tenant_viewer");
    return s;
}

inline void patchSettings(const Api& api, const std::string& body) {
    const auto r = api.patch("/v1/billing-settings", body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
}

// A customer; `extra` is more JSON fields (starting with a comma).
inline std::string newCustomer(const Api& api, const std::string& name = "Ada Miner",
                               const std::string& extra = "") {
    return createdId(
        api.post("/v1/customers",
                 R"({"name":")" + name + R"(","contact_email":"ada@example.com")" + extra + "}"));
}

// An active infinity (hash-lease) contract for 2026: `quantity` miners of 100 TH/s at 30 J/TH,
// i.e. 3 kW each; October 2026 (744 hours) is 2232 kWh a miner. `rate` "" leaves the rate
// unset (the tenant's default energy rate applies).
inline std::string infinityContract(const Api& api, const std::string& customer,
                                    const std::string& rate = "0.05", int quantity = 1,
                                    const std::string& extra = "") {
    std::string body = R"({"customer_id":")" + customer +
                       R"(","type":"infinity","start_date":"2026-01-01","term":"1_year",)"
                       R"("miner_model":"S19","miner_hashrate_ths":"100",)"
                       R"("miner_efficiency_jth":"30","quantity":)" +
                       std::to_string(quantity) +
                       R"(,"connector_fee_percent":"0",)"
                       R"("payout_wallet":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",)"
                       R"("activate":true)";
    if (!rate.empty()) body += R"(,"rate_per_kwh":")" + rate + "\"";
    return createdId(api.post("/v1/contracts", body + extra + "}"));
}

// A customer with one infinity contract: 2232 kWh x $0.05 = $111.60 for October 2026.
inline std::string billableCustomer(const Api& api, const std::string& name = "Ada Miner",
                                    const std::string& extra = "") {
    const std::string c = newCustomer(api, name, extra);
    infinityContract(api, c);
    return c;
}

inline std::string newUnit(const Api& api, const std::string& owner) {
    static std::atomic<int> serial{0};
    const std::string sn =
        "INV-" + std::to_string(++serial) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    return createdId(api.post("/v1/equipment", R"({"serial_number":")" + sn +
                                                   R"(","model":"S19","hashrate_ths":"110",)"
                                                   R"("power_w":"3250","owner_customer_id":")" +
                                                   owner + R"("})"));
}

// Hourly energy-counter samples of `unit` through October 2026: 3 kWh every hour, 744 hours,
// 2232 kWh.
inline void meterOctober(const Api& api, const std::string& unit) {
    using namespace std::chrono;
    const auto start = sys_days{year{2026} / October / 1};
    std::string body;
    for (int h = 0; h <= 744; ++h) {
        const auto ts = duration_cast<seconds>((start + hours{h}).time_since_epoch()).count();
        const int kwh = 3 * h;
        body += R"({"kind":"energy","equipment_id":")" + unit + R"(","ts":)" + std::to_string(ts) +
                R"(,"value":")" + std::to_string(kwh) + ".000\"}\n";
    }
    const auto r = api.post("/v1/telemetry", body, {{"Content-Type", "application/x-ndjson"}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body.substr(0, 500));
}

// A customer with a metered hosted contract at $0.065/kWh (and `extra` contract fields) whose
// one unit used 2232 kWh in October 2026: $145.08 of energy.
inline std::string meteredCustomer(const Api& api, const std::string& extra = "",
                                   const std::string& customer_extra = "") {
    const std::string customer = newCustomer(api, "Metered Miner", customer_extra);
    const std::string unit = newUnit(api, customer);
    const std::string contract =
        createdId(api.post("/v1/contracts", R"({"customer_id":")" + customer +
                                                R"(","type":"hosted","rate_per_kwh":"0.065",)"
                                                R"("start_date":"2026-01-01","term":"1_year",)"
                                                R"("billing_methods":["metered"])" +
                                                extra + "}"));
    const auto assigned = api.post("/v1/contracts/" + contract + "/equipment",
                                   R"({"equipment_ids":[")" + unit + R"("]})");
    BOOST_REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
    const auto activated = api.post("/v1/contracts/" + contract + "/activate", "");
    BOOST_REQUIRE_MESSAGE(activated.status == 200, activated.body);
    meterOctober(api, unit);
    return customer;
}

inline HttpResult issue(const Api& api, const std::string& customer, bool issue_now = true,
                        const std::string& period_start = "2026-10-01") {
    return api.post("/v1/invoices", R"({"customer_id":")" + customer + R"(","period_start":")" +
                                        period_start + R"(","issue":)" +
                                        (issue_now ? "true" : "false") + "}");
}

inline const std::vector<JsonValue>& dataOf(const HttpResult& r) {
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json().find("data")->items();
}

// Every audit event of `action` about `object_id`, newest first.
inline std::vector<JsonValue> auditOf(const Api& api, const std::string& action,
                                      const std::string& object_id) {
    const auto r = api.get("/v1/audit-events?limit=100");
    std::vector<JsonValue> out;
    for (const auto& e : dataOf(r)) {
        if (str(e, "action") == action && str(e, "object_id") == object_id) out.push_back(e);
    }
    return out;
}

// The tenant's invoices (every status), up to 100.
inline std::vector<JsonValue> invoicesOf(const Api& api, const std::string& query = "") {
    const auto r = api.get("/v1/invoices?limit=100" + query);
    return dataOf(r);
}

// Outbox messages about one object.
inline std::vector<JsonValue> mailsAbout(const Api& api, const std::string& object_id) {
    const auto r = api.get("/v1/outbox?object_id=" + object_id);
    return dataOf(r);
}

inline std::int64_t progress(const JsonValue& run, const std::string& name) {
    return run.find("progress")->find(name)->asInt64().value();
}

// Polls a run until `done` holds (no fixed sleeps); fails the test after `limit`.
inline JsonValue pollRun(const Api& api, const std::string& run_id,
                         const std::function<bool(const JsonValue&)>& done,
                         std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (true) {
        const auto r = api.get("/v1/invoice-runs/" + run_id);
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        if (done(r.json())) return r.json();
        if (std::chrono::steady_clock::now() >= until)
            BOOST_FAIL("the run never reached the expected state: " + r.body);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

inline JsonValue waitUntilStatus(const Api& api, const std::string& run_id,
                                 const std::string& status) {
    return pollRun(api, run_id, [&](const JsonValue& run) {
        const std::string s = str(run, "status");
        BOOST_REQUIRE_MESSAGE(s == status || s == "queued" || s == "running",
                              "run went to " + s + " waiting for " + status);
        return s == status;
    });
}

}  // namespace billwright::testing::invoicing
