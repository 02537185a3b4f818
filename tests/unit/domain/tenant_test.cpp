#include "domain/tenant.h"

#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "support/printable.h"

namespace billwright::domain {
namespace {

using billwright::testing::printable;

}  // namespace

BOOST_AUTO_TEST_SUITE(tenant)

BOOST_AUTO_TEST_CASE(is_valid_name_accepts_visible_names_of_one_to_two_hundred_bytes) {
    const std::string cases[] = {
        "Acme",
        "A",
        "Acme Hosting, LLC",
        "  Acme  ",
        "Zürich Mining AG",  // multi-byte UTF-8
        std::string(kMaxNameLength, 'x'),
        std::string(kMaxNameLength - 1, ' ') + "x",
    };
    for (const std::string& name : cases) {
        BOOST_TEST_CONTEXT(printable(name) << " (" << name.size() << " bytes)") {
            BOOST_TEST(isValidName(name));
        }
    }
    BOOST_TEST(kMaxNameLength == 200U);
}

BOOST_AUTO_TEST_CASE(is_valid_name_refuses_empty_blank_overlong_and_control_characters) {
    const std::string cases[] = {
        "",
        " ",
        "   ",
        std::string(kMaxNameLength + 1, 'x'),
        std::string(kMaxNameLength, 'x') + " ",
        "Acme\n",
        "Ac\nme",
        "Acme\r",
        "Acme\tHosting",
        "Acme\x7f",
        "\x1b[31mAcme",
        std::string("Ac\0me", 5),
    };
    for (const std::string& name : cases) {
        BOOST_TEST_CONTEXT(printable(name) << " (" << name.size() << " bytes)") {
            BOOST_TEST(!isValidName(name));
        }
    }
}

BOOST_AUTO_TEST_CASE(tenant_status_names_round_trip_and_unknown_names_are_refused) {
    for (const TenantStatus s : {TenantStatus::kActive, TenantStatus::kSuspended}) {
        const auto parsed = parseTenantStatus(tenantStatusName(s));
        BOOST_TEST_CONTEXT(tenantStatusName(s)) {
            BOOST_TEST_REQUIRE(parsed.has_value());
            BOOST_TEST((*parsed == s));
        }
    }
    BOOST_TEST(tenantStatusName(TenantStatus::kActive) == "active");
    BOOST_TEST(tenantStatusName(TenantStatus::kSuspended) == "suspended");
    for (const std::string_view name : {"", "Active", "ACTIVE", "active ", "deleted", "disabled"}) {
        BOOST_TEST_CONTEXT('"' << name << '"') { BOOST_TEST(!parseTenantStatus(name).has_value()); }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
