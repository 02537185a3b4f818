#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/api_fixture.h"

using namespace billwright::testing;

BOOST_AUTO_TEST_SUITE(api_keys_api)

BOOST_AUTO_TEST_CASE(a_created_key_is_shown_once_and_works_for_its_role) {
    const std::string tenant = createTenant("Keyed");
    const auto created = asSuper().post(
        "/v1/api-keys", R"({"name":"ops","role":"tenant_admin","tenant_id":")" + tenant + R"("})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const auto key = created.json();
    const std::string secret = str(key, "secret");
    BOOST_CHECK(secret.rfind("bw_", 0) == 0);
    BOOST_CHECK_GE(secret.size(), 3U + 26U + 1U + 43U);  // 32 random bytes in base64url
    BOOST_CHECK_EQUAL(str(key, "role"), "tenant_admin");
    BOOST_CHECK_EQUAL(str(key, "tenant_id"), tenant);

    const auto own = as(secret).get("/v1/tenants/" + tenant);
    BOOST_CHECK_EQUAL(own.status, 200);
    const auto listed = asSuper().get("/v1/api-keys?tenant_id=" + tenant);
    BOOST_REQUIRE_EQUAL(listed.status, 200);
    BOOST_CHECK(listed.body.find(secret.substr(secret.find('.') + 1)) == std::string::npos);
    BOOST_CHECK(listed.json().find("data")->items()[0].find("secret") == nullptr);
    BOOST_CHECK(listed.json().find("data")->items()[0].find("secret_hash") == nullptr);
}

BOOST_AUTO_TEST_CASE(keys_are_stored_only_as_hashes) {
    const std::string tenant = createTenant("Hashed");
    const std::string secret = createKey("tenant_viewer", tenant);
    const std::string secret_part = secret.substr(secret.find('.') + 1);
    if (onMysql()) {
        // MariaDB's files belong to its server: every stored column of the keys and the audit
        // trail instead.
        for (const char* table : {"api_keys", "audit_events"}) {
            for (const auto& row :
                 runSql(sharedServer().databaseUrl(), std::string("SELECT * FROM ") + table)) {
                for (std::size_t i = 0; i < row.size(); ++i) {
                    BOOST_CHECK_MESSAGE(row.getString(i).find(secret_part) == std::string::npos,
                                        "secret found in " << table);
                }
            }
        }
    }
    for (const auto& entry : std::filesystem::directory_iterator(sharedServer().directory())) {
        if (entry.path().filename().string().rfind("billwright.db", 0) != 0) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        BOOST_CHECK_MESSAGE(bytes.str().find(secret_part) == std::string::npos,
                            "secret found in " << entry.path());
    }
    BOOST_CHECK(sharedServer().stderrText().find(secret_part) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_malformed_or_revoked_key_is_401) {
    const std::string tenant = createTenant("Revoked");
    const auto created =
        asSuper().post("/v1/api-keys",
                       R"({"name":"temp","role":"tenant_viewer","tenant_id":")" + tenant + R"("})");
    const std::string secret = str(created.json(), "secret");
    const std::string id = str(created.json(), "id");
    for (const std::string& key :
         {std::string(), std::string("nonsense"), std::string("bw_00000000000000000000000000.x"),
          secret.substr(0, secret.size() - 1) + (secret.back() == 'A' ? "B" : "A")}) {
        BOOST_TEST_CONTEXT(key) {
            const auto r = as(key).get("/v1/tenants/" + tenant);
            BOOST_CHECK_EQUAL(r.status, 401);
            BOOST_CHECK_EQUAL(problemCode(r), "unauthenticated");
            BOOST_CHECK(r.header("www-authenticate").rfind("Bearer", 0) == 0);
        }
    }
    const auto basic = sharedServer().request("GET", "/v1/tenants", "", std::nullopt,
                                              {{"Authorization", "Basic YTpi"}});
    BOOST_CHECK_EQUAL(basic.status, 401);

    BOOST_CHECK_EQUAL(as(secret).get("/v1/tenants/" + tenant).status, 200);
    const auto revoked = asSuper().del("/v1/api-keys/" + id);
    BOOST_REQUIRE_EQUAL(revoked.status, 200);
    BOOST_CHECK(revoked.json().find("revoked_at")->isString());
    BOOST_CHECK_EQUAL(as(secret).get("/v1/tenants/" + tenant).status, 401);
    BOOST_CHECK_EQUAL(asSuper().del("/v1/api-keys/" + id).status,
                      200);  // revoking twice is harmless
    BOOST_CHECK_EQUAL(asSuper().del("/v1/api-keys/key_unknown").status, 404);
}

BOOST_AUTO_TEST_CASE(a_tenant_admin_manages_only_its_own_tenants_keys) {
    const std::string a = createTenant("Admin A");
    const std::string b = createTenant("Admin B");
    const std::string admin_a = createKey("tenant_admin", a);
    const std::string key_b =
        str(asSuper()
                .post("/v1/api-keys",
                      R"({"name":"b","role":"tenant_viewer","tenant_id":")" + b + R"("})")
                .json(),
            "id");

    const auto viewer =
        as(admin_a).post("/v1/api-keys", R"({"name":"viewer","role":"tenant_viewer"})");
    BOOST_REQUIRE_EQUAL(viewer.status, 201);
    BOOST_CHECK_EQUAL(str(viewer.json(), "tenant_id"), a);
    BOOST_CHECK_EQUAL(as(str(viewer.json(), "secret")).get("/v1/tenants/" + a).status, 200);

    const auto own_list = as(admin_a).get("/v1/api-keys");
    BOOST_REQUIRE_EQUAL(own_list.status, 200);
    for (const auto& k : own_list.json().find("data")->items())
        BOOST_CHECK_EQUAL(k.find("tenant_id")->asString(), a);

    const auto super_key = as(admin_a).post("/v1/api-keys", R"({"name":"root","role":"super"})");
    BOOST_CHECK_EQUAL(super_key.status, 403);
    BOOST_CHECK_EQUAL(problemCode(super_key), "forbidden");
    BOOST_CHECK_EQUAL(as(admin_a)
                          .post("/v1/api-keys",
                                R"({"name":"x","role":"tenant_admin","tenant_id":")" + b + R"("})")
                          .status,
                      404);
    BOOST_CHECK_EQUAL(as(admin_a).get("/v1/api-keys?tenant_id=" + b).status, 404);
    BOOST_CHECK_EQUAL(as(admin_a).del("/v1/api-keys/" + key_b).status, 404);
    BOOST_CHECK(!asSuper()
                     .get("/v1/api-keys?tenant_id=" + b)
                     .json()
                     .find("data")
                     ->items()[0]
                     .find("revoked_at")
                     ->isString());
}

BOOST_AUTO_TEST_CASE(key_creation_validates_its_fields) {
    const std::string tenant = createTenant("Key Validation");
    struct Case {
        std::string body;
        std::string field;
        std::string code;
    };
    const std::vector<Case> cases = {
        {R"({"role":"tenant_admin","tenant_id":")" + tenant + R"("})", "name", "required"},
        {R"({"name":"x","role":"owner","tenant_id":")" + tenant + R"("})", "role", "invalid_enum"},
        {R"({"name":"x","role":"tenant_admin"})", "tenant_id", "required"},
        {R"({"name":"x","role":"super","tenant_id":")" + tenant + R"("})", "tenant_id",
         "not_allowed"},
        {R"({"name":"x","role":"tenant_admin","tenant_id":")" + tenant + R"(","expires":"never"})",
         "expires", "unknown_field"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            const auto r = asSuper().post("/v1/api-keys", c.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemField(r), c.field);
            BOOST_CHECK_EQUAL(problemFieldCode(r), c.code);
        }
    }
    BOOST_CHECK_EQUAL(
        asSuper()
            .post("/v1/api-keys", R"({"name":"x","role":"tenant_admin","tenant_id":"ten_none"})")
            .status,
        404);
    BOOST_CHECK_EQUAL(
        asSuper().get("/v1/api-keys?tenant_id=" + tenant).json().find("data")->items().size(), 0U);
}

BOOST_AUTO_TEST_CASE(a_suspended_tenants_keys_are_refused) {
    const std::string tenant = createTenant("Suspended");
    const std::string key = createKey("tenant_admin", tenant);
    BOOST_CHECK_EQUAL(as(key).get("/v1/tenants/" + tenant).status, 200);
    BOOST_REQUIRE_EQUAL(
        asSuper().patch("/v1/tenants/" + tenant, R"({"status":"suspended"})").status, 200);
    const auto r = as(key).get("/v1/tenants/" + tenant);
    BOOST_CHECK_EQUAL(r.status, 403);
    BOOST_CHECK_EQUAL(problemCode(r), "tenant_suspended");
    BOOST_REQUIRE_EQUAL(asSuper().patch("/v1/tenants/" + tenant, R"({"status":"active"})").status,
                        200);
    BOOST_CHECK_EQUAL(as(key).get("/v1/tenants/" + tenant).status, 200);
}

BOOST_AUTO_TEST_CASE(the_last_super_key_cannot_be_revoked) {
    ServerProcess server;
    const auto keys = server.get("/v1/api-keys", server.superKey()).json();
    const std::string first = keys.find("data")->items()[0].find("id")->asString();
    const auto refused = server.request("DELETE", "/v1/api-keys/" + first, server.superKey());
    BOOST_CHECK_EQUAL(refused.status, 409);
    BOOST_CHECK_EQUAL(problemCode(refused), "conflict");
    const auto second =
        server.post("/v1/api-keys", server.superKey(), R"({"name":"second","role":"super"})");
    BOOST_REQUIRE_EQUAL(second.status, 201);
    const std::string second_secret = second.json().find("secret")->asString();
    BOOST_CHECK_EQUAL(server.request("DELETE", "/v1/api-keys/" + first, second_secret).status, 200);
    BOOST_CHECK_EQUAL(server.get("/v1/tenants", server.superKey()).status, 401);
    BOOST_CHECK_EQUAL(server.get("/v1/tenants", second_secret).status, 200);
}

BOOST_AUTO_TEST_CASE(a_tenant_admin_sees_only_its_own_audit_trail_and_a_viewer_none) {
    const std::string a = createTenant("Audit A");
    const std::string b = createTenant("Audit B");
    const std::string admin_a = createKey("tenant_admin", a);
    const auto own = as(admin_a).get("/v1/audit-events?limit=100");
    BOOST_REQUIRE_EQUAL(own.status, 200);
    BOOST_CHECK(!own.json().find("data")->items().empty());
    for (const auto& e : own.json().find("data")->items())
        BOOST_CHECK_EQUAL(e.find("tenant_id")->asString(), a);
    BOOST_CHECK_EQUAL(as(admin_a).get("/v1/audit-events?tenant_id=" + b).status, 404);
    BOOST_CHECK_EQUAL(as(createKey("tenant_viewer", a)).get("/v1/audit-events").status, 403);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(roles_api)

// Every tenant-B endpoint called with tenant A's admin key: 404, as if B did not exist.
BOOST_AUTO_TEST_CASE(a_tenant_admin_of_a_gets_404_from_every_tenant_b_endpoint) {
    const std::string a = createTenant("Role A");
    const std::string b = createTenant("Role B");
    const std::string invoice_b = generateInvoice(b, "2025-01-01");
    const std::string key_b =
        str(asSuper()
                .post("/v1/api-keys",
                      R"({"name":"b","role":"tenant_admin","tenant_id":")" + b + R"("})")
                .json(),
            "id");
    const auto admin_a = as(createKey("tenant_admin", a));
    const std::string tb = "/v1/tenants/" + b;
    const std::string config =
        R"({"flat_rate_amount":"1.00","currency":"USD","billing_frequency":"monthly","billing_email":"x@y.co"})";
    const std::vector<Call> calls = {
        {"GET", tb, ""},
        {"PATCH", tb, R"({"name":"mine now"})"},
        {"GET", tb + "/billing-config", ""},
        {"PUT", tb + "/billing-config", config},
        {"POST", tb + "/invoices", R"({"period_start":"2025-02-01"})"},
        {"GET", tb + "/invoices", ""},
        {"GET", tb + "/invoices/" + invoice_b, ""},
        {"POST", tb + "/invoices/" + invoice_b + "/payments", "{}"},
        {"POST", tb + "/invoices/" + invoice_b + "/payment-failures", "{}"},
        {"DELETE", "/v1/api-keys/" + key_b, ""},
        {"GET", "/v1/api-keys?tenant_id=" + b, ""},
        {"GET", "/v1/audit-events?tenant_id=" + b, ""},
    };
    const auto snapshot =
        asSuper().get(tb + "/invoices/" + invoice_b).body + asSuper().get(tb).body;
    expectEveryCall(admin_a.key, calls, 404, "not_found");
    BOOST_CHECK_EQUAL(asSuper().get(tb + "/invoices/" + invoice_b).body + asSuper().get(tb).body,
                      snapshot);
    const auto list = admin_a.get("/v1/tenants");
    BOOST_REQUIRE_EQUAL(list.json().find("data")->items().size(), 1U);
    BOOST_CHECK_EQUAL(list.json().find("data")->items()[0].find("id")->asString(), a);
}

BOOST_AUTO_TEST_CASE(a_viewer_can_read_its_tenant_but_every_write_is_403) {
    const std::string t = createTenant("Viewer Tenant");
    const std::string invoice = generateInvoice(t, "2025-01-01");
    const auto viewer = as(createKey("tenant_viewer", t));
    const std::string tp = "/v1/tenants/" + t;
    BOOST_CHECK_EQUAL(viewer.get(tp).status, 200);
    BOOST_CHECK_EQUAL(viewer.get(tp + "/billing-config").status, 200);
    BOOST_CHECK_EQUAL(viewer.get(tp + "/invoices").status, 200);
    BOOST_CHECK_EQUAL(viewer.get(tp + "/invoices/" + invoice).status, 200);
    const std::vector<Call> writes = {
        {"POST", "/v1/tenants", R"({"name":"new"})"},
        {"PATCH", tp, R"({"name":"renamed"})"},
        {"PUT", tp + "/billing-config",
         R"({"flat_rate_amount":"1.00","currency":"USD","billing_frequency":"monthly","billing_email":"x@y.co"})"},
        {"POST", tp + "/invoices", R"({"period_start":"2025-02-01"})"},
        {"POST", tp + "/invoices/" + invoice + "/payments", "{}"},
        {"POST", tp + "/invoices/" + invoice + "/payment-failures", "{}"},
        {"POST", "/v1/api-keys", R"({"name":"k","role":"tenant_viewer"})"},
        {"DELETE", "/v1/api-keys/key_anything", ""},
        {"GET", "/v1/api-keys", ""},
        {"GET", "/v1/dashboard/billing", ""},
    };
    const auto before = asSuper().get(tp + "/invoices/" + invoice).body + asSuper().get(tp).body;
    expectEveryCall(viewer.key, writes, 403, "forbidden");
    BOOST_CHECK_EQUAL(asSuper().get(tp + "/invoices/" + invoice).body + asSuper().get(tp).body,
                      before);
}

BOOST_AUTO_TEST_CASE(super_only_operations_are_403_for_a_tenant_admin_on_its_own_tenant) {
    const std::string t = createTenant("Admin Own");
    const std::string invoice = generateInvoice(t, "2025-01-01");
    const auto admin = as(createKey("tenant_admin", t));
    const std::string tp = "/v1/tenants/" + t;
    const std::vector<Call> calls = {
        {"POST", "/v1/tenants", R"({"name":"new"})"},
        {"PATCH", tp, R"({"status":"active"})"},
        {"PUT", tp + "/billing-config",
         R"({"flat_rate_amount":"0.00","currency":"USD","billing_frequency":"monthly","billing_email":"x@y.co"})"},
        {"POST", tp + "/invoices", R"({"period_start":"2025-02-01"})"},
        {"POST", tp + "/invoices/" + invoice + "/payments", "{}"},
        {"POST", tp + "/invoices/" + invoice + "/payment-failures", "{}"},
        {"GET", "/v1/dashboard/billing", ""},
    };
    expectEveryCall(admin.key, calls, 403, "");
    BOOST_CHECK_EQUAL(str(asSuper().get(tp + "/invoices/" + invoice).json(), "status"),
                      "pending_payment");
    BOOST_CHECK_EQUAL(admin.get(tp + "/billing-config").status, 200);
    BOOST_CHECK_EQUAL(admin.get(tp + "/invoices/" + invoice).status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
