#include "domain/api_key.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/test/unit_test.hpp>

namespace billwright::domain {
namespace {

Principal principal(Role role, std::optional<std::string> tenant_id) {
    Principal p;
    p.key_id = "key_test";
    p.role = role;
    p.tenant_id = std::move(tenant_id);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_key)

BOOST_AUTO_TEST_CASE(role_names_round_trip) {
    struct Case {
        Role role;
        std::string_view name;
    };
    const Case cases[] = {
        {Role::kSuper, "super"},
        {Role::kTenantAdmin, "tenant_admin"},
        {Role::kTenantViewer, "tenant_viewer"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(roleName(c.role) == c.name);
            const auto parsed = parseRole(c.name);
            BOOST_TEST_REQUIRE(parsed.has_value());
            BOOST_TEST((*parsed == c.role));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_role_refuses_unknown_and_differently_cased_names) {
    for (const std::string_view name :
         {"", "Super", "SUPER", "super ", "admin", "tenant-admin", "tenant", "viewer", "root"}) {
        BOOST_TEST_CONTEXT('"' << name << '"') { BOOST_TEST(!parseRole(name).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(a_super_principal_reads_every_tenant) {
    const Principal super = principal(Role::kSuper, std::nullopt);
    BOOST_TEST(super.isSuper());
    BOOST_TEST(super.canRead("ten_a"));
    BOOST_TEST(super.canRead("ten_b"));
}

BOOST_AUTO_TEST_CASE(a_tenant_principal_reads_only_its_own_tenant) {
    for (const Role role : {Role::kTenantAdmin, Role::kTenantViewer}) {
        BOOST_TEST_CONTEXT(roleName(role)) {
            const Principal p = principal(role, "ten_a");
            BOOST_TEST(!p.isSuper());
            BOOST_TEST(p.canRead("ten_a"));
            BOOST_TEST(!p.canRead("ten_b"));
            BOOST_TEST(!p.canRead("ten_ab"));
            BOOST_TEST(!p.canRead("ten_"));
            BOOST_TEST(!p.canRead("TEN_A"));
            BOOST_TEST(!p.canRead(""));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_tenant_principal_without_a_tenant_reads_nothing) {
    const Principal p = principal(Role::kTenantAdmin, std::nullopt);
    BOOST_TEST(!p.canRead("ten_a"));
    BOOST_TEST(!p.canRead(""));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
