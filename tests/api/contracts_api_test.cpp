#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <latch>
#include <thread>

#include "api/api_fixture.h"
#include "core/date.h"

using namespace billwright::testing;
using billwright::core::JsonValue;

namespace {

std::string todayUtc() {
    return billwright::core::formatIsoDate(billwright::core::Date{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())});
}

std::string shiftedToday(int days) {
    const auto today = billwright::core::parseIsoDate(todayUtc()).value();
    return billwright::core::formatIsoDate(billwright::core::addDays(today, days));
}

// A tenant with an admin key, a viewer key and one customer.
struct Shop {
    std::string tenant;
    std::string admin_key;
    std::string viewer_key;
    std::string customer;
    Api admin() const { return as(admin_key); }
    Api viewer() const { return as(viewer_key); }
};

std::string createdId(const HttpResult& r) {
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json(), "id");
}

std::string newCustomer(const Api& api) {
    return createdId(
        api.post("/v1/customers", R"({"name":"Ada Miner","contact_email":"ada@example.com"})"));
}

Shop newShop() {
    Shop s;
    s.tenant = createTenant("Contracts", "");
    s.admin_key = createKey("tenant_admin", s.tenant);
    s.viewer_key = createKey("tenant_viewer", s.tenant);
    s.customer = newCustomer(s.admin());
    return s;
}

std::string newUnit(const Api& api, const std::string& owner = "") {
    static std::atomic<int> serial{0};
    const std::string sn =
        "CT-" + std::to_string(++serial) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    std::string body =
        R"({"serial_number":")" + sn + R"(","model":"S19","hashrate_ths":"110","power_w":"3250")";
    if (!owner.empty()) body += R"(,"owner_customer_id":")" + owner + "\"";
    return createdId(api.post("/v1/equipment", body + "}"));
}

std::string newSite(const Api& api) {
    return createdId(api.post("/v1/sites", R"({"name":"North"})"));
}

std::string hostedBody(const Shop& s, const std::string& extra = "") {
    return R"({"customer_id":")" + s.customer + R"(","type":"hosted","rate_per_kwh":"0.065")" +
           extra + "}";
}

std::string newContract(const Api& api, const std::string& body) {
    return createdId(api.post("/v1/contracts", body));
}

std::string path(const std::string& id, const std::string& rest = "") {
    return "/v1/contracts/" + id + rest;
}

std::size_t contractCount(const Api& api) {
    const auto r = api.get("/v1/contracts?limit=100");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.json().find("data")->items().size();
}

std::vector<std::string> strings(const JsonValue& array) {
    std::vector<std::string> out;
    for (const auto& item : array.items()) out.push_back(item.asString());
    return out;
}

// True when some per-field error names `field`.
bool names(const HttpResult& r, const std::string& field) {
    const JsonValue* errors = r.json().find("errors");
    if (errors == nullptr) return false;
    for (const auto& e : errors->items()) {
        if (e.find("field")->asString() == field) return true;
    }
    return false;
}

std::string activeContractOf(const Api& api, const std::string& unit) {
    const auto r = api.get("/v1/equipment/" + unit);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    const JsonValue* holder = r.json().find("active_contract_id");
    return holder->isNull() ? "" : holder->asString();
}

// Every call that changes contract `id`.
std::vector<Call> contractWrites(const std::string& id) {
    return {{"PATCH", path(id), R"({"notes":"x"})"},
            {"POST", path(id, "/activate"), ""},
            {"POST", path(id, "/cancel"), ""},
            {"POST", path(id, "/extend"), ""},
            {"POST", path(id, "/notice"), ""},
            {"DELETE", path(id, "/notice"), ""},
            {"POST", path(id, "/equipment"), R"({"equipment_ids":["eqp_x"]})"},
            {"DELETE", path(id, "/equipment/eqp_x"), ""},
            {"POST", path(id, "/sites"), R"({"site_ids":["sit_x"]})"},
            {"DELETE", path(id, "/sites/sit_x"), ""}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(contracts_api)

BOOST_AUTO_TEST_CASE(a_hosted_contract_goes_from_draft_to_active_to_cancelled) {
    const Shop s = newShop();
    const Api api = s.admin();
    const auto created = api.post("/v1/contracts", hostedBody(s, R"(,"power_cap_kw":"12.5")"));
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const auto& draft = created.json();
    const std::string id = str(draft, "id");
    BOOST_CHECK(id.rfind("ctr_", 0) == 0);
    BOOST_CHECK_EQUAL(created.header("location"), path(id));
    BOOST_CHECK_EQUAL(str(draft, "object"), "contract");
    BOOST_CHECK(draft.find("contract_number")->isNull());
    BOOST_CHECK_EQUAL(str(draft, "status"), "draft");
    BOOST_CHECK_EQUAL(str(draft, "type"), "hosted");
    BOOST_CHECK_EQUAL(str(draft, "term"), "month_to_month");
    BOOST_CHECK_EQUAL(str(draft, "start_date"), todayUtc());
    BOOST_CHECK_EQUAL(str(draft, "rate_per_kwh"), "0.065000");
    BOOST_CHECK_EQUAL(str(draft, "power_cap_kw"), "12.500");
    BOOST_CHECK_EQUAL(str(draft, "currency"), "USD");
    BOOST_CHECK_EQUAL(str(draft, "auto_renew"), "true");
    BOOST_CHECK_EQUAL(str(draft, "notice_days"), "60");
    BOOST_CHECK_EQUAL(str(*draft.find("failover"), "mode"), "off");
    const std::vector<std::string> metered{"metered"};
    const auto methods = strings(*draft.find("billing_methods"));
    BOOST_CHECK_EQUAL_COLLECTIONS(methods.begin(), methods.end(), metered.begin(), metered.end());
    BOOST_CHECK_EQUAL(str(draft.find("history")->items().at(0), "kind"), "created");

    const auto premature = api.post(path(id, "/activate"), "");
    BOOST_CHECK_EQUAL(premature.status, 422);
    BOOST_CHECK_EQUAL(problemField(premature), "equipment");

    const std::string unit = newUnit(api, s.customer);
    const auto assigned =
        api.post(path(id, "/equipment"), R"({"equipment_ids":[")" + unit + R"("]})");
    BOOST_REQUIRE_EQUAL(assigned.status, 200);
    const auto units = strings(*assigned.json().find("equipment_ids"));
    BOOST_REQUIRE_EQUAL(units.size(), 1U);
    BOOST_CHECK_EQUAL(units[0], unit);
    BOOST_CHECK_EQUAL(activeContractOf(api, unit), "");

    const auto activated = api.post(path(id, "/activate"), "");
    BOOST_REQUIRE_EQUAL(activated.status, 200);
    BOOST_CHECK_EQUAL(str(activated.json(), "status"), "active");
    BOOST_CHECK_EQUAL(str(activated.json(), "contract_number"), "C-000001");
    BOOST_CHECK(!activated.json().find("activated_at")->isNull());
    BOOST_CHECK_EQUAL(activeContractOf(api, unit), id);

    const auto read = api.get(path(id));
    BOOST_REQUIRE_EQUAL(read.status, 200);
    BOOST_CHECK_EQUAL(str(read.json(), "contract_number"), "C-000001");
    BOOST_CHECK_EQUAL(str(read.json(), "renews_on"), str(read.json(), "end_date"));

    const auto rate = api.patch(path(id), R"({"rate_per_kwh":"0.07","notes":"repriced"})");
    BOOST_REQUIRE_EQUAL(rate.status, 200);
    BOOST_CHECK_EQUAL(str(rate.json(), "rate_per_kwh"), "0.070000");
    const auto locked = api.patch(path(id), R"({"term":"1_year"})");
    BOOST_CHECK_EQUAL(locked.status, 409);
    BOOST_CHECK_EQUAL(problemField(locked), "term");
    BOOST_CHECK_EQUAL(str(api.get(path(id)).json(), "term"), "month_to_month");

    const auto notice = api.post(path(id, "/notice"), "");
    BOOST_REQUIRE_EQUAL(notice.status, 200);
    BOOST_CHECK_EQUAL(str(notice.json(), "notice_given_on"), todayUtc());
    BOOST_CHECK(!notice.json().find("expires_on")->isNull());
    const auto withdrawn = api.del(path(id, "/notice"));
    BOOST_REQUIRE_EQUAL(withdrawn.status, 200);
    BOOST_CHECK(withdrawn.json().find("notice_given_on")->isNull());
    BOOST_CHECK_EQUAL(api.del(path(id, "/notice")).status, 404);

    const auto cancelled = api.post(path(id, "/cancel"), R"({"reason":"customer moved out"})");
    BOOST_REQUIRE_EQUAL(cancelled.status, 200);
    BOOST_CHECK_EQUAL(str(cancelled.json(), "status"), "cancelled");
    BOOST_CHECK_EQUAL(str(cancelled.json(), "end_reason"), "customer moved out");
    BOOST_CHECK_EQUAL(str(cancelled.json(), "ended_on"), todayUtc());
    BOOST_CHECK_EQUAL(activeContractOf(api, unit), "");
    const auto again = api.post(path(id, "/activate"), "");
    BOOST_CHECK_EQUAL(again.status, 409);
    BOOST_CHECK_EQUAL(problemCode(again), "invalid_transition");

    std::vector<std::string> kinds;
    const auto final_read = api.get(path(id));
    for (const auto& e : final_read.json().find("history")->items())
        kinds.push_back(str(e, "kind"));
    const std::vector<std::string> expected{"created",      "equipment_assigned", "activated",
                                            "notice_given", "notice_withdrawn",   "cancelled"};
    BOOST_CHECK_EQUAL_COLLECTIONS(kinds.begin(), kinds.end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(contract_lists_filter_by_customer_status_type_and_equipment) {
    const Shop s = newShop();
    const Api api = s.admin();
    const std::string other_customer = newCustomer(api);
    const std::string unit = newUnit(api, s.customer);
    const std::string a = newContract(api, hostedBody(s));
    const std::string b = newContract(
        api, R"({"customer_id":")" + other_customer +
                 R"(","type":"lease","rate_per_kwh":"0.07","term":"custom","term_days":90})");
    BOOST_REQUIRE_EQUAL(
        api.post(path(a, "/equipment"), R"({"equipment_ids":[")" + unit + R"("]})").status, 200);
    BOOST_REQUIRE_EQUAL(api.post(path(a, "/activate"), "").status, 200);

    const auto ids = [&](const std::string& query) {
        const auto r = api.get("/v1/contracts" + query);
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        std::vector<std::string> out;
        for (const auto& c : r.json().find("data")->items()) {
            out.push_back(str(c, "id"));
            BOOST_CHECK(c.find("history") == nullptr);
        }
        return out;
    };
    BOOST_CHECK_EQUAL(ids("").size(), 2U);
    BOOST_CHECK(ids("?customer_id=" + s.customer) == std::vector<std::string>{a});
    BOOST_CHECK(ids("?status=draft") == std::vector<std::string>{b});
    BOOST_CHECK(ids("?type=hosted") == std::vector<std::string>{a});
    BOOST_CHECK(ids("?equipment_id=" + unit) == std::vector<std::string>{a});
    BOOST_CHECK(ids("?status=active&type=lease").empty());
    const auto page = api.get("/v1/contracts?limit=1");
    BOOST_CHECK_EQUAL(str(page.json(), "has_more"), "true");
    const auto rest =
        api.get("/v1/contracts?limit=1&starting_after=" + str(page.json(), "next_cursor"));
    BOOST_CHECK_EQUAL(rest.json().find("data")->items().size(), 1U);

    for (const std::string bad : {"?status=open", "?type=colo", "?colour=red", "?limit=0"}) {
        const auto r = api.get("/v1/contracts" + bad);
        BOOST_CHECK_EQUAL(r.status, 422);
    }
    const auto b_read = api.get(path(b)).json();
    BOOST_CHECK_EQUAL(str(b_read, "term_days"), "90");
    BOOST_CHECK_EQUAL(str(b_read, "auto_renew"), "false");
    BOOST_CHECK_EQUAL(str(b_read, "max_extensions"), "3");
}

BOOST_AUTO_TEST_CASE(a_lease_takes_tenant_inventory_and_extends_up_to_its_limit) {
    const Shop s = newShop();
    const Api api = s.admin();
    const std::string start = shiftedToday(-10);
    const std::string id = newContract(api, R"({"customer_id":")" + s.customer +
                                                R"(","type":"lease","rate_per_kwh":"0.08",)" +
                                                R"("term":"custom","term_days":30,"start_date":")" +
                                                start + R"(","max_extensions":1})");
    const std::string customers_unit = newUnit(api, s.customer);
    const auto wrong =
        api.post(path(id, "/equipment"), R"({"equipment_ids":[")" + customers_unit + R"("]})");
    BOOST_CHECK_EQUAL(wrong.status, 422);
    BOOST_CHECK_EQUAL(problemField(wrong), "equipment_ids");
    BOOST_CHECK_EQUAL(problemFieldCode(wrong), "wrong_owner");

    const std::string first = newUnit(api);
    const std::string second = newUnit(api);
    const auto two = api.post(path(id, "/equipment"),
                              R"({"equipment_ids":[")" + first + R"(",")" + second + R"("]})");
    BOOST_REQUIRE_EQUAL(two.status, 200);
    BOOST_CHECK_EQUAL(two.json().find("equipment_ids")->items().size(), 2U);
    const auto removed = api.del(path(id, "/equipment/" + second));
    BOOST_REQUIRE_EQUAL(removed.status, 200);
    BOOST_CHECK_EQUAL(removed.json().find("equipment_ids")->items().size(), 1U);
    BOOST_CHECK_EQUAL(api.del(path(id, "/equipment/" + second)).status, 404);

    const auto early = api.post(path(id, "/extend"), "");
    BOOST_CHECK_EQUAL(early.status, 409);
    BOOST_REQUIRE_EQUAL(api.post(path(id, "/activate"), "").status, 200);
    const auto extended = api.post(path(id, "/extend"), R"({"days":15})");
    BOOST_REQUIRE_EQUAL(extended.status, 200);
    BOOST_CHECK_EQUAL(str(extended.json(), "end_date"), shiftedToday(35));
    BOOST_CHECK_EQUAL(str(extended.json(), "last_day"), shiftedToday(34));
    BOOST_CHECK_EQUAL(str(extended.json(), "extensions_used"), "1");
    const auto limit = api.post(path(id, "/extend"), "");
    BOOST_CHECK_EQUAL(limit.status, 422);
    BOOST_CHECK_EQUAL(problemField(limit), "extensions");
    BOOST_CHECK_EQUAL(str(api.get(path(id)).json(), "end_date"), shiftedToday(35));
    const auto bad_days = api.post(path(id, "/extend"), R"({"days":0})");
    BOOST_CHECK_EQUAL(bad_days.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad_days), "days");
    // The last unit of an active contract stays; cancel instead.
    BOOST_CHECK_EQUAL(api.del(path(id, "/equipment/" + first)).status, 409);
}

BOOST_AUTO_TEST_CASE(an_o_and_m_contract_takes_sites_and_an_infinity_one_activates_at_once) {
    const Shop s = newShop();
    const Api api = s.admin();
    const std::string om = newContract(
        api,
        R"({"customer_id":")" + s.customer +
            R"(","type":"o_and_m","service_fee_per_site":"2500","management_fee_per_kwh":"0.004"})");
    const auto om_json = api.get(path(om)).json();
    BOOST_CHECK_EQUAL(str(om_json, "service_fee_per_site"), "2500.00");
    BOOST_CHECK_EQUAL(str(om_json, "management_fee_per_kwh"), "0.004000");
    BOOST_CHECK(om_json.find("billing_methods")->items().empty());
    const auto units = api.post(path(om, "/equipment"),
                                R"({"equipment_ids":[")" + newUnit(api, s.customer) + R"("]})");
    BOOST_CHECK_EQUAL(units.status, 422);
    BOOST_CHECK_EQUAL(problemField(units), "equipment_ids");
    const std::string north = newSite(api);
    const std::string south = newSite(api);
    BOOST_REQUIRE_EQUAL(api.post(path(om, "/sites"), R"({"site_ids":[")" + north + R"("]})").status,
                        200);
    const auto active = api.post(path(om, "/activate"), "");
    BOOST_REQUIRE_EQUAL(active.status, 200);
    BOOST_CHECK_EQUAL(str(active.json(), "contract_number"), "C-000001");
    BOOST_CHECK_EQUAL(api.del(path(om, "/sites/" + north)).status, 409);
    BOOST_REQUIRE_EQUAL(api.post(path(om, "/sites"), R"({"site_ids":[")" + south + R"("]})").status,
                        200);
    const auto moved = api.del(path(om, "/sites/" + north));
    BOOST_REQUIRE_EQUAL(moved.status, 200);
    BOOST_CHECK(strings(*moved.json().find("site_ids")) == std::vector<std::string>{south});
    // The site is in an active contract: a second O&M contract cannot take it once active.
    const std::string rival =
        newContract(api, R"({"customer_id":")" + s.customer +
                             R"(","type":"o_and_m","service_fee_per_site":1})");
    BOOST_REQUIRE_EQUAL(
        api.post(path(rival, "/sites"), R"({"site_ids":[")" + south + R"("]})").status, 200);
    const auto held = api.post(path(rival, "/activate"), "");
    BOOST_CHECK_EQUAL(held.status, 409);
    BOOST_CHECK_EQUAL(problemField(held), "site_ids");

    const auto infinity = api.post(
        "/v1/contracts",
        R"({"customer_id":")" + s.customer +
            R"(","type":"infinity","miner_model":"S21","miner_hashrate_ths":"200","miner_efficiency_jth":"17.5","quantity":10,"connector_fee_percent":"2.5","payout_wallet":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","activate":true})");
    BOOST_REQUIRE_MESSAGE(infinity.status == 201, infinity.body);
    BOOST_CHECK_EQUAL(str(infinity.json(), "status"), "active");
    BOOST_CHECK_EQUAL(str(infinity.json(), "contract_number"), "C-000002");
    BOOST_CHECK_EQUAL(str(infinity.json(), "miner_hashrate_ths"), "200.000");
    BOOST_CHECK_EQUAL(str(infinity.json(), "miner_efficiency_jth"), "17.500");
    BOOST_CHECK_EQUAL(str(infinity.json(), "connector_fee_percent"), "2.50");
    BOOST_CHECK_EQUAL(str(infinity.json(), "quantity"), "10");
    BOOST_CHECK(infinity.json().find("rate_per_kwh")->isNull());
}

BOOST_AUTO_TEST_CASE(viewer_keys_read_but_every_write_is_forbidden) {
    const Shop s = newShop();
    const std::string id = newContract(s.admin(), hostedBody(s));
    BOOST_CHECK_EQUAL(s.viewer().get(path(id)).status, 200);
    BOOST_CHECK_EQUAL(s.viewer().get("/v1/contracts").status, 200);
    auto writes = contractWrites(id);
    writes.push_back({"POST", "/v1/contracts", hostedBody(s)});
    expectEveryCall(s.viewer_key, writes, 403, "forbidden");
    BOOST_CHECK_EQUAL(contractCount(s.admin()), 1U);
    BOOST_CHECK_EQUAL(str(s.admin().get(path(id)).json(), "status"), "draft");
}

BOOST_AUTO_TEST_CASE(another_tenants_contract_answers_404_to_every_call) {
    const Shop s = newShop();
    const Shop other = newShop();
    const std::string id = newContract(s.admin(), hostedBody(s));
    auto calls = contractWrites(id);
    calls.push_back({"GET", path(id), ""});
    expectEveryCall(other.admin_key, calls, 404, "not_found");
    BOOST_CHECK_EQUAL(contractCount(other.admin()), 0U);
    // Nor can a contract take another tenant's customer or units.
    const auto foreign_customer = other.admin().post("/v1/contracts", hostedBody(s));
    BOOST_CHECK_EQUAL(foreign_customer.status, 422);
    BOOST_CHECK_EQUAL(problemField(foreign_customer), "customer_id");
    const std::string foreign_unit = newUnit(other.admin(), other.customer);
    const auto assign =
        s.admin().post(path(id, "/equipment"), R"({"equipment_ids":[")" + foreign_unit + R"("]})");
    BOOST_CHECK_EQUAL(assign.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(assign), "not_found");
    // Naming the other tenant in Billwright-Tenant changes nothing for a tenant key.
    const auto header = sharedServer().request("GET", path(id), other.admin_key, std::nullopt,
                                               {{"Billwright-Tenant", s.tenant}});
    BOOST_CHECK_EQUAL(header.status, 404);
}

BOOST_AUTO_TEST_CASE(a_super_key_acts_in_a_tenant_through_the_billwright_tenant_header) {
    const Shop s = newShop();
    const auto& server = sharedServer();
    const std::map<std::string, std::string> acting{{"Billwright-Tenant", s.tenant}};
    const auto created =
        server.request("POST", "/v1/contracts", server.superKey(), hostedBody(s), acting);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const std::string id = str(created.json(), "id");
    BOOST_CHECK_EQUAL(
        server.request("GET", path(id), server.superKey(), std::nullopt, acting).status, 200);
    BOOST_CHECK_EQUAL(str(s.admin().get(path(id)).json(), "id"), id);
    const auto missing = server.request("GET", "/v1/contracts", server.superKey());
    BOOST_CHECK_EQUAL(missing.status, 422);
    BOOST_CHECK_EQUAL(problemField(missing), "Billwright-Tenant");
    const auto unknown = server.request("GET", path(id), server.superKey(), std::nullopt,
                                        {{"Billwright-Tenant", "ten_nope"}});
    BOOST_CHECK_EQUAL(unknown.status, 404);
    const auto audit = asSuper().get("/v1/audit-events?tenant_id=" + s.tenant);
    BOOST_CHECK(audit.body.find("contract.created") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_invalid_create_field_is_a_422_naming_it_and_writes_nothing) {
    const Shop s = newShop();
    const Api api = s.admin();
    const std::string cus = R"("customer_id":")" + s.customer + "\"";
    const std::string hosted = cus + R"(,"type":"hosted","rate_per_kwh":"0.065")";
    const std::string lease = cus + R"(,"type":"lease","rate_per_kwh":"0.065")";
    const std::string infinity =
        cus + R"(,"type":"infinity","miner_model":"S21","miner_hashrate_ths":"200",)" +
        R"("miner_efficiency_jth":"17.5","quantity":10,"connector_fee_percent":"2.5")";
    const std::string wallet = R"(,"payout_wallet":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")";
    struct Case {
        std::string body;
        std::string field;
    };
    const std::vector<Case> cases{
        {R"({"type":"hosted","rate_per_kwh":"0.065"})", "customer_id"},
        {R"({"customer_id":"cus_nope","type":"hosted","rate_per_kwh":"0.065"})", "customer_id"},
        {R"({"customer_id":42,"type":"hosted","rate_per_kwh":"0.065"})", "customer_id"},
        {"{" + cus + "}", "type"},
        {"{" + cus + R"(,"type":"rental"})", "type"},
        {"{" + hosted + R"(,"term":"weekly"})", "term"},
        {"{" + hosted + R"(,"term":"custom"})", "term_days"},
        {"{" + hosted + R"(,"term":"custom","term_days":0})", "term_days"},
        {"{" + hosted + R"(,"term":"1_year","term_days":30})", "term_days"},
        {"{" + hosted + R"(,"start_date":"2026-02-30"})", "start_date"},
        {"{" + hosted + R"(,"start_date":"2026-03-10","end_date":"2026-03-01"})", "end_date"},
        {"{" + hosted + R"(,"auto_renew":"yes"})", "auto_renew"},
        {"{" + lease + R"(,"auto_renew":true})", "auto_renew"},
        {"{" + hosted + R"(,"notice_days":731})", "notice_days"},
        {"{" + lease + R"(,"max_extensions":-1})", "max_extensions"},
        {"{" + hosted + R"(,"billing_methods":["metered","metered"]})", "billing_methods"},
        {"{" + hosted + R"(,"billing_methods":["solar"]})", "billing_methods"},
        {"{" + hosted + R"(,"billing_methods":"metered"})", "billing_methods"},
        {"{" + hosted + R"(,"billing_methods":["metered","hash","calculated","metered"]})",
         "billing_methods"},
        {"{" + cus + R"(,"type":"hosted"})", "rate_per_kwh"},
        {"{" + cus + R"(,"type":"hosted","rate_per_kwh":"0.0650001"})", "rate_per_kwh"},
        {"{" + cus + R"(,"type":"hosted","rate_per_kwh":"cheap"})", "rate_per_kwh"},
        {"{" + cus + R"(,"type":"hosted","rate_per_kwh":"0"})", "rate_per_kwh"},
        {"{" + hosted + R"(,"power_cap_kw":"-1"})", "power_cap_kw"},
        {"{" + hosted + R"(,"power_cap_kw":"1.0001"})", "power_cap_kw"},
        {"{" + hosted + R"(,"failover_mode":"sometimes"})", "failover_mode"},
        {"{" + hosted + R"(,"failover_mode":"hashprice","failover_hashprice_source":"luxor"})",
         "failover_hashprice_percent"},
        {"{" + hosted + R"(,"failover_mode":"hashprice","failover_hashprice_percent":"95"})",
         "failover_hashprice_source"},
        {"{" + hosted +
             R"(,"failover_mode":"hashprice","failover_hashprice_percent":"95","failover_hashprice_source":"coinbase"})",
         "failover_hashprice_source"},
        {"{" + hosted + R"(,"failover_mode":"fixed_rate"})", "failover_rate_per_kwh"},
        {"{" + hosted + R"(,"failover_rate_per_kwh":"0.05"})", "failover_rate_per_kwh"},
        {"{" + infinity + wallet +
             R"(,"failover_mode":"fixed_rate","failover_rate_per_kwh":"0.05"})",
         "failover_mode"},
        {"{" + hosted + R"(,"miner_model":"S21"})", "miner_model"},
        {"{" + hosted + wallet + "}", "payout_wallet"},
        {"{" + infinity + "}", "payout_wallet"},
        {"{" + infinity + R"(,"payout_wallet":"not-a-wallet"})", "payout_wallet"},
        {"{" + infinity + wallet + R"(,"rate_per_kwh":"0"})", "rate_per_kwh"},
        {"{" + infinity + wallet + R"(,"lease_fee_per_unit":"10.00"})", "lease_fee_per_unit"},
        {"{" + infinity + wallet + R"(,"discount_percent":"100.01"})", "discount_percent"},
        {"{" + cus +
             R"(,"type":"infinity","miner_model":"S21","miner_hashrate_ths":"200","miner_efficiency_jth":"17.5","quantity":0,"connector_fee_percent":"2.5")" +
             wallet + "}",
         "quantity"},
        {"{" + cus +
             R"(,"type":"infinity","miner_model":"S21","miner_hashrate_ths":"200","miner_efficiency_jth":"17.5","quantity":1,"connector_fee_percent":"100.01")" +
             wallet + "}",
         "connector_fee_percent"},
        {"{" + cus +
             R"(,"type":"infinity","miner_hashrate_ths":"200","miner_efficiency_jth":"17.5","quantity":1,"connector_fee_percent":"1")" +
             wallet + "}",
         "miner_model"},
        {"{" + cus + R"(,"type":"o_and_m"})", "service_fee_per_site"},
        {"{" + cus + R"(,"type":"o_and_m","service_fee_per_site":"10.001"})",
         "service_fee_per_site"},
        {"{" + cus + R"(,"type":"o_and_m","service_fee_per_site":"-5"})", "service_fee_per_site"},
        {"{" + hosted + R"(,"service_fee_per_site":"10"})", "service_fee_per_site"},
        {"{" + hosted + R"(,"management_fee_per_kwh":"0.01"})", "management_fee_per_kwh"},
        {"{" + hosted + R"(,"activate":true})", "activate"},
        {"{" + hosted + R"(,"activate":"now"})", "activate"},
        {"{" + hosted + R"(,"notes":")" + std::string(4001, 'n') + "\"}", "notes"},
        {"{" + hosted + R"(,"colour":"red"})", "colour"},
        {"[1,2]", ""},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body.substr(0, 160)) {
            const auto r = api.post("/v1/contracts", c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            if (r.status == 422) {
                BOOST_CHECK_EQUAL(problemCode(r), "validation_failed");
                BOOST_CHECK_MESSAGE(names(r, c.field), r.body);
            }
        }
    }
    BOOST_CHECK_EQUAL(contractCount(api), 0U);
    const auto audit = asSuper().get("/v1/audit-events?tenant_id=" + s.tenant + "&limit=100");
    BOOST_CHECK(audit.body.find("contract.") == std::string::npos);
    BOOST_CHECK_EQUAL(api.post("/v1/contracts", "{not json").status, 400);
}

BOOST_AUTO_TEST_CASE(invalid_changes_to_a_contract_are_422s_and_leave_it_as_it_was) {
    const Shop s = newShop();
    const Api api = s.admin();
    const std::string id = newContract(api, hostedBody(s));
    const std::string before = api.get(path(id)).body;
    const std::string other_customer = newCustomer(api);
    struct Case {
        std::string method;
        std::string suffix;
        std::string body;
        std::string field;
    };
    const std::vector<Case> cases{
        {"PATCH", "", R"({"rate_per_kwh":"0.0000001"})", "rate_per_kwh"},
        {"PATCH", "", R"({"rate_per_kwh":null})", "rate_per_kwh"},
        {"PATCH", "", R"({"type":"lease"})", "type"},
        {"PATCH", "", R"({"customer_id":")" + other_customer + R"("})", "customer_id"},
        {"PATCH", "", R"({"end_date":"2020-01-01"})", "end_date"},
        {"PATCH", "", R"({"billing_methods":[]})", "billing_methods"},
        {"PATCH", "", R"({"notice_days":"sixty"})", "notice_days"},
        {"PATCH", "", R"({"activate":true})", "activate"},
        {"PATCH", "", R"({"contract_number":"C-999999"})", "contract_number"},
        {"PATCH", "", R"({"status":"active"})", "status"},
        {"POST", "/equipment", "{}", "equipment_ids"},
        {"POST", "/equipment", R"({"equipment_ids":[]})", "equipment_ids"},
        {"POST", "/equipment", R"({"equipment_ids":"eqp_1"})", "equipment_ids"},
        {"POST", "/equipment", R"({"equipment_ids":[1]})", "equipment_ids"},
        {"POST", "/equipment", R"({"equipment_ids":["eqp_nope"]})", "equipment_ids"},
        {"POST", "/equipment", R"({"equipment_ids":["eqp_nope"],"extra":1})", "extra"},
        {"POST", "/sites", R"({"site_ids":["sit_nope"]})", "site_ids"},
        {"POST", "/cancel", R"({"reason":""})", "reason"},
        {"POST", "/cancel", R"({"reason":7})", "reason"},
        {"POST", "/extend", R"({"days":"ten"})", "days"},
        {"POST", "/notice", R"({"date":"tomorrow"})", "date"},
        {"POST", "/activate", R"({"now":true})", "now"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.method << " " << c.suffix << " " << c.body) {
            const auto r =
                sharedServer().request(c.method, path(id, c.suffix), s.admin_key, c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            if (r.status == 422) BOOST_CHECK_MESSAGE(names(r, c.field), r.body);
        }
    }
    BOOST_CHECK_EQUAL(api.get(path(id)).body, before);
    // Valid changes to a draft: the end date follows the term until it is overridden.
    const auto year = api.patch(path(id), R"({"term":"1_year","start_date":"2026-01-31"})");
    BOOST_REQUIRE_EQUAL(year.status, 200);
    BOOST_CHECK_EQUAL(str(year.json(), "end_date"), "2027-01-31");
    const auto fixed = api.patch(path(id), R"({"end_date":"2026-12-15"})");
    BOOST_CHECK_EQUAL(str(fixed.json(), "end_date"), "2026-12-15");
    BOOST_CHECK_EQUAL(str(fixed.json(), "end_date_overridden"), "true");
    const auto back = api.patch(path(id), R"({"end_date":null,"term":"month_to_month"})");
    BOOST_CHECK_EQUAL(str(back.json(), "end_date"), "2026-02-28");
    BOOST_CHECK_EQUAL(str(back.json(), "end_date_overridden"), "false");
    const auto failover = api.patch(
        path(id),
        R"({"failover_mode":"fixed_rate","failover_rate_per_kwh":"0.09","billing_methods":["hash","metered"]})");
    BOOST_REQUIRE_EQUAL(failover.status, 200);
    BOOST_CHECK_EQUAL(str(*failover.json().find("failover"), "rate_per_kwh"), "0.090000");
    const auto off = api.patch(path(id), R"({"failover_mode":"off"})");
    BOOST_REQUIRE_EQUAL(off.status, 200);
    BOOST_CHECK(off.json().find("failover")->find("rate_per_kwh")->isNull());
}

BOOST_AUTO_TEST_CASE(two_concurrent_activations_sharing_one_miner_let_exactly_one_through) {
    const Shop s = newShop();
    const Api api = s.admin();
    constexpr int kRounds = 6;
    for (int round = 0; round < kRounds; ++round) {
        BOOST_TEST_CONTEXT("round " << round) {
            const std::string miner = newUnit(api, s.customer);
            const std::string a = newContract(api, hostedBody(s));
            const std::string b = newContract(api, hostedBody(s));
            for (const auto& id : {a, b}) {
                BOOST_REQUIRE_EQUAL(
                    api.post(path(id, "/equipment"), R"({"equipment_ids":[")" + miner + R"("]})")
                        .status,
                    200);
            }
            std::latch start(2);
            int status_a = 0;
            int status_b = 0;
            std::string body_a;
            std::string body_b;
            std::thread ta([&] {
                start.arrive_and_wait();
                const auto r = sharedServer().post(path(a, "/activate"), s.admin_key, "");
                status_a = r.status;
                body_a = r.body;
            });
            std::thread tb([&] {
                start.arrive_and_wait();
                const auto r = sharedServer().post(path(b, "/activate"), s.admin_key, "");
                status_b = r.status;
                body_b = r.body;
            });
            ta.join();
            tb.join();
            BOOST_CHECK_MESSAGE(
                (status_a == 200 && status_b == 409) || (status_a == 409 && status_b == 200),
                "statuses " << status_a << " " << status_b);
            const std::string winner = status_a == 200 ? a : b;
            const std::string loser = status_a == 200 ? b : a;
            const std::string& refusal = status_a == 200 ? body_b : body_a;
            BOOST_CHECK(refusal.find(miner) != std::string::npos);
            BOOST_CHECK(refusal.find("\"conflict\"") != std::string::npos);
            BOOST_CHECK_EQUAL(activeContractOf(api, miner), winner);
            const auto lost = api.get(path(loser)).json();
            BOOST_CHECK_EQUAL(str(lost, "status"), "draft");
            BOOST_CHECK(lost.find("contract_number")->isNull());
            BOOST_CHECK_EQUAL(str(api.get(path(winner)).json(), "contract_number"),
                              "C-" + std::string(5, '0') + std::to_string(round + 1));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
