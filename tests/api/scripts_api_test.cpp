// Tenant scripts over HTTP (/v1/scripts, /v1/script-limits): the lifecycle, roles and tenants,
// validation problems that change nothing, hostile scripts that never stop the server, the
// examples shipped in conf/scripts, and invoices priced by an active rate script.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/api_fixture.h"
#include "api/invoicing_fixture.h"
#include "core/json.h"

using namespace billwright::testing;
using namespace billwright::testing::invoicing;
using billwright::core::JsonValue;

namespace {

std::string quoted(const std::string& text) {
    return billwright::core::toJson(JsonValue::string(text));
}

HttpResult upload(const Api& api, const std::string& name, const std::string& kind,
                  const std::string& source) {
    return api.post("/v1/scripts/" + name + "/versions",
                    R"({"kind":")" + kind + R"(","source":)" + quoted(source) + "}");
}

HttpResult dryRun(const Api& api, const std::string& name, const std::string& body) {
    return api.post("/v1/scripts/" + name + "/dry-run", body);
}

// Peak 08:00-19:59 UTC at 0.080, otherwise 0.050.
const std::string kTimeOfUse = R"(-- time of use
examples = { { context = { hour = 9 }, expect = "0.080" } }
function rate(ctx)
  if ctx.hour >= 8 and ctx.hour < 20 then return "0.080" end
  return "0.050"
end
)";

// Both keys' views of a script's state, for "nothing changed" checks.
std::string scriptsState(const Api& api) {
    const auto r = api.get("/v1/scripts");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scripts_api)

// Upload, read back, dry-run on a context and on a real contract, activate, price an
// invoice, upload v2, activate, roll back.
// October 2026 at 3 kWh an hour: 372 peak hours (12 a day x 31) = 1,116 kWh x 0.08 = 89.28;
// 372 off-peak hours = 1,116 kWh x 0.05 = 55.80.
BOOST_AUTO_TEST_CASE(a_rate_script_from_upload_to_priced_invoice_and_rollback) {
    const Shop shop = newShop(sharedServer());
    const Api api = shop.admin();
    const auto up = upload(api, "tou", "rate", kTimeOfUse);
    BOOST_REQUIRE_MESSAGE(up.status == 201, up.body);
    BOOST_CHECK_EQUAL(str(up.json(), "status"), "inactive");
    BOOST_CHECK_EQUAL(up.json().find("latest_version")->asInt64().value_or(0), 1);
    const auto& v1 = up.json().find("versions")->items().at(0);
    BOOST_CHECK_EQUAL(v1.find("examples_run")->asInt64().value_or(0), 1);
    BOOST_CHECK(v1.find("source") == nullptr);  // lists leave the source out

    const auto source = api.get("/v1/scripts/tou/versions/1");
    BOOST_REQUIRE_EQUAL(source.status, 200);
    BOOST_CHECK_EQUAL(str(source.json(), "source"), kTimeOfUse);
    BOOST_CHECK_EQUAL(api.get("/v1/scripts/tou/versions/2").status, 404);

    const auto ctx = dryRun(api, "tou", R"({"context":{"hour":13}})");
    BOOST_REQUIRE_MESSAGE(ctx.status == 200, ctx.body);
    BOOST_CHECK_EQUAL(str(ctx.json(), "result"), "0.080000");

    const std::string customer = meteredCustomer(api);
    const auto contracts = api.get("/v1/contracts?customer_id=" + customer);
    const std::string contract = str(dataOf(contracts).at(0), "id");
    const auto real =
        dryRun(api, "tou", R"({"contract_id":")" + contract + R"(","period_start":"2026-10-01"})");
    BOOST_REQUIRE_MESSAGE(real.status == 200, real.body);
    BOOST_REQUIRE_EQUAL(real.json().find("lines")->items().size(), 2U);
    BOOST_CHECK_EQUAL(real.json().find("amount_minor")->asInt64().value_or(0), 14508);
    // A dry run saves nothing and activates nothing.
    BOOST_CHECK_EQUAL(str(api.get("/v1/scripts/tou").json(), "status"), "inactive");
    BOOST_CHECK(dataOf(api.get("/v1/invoices")).empty());

    const auto active = api.post("/v1/scripts/tou/activate", "{}");
    BOOST_REQUIRE_MESSAGE(active.status == 200, active.body);
    BOOST_CHECK_EQUAL(str(active.json(), "status"), "active");
    const auto inv = issue(api, customer);
    BOOST_REQUIRE_MESSAGE(inv.status == 201, inv.body);
    const auto& lines = inv.json().find("lines")->items();
    BOOST_REQUIRE_EQUAL(lines.size(), 2U);
    BOOST_CHECK_EQUAL(str(lines[0], "rate_per_kwh"), "0.050000");
    BOOST_CHECK_EQUAL(str(lines[0], "amount"), "55.80");
    BOOST_CHECK_EQUAL(str(lines[1], "rate_per_kwh"), "0.080000");
    BOOST_CHECK_EQUAL(str(lines[1], "amount"), "89.28");
    BOOST_CHECK_EQUAL(str(*lines[1].find("script"), "name"), "tou");
    BOOST_CHECK_EQUAL(lines[1].find("script")->find("version")->asInt64().value_or(0), 1);

    BOOST_REQUIRE_EQUAL(
        upload(api, "tou", "rate", "function rate(ctx) return ctx.plain_rate end").status, 201);
    BOOST_REQUIRE_EQUAL(api.post("/v1/scripts/tou/activate", R"({"version":2})").status, 200);
    const auto back = api.post("/v1/scripts/tou/rollback", "{}");
    BOOST_REQUIRE_MESSAGE(back.status == 200, back.body);
    BOOST_CHECK_EQUAL(back.json().find("active_version")->asInt64().value_or(0), 1);
    const auto versions = api.get("/v1/scripts/tou/versions");
    BOOST_CHECK_EQUAL(dataOf(versions).size(), 2U);
    const auto off = api.post("/v1/scripts/tou/deactivate", "");
    BOOST_REQUIRE_EQUAL(off.status, 200);
    BOOST_CHECK_EQUAL(str(off.json(), "status"), "inactive");
}

BOOST_AUTO_TEST_CASE(viewers_read_other_tenants_see_nothing_and_only_the_operator_sets_limits) {
    const Shop shop = newShop(sharedServer());
    const Shop other = newShop(sharedServer(), "Other Co");
    BOOST_REQUIRE_EQUAL(upload(shop.admin(), "tou", "rate", kTimeOfUse).status, 201);
    const Api viewer = shop.viewer();
    BOOST_CHECK_EQUAL(viewer.get("/v1/scripts/tou").status, 200);
    BOOST_CHECK_EQUAL(viewer.get("/v1/scripts/tou/versions/1").status, 200);
    BOOST_CHECK_EQUAL(viewer.get("/v1/script-limits").status, 200);
    const std::string before = scriptsState(shop.admin());
    expectEveryCall(shop.viewer_key,
                    {{"POST", "/v1/scripts/tou/versions",
                      R"({"kind":"rate","source":"function rate(c) return 1 end"})"},
                     {"POST", "/v1/scripts/tou/activate", "{}"},
                     {"POST", "/v1/scripts/tou/rollback", "{}"},
                     {"POST", "/v1/scripts/tou/deactivate", "{}"},
                     {"PATCH", "/v1/script-limits", R"({"wall_ms":10})"}},
                    403, "forbidden");
    expectEveryCall(
        shop.admin_key,
        {{"PATCH", "/v1/script-limits", R"({"wall_ms":10})"}, {"DELETE", "/v1/script-limits", ""}},
        403, "forbidden");
    expectEveryCall(other.admin_key,
                    {{"GET", "/v1/scripts/tou", ""},
                     {"GET", "/v1/scripts/tou/versions/1", ""},
                     {"POST", "/v1/scripts/tou/activate", "{}"},
                     {"POST", "/v1/scripts/tou/dry-run", R"({"context":{"hour":1}})"}},
                    404, "not_found");
    BOOST_CHECK(dataOf(other.admin().get("/v1/scripts")).empty());
    BOOST_CHECK_EQUAL(scriptsState(shop.admin()), before);

    // The operator, naming the tenant.
    const Api super = asSuper();
    const std::map<std::string, std::string> h{{"Billwright-Tenant", shop.tenant}};
    const auto set = sharedServer().request("PATCH", "/v1/script-limits", super.key,
                                            R"({"wall_ms":50,"quarantine_after":3})", h);
    BOOST_REQUIRE_MESSAGE(set.status == 200, set.body);
    const auto limits = viewer.get("/v1/script-limits").json();
    BOOST_CHECK_EQUAL(limits.find("wall_ms")->asInt64().value_or(0), 50);
    BOOST_CHECK(limits.find("custom")->asBool());
    const auto bad = sharedServer().request("PATCH", "/v1/script-limits", super.key,
                                            R"({"instructions":1,"color":"red"})", h);
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(viewer.get("/v1/script-limits").json().find("wall_ms")->asInt64().value_or(0),
                      50);
    const auto reset = sharedServer().request("DELETE", "/v1/script-limits", super.key, "", h);
    BOOST_REQUIRE_EQUAL(reset.status, 200);
    BOOST_CHECK(!viewer.get("/v1/script-limits").json().find("custom")->asBool());
}

// Every refused upload names the field (and for script problems the line) and stores nothing.
BOOST_AUTO_TEST_CASE(refused_uploads_name_the_problem_and_change_nothing) {
    const Shop shop = newShop(sharedServer());
    const Api api = shop.admin();
    struct Case {
        std::string name;
        std::string body;
        std::string field;
        std::string code;
    };
    const std::string big(70 * 1024, 'x');
    const std::vector<Case> cases = {
        {"tou", R"({"kind":"rate"})", "source", "required"},
        {"tou", R"({"kind":"pricing","source":"x=1"})", "kind", "invalid_enum"},
        {"tou", R"({"source":"function rate(c) return 1 end"})", "kind", "required"},
        {"Bad_Name", R"({"kind":"rate","source":"function rate(c) return 1 end"})", "name",
         "invalid_format"},
        {"tou", R"({"kind":"rate","source":"function rate(\n"})", "source", "compile_error"},
        {"tou", R"({"kind":"rate","source":"x = 1"})", "source", "missing_function"},
        {"tou",
         R"({"kind":"rate","source":"examples={{context={},expect=\"2\"}}\nfunction rate(c) return \"1\" end"})",
         "source", "example_failed"},
        {"tou", R"({"kind":"rate","source":"while true do end"})", "source", "instruction_limit"},
        {"tou", R"({"kind":"rate","source":")" + big + R"("})", "source", ""},
        {"tou", R"({"kind":"rate","source":"function rate(c) return 1 end","x":1})", "x",
         "unknown_field"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body.substr(0, 80)) {
            const auto r = api.post("/v1/scripts/" + c.name + "/versions", c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemField(r), c.field);
            if (!c.code.empty()) BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
        }
    }
    // The compile error points at its line.
    const auto syntax = api.post("/v1/scripts/tou/versions",
                                 R"({"kind":"rate","source":"x = 1\nfunction rate(\n"})");
    BOOST_CHECK(syntax.body.find(R"("line":3)") != std::string::npos);
    BOOST_CHECK(dataOf(api.get("/v1/scripts")).empty());
    BOOST_CHECK_EQUAL(api.get("/v1/scripts/tou").status, 404);
}

// Hostile scripts through the API: each ends with its limit's code in a 422, and the server
// goes on serving (the next script of another tenant runs normally).
BOOST_AUTO_TEST_CASE(hostile_scripts_fail_cleanly_and_the_server_stays_up) {
    const Shop shop = newShop(sharedServer());
    const Shop next = newShop(sharedServer(), "Next Co");
    const Api api = shop.admin();
    struct Attack {
        std::string source;
        std::string code;
    };
    const std::vector<Attack> attacks = {
        {"function rate(c) while true do end end", "instruction_limit"},
        {"function rate(c) while true do pcall(function() while true do end end) end end",
         "instruction_limit"},
        {"function rate(c) local co = coroutine.wrap(function() while true do end end) co() end",
         "instruction_limit"},
        {"function rate(c) local s = 'x' while true do s = s .. s end end", "memory_limit"},
        {"function rate(c) local t = {} for i = 1, 1e9 do t[i] = i end end", ""},
        {"function rate(c) return string.rep('', 2^62) end", ""},
        {"local function f(n) return f(n + 1) + 1 end function rate(c) return f(1) end",
         "recursion_limit"},
        {"function rate(c) return load('return 1')() end", "runtime_error"},
        {"function rate(c) return os.time() end", "runtime_error"},
        {"function rate(c) error(setmetatable({}, {__tostring = function() while true do end "
         "end})) end",
         "runtime_error"},
        {"function rate(c) return 0/0 end", "bad_result"},
        {"function rate(c) return math.huge end", "bad_result"},
        {"function rate(c) return {} end", "bad_result"},
        {"function rate(c) return '-1' end", "bad_result"},
    };
    int n = 0;
    for (const auto& a : attacks) {
        BOOST_TEST_CONTEXT(a.source) {
            const std::string name = "attack" + std::to_string(++n);
            const auto up = upload(api, name, "rate", a.source);
            BOOST_REQUIRE_MESSAGE(up.status == 201, up.body);
            const auto r = dryRun(api, name, R"({"context":{"hour":1}})");
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemCode(r), "validation_failed");
            if (!a.code.empty()) BOOST_CHECK_EQUAL(problemFieldCode(r), a.code);
            BOOST_CHECK_EQUAL(sharedServer().get("/readyz", "").status, 200);
            BOOST_REQUIRE_EQUAL(upload(next.admin(), "fine", "rate", kTimeOfUse).status, 201);
            const auto fine = dryRun(next.admin(), "fine", R"({"context":{"hour":20}})");
            BOOST_REQUIRE_MESSAGE(fine.status == 200, fine.body);
            BOOST_CHECK_EQUAL(str(fine.json(), "result"), "0.050000");
        }
    }
    // Each failed dry run is audited with its code.
    int audited = 0;
    const auto events = api.get("/v1/audit-events?limit=100");
    for (const auto& e : dataOf(events)) {
        if (str(e, "action") == "script.dry_run_failed") ++audited;
    }
    BOOST_CHECK_EQUAL(audited, static_cast<int>(attacks.size()));
    const auto metrics = sharedServer().get("/metrics", asSuper().key);
    BOOST_CHECK(metrics.body.find("billwright_script_failures_total") != std::string::npos);
}

// The examples shipped in conf/scripts upload (their declared examples pass) and dry-run.
BOOST_AUTO_TEST_CASE(the_example_scripts_in_conf_upload_with_their_examples) {
    const Shop shop = newShop(sharedServer());
    const std::filesystem::path dir = std::filesystem::path(BW_SOURCE_DIR) / "conf" / "scripts";
    int uploaded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".lua") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        const std::string source = text.str();
        const std::string marker = "-- kind: ";
        BOOST_REQUIRE_MESSAGE(source.rfind(marker, 0) == 0,
                              entry.path().string() + " starts with -- kind: <kind>");
        const std::string kind = source.substr(marker.size(), source.find('\n') - marker.size());
        const std::string name = entry.path().stem().string();
        BOOST_TEST_CONTEXT(name) {
            const auto r = upload(shop.admin(), name, kind, source);
            BOOST_CHECK_MESSAGE(r.status == 201, r.body);
            if (r.status == 201) {
                BOOST_CHECK_GT(r.json()
                                   .find("versions")
                                   ->items()
                                   .at(0)
                                   .find("examples_run")
                                   ->asInt64()
                                   .value_or(0),
                               0);
                ++uploaded;
            }
        }
    }
    BOOST_CHECK_GE(uploaded, 4);
}

BOOST_AUTO_TEST_SUITE_END()
