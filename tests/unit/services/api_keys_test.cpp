// ApiKeys::authenticate and its cache of keys read (http.auth_cache_ms): what a node may reuse,
// for how long, and what ends it at once. Two ApiKeys on one database stand for two nodes.
#include <chrono>
#include <string>

#include <boost/test/unit_test.hpp>

#include "service_fixture.h"
#include "services/api_keys.h"

namespace billwright::testing {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;

struct KeysFixture : InventoryFixture {
    services::ApiKeys node_a{*store, clock, 1000ms};
    services::ApiKeys node_b{*store, clock, 1000ms};
    domain::Principal super{"key_super", domain::Role::kSuper, std::nullopt};

    // A tenant_admin key of tenant "T", minted through node_a; the whole bearer token.
    std::string tenantKey() {
        services::NewApiKey wanted;
        wanted.name = "k";
        wanted.role = domain::Role::kTenantAdmin;
        wanted.tenant_id = tenant;
        return node_a.create(super, actor, wanted).value().secret;
    }
    static std::string keyId(const std::string& token) {
        return "key_" + token.substr(3, token.find('.') - 3);
    }
    // The code authenticate() answers with, or "ok".
    static std::string outcome(services::ApiKeys& node, const std::string& token) {
        const auto principal = node.authenticate(token);
        if (principal.ok()) return "ok";
        return principal.error().code == ErrorCode::kUnauthenticated   ? "unauthenticated"
               : principal.error().code == ErrorCode::kTenantSuspended ? "tenant_suspended"
                                                                       : "other";
    }
    void suspendTenant() {
        services::TenantChanges changes;
        changes.status = domain::TenantStatus::kSuspended;
        BOOST_REQUIRE(billing.updateTenant(actor, tenant, changes).ok());
    }
};

BOOST_FIXTURE_TEST_SUITE(api_keys, KeysFixture)

BOOST_AUTO_TEST_CASE(a_key_revoked_through_the_node_stops_working_there_at_once) {
    const std::string token = tenantKey();
    BOOST_TEST(outcome(node_a, token) == "ok");  // now cached by node_a
    BOOST_REQUIRE(node_a.revoke(super, actor, keyId(token)).ok());
    BOOST_TEST(outcome(node_a, token) == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(a_key_revoked_through_another_node_stops_working_within_the_cache_time) {
    const std::string token = tenantKey();
    BOOST_TEST(outcome(node_a, token) == "ok");
    BOOST_REQUIRE(node_b.revoke(super, actor, keyId(token)).ok());
    BOOST_TEST(outcome(node_b, token) == "unauthenticated");
    clock.advance(999ms);
    BOOST_TEST(outcome(node_a, token) == "ok");  // node_a's copy is 999 ms old
    clock.advance(1ms);
    BOOST_TEST(outcome(node_a, token) == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(without_a_cache_every_request_reads_the_key) {
    services::ApiKeys uncached{*store, clock};
    const std::string token = tenantKey();
    BOOST_TEST(outcome(uncached, token) == "ok");
    BOOST_REQUIRE(node_b.revoke(super, actor, keyId(token)).ok());
    BOOST_TEST(outcome(uncached, token) == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(a_cached_key_still_needs_its_secret) {
    const std::string token = tenantKey();
    BOOST_TEST(outcome(node_a, token) == "ok");
    std::string wrong = token;
    wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
    BOOST_TEST(outcome(node_a, wrong) == "unauthenticated");
    BOOST_TEST(outcome(node_a, token.substr(0, token.find('.') + 1)) == "unauthenticated");
    BOOST_TEST(outcome(node_a, token) == "ok");
}

BOOST_AUTO_TEST_CASE(a_suspended_tenant_is_seen_after_forget_or_the_cache_time) {
    const std::string token = tenantKey();
    BOOST_TEST(outcome(node_a, token) == "ok");
    BOOST_TEST(outcome(node_b, token) == "ok");
    suspendTenant();
    // node_a suspended it (the API handler calls forgetCached after a status change)...
    node_a.forgetCached();
    BOOST_TEST(outcome(node_a, token) == "tenant_suspended");
    // ...node_b learns within its cache time.
    BOOST_TEST(outcome(node_b, token) == "ok");
    clock.advance(1000ms);
    BOOST_TEST(outcome(node_b, token) == "tenant_suspended");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace billwright::testing
