// Customers, sites, equipment (with CSV import) and billing settings over HTTP.

#include <boost/test/unit_test.hpp>

#include "api/api_fixture.h"

using namespace billwright::testing;

namespace {

struct Tenant {
    std::string id;
    Api admin;
    Api viewer;
};

Tenant newTenant(const std::string& currency = "USD") {
    const auto created = asSuper().post(
        "/v1/tenants", R"({"name":"Hosting Co","timezone":"America/Chicago","default_currency":")" +
                           currency + R"("})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const std::string id = str(created.json(), "id");
    return {id, as(createKey("tenant_admin", id)), as(createKey("tenant_viewer", id))};
}

std::string create(const Api& api, const std::string& path, const std::string& body) {
    const auto r = api.post(path, body);
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json(), "id");
}

std::size_t listCount(const Api& api, const std::string& path) {
    const auto r = api.get(path);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json().find("data")->items().size();
}

const billwright::core::JsonValue& field(const HttpResult& r, const std::string& name) {
    const auto* v = r.json().find(name);
    BOOST_REQUIRE_MESSAGE(v != nullptr, "missing " + name + " in " + r.body);
    return *v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inventory_api)

BOOST_AUTO_TEST_CASE(a_customer_is_created_with_seed_defaults_updated_and_archived) {
    const auto t = newTenant("EUR");
    const auto created = t.admin.post(
        "/v1/customers",
        R"({"name":"Ada Miner","company_name":"Ada Hash GmbH","contact_email":"ada@example.com",
            "phone":"+49 30 1234567","internal_notes":"met at the conference"})");
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const std::string id = str(created.json(), "id");
    BOOST_CHECK(id.rfind("cus_", 0) == 0);
    BOOST_CHECK_EQUAL(str(created.json(), "billing_email"), "ada@example.com");  // defaults
    BOOST_CHECK(!field(created, "billing_email_set").asBool());
    BOOST_CHECK_EQUAL(str(created.json(), "billing_currency"), "EUR");  // tenant default
    BOOST_CHECK(field(created, "active").asBool());
    BOOST_CHECK(field(created, "portal_access").asBool());
    BOOST_CHECK(!field(created, "in_default").asBool());
    BOOST_CHECK_EQUAL(str(created.json(), "credit_balance"), "0.00");

    const auto read = t.viewer.get("/v1/customers/" + id);
    BOOST_REQUIRE_EQUAL(read.status, 200);
    BOOST_CHECK(read.json() == created.json());

    const auto patched = t.admin.patch(
        "/v1/customers/" + id,
        R"({"billing_email":"ap@adahash.example","company_name":null,"billing_hold":true})");
    BOOST_REQUIRE_MESSAGE(patched.status == 200, patched.body);
    BOOST_CHECK_EQUAL(str(patched.json(), "billing_email"), "ap@adahash.example");
    BOOST_CHECK(field(patched, "company_name").isNull());
    BOOST_CHECK(field(patched, "billing_hold").asBool());

    // The default status and pool redirect have their own endpoints (revenue_guard_api_test):
    // PATCH refuses to change them, naming the field, and changes nothing else either.
    const auto refused = t.admin.patch(
        "/v1/customers/" + id,
        R"({"phone":"+1 555 0100","in_default":true,"default_reason":"two invoices unpaid",
            "pool_redirect":true})");
    BOOST_CHECK_EQUAL(refused.status, 422);
    BOOST_CHECK_EQUAL(problemField(refused), "in_default");
    BOOST_CHECK_EQUAL(problemFieldCode(refused), "use_endpoint");
    BOOST_CHECK_EQUAL(refused.json().find("errors")->items().size(), 2U);  // and pool_redirect
    const auto marked =
        t.admin.post("/v1/customers/" + id + "/default", R"({"reason":"two invoices unpaid"})");
    BOOST_REQUIRE_EQUAL(marked.status, 200);
    BOOST_CHECK(field(marked, "in_default").asBool());
    BOOST_CHECK(!field(marked, "default_since").isNull());
    BOOST_CHECK_EQUAL(str(marked.json(), "phone"), "+49 30 1234567");  // the refused PATCH's

    // Clearing the default status drops its reason.
    const auto cleared = t.admin.post("/v1/customers/" + id + "/default/clear", "{}");
    BOOST_REQUIRE_EQUAL(cleared.status, 200);
    BOOST_CHECK(field(cleared, "default_reason").isNull());
    BOOST_CHECK(field(cleared, "default_since").isNull());

    const auto archived = t.admin.post("/v1/customers/" + id + "/archive", "");
    BOOST_REQUIRE_EQUAL(archived.status, 200);
    BOOST_CHECK(field(archived, "archived").asBool());
    BOOST_CHECK_EQUAL(listCount(t.admin, "/v1/customers"), 0U);
    BOOST_CHECK_EQUAL(listCount(t.admin, "/v1/customers?archived=true"), 1U);
    // An archived customer is read-only and takes no new equipment.
    BOOST_CHECK_EQUAL(t.admin.patch("/v1/customers/" + id, R"({"active":true})").status, 409);
    const auto owned = t.admin.post("/v1/equipment",
                                    R"({"serial_number":"ARCH-1","model":"S19","hashrate_ths":95,)"
                                    R"("power_w":3250,"owner_customer_id":")" +
                                        id + R"("})");
    BOOST_CHECK_EQUAL(owned.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(owned), "archived");
    const auto restored = t.admin.post("/v1/customers/" + id + "/unarchive", "");
    BOOST_REQUIRE_EQUAL(restored.status, 200);
    BOOST_CHECK_EQUAL(listCount(t.admin, "/v1/customers"), 1U);

    // Every change is in the audit trail.
    const auto audit = asSuper().get("/v1/audit-events?tenant_id=" + t.id + "&limit=100");
    BOOST_REQUIRE_EQUAL(audit.status, 200);
    std::size_t customer_events = 0;
    for (const auto& e : audit.json().find("data")->items()) {
        if (e.find("object_id")->asString() == id) ++customer_events;
    }
    // created, updated, default set and cleared, archived, unarchived
    BOOST_CHECK_EQUAL(customer_events, 6U);
}

BOOST_AUTO_TEST_CASE(customer_lists_search_and_filter) {
    const auto t = newTenant();
    create(t.admin, "/v1/customers",
           R"({"name":"Bob Stone","company_name":"Stone Mining","contact_email":"bob@stone.io"})");
    create(t.admin, "/v1/customers",
           R"({"name":"Carol Hash","contact_email":"carol@example.com","billing_hold":true})");
    const std::string dan =
        create(t.admin, "/v1/customers", R"({"name":"Dan","contact_email":"dan@example.com"})");
    BOOST_REQUIRE_EQUAL(
        t.admin.post("/v1/customers/" + dan + "/default", R"({"reason":"unpaid"})").status, 200);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers"), 3U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers?search=STONE"), 1U);  // company, any case
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers?search=example.com"), 2U);  // email
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers?billing_hold=true"), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers?in_default=true"), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers?in_default=false&billing_hold=false"), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/customers?search=50%25"), 0U);  // % is literal

    // Cursor pagination walks every customer once.
    const auto first = t.viewer.get("/v1/customers?limit=2");
    BOOST_REQUIRE_EQUAL(first.status, 200);
    BOOST_CHECK(field(first, "has_more").asBool());
    const auto second =
        t.viewer.get("/v1/customers?limit=2&starting_after=" + str(first.json(), "next_cursor"));
    BOOST_REQUIRE_EQUAL(second.status, 200);
    BOOST_CHECK_EQUAL(second.json().find("data")->items().size(), 1U);
    BOOST_CHECK(!field(second, "has_more").asBool());

    const auto bad = t.viewer.get("/v1/customers?active=yes");
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad), "active");
}

BOOST_AUTO_TEST_CASE(invalid_customer_fields_are_named_and_change_nothing) {
    const auto t = newTenant();
    const std::string id =
        create(t.admin, "/v1/customers", R"({"name":"Eve","contact_email":"eve@example.com"})");
    const auto before = t.admin.get("/v1/customers/" + id).body;
    struct Case {
        std::string body;
        std::string field;
        std::string code;
    };
    const std::vector<Case> creates = {
        {R"({"contact_email":"x@example.com"})", "name", "required"},
        {R"({"name":"X"})", "contact_email", "required"},
        {R"({"name":"X","contact_email":"not-an-email"})", "contact_email", "invalid_email"},
        {R"({"name":"X","contact_email":"x@example.com","billing_email":"nope"})", "billing_email",
         "invalid_email"},
        {R"({"name":"X","contact_email":"x@example.com","phone":"call me"})", "phone",
         "invalid_phone"},
        {R"({"name":"X","contact_email":"x@example.com","billing_currency":"XYZ"})",
         "billing_currency", "unknown_currency"},
        {R"({"name":"X","contact_email":"x@example.com","in_default":true})", "in_default",
         "use_endpoint"},
        {R"({"name":"X","contact_email":"x@example.com","pool_redirect":true})", "pool_redirect",
         "use_endpoint"},
        {R"({"name":"X","contact_email":"x@example.com","active":"yes"})", "active", "wrong_type"},
        {R"({"name":"X","contact_email":"x@example.com","credit_balance":"5.00"})",
         "credit_balance", "unknown_field"},
        {R"({"name":"   ","contact_email":"x@example.com"})", "name", "invalid_name"},
    };
    for (const auto& c : creates) {
        const auto r = t.admin.post("/v1/customers", c.body);
        BOOST_CHECK_MESSAGE(r.status == 422, c.body << " -> " << r.status);
        BOOST_CHECK_EQUAL(problemField(r), c.field);
        BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
    }
    const std::vector<Case> patches = {
        {R"({"contact_email":"broken"})", "contact_email", "invalid_email"},
        {R"({"billing_currency":"EUR"})", "billing_currency", "immutable"},
        {R"({"name":""})", "name", "invalid_name"},
        {R"({"nickname":"E"})", "nickname", "unknown_field"},
    };
    for (const auto& c : patches) {
        const auto r = t.admin.patch("/v1/customers/" + id, c.body);
        BOOST_CHECK_MESSAGE(r.status == 422, c.body << " -> " << r.status);
        BOOST_CHECK_EQUAL(problemField(r), c.field);
        BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
    }
    BOOST_CHECK_EQUAL(listCount(t.admin, "/v1/customers"), 1U);
    BOOST_CHECK_EQUAL(t.admin.get("/v1/customers/" + id).body, before);
}

BOOST_AUTO_TEST_CASE(sites_are_managed_and_a_site_in_use_cannot_be_deleted) {
    const auto t = newTenant();
    const auto created = t.admin.post(
        "/v1/sites",
        R"({"name":"Midland TX","location":"Midland, Texas","energy_cost_rate_per_kwh":"0.0425"})");
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const std::string site = str(created.json(), "id");
    BOOST_CHECK_EQUAL(str(created.json(), "energy_cost_rate_per_kwh"), "0.042500");
    BOOST_CHECK_EQUAL(str(created.json(), "currency"), "USD");
    BOOST_CHECK(!field(created, "operated_for_customer").asBool());

    const std::string customer = create(t.admin, "/v1/customers",
                                        R"({"name":"Om Client","contact_email":"om@example.com"})");
    const auto om =
        t.admin.patch("/v1/sites/" + site, R"({"operated_for_customer_id":")" + customer + R"("})");
    BOOST_REQUIRE_EQUAL(om.status, 200);
    BOOST_CHECK(field(om, "operated_for_customer").asBool());
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/sites?operated_for_customer_id=" + customer), 1U);

    const auto bad =
        t.admin.patch("/v1/sites/" + site, R"({"energy_cost_rate_per_kwh":"0.1234567"})");
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(bad), "too_many_decimals");
    const auto unknown =
        t.admin.patch("/v1/sites/" + site, R"({"operated_for_customer_id":"cus_nope"})");
    BOOST_CHECK_EQUAL(unknown.status, 422);
    BOOST_CHECK_EQUAL(problemField(unknown), "operated_for_customer_id");

    create(t.admin, "/v1/equipment",
           R"({"serial_number":"S-1","model":"S19","hashrate_ths":95,"power_w":3250,"site_id":")" +
               site + R"("})");
    const auto refused = t.admin.del("/v1/sites/" + site);
    BOOST_CHECK_EQUAL(refused.status, 409);
    const std::string empty = create(t.admin, "/v1/sites", R"({"name":"Spare"})");
    BOOST_CHECK_EQUAL(t.admin.del("/v1/sites/" + empty).status, 204);
    BOOST_CHECK_EQUAL(t.admin.get("/v1/sites/" + empty).status, 404);
}

BOOST_AUTO_TEST_CASE(equipment_efficiency_is_derived_and_identifiers_are_unique) {
    const auto t = newTenant();
    const auto created = t.admin.post(
        "/v1/equipment",
        R"({"serial_number":"ANT-0001","model":"Antminer S21","hashrate_ths":"110","power_w":3250,
            "pdu_port":"PDU-A1/01","status":"online"})");
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const std::string id = str(created.json(), "id");
    // 3250 W / 110 TH/s = 29.5454... J/TH, rounded half up to 29.545.
    BOOST_CHECK_EQUAL(str(created.json(), "efficiency_jth"), "29.545");
    BOOST_CHECK(field(created, "efficiency_computed").asBool());
    BOOST_CHECK_EQUAL(str(created.json(), "owner"), "tenant");
    BOOST_CHECK_EQUAL(str(created.json(), "hashrate_ths"), "110.000");

    // New specs derive the efficiency again; an explicit value replaces it.
    const auto faster = t.admin.patch("/v1/equipment/" + id, R"({"hashrate_ths":"130"})");
    BOOST_REQUIRE_EQUAL(faster.status, 200);
    BOOST_CHECK_EQUAL(str(faster.json(), "efficiency_jth"), "25.000");
    const auto manual = t.admin.patch("/v1/equipment/" + id, R"({"efficiency_jth":"24.5"})");
    BOOST_REQUIRE_EQUAL(manual.status, 200);
    BOOST_CHECK_EQUAL(str(manual.json(), "efficiency_jth"), "24.500");
    BOOST_CHECK(!field(manual, "efficiency_computed").asBool());

    const auto same_serial = t.admin.post(
        "/v1/equipment",
        R"({"serial_number":"ANT-0001","model":"S21","hashrate_ths":110,"power_w":3250})");
    BOOST_CHECK_EQUAL(same_serial.status, 409);
    BOOST_CHECK_EQUAL(problemField(same_serial), "serial_number");
    const auto same_port =
        t.admin.post("/v1/equipment",
                     R"({"serial_number":"ANT-0002","model":"S21","hashrate_ths":110,"power_w":3250,
            "pdu_port":"PDU-A1/01"})");
    BOOST_CHECK_EQUAL(same_port.status, 409);
    BOOST_CHECK_EQUAL(problemField(same_port), "pdu_port");

    // The same serial in another tenant is fine: uniqueness is per tenant.
    const auto other = newTenant();
    create(other.admin, "/v1/equipment",
           R"({"serial_number":"ANT-0001","model":"S21","hashrate_ths":110,"power_w":3250})");

    const std::string customer =
        create(t.admin, "/v1/customers", R"({"name":"Owner","contact_email":"o@example.com"})");
    create(t.admin, "/v1/equipment",
           R"({"serial_number":"C-1","model":"M50","hashrate_ths":118,"power_w":3300,
               "owner_customer_id":")" +
               customer + R"("})");
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/equipment?owner=tenant"), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/equipment?owner_customer_id=" + customer), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/equipment?status=online"), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/equipment?search=ant-"), 1U);
    BOOST_CHECK_EQUAL(listCount(t.viewer, "/v1/equipment?contracted=false"), 2U);

    struct Case {
        std::string body;
        std::string field;
        std::string code;
    };
    const std::vector<Case> cases = {
        {R"({"model":"S21","hashrate_ths":110,"power_w":3250})", "serial_number", "required"},
        {R"({"serial_number":"X","model":"S21","hashrate_ths":0,"power_w":3250})", "hashrate_ths",
         "out_of_range"},
        {R"({"serial_number":"X","model":"S21","hashrate_ths":"1.2345","power_w":3250})",
         "hashrate_ths", "too_many_decimals"},
        {R"({"serial_number":"X","model":"S21","hashrate_ths":110,"power_w":"lots"})", "power_w",
         "invalid_number"},
        {R"({"serial_number":"X","model":"S21","hashrate_ths":110,"power_w":1,"status":"on"})",
         "status", "invalid_enum"},
        {R"({"serial_number":"X","model":"S21","hashrate_ths":110,"power_w":1,"site_id":"sit_x"})",
         "site_id", "not_found"},
    };
    const std::size_t count = listCount(t.admin, "/v1/equipment");
    for (const auto& c : cases) {
        const auto r = t.admin.post("/v1/equipment", c.body);
        BOOST_CHECK_MESSAGE(r.status == 422, c.body << " -> " << r.status);
        BOOST_CHECK_EQUAL(problemField(r), c.field);
        BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
    }
    BOOST_CHECK_EQUAL(listCount(t.admin, "/v1/equipment"), count);
}

BOOST_AUTO_TEST_CASE(a_csv_import_that_is_not_utf8_is_a_problem_that_is_json) {
    // Found by tests/fuzz/api_body_fuzzer: the unknown column's bytes were echoed as they came,
    // and the 422 answer was not JSON.
    const auto t = newTenant();
    const auto refused =
        t.admin.post("/v1/equipment/import", "serial_number,model,hashrate_ths,power_w,\xE1\xE1x\n",
                     {{"Content-Type", "text/csv"}});
    BOOST_CHECK_EQUAL(refused.status, 422);
    BOOST_CHECK_EQUAL(problemCode(refused), "validation_failed");
    BOOST_CHECK_EQUAL(problemFieldCode(refused), "malformed_csv");
    const auto telemetry = t.admin.post("/v1/telemetry", "kind,equipment_id,ts,value,\xFF\n",
                                        {{"Content-Type", "text/csv"}});
    BOOST_CHECK(telemetry.status >= 400 && telemetry.status < 500);
    BOOST_CHECK(billwright::core::parseJson(telemetry.body).ok());
    BOOST_CHECK_EQUAL(listCount(t.admin, "/v1/equipment"), 0U);
}

BOOST_AUTO_TEST_CASE(a_csv_import_of_thousands_of_rows_is_all_or_nothing) {
    const auto t = newTenant();
    const std::string site = create(t.admin, "/v1/sites", R"({"name":"Hall A"})");
    std::string csv =
        "serial_number,model,hashrate_ths,power_w,efficiency_jth,site_id,pdu_port\r\n";
    for (int i = 0; i < 3000; ++i) {
        csv += "SN-" + std::to_string(i) + ",Antminer S19 XP,140.5,3010,," + site + ",P-" +
               std::to_string(i) + "\r\n";
    }
    const auto imported = t.admin.post("/v1/equipment/import", csv, {{"Content-Type", "text/csv"}});
    BOOST_REQUIRE_MESSAGE(imported.status == 201, imported.body.substr(0, 500));
    BOOST_CHECK_EQUAL(field(imported, "imported").asInt64().value(), 3000);
    const auto& first = imported.json().find("data")->items().front();
    BOOST_CHECK_EQUAL(first.find("efficiency_jth")->asString(), "21.423");  // 3010 / 140.5

    // A file with bad rows imports nothing and names every bad row and field.
    const std::string bad =
        "serial_number,model,hashrate_ths,power_w,status,pdu_port\n"
        "NEW-1,S21,200,3500,online,Q-1\n"    // line 2: fine
        "SN-5,S21,200,3500,online,Q-2\n"     // line 3: serial exists in the tenant
        "NEW-3,S21,-1,3500,online,Q-3\n"     // line 4: negative hashrate
        "NEW-4,S21,200,3500,sleeping,Q-4\n"  // line 5: bad status
        "NEW-1,S21,200,3500,online,P-7\n"    // line 6: repeats line 2, port exists
        "NEW-7,S21,200\n";                   // line 7: short row
    const auto rejected = t.admin.post("/v1/equipment/import", bad, {{"Content-Type", "text/csv"}});
    BOOST_REQUIRE_EQUAL(rejected.status, 422);
    std::vector<std::string> problems;
    for (const auto& e : rejected.json().find("errors")->items()) {
        problems.push_back(std::to_string(e.find("line")->asInt64().value()) + ":" +
                           e.find("field")->asString() + ":" + e.find("code")->asString());
    }
    const std::vector<std::string> expected = {
        "3:serial_number:duplicate", "4:hashrate_ths:out_of_range", "5:status:invalid_enum",
        "6:serial_number:duplicate", "6:pdu_port:duplicate",        "7::malformed_csv"};
    for (const auto& e : expected) {
        BOOST_CHECK_MESSAGE(std::find(problems.begin(), problems.end(), e) != problems.end(),
                            "missing " << e << " in " << rejected.body);
    }
    const auto all = t.admin.get("/v1/equipment?search=NEW-&limit=100");
    BOOST_CHECK_EQUAL(all.json().find("data")->items().size(), 0U);

    const auto header =
        t.admin.post("/v1/equipment/import", "serial,model\nA,B\n", {{"Content-Type", "text/csv"}});
    BOOST_CHECK_EQUAL(header.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(header), "unknown_column");
    const auto json_body = t.admin.post("/v1/equipment/import", "{}");
    BOOST_CHECK_EQUAL(json_body.status, 415);
}

BOOST_AUTO_TEST_CASE(billing_settings_hold_the_default_energy_rate) {
    const auto t = newTenant();
    const auto initial = t.viewer.get("/v1/billing-settings");
    BOOST_REQUIRE_EQUAL(initial.status, 200);
    BOOST_CHECK(field(initial, "default_energy_rate_per_kwh").isNull());
    const auto set =
        t.admin.patch("/v1/billing-settings", R"({"default_energy_rate_per_kwh":"0.068"})");
    BOOST_REQUIRE_MESSAGE(set.status == 200, set.body);
    BOOST_CHECK_EQUAL(str(set.json(), "default_energy_rate_per_kwh"), "0.068000");
    BOOST_CHECK_EQUAL(t.viewer.patch("/v1/billing-settings", "{}").status, 403);
    const auto bad = t.admin.patch("/v1/billing-settings", R"({"default_energy_rate_per_kwh":-1})");
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(
        str(t.viewer.get("/v1/billing-settings").json(), "default_energy_rate_per_kwh"),
        "0.068000");
}

BOOST_AUTO_TEST_CASE(tenant_scope_roles_and_the_billwright_tenant_header) {
    const auto a = newTenant();
    const auto b = newTenant();
    const std::string customer =
        create(a.admin, "/v1/customers", R"({"name":"A's","contact_email":"a@example.com"})");
    const std::string site = create(a.admin, "/v1/sites", R"({"name":"A site"})");
    const std::string unit =
        create(a.admin, "/v1/equipment",
               R"({"serial_number":"A-1","model":"S21","hashrate_ths":110,"power_w":3250})");

    // Another tenant's objects are 404, exactly like missing ones.
    expectEveryCall(b.admin.key,
                    {{"GET", "/v1/customers/" + customer, ""},
                     {"PATCH", "/v1/customers/" + customer, R"({"name":"x"})"},
                     {"POST", "/v1/customers/" + customer + "/archive", ""},
                     {"GET", "/v1/sites/" + site, ""},
                     {"DELETE", "/v1/sites/" + site, ""},
                     {"GET", "/v1/equipment/" + unit, ""},
                     {"PATCH", "/v1/equipment/" + unit, R"({"model":"x"})"},
                     {"GET", "/v1/equipment/" + unit + "/usage?from=2026-01-01&to=2026-01-02", ""}},
                    404, "not_found");
    BOOST_CHECK_EQUAL(listCount(b.admin, "/v1/customers"), 0U);

    // Viewers read but never write.
    expectEveryCall(a.viewer.key,
                    {{"POST", "/v1/customers", R"({"name":"x","contact_email":"x@example.com"})"},
                     {"PATCH", "/v1/customers/" + customer, R"({"name":"x"})"},
                     {"POST", "/v1/customers/" + customer + "/archive", ""},
                     {"POST", "/v1/sites", R"({"name":"x"})"},
                     {"DELETE", "/v1/sites/" + site, ""},
                     {"POST", "/v1/equipment", R"({"serial_number":"x"})"},
                     {"PATCH", "/v1/equipment/" + unit, R"({"model":"x"})"},
                     {"POST", "/v1/telemetry", ""}},
                    403, "forbidden");
    BOOST_CHECK_EQUAL(a.viewer.get("/v1/customers/" + customer).status, 200);

    // A super key names the tenant it acts in.
    const auto no_header = asSuper().get("/v1/customers");
    BOOST_CHECK_EQUAL(no_header.status, 422);
    BOOST_CHECK_EQUAL(problemField(no_header), "Billwright-Tenant");
    const auto super_read =
        asSuper().server.request("GET", "/v1/customers/" + customer, asSuper().key, std::nullopt,
                                 {{"Billwright-Tenant", a.id}});
    BOOST_CHECK_EQUAL(super_read.status, 200);
    const auto super_create = asSuper().server.request("POST", "/v1/sites", asSuper().key,
                                                       std::string(R"({"name":"Made by super"})"),
                                                       {{"Billwright-Tenant", b.id}});
    BOOST_CHECK_EQUAL(super_create.status, 201);
    BOOST_CHECK_EQUAL(listCount(b.viewer, "/v1/sites"), 1U);
    const auto wrong_tenant =
        asSuper().server.request("GET", "/v1/customers", asSuper().key, std::nullopt,
                                 {{"Billwright-Tenant", "ten_missing"}});
    BOOST_CHECK_EQUAL(wrong_tenant.status, 404);
    // A tenant key cannot reach another tenant through the header.
    const auto hop = a.admin.server.request("GET", "/v1/customers", a.admin.key, std::nullopt,
                                            {{"Billwright-Tenant", b.id}});
    BOOST_CHECK_EQUAL(hop.status, 404);
}

BOOST_AUTO_TEST_SUITE_END()
