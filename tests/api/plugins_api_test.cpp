// Plugins over HTTP: the plugin list (loaded and refused files), per-tenant plugin configuration
// and its secrets (sealed at rest, never shown, bound to the master key), the out-of-tree SDK
// example billing a contract, the billing-method chain of a contract, and a plugin that throws.

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/api_fixture.h"
#include "unit/plugins/broken/expected_refusals.h"

using namespace billwright::testing;
using billwright::core::JsonValue;

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
// Two master keys: 64 hex digits each.
const std::string kMasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kOtherMasterKey =
    "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100";

const auto& kBrokenFiles = billwright::testing::kBrokenPluginRefusals;

std::string firstPartyDir() { return BW_FIRST_PARTY_PLUGIN_DIR; }
std::string brokenDir() { return BW_BROKEN_PLUGIN_DIR; }
// Built by the ctest fixture sdk_out_of_tree (tests/plugins/sdk_install_test.sh).
std::string exampleDir() {
    const std::string dir = BW_SDK_EXAMPLE_MODULE_DIR;
    BOOST_REQUIRE_MESSAGE(fs::exists(dir + "/billing_flat_load.so"),
                          dir +
                              "/billing_flat_load.so is missing: it is built by the ctest "
                              "sdk_out_of_tree (run ctest -R 'sdk_out_of_tree|api_tests')");
    return dir;
}

std::string pluginDirectories(std::initializer_list<std::string> dirs) {
    std::string out = "plugins.directories=";
    for (const auto& d : dirs) out += (out.back() == '=' ? "" : ",") + d;
    return out;
}

// First-party and broken plugins, no master key.
ServerProcess& brokenServer() {
    static ServerProcess server({pluginDirectories({firstPartyDir(), brokenDir()})});
    return server;
}

// First-party, broken and example plugins, with a master key.
ServerProcess& pluginServer() {
    static ServerProcess server({pluginDirectories({firstPartyDir(), brokenDir(), exampleDir()}),
                                 "secrets.master_key=" + kMasterKey});
    return server;
}

std::string fileName(const std::string& path) { return fs::path(path).filename().string(); }

std::string createdId(const HttpResult& r) {
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json(), "id");
}

struct Tenant {
    std::string id;
    Api admin;
    Api viewer;
};

Tenant newTenant(ServerProcess& server, const std::string& name = "Plugin Co") {
    const Api super{server, server.superKey()};
    const std::string id =
        createdId(super.post("/v1/tenants", R"({"name":")" + name + R"(","timezone":"UTC"})"));
    const auto key = [&](const std::string& role) {
        const auto r = super.post(
            "/v1/api-keys", R"({"name":"k","role":")" + role + R"(","tenant_id":")" + id + R"("})");
        BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
        return str(r.json(), "secret");
    };
    return {id, Api{server, key("tenant_admin")}, Api{server, key("tenant_viewer")}};
}

std::string newCustomer(const Api& api) {
    return createdId(
        api.post("/v1/customers", R"({"name":"Ada Miner","contact_email":"ada@example.com"})"));
}

std::string newUnit(const Api& api, const std::string& customer, const std::string& serial,
                    int power_w, int hashrate_ths) {
    return createdId(
        api.post("/v1/equipment", R"({"serial_number":")" + serial +
                                      R"(","model":"S19","power_w":)" + std::to_string(power_w) +
                                      R"(,"hashrate_ths":)" + std::to_string(hashrate_ths) +
                                      R"(,"owner_customer_id":")" + customer + R"("})"));
}

// A hosted contract from 2026-01-01 for a year at $0.065/kWh over `units`, activated.
std::string activeContract(const Api& api, const std::string& customer,
                           const std::vector<std::string>& units, const std::string& methods,
                           const std::string& extra = "") {
    const std::string id = createdId(
        api.post("/v1/contracts",
                 R"({"customer_id":")" + customer +
                     R"(","type":"hosted","rate_per_kwh":"0.065","start_date":"2026-01-01",)" +
                     R"("term":"1_year","billing_methods":)" + methods + extra + "}"));
    std::string ids;
    for (const auto& u : units) ids += (ids.empty() ? "\"" : ",\"") + u + "\"";
    const auto assigned =
        api.post("/v1/contracts/" + id + "/equipment", R"({"equipment_ids":[)" + ids + "]}");
    BOOST_REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
    const auto activated = api.post("/v1/contracts/" + id + "/activate", "");
    BOOST_REQUIRE_MESSAGE(activated.status == 200, activated.body);
    return id;
}

// The chain's result for 2026-01-01 (24 hours in the tenant's UTC).
HttpResult previewJan1(const Api& api, const std::string& contract) {
    return api.get("/v1/contracts/" + contract +
                   "/usage-preview?period_start=2026-01-01&period_end=2026-01-02");
}

// The preview line of `method`; fails the test when there is none.
const JsonValue& lineOf(const HttpResult& preview, const std::string& method) {
    for (const auto& l : preview.json().find("lines")->items()) {
        if (l.find("method")->asString() == method) return l;
    }
    BOOST_FAIL("no line for " + method + " in " + preview.body);
    throw std::logic_error("unreachable");
}

std::string tline(const std::string& kind, const std::string& unit, std::int64_t ts,
                  const std::string& value) {
    return R"({"kind":")" + kind + R"(","equipment_id":")" + unit + R"(","ts":)" +
           std::to_string(ts) + R"(,"value":")" + value + "\"}\n";
}

void ingest(const Api& api, const std::string& body) {
    const auto r = api.post("/v1/telemetry", body, {{"Content-Type", "application/x-ndjson"}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_REQUIRE_MESSAGE(r.json().find("rejected")->asInt64().value() == 0, r.body);
}

// The configuration entry of key `name` in a plugin_config response.
const JsonValue& configKey(const HttpResult& config, const std::string& name) {
    for (const auto& k : config.json().find("keys")->items()) {
        if (k.find("name")->asString() == name) return k;
    }
    BOOST_FAIL("no key " + name + " in " + config.body);
    throw std::logic_error("unreachable");
}

// True when some per-field error names `field` with `code`.
bool namesField(const HttpResult& r, const std::string& field, const std::string& code) {
    const JsonValue* errors = r.json().find("errors");
    if (errors == nullptr) return false;
    for (const auto& e : errors->items()) {
        if (e.find("field")->asString() == field && e.find("code")->asString() == code) return true;
    }
    return false;
}

std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One stored plugin setting, read straight from a test server's SQLite file.
struct StoredSetting {
    bool found = false;
    std::optional<std::string> value;
    std::optional<std::string> sealed;
    std::optional<std::string> key_id;
};

StoredSetting storedSetting(const std::string& db_url, const std::string& tenant,
                            const std::string& plugin, const std::string& name) {
    const auto rows = runSql(db_url,
                             "SELECT value, sealed, key_id FROM plugin_settings WHERE tenant_id = "
                             "? AND plugin_id = ? AND name = ?",
                             {tenant, plugin, name});
    StoredSetting out;
    if (!rows.empty()) {
        out.found = true;
        out.value = rows[0].getOptionalString(0);
        out.sealed = rows[0].getOptionalString(1);
        out.key_id = rows[0].getOptionalString(2);
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plugins_api)

BOOST_AUTO_TEST_CASE(the_first_party_plugins_are_listed_as_loaded_with_their_methods_and_keys) {
    const auto viewer = as(createKey("tenant_viewer", createTenant("Plugin list", "")));
    const auto list = viewer.get("/v1/plugins");
    BOOST_REQUIRE_MESSAGE(list.status == 200, list.body);
    BOOST_CHECK_EQUAL(str(list.json(), "object"), "list");
    // id -> billing method, output
    const std::map<std::string, std::pair<std::string, std::string>> expected = {
        {"billing_calculated", {"calculated", "energy"}},
        {"billing_flat", {"flat", "amount"}},
        {"billing_hash", {"hash", "energy"}},
        {"billing_metered", {"metered", "energy"}},
    };
    std::set<std::string> seen;
    for (const auto& p : list.json().find("data")->items()) {
        const std::string id = str(p, "id");
        BOOST_TEST_CONTEXT("plugin " << id) {
            // A default installation loads every plugin it finds.
            BOOST_CHECK_EQUAL(str(p, "status"), "loaded");
            BOOST_CHECK(p.find("refusal")->isNull());
            const auto it = expected.find(id);
            if (it == expected.end()) continue;
            seen.insert(id);
            BOOST_CHECK_EQUAL(str(p, "object"), "plugin");
            BOOST_CHECK_EQUAL(fileName(str(p, "file")), id + ".so");
            BOOST_CHECK_EQUAL(str(p, "version"), "1.0.0");
            BOOST_CHECK_EQUAL(str(p, "abi_version"), "1.1");
            BOOST_CHECK(p.find("payment_processor")->isNull());
            BOOST_CHECK(p.find("description")->isString());
            const auto& kinds = p.find("kinds")->items();
            BOOST_REQUIRE_EQUAL(kinds.size(), 1U);
            BOOST_CHECK_EQUAL(kinds[0].asString(), "billing_method");
            BOOST_CHECK_EQUAL(str(p, "billing_method"), it->second.first);
            BOOST_CHECK_EQUAL(str(p, "billing_output"), it->second.second);
            const auto& keys = p.find("config_keys")->items();
            if (id == "billing_flat") {
                BOOST_REQUIRE_EQUAL(keys.size(), 1U);
                BOOST_CHECK_EQUAL(str(keys[0], "name"), "line_description");
                BOOST_CHECK_EQUAL(str(keys[0], "type"), "string");
                BOOST_CHECK_EQUAL(str(keys[0], "required"), "false");
                BOOST_CHECK_EQUAL(str(keys[0], "secret"), "false");
                BOOST_CHECK_EQUAL(str(keys[0], "default"), "Flat fee");
                BOOST_CHECK(keys[0].find("description")->isString());
            } else {
                BOOST_CHECK(keys.empty());
            }
        }
    }
    BOOST_CHECK_EQUAL(seen.size(), expected.size());

    // The first payment processor: what it handles and promises, no configuration.
    const auto manual = viewer.get("/v1/plugins/payment_manual");
    BOOST_REQUIRE_MESSAGE(manual.status == 200, manual.body);
    const JsonValue& m = manual.json();
    BOOST_CHECK_EQUAL(str(m, "status"), "loaded");
    BOOST_CHECK_EQUAL(str(m, "abi_version"), "1.1");
    BOOST_REQUIRE_EQUAL(m.find("kinds")->items().size(), 1U);
    BOOST_CHECK_EQUAL(m.find("kinds")->items()[0].asString(), "payment_processor");
    BOOST_CHECK(m.find("billing_method")->isNull());
    BOOST_CHECK(m.find("config_keys")->items().empty());
    const JsonValue* processor = m.find("payment_processor");
    BOOST_REQUIRE(processor != nullptr && processor->isObject());
    const auto names = [](const JsonValue& array) {
        std::vector<std::string> out;
        for (const auto& item : array.items()) out.push_back(item.asString());
        return out;
    };
    BOOST_CHECK(names(*processor->find("method_types")) == std::vector<std::string>{"manual"});
    BOOST_CHECK(names(*processor->find("flags")) ==
                (std::vector<std::string>{"refunds", "records"}));

    const auto one = viewer.get("/v1/plugins/billing_hash");
    BOOST_REQUIRE_EQUAL(one.status, 200);
    BOOST_CHECK_EQUAL(str(one.json(), "billing_method"), "hash");
    const auto missing = viewer.get("/v1/plugins/billing_nope");
    BOOST_CHECK_EQUAL(missing.status, 404);
    BOOST_CHECK_EQUAL(problemCode(missing), "not_found");
    BOOST_CHECK_EQUAL(sharedServer().get("/v1/plugins", "").status, 401);
}

BOOST_AUTO_TEST_CASE(every_broken_file_is_listed_as_refused_with_its_code_and_the_server_serves) {
    ServerProcess& server = brokenServer();
    const Api super{server, server.superKey()};
    const auto list = super.get("/v1/plugins");
    BOOST_REQUIRE_MESSAGE(list.status == 200, list.body);
    std::set<std::string> seen;
    std::size_t first_party = 0;
    for (const auto& p : list.json().find("data")->items()) {
        const std::string file = str(p, "file");
        const std::string name = fileName(file);
        BOOST_TEST_CONTEXT("file " << file) {
            if (fs::path(file).parent_path() == fs::path(firstPartyDir())) {
                BOOST_CHECK_EQUAL(str(p, "status"), "loaded");
                ++first_party;
                continue;
            }
            BOOST_CHECK(fs::path(file).parent_path() == fs::path(brokenDir()));
            const auto expected = kBrokenFiles.find(name);
            BOOST_REQUIRE(expected != kBrokenFiles.end());
            BOOST_CHECK(seen.insert(name).second);
            if (expected->second.empty()) {
                BOOST_CHECK_EQUAL(str(p, "status"), "loaded");
                BOOST_CHECK(p.find("refusal")->isNull());
            } else {
                BOOST_CHECK_EQUAL(str(p, "status"), "refused");
                const JsonValue* refusal = p.find("refusal");
                BOOST_REQUIRE(refusal != nullptr && refusal->isObject());
                BOOST_CHECK_EQUAL(str(*refusal, "code"), expected->second);
                BOOST_CHECK(!str(*refusal, "reason").empty());
            }
        }
    }
    BOOST_CHECK_EQUAL(seen.size(), kBrokenFiles.size());
    // Every module the build put into the first-party directory is listed, loaded (the five of
    // the first release and the processors added since).
    std::size_t built = 0;
    for (const auto& entry : fs::directory_iterator(firstPartyDir())) {
        if (entry.path().extension() == ".so") ++built;
    }
    BOOST_CHECK_GE(first_party, 5U);
    BOOST_CHECK_EQUAL(first_party, built);
    // A refused file shows what the loader read of it before refusing: nothing of a file that
    // is not a library, the ABI version (and nothing it did not check yet) of a newer minor,
    // the whole descriptor of a duplicate.
    for (const auto& p : list.json().find("data")->items()) {
        const std::string name = fileName(str(p, "file"));
        if (name == "not_a_library.so") {
            BOOST_CHECK(p.find("id")->isNull());
            BOOST_CHECK(p.find("abi_version")->isNull());
        }
        if (name == "abi_minor_newer.so") {
            BOOST_CHECK_EQUAL(str(p, "abi_version"), "1.2");
            BOOST_CHECK(p.find("id")->isNull());
        }
        if (name == "duplicate_b.so") {
            BOOST_CHECK_EQUAL(str(p, "id"), "dup_plugin");
            BOOST_CHECK_EQUAL(str(p, "billing_method"), "dup_b");
        }
        if (name == "good_processor.so") {
            const JsonValue* processor = p.find("payment_processor");
            BOOST_REQUIRE(processor != nullptr && processor->isObject());
            BOOST_REQUIRE_EQUAL(processor->find("method_types")->items().size(), 1U);
            BOOST_CHECK_EQUAL(processor->find("method_types")->items()[0].asString(), "card");
        }
        if (name == "payment_without_table.so") {
            BOOST_CHECK(p.find("payment_processor")->isNull());
        }
        if (name == "good_throwing.so") {
            BOOST_CHECK_EQUAL(str(p, "billing_method"), "throwing");
            BOOST_CHECK_EQUAL(str(p, "billing_output"), "energy");
        }
    }
    // Refused files are not reachable by id.
    BOOST_CHECK_EQUAL(super.get("/v1/plugins/init_fails").status, 404);
    BOOST_CHECK_EQUAL(super.get("/v1/plugins/good_throwing").status, 200);

    // The server serves as usual.
    BOOST_CHECK_EQUAL(server.get("/healthz", "").status, 200);
    const Tenant t = newTenant(server);
    BOOST_CHECK_EQUAL(t.viewer.get("/v1/customers").status, 200);
}

BOOST_AUTO_TEST_CASE(a_tenant_configures_a_plugin_against_its_declared_keys) {
    const std::string tenant = createTenant("Configured", "");
    const Api admin = as(createKey("tenant_admin", tenant));
    const Api viewer = as(createKey("tenant_viewer", tenant));
    const std::string path = "/v1/plugins/billing_flat/config";

    const auto initial = viewer.get(path);
    BOOST_REQUIRE_MESSAGE(initial.status == 200, initial.body);
    BOOST_CHECK_EQUAL(str(initial.json(), "object"), "plugin_config");
    BOOST_CHECK_EQUAL(str(initial.json(), "plugin_id"), "billing_flat");
    BOOST_CHECK_EQUAL(str(initial.json(), "tenant_id"), tenant);
    BOOST_CHECK_EQUAL(str(initial.json(), "complete"), "true");
    BOOST_CHECK(initial.json().find("updated_at")->isNull());
    const auto& fresh = configKey(initial, "line_description");
    BOOST_CHECK_EQUAL(str(fresh, "value"), "Flat fee");
    BOOST_CHECK_EQUAL(str(fresh, "is_default"), "true");
    BOOST_CHECK_EQUAL(str(fresh, "set"), "false");
    BOOST_CHECK_EQUAL(str(fresh, "type"), "string");
    BOOST_CHECK_EQUAL(str(fresh, "secret"), "false");

    // Refused bodies change nothing.
    const auto unknown = admin.put(path, R"({"line_description":"Hosting","colour":"red"})");
    BOOST_CHECK_EQUAL(unknown.status, 422);
    BOOST_CHECK_EQUAL(problemCode(unknown), "validation_failed");
    BOOST_CHECK_MESSAGE(namesField(unknown, "colour", "unknown_field"), unknown.body);
    const auto wrong = admin.put(path, R"({"line_description":5})");
    BOOST_CHECK_EQUAL(wrong.status, 422);
    BOOST_CHECK_EQUAL(problemField(wrong), "line_description");
    BOOST_CHECK_EQUAL(problemFieldCode(wrong), "wrong_type");
    const auto not_object = admin.put(path, R"(["line_description"])");
    BOOST_CHECK_EQUAL(not_object.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(not_object), "wrong_type");
    BOOST_CHECK_EQUAL(admin.put(path, "{").status, 400);
    BOOST_CHECK_EQUAL(str(configKey(viewer.get(path), "line_description"), "is_default"), "true");

    const auto put = admin.put(path, R"({"line_description":"Hosting fee"})");
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    BOOST_CHECK_EQUAL(str(configKey(put, "line_description"), "value"), "Hosting fee");
    BOOST_CHECK(!put.json().find("updated_at")->isNull());
    const auto read = viewer.get(path);
    const auto& stored = configKey(read, "line_description");
    BOOST_CHECK_EQUAL(str(stored, "value"), "Hosting fee");
    BOOST_CHECK_EQUAL(str(stored, "is_default"), "false");
    BOOST_CHECK_EQUAL(str(stored, "set"), "true");

    // A viewer reads but does not write.
    const auto denied = viewer.put(path, R"({"line_description":"Viewer fee"})");
    BOOST_CHECK_EQUAL(denied.status, 403);
    BOOST_CHECK_EQUAL(problemCode(denied), "forbidden");
    BOOST_CHECK_EQUAL(str(configKey(viewer.get(path), "line_description"), "value"), "Hosting fee");

    // Another tenant's configuration is its own.
    const Api other = as(createKey("tenant_admin", createTenant("Other", "")));
    const auto others = other.get(path);
    BOOST_REQUIRE_EQUAL(others.status, 200);
    BOOST_CHECK_EQUAL(str(configKey(others, "line_description"), "value"), "Flat fee");
    BOOST_CHECK_EQUAL(str(configKey(others, "line_description"), "set"), "false");

    // A key left out returns to its default; so does one set to null.
    BOOST_REQUIRE_EQUAL(admin.put(path, "{}").status, 200);
    BOOST_CHECK_EQUAL(str(configKey(viewer.get(path), "line_description"), "is_default"), "true");
    BOOST_REQUIRE_EQUAL(admin.put(path, R"({"line_description":"Again"})").status, 200);
    const auto cleared = admin.put(path, R"({"line_description":null})");
    BOOST_REQUIRE_EQUAL(cleared.status, 200);
    BOOST_CHECK_EQUAL(str(configKey(cleared, "line_description"), "value"), "Flat fee");

    for (const auto& r : {viewer.get("/v1/plugins/billing_nope/config"),
                          admin.put("/v1/plugins/billing_nope/config", "{}")}) {
        BOOST_CHECK_EQUAL(r.status, 404);
        BOOST_CHECK_EQUAL(problemCode(r), "not_found");
    }
}

BOOST_AUTO_TEST_CASE(a_missing_required_key_is_422_and_secrets_need_a_master_key) {
    ServerProcess& server = brokenServer();  // no secrets.master_key
    const Tenant t = newTenant(server);
    const std::string path = "/v1/plugins/good_throwing/config";

    const auto initial = t.viewer.get(path);
    BOOST_REQUIRE_MESSAGE(initial.status == 200, initial.body);
    BOOST_CHECK_EQUAL(str(initial.json(), "complete"), "false");
    const auto& missing = initial.json().find("missing_required")->items();
    BOOST_REQUIRE_EQUAL(missing.size(), 1U);
    BOOST_CHECK_EQUAL(missing[0].asString(), "api_token");
    const auto& token = configKey(initial, "api_token");
    BOOST_CHECK_EQUAL(str(token, "secret"), "true");
    BOOST_CHECK_EQUAL(str(token, "required"), "true");
    BOOST_CHECK_EQUAL(str(token, "set"), "false");
    BOOST_CHECK(token.find("value") == nullptr);

    const auto without = t.admin.put(path, R"({"label":"x"})");
    BOOST_CHECK_EQUAL(without.status, 422);
    BOOST_CHECK_EQUAL(problemCode(without), "validation_failed");
    BOOST_CHECK_EQUAL(problemField(without), "api_token");
    BOOST_CHECK_EQUAL(problemFieldCode(without), "required");
    const auto wrong = t.admin.put(path, R"({"api_token":42})");
    BOOST_CHECK_EQUAL(wrong.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(wrong), "wrong_type");

    // Without a master key the server cannot seal a secret: 503, nothing stored.
    const auto sealed = t.admin.put(path, R"({"api_token":"tok-no-key"})");
    BOOST_CHECK_EQUAL(sealed.status, 503);
    BOOST_CHECK_EQUAL(problemCode(sealed), "unavailable");
    BOOST_CHECK(sealed.body.find("tok-no-key") == std::string::npos);
    BOOST_CHECK_EQUAL(str(configKey(t.viewer.get(path), "api_token"), "set"), "false");
}

BOOST_AUTO_TEST_CASE(secrets_are_sealed_at_rest_never_shown_and_need_their_master_key) {
    const std::string dirs = pluginDirectories({firstPartyDir(), exampleDir()});
    ServerProcess server({dirs, "secrets.master_key=" + kMasterKey});
    const Tenant t = newTenant(server);
    const std::string path = "/v1/plugins/billing_flat_load/config";
    const std::string plaintext = "tok-PLAINTEXT-4711";

    const auto put =
        t.admin.put(path, R"({"load_percent":50,"meter_api_token":")" + plaintext + R"("})");
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    BOOST_CHECK(put.body.find(plaintext) == std::string::npos);
    const auto& token = configKey(put, "meter_api_token");
    BOOST_CHECK_EQUAL(str(token, "secret"), "true");
    BOOST_CHECK_EQUAL(str(token, "set"), "true");
    BOOST_CHECK(token.find("value") == nullptr);
    BOOST_CHECK_EQUAL(str(configKey(put, "load_percent"), "value"), "50");
    const auto read = t.viewer.get(path);
    BOOST_REQUIRE_EQUAL(read.status, 200);
    BOOST_CHECK(read.body.find(plaintext) == std::string::npos);
    BOOST_CHECK_EQUAL(str(configKey(read, "meter_api_token"), "set"), "true");
    BOOST_CHECK(configKey(read, "meter_api_token").find("value") == nullptr);

    // At rest: only the sealed form, which is not the plaintext and does not contain it.
    const std::string db = server.databaseUrl();
    const auto stored = storedSetting(db, t.id, "billing_flat_load", "meter_api_token");
    BOOST_REQUIRE(stored.found);
    BOOST_CHECK(!stored.value.has_value());
    BOOST_REQUIRE(stored.sealed.has_value());
    BOOST_CHECK_NE(*stored.sealed, plaintext);
    BOOST_CHECK(stored.sealed->find(plaintext) == std::string::npos);
    BOOST_CHECK(stored.key_id.has_value() && !stored.key_id->empty());
    const auto load = storedSetting(db, t.id, "billing_flat_load", "load_percent");
    BOOST_CHECK(load.value == std::optional<std::string>("50"));
    BOOST_CHECK(!load.sealed.has_value());

    // The plugin gets the decrypted secret: it says it is set (and never what it is).
    const std::string customer = newCustomer(t.admin);
    const std::string unit = newUnit(t.admin, customer, "SEC-1", 3250, 100);
    const std::string contract = activeContract(t.admin, customer, {unit}, R"(["flat_load"])");
    const auto billed = previewJan1(t.viewer, contract);
    BOOST_REQUIRE_MESSAGE(billed.status == 200, billed.body);
    const auto& details = *billed.json().find("equipment")->items().at(0).find("details");
    BOOST_CHECK_EQUAL(str(*details.find("flat_load"), "meter_api_token"), "set");
    BOOST_CHECK(billed.body.find(plaintext) == std::string::npos);

    // A secret left out keeps its value; the other keys return to their defaults.
    const auto kept = t.admin.put(path, R"({"load_percent":60})");
    BOOST_REQUIRE_EQUAL(kept.status, 200);
    BOOST_CHECK_EQUAL(str(configKey(kept, "meter_api_token"), "set"), "true");

    BOOST_CHECK_EQUAL(server.stop(), 0);
    // The plaintext is in no database file (SQLite's; MariaDB's files belong to its server,
    // and the stored columns were checked above) and in no log line.
    if (!onMysql()) {
        const std::string file = server.directory() + "/billwright.db";
        for (const auto& f : {file, file + "-wal"}) {
            BOOST_TEST_CONTEXT(f) {
                BOOST_CHECK(fileBytes(f).find(plaintext) == std::string::npos);
            }
        }
    }
    BOOST_CHECK(server.stderrText().find(plaintext) == std::string::npos);

    // A start with another key, a malformed key or no key at all refuses to start (EX_CONFIG)
    // naming the setting. --list-routes runs the start-up up to the point of serving, so a
    // server that wrongly accepted the key exits 0 here instead of serving forever.
    const std::vector<std::string> base = {"-Ddatabase.url=" + db, "-D" + dirs, "--list-routes"};
    const auto with = [&](const std::string& key) {
        auto args = base;
        args.push_back("-Dsecrets.master_key=" + key);
        return args;
    };
    struct Case {
        std::string name;
        std::vector<std::string> args;
    };
    for (const auto& c : std::vector<Case>{{"another key", with(kOtherMasterKey)},
                                           {"a malformed key", with("not-a-key")},
                                           {"no key", base}}) {
        BOOST_TEST_CONTEXT(c.name) {
            const auto refused = runBillwrightd(c.args);
            BOOST_CHECK_EQUAL(refused.exit_code, 78);
            BOOST_CHECK_MESSAGE(refused.err.find("secrets.master_key") != std::string::npos,
                                refused.err);
        }
    }
    // The right key from the environment is as good as the setting.
    const auto from_env = runBillwrightd(base, {{"BILLWRIGHT_SECRETS_MASTER_KEY", kMasterKey}});
    BOOST_CHECK_MESSAGE(from_env.exit_code == 0, from_env.err);

    // With the right key the server starts, and the secret is still set and still opens.
    server.start();
    const auto again = t.viewer.get(path);
    BOOST_REQUIRE_EQUAL(again.status, 200);
    BOOST_CHECK_EQUAL(str(configKey(again, "meter_api_token"), "set"), "true");
    BOOST_CHECK(again.body.find(plaintext) == std::string::npos);
    const auto rebilled = previewJan1(t.viewer, contract);
    BOOST_REQUIRE_MESSAGE(rebilled.status == 200, rebilled.body);
    const auto& unit_details = *rebilled.json().find("equipment")->items().at(0).find("details");
    BOOST_CHECK_EQUAL(str(*unit_details.find("flat_load"), "meter_api_token"), "set");
    BOOST_CHECK_EQUAL(str(*unit_details.find("flat_load"), "load_percent"), "60");

    // null clears a secret.
    const auto cleared = t.admin.put(path, R"({"meter_api_token":null})");
    BOOST_REQUIRE_EQUAL(cleared.status, 200);
    BOOST_CHECK_EQUAL(str(configKey(cleared, "meter_api_token"), "set"), "false");
    BOOST_CHECK(!storedSetting(db, t.id, "billing_flat_load", "meter_api_token").found);
}

BOOST_AUTO_TEST_CASE(the_out_of_tree_example_is_loaded_and_bills_a_contract) {
    ServerProcess& server = pluginServer();
    const Tenant t = newTenant(server);

    const auto listed = t.viewer.get("/v1/plugins/billing_flat_load");
    BOOST_REQUIRE_MESSAGE(listed.status == 200, listed.body);
    const auto& p = listed.json();
    BOOST_CHECK_EQUAL(str(p, "status"), "loaded");
    BOOST_CHECK_EQUAL(fs::path(str(p, "file")).parent_path(), fs::path(exampleDir()));
    BOOST_CHECK_EQUAL(str(p, "version"), "1.0.0");
    BOOST_CHECK_EQUAL(str(p, "billing_method"), "flat_load");
    BOOST_CHECK_EQUAL(str(p, "billing_output"), "energy");
    const auto& keys = p.find("config_keys")->items();
    BOOST_REQUIRE_EQUAL(keys.size(), 2U);
    BOOST_CHECK_EQUAL(str(keys[0], "name"), "load_percent");
    BOOST_CHECK_EQUAL(str(keys[0], "type"), "integer");
    BOOST_CHECK_EQUAL(str(keys[0], "default"), "100");
    BOOST_CHECK_EQUAL(str(keys[1], "name"), "meter_api_token");
    BOOST_CHECK_EQUAL(str(keys[1], "secret"), "true");
    BOOST_CHECK(keys[1].find("default")->isNull());

    const std::string customer = newCustomer(t.admin);
    const std::string unit = newUnit(t.admin, customer, "FL-1", 3250, 100);
    const std::string contract = activeContract(t.admin, customer, {unit}, R"(["flat_load"])");

    // Unconfigured, load_percent is its default 100: 3250 W x 24 h = 78 kWh, x $0.065 = $5.07.
    const auto full = previewJan1(t.viewer, contract);
    BOOST_REQUIRE_MESSAGE(full.status == 200, full.body);
    BOOST_CHECK_EQUAL(str(lineOf(full, "flat_load"), "kwh"), "78.000");
    BOOST_CHECK_EQUAL(str(lineOf(full, "flat_load"), "amount"), "5.07");

    BOOST_REQUIRE_EQUAL(
        t.admin.put("/v1/plugins/billing_flat_load/config", R"({"load_percent":50})").status, 200);
    const auto half = previewJan1(t.viewer, contract);
    BOOST_REQUIRE_MESSAGE(half.status == 200, half.body);
    const auto& json = half.json();
    BOOST_CHECK_EQUAL(str(json, "hours"), "24");
    BOOST_REQUIRE_EQUAL(json.find("lines")->items().size(), 1U);
    const auto& line = lineOf(half, "flat_load");
    BOOST_CHECK_EQUAL(str(line, "kind"), "energy");
    BOOST_CHECK_EQUAL(str(line, "plugin_id"), "billing_flat_load");
    // 3,250,000 mW x 50 % = 1.625 kWh an hour, x 24 hours = 39 kWh.
    BOOST_CHECK_EQUAL(str(line, "kwh"), "39.000");
    BOOST_CHECK_EQUAL(str(line, "equipment_hours"), "24");
    BOOST_CHECK_EQUAL(str(line, "rate_per_kwh"), "0.065000");
    // 39 kWh x $0.065 = $2.535, rounded once (half away from zero) to $2.54.
    BOOST_CHECK_EQUAL(str(line, "amount"), "2.54");
    BOOST_CHECK_EQUAL(str(json, "total"), "2.54");
    BOOST_CHECK_EQUAL(str(json, "unbilled_equipment_hours"), "0");
    BOOST_CHECK(json.find("unbilled_reason")->isNull());
    const auto& details = *json.find("equipment")->items().at(0).find("details");
    BOOST_CHECK_EQUAL(str(*details.find("flat_load"), "load_percent"), "50");
    BOOST_CHECK_EQUAL(str(*details.find("flat_load"), "meter_api_token"), "not set");
}

BOOST_AUTO_TEST_CASE(the_chain_bills_each_hour_by_the_first_method_with_data) {
    const std::string tenant = createTenant("Chain", "");
    const Api admin = as(createKey("tenant_admin", tenant));
    const Api viewer = as(createKey("tenant_viewer", tenant));
    const std::string customer = newCustomer(admin);
    // 3250 W, 100 TH/s: efficiency 32.5 J/TH. The idle unit has no telemetry at all.
    const std::string unit = newUnit(admin, customer, "CH-1", 3250, 100);
    const std::string idle = newUnit(admin, customer, "CH-2", 1000, 50);
    const std::string contract =
        activeContract(admin, customer, {unit, idle}, R"(["metered","hash","calculated"])");

    // 2026-01-01, hour by hour, for `unit`:
    //   00-02  nothing: no counter, no hashrate, status unknown -> unbilled
    //   02-08  counter readings at 02:00 .. 08:00, +3.000 kWh an hour -> metered, 6 h, 18 kWh
    //   08-14  hashrate 80 TH/s at 08:00, 10:00, 12:00, each held 2 h (the hold limit) and no
    //          counter -> hash: 80 TH/s x 32.5 J/TH = 2600 W, 6 h, 15.6 kWh
    //   14-24  status online from 14:00, nothing else -> calculated at the 3250 W nameplate,
    //          10 h, 32.5 kWh
    std::string body;
    for (int h = 2; h <= 8; ++h)
        body +=
            tline("energy", unit, kJan1 + h * kHour, std::to_string(1000 + 3 * (h - 2)) + ".000");
    for (const int h : {8, 10, 12}) body += tline("hashrate", unit, kJan1 + h * kHour, "80");
    body += tline("status", unit, kJan1 + 14 * kHour, "online");
    ingest(admin, body);

    const auto off = previewJan1(viewer, contract);
    BOOST_REQUIRE_MESSAGE(off.status == 200, off.body);
    const auto& p = off.json();
    BOOST_CHECK_EQUAL(str(p, "failover_mode"), "off");
    BOOST_REQUIRE_EQUAL(p.find("lines")->items().size(), 3U);
    const struct {
        std::string method;
        std::string plugin;
        std::string kwh;
        std::string hours;
        std::string amount;  // kWh x $0.065, rounded once
    } expected[] = {
        {"metered", "billing_metered", "18.000", "6", "1.17"},        // 1.17
        {"hash", "billing_hash", "15.600", "6", "1.01"},              // 1.014
        {"calculated", "billing_calculated", "32.500", "10", "2.11"}  // 2.1125
    };
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& l = p.find("lines")->items()[i];
        BOOST_TEST_CONTEXT(expected[i].method) {
            BOOST_CHECK_EQUAL(str(l, "kind"), "energy");
            BOOST_CHECK_EQUAL(str(l, "method"), expected[i].method);  // in priority order
            BOOST_CHECK_EQUAL(str(l, "plugin_id"), expected[i].plugin);
            BOOST_CHECK_EQUAL(str(l, "kwh"), expected[i].kwh);
            BOOST_CHECK_EQUAL(str(l, "equipment_hours"), expected[i].hours);
            BOOST_CHECK_EQUAL(str(l, "amount"), expected[i].amount);
        }
    }
    BOOST_CHECK_EQUAL(str(p, "total"), "4.29");
    // 2 hours of `unit` and all 24 of `idle`.
    BOOST_CHECK_EQUAL(str(p, "unbilled_equipment_hours"), "26");
    BOOST_CHECK(p.find("unbilled_reason")->isString());
    std::map<std::string, const JsonValue*> units;
    for (const auto& u : p.find("equipment")->items()) units[str(u, "equipment_id")] = &u;
    BOOST_REQUIRE_EQUAL(units.size(), 2U);
    BOOST_CHECK_EQUAL(str(*units[unit], "unbilled_hours"), "2");
    BOOST_CHECK_EQUAL(units[unit]->find("methods")->items().size(), 3U);
    BOOST_CHECK_EQUAL(str(*units[idle], "unbilled_hours"), "24");
    BOOST_CHECK(units[idle]->find("methods")->items().empty());

    // Fixed-rate failover prices what no method covers at the nameplate power:
    // `unit` 2 h x 3250 W = 6.5 kWh, `idle` 24 h x 1000 W = 24 kWh; 30.5 kWh x $0.09 = $2.745,
    // rounded once to $2.75.
    const auto patched =
        admin.patch("/v1/contracts/" + contract,
                    R"({"failover_mode":"fixed_rate","failover_rate_per_kwh":"0.09"})");
    BOOST_REQUIRE_MESSAGE(patched.status == 200, patched.body);
    const auto fixed = previewJan1(viewer, contract);
    BOOST_REQUIRE_MESSAGE(fixed.status == 200, fixed.body);
    const auto& f = fixed.json();
    BOOST_REQUIRE_EQUAL(f.find("lines")->items().size(), 4U);
    const auto& failover = f.find("lines")->items()[3];
    BOOST_CHECK_EQUAL(str(failover, "kind"), "failover");
    BOOST_CHECK_EQUAL(str(failover, "method"), "failover_fixed_rate");
    BOOST_CHECK(failover.find("plugin_id")->isNull());
    BOOST_CHECK_EQUAL(str(failover, "kwh"), "30.500");
    BOOST_CHECK_EQUAL(str(failover, "equipment_hours"), "26");
    BOOST_CHECK_EQUAL(str(failover, "rate_per_kwh"), "0.090000");
    BOOST_CHECK_EQUAL(str(failover, "amount"), "2.75");
    BOOST_CHECK_EQUAL(str(lineOf(fixed, "metered"), "kwh"), "18.000");  // the methods as before
    BOOST_CHECK_EQUAL(str(f, "total"), "7.04");                         // 4.29 + 2.75
    BOOST_CHECK_EQUAL(str(f, "unbilled_equipment_hours"), "0");
    BOOST_CHECK(f.find("unbilled_reason")->isNull());
}

BOOST_AUTO_TEST_CASE(a_plugin_that_throws_fails_the_preview_with_502_and_the_server_serves_on) {
    ServerProcess& server = pluginServer();
    const Tenant t = newTenant(server);
    const std::string customer = newCustomer(t.admin);
    const std::string unit = newUnit(t.admin, customer, "TH-1", 3250, 100);
    const std::string contract = activeContract(t.admin, customer, {unit}, R"(["throwing"])");

    // good_throwing declares a required secret: unconfigured, the chain cannot call it.
    const auto unconfigured = previewJan1(t.viewer, contract);
    BOOST_CHECK_EQUAL(unconfigured.status, 422);
    BOOST_CHECK_EQUAL(problemField(unconfigured), "good_throwing.api_token");
    BOOST_CHECK_EQUAL(problemFieldCode(unconfigured), "required");
    BOOST_REQUIRE_EQUAL(
        t.admin.put("/v1/plugins/good_throwing/config", R"({"api_token":"tok"})").status, 200);

    for (int round = 0; round < 2; ++round) {
        const auto failed = previewJan1(t.viewer, contract);
        BOOST_CHECK_EQUAL(failed.status, 502);
        BOOST_CHECK_EQUAL(problemCode(failed), "plugin_failed");
        BOOST_CHECK_EQUAL(server.get("/healthz", "").status, 200);
        BOOST_CHECK_EQUAL(t.viewer.get("/v1/contracts/" + contract).status, 200);
    }

    // A method before it that covers every hour leaves it nothing to do; after it, it fails.
    const auto path = "/v1/contracts/" + contract;
    BOOST_REQUIRE_EQUAL(
        t.admin.patch(path, R"({"billing_methods":["flat_load","throwing"]})").status, 200);
    const auto covered = previewJan1(t.viewer, contract);
    BOOST_REQUIRE_MESSAGE(covered.status == 200, covered.body);
    BOOST_CHECK_EQUAL(str(lineOf(covered, "flat_load"), "kwh"), "78.000");
    BOOST_REQUIRE_EQUAL(
        t.admin.patch(path, R"({"billing_methods":["throwing","flat_load"]})").status, 200);
    BOOST_CHECK_EQUAL(previewJan1(t.viewer, contract).status, 502);
    BOOST_CHECK_EQUAL(t.viewer.get("/v1/plugins/good_throwing").status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
