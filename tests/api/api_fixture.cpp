#include "api/api_fixture.h"

namespace billwright::testing {

ServerProcess& sharedServer() {
    static ServerProcess server;
    return server;
}

Api asSuper() { return Api{sharedServer(), sharedServer().superKey()}; }
Api as(const std::string& key) { return Api{sharedServer(), key}; }

std::string str(const core::JsonValue& object, const std::string& field) {
    const core::JsonValue* v = object.find(field);
    BOOST_REQUIRE_MESSAGE(v != nullptr, "missing field " + field + " in " + core::toJson(object));
    if (v->isString()) return v->asString();
    return core::toJson(*v);
}

std::string createTenant(const std::string& name, const std::string& config) {
    const auto created =
        asSuper().post("/v1/tenants", R"({"name":")" + name + R"(","timezone":"UTC"})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const std::string id = str(created.json(), "id");
    if (!config.empty()) {
        const auto put = asSuper().put("/v1/tenants/" + id + "/billing-config", config);
        BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    }
    return id;
}

std::string createKey(const std::string& role, const std::string& tenant_id) {
    const auto created =
        asSuper().post("/v1/api-keys", R"({"name":"test key","role":")" + role +
                                           R"(","tenant_id":")" + tenant_id + R"("})");
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    return str(created.json(), "secret");
}

std::string generateInvoice(const std::string& tenant_id, const std::string& period_start) {
    const auto created = asSuper().post("/v1/tenants/" + tenant_id + "/invoices",
                                        R"({"period_start":")" + period_start + R"("})");
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    return str(created.json(), "id");
}

std::string problemCode(const HttpResult& result) {
    BOOST_CHECK_EQUAL(result.header("content-type"), "application/problem+json");
    const auto body = result.json();
    const core::JsonValue* code = body.find("code");
    BOOST_REQUIRE_MESSAGE(code != nullptr && code->isString(), "not a problem: " + result.body);
    BOOST_CHECK_EQUAL(body.find("status")->asInt64().value_or(0), result.status);
    BOOST_CHECK(body.find("request_id") != nullptr);
    return code->asString();
}

namespace {
const core::JsonValue* firstFieldError(const HttpResult& result, core::JsonValue& holder) {
    holder = result.json();
    const core::JsonValue* errors = holder.find("errors");
    if (errors == nullptr || !errors->isArray() || errors->items().empty()) return nullptr;
    return &errors->items()[0];
}
}  // namespace

std::string problemField(const HttpResult& result) {
    core::JsonValue holder;
    const auto* e = firstFieldError(result, holder);
    return e == nullptr ? std::string() : e->find("field")->asString();
}

std::string problemFieldCode(const HttpResult& result) {
    core::JsonValue holder;
    const auto* e = firstFieldError(result, holder);
    return e == nullptr ? std::string() : e->find("code")->asString();
}

void expectEveryCall(const std::string& key, const std::vector<Call>& calls, int status,
                     const std::string& code) {
    for (const auto& c : calls) {
        BOOST_TEST_CONTEXT(c.method << " " << c.path) {
            const auto r = sharedServer().request(
                c.method, c.path, key,
                c.body.empty() ? std::nullopt : std::optional<std::string>(c.body));
            BOOST_CHECK_EQUAL(r.status, status);
            if (!code.empty()) BOOST_CHECK_EQUAL(problemCode(r), code);
        }
    }
}

}  // namespace billwright::testing
