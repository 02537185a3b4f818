#include "domain/billing_config.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "support/printable.h"

#include "core/error.h"

namespace billwright::domain {
namespace {

using billwright::testing::printable;

BillingConfig validConfig() {
    BillingConfig config;
    config.tenant_id = "ten_acme";
    config.flat_rate_minor = 150000;
    config.currency = Currency{"USD", 2};
    config.billing_frequency = BillingFrequency::kMonthly;
    config.billing_email = "billing@acme.example";
    config.auto_generate_invoices = true;
    config.billing_day_of_month = 1;
    config.payment_due_days = 30;
    config.email_notifications = true;
    return config;
}

// field -> field code; empty when the config is valid.
std::map<std::string, std::string> fieldErrors(const core::Status& status) {
    std::map<std::string, std::string> out;
    if (status.ok()) return out;
    for (const auto& f : status.error().fields) out[f.field] = f.code;
    return out;
}

std::string describe(const std::map<std::string, std::string>& errors) {
    std::string out = "{";
    for (const auto& [field, code] : errors) out += " " + field + ":" + code;
    return out + " }";
}

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

// A syntactically valid address of exactly `total` bytes with a `local_size`-byte local part;
// the domain is split into labels of at most 63 bytes.
std::string addressOf(std::size_t local_size, std::size_t total) {
    std::string address = repeat('a', local_size) + "@";
    std::size_t domain_size = total - address.size();
    std::string domain;
    while (domain_size > 4) {
        const std::size_t label = std::min<std::size_t>(63, domain_size - 4);
        domain += repeat('d', label) + ".";
        domain_size -= label + 1;
    }
    domain += repeat('c', domain_size);
    return address + domain;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_config)

BOOST_AUTO_TEST_CASE(a_complete_config_passes_validation) {
    const auto status = validateBillingConfig(validConfig());
    BOOST_TEST(status.ok(), describe(fieldErrors(status)));
}

BOOST_AUTO_TEST_CASE(validate_billing_config_reports_every_bad_field_at_once) {
    BillingConfig config = validConfig();
    config.flat_rate_minor = -1;
    config.billing_email = "not an email";
    config.billing_day_of_month = 0;
    config.payment_due_days = 366;
    const auto status = validateBillingConfig(config);
    BOOST_TEST_REQUIRE(!status.ok());
    BOOST_TEST(core::errorCodeName(status.error().code) ==
               core::errorCodeName(core::ErrorCode::kValidationFailed));
    BOOST_TEST(status.error().fields.size() == 4U);
    const auto errors = fieldErrors(status);
    const std::map<std::string, std::string> expected{
        {"flat_rate_amount", "out_of_range"},
        {"billing_email", "invalid_email"},
        {"billing_day_of_month", "out_of_range"},
        {"payment_due_days", "out_of_range"},
    };
    BOOST_TEST(describe(errors) == describe(expected));
}

BOOST_AUTO_TEST_CASE(validate_billing_config_names_only_the_one_bad_field) {
    struct Case {
        const char* what;
        void (*spoil)(BillingConfig&);
        std::string_view field;
        std::string_view code;
    };
    const Case cases[] = {
        {"negative amount", [](BillingConfig& c) { c.flat_rate_minor = -1; }, "flat_rate_amount",
         "out_of_range"},
        {"most negative amount",
         [](BillingConfig& c) { c.flat_rate_minor = std::numeric_limits<std::int64_t>::min(); },
         "flat_rate_amount", "out_of_range"},
        {"empty email", [](BillingConfig& c) { c.billing_email.clear(); }, "billing_email",
         "invalid_email"},
        {"email without a domain", [](BillingConfig& c) { c.billing_email = "billing@"; },
         "billing_email", "invalid_email"},
        {"billing day 0", [](BillingConfig& c) { c.billing_day_of_month = 0; },
         "billing_day_of_month", "out_of_range"},
        {"billing day -1", [](BillingConfig& c) { c.billing_day_of_month = -1; },
         "billing_day_of_month", "out_of_range"},
        {"billing day 32", [](BillingConfig& c) { c.billing_day_of_month = 32; },
         "billing_day_of_month", "out_of_range"},
        {"due days -1", [](BillingConfig& c) { c.payment_due_days = -1; }, "payment_due_days",
         "out_of_range"},
        {"due days 366", [](BillingConfig& c) { c.payment_due_days = 366; }, "payment_due_days",
         "out_of_range"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            BillingConfig config = validConfig();
            c.spoil(config);
            const auto status = validateBillingConfig(config);
            BOOST_TEST_REQUIRE(!status.ok());
            BOOST_TEST(core::errorCodeName(status.error().code) ==
                       core::errorCodeName(core::ErrorCode::kValidationFailed));
            const std::map<std::string, std::string> expected{
                {std::string(c.field), std::string(c.code)}};
            BOOST_TEST(describe(fieldErrors(status)) == describe(expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(validate_billing_config_accepts_the_boundaries_of_each_range) {
    struct Case {
        int billing_day;
        int due_days;
        std::int64_t amount;
    };
    const Case cases[] = {
        {1, 30, 150000},   {31, 30, 150000}, {28, 0, 150000},
        {29, 365, 150000}, {1, 0, 0},        {31, 365, std::numeric_limits<std::int64_t>::max()},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("day " << c.billing_day << ", due " << c.due_days << ", amount "
                                  << c.amount) {
            BillingConfig config = validConfig();
            config.billing_day_of_month = c.billing_day;
            config.payment_due_days = c.due_days;
            config.flat_rate_minor = c.amount;
            const auto status = validateBillingConfig(config);
            BOOST_TEST(status.ok(), describe(fieldErrors(status)));
        }
    }
    BOOST_TEST(kMaxPaymentDueDays == 365);
}

BOOST_AUTO_TEST_CASE(is_valid_email_accepts_ordinary_addresses) {
    BOOST_TEST_REQUIRE(addressOf(64, 254).size() == 254U);
    const std::string cases[] = {
        "a@b.co",
        "first.last+tag@sub.example.com",
        "billing@acme.example",
        "BILLING@ACME.EXAMPLE",
        "a_b-c@x-y.example.org",
        repeat('l', 64) + "@b.co",       // the longest local part
        "a@" + repeat('d', 63) + ".co",  // the longest label
        addressOf(64, 254),              // the longest address
    };
    for (const std::string& address : cases) {
        BOOST_TEST_CONTEXT(printable(address) << " (" << address.size() << " bytes)") {
            BOOST_TEST(isValidEmail(address));
        }
    }
}

BOOST_AUTO_TEST_CASE(is_valid_email_refuses_malformed_addresses) {
    BOOST_TEST_REQUIRE(addressOf(64, 255).size() == 255U);
    const std::string cases[] = {
        "",
        "a",
        "a@",
        "@b.co",
        "a@b",
        "a@@b.co",
        "a@b@c.co",
        "a b@c.co",
        "a@b c.co",
        "a@b..co",
        "a@.b.co",
        "a@b.co.",
        "a@-b.co",
        "a@b-.co",
        "a@b_c.co",
        ".a@b.co",
        "a.@b.co",
        "a..b@c.co",
        "<a>@b.co",
        "a\"b@c.co",
        "a@" + repeat('d', 64) + ".co",  // a 64-byte label
        addressOf(64, 255),              // one byte too long overall
        repeat('l', 65) + "@b.co",       // a 65-byte local part
        std::string("a\x01@b.co"),
        std::string("a\n@b.co"),
        std::string("a\t@b.co"),
        std::string("a\x7f@b.co"),
        std::string("a@b.c\x7fo"),
        std::string("a@b.co\n"),
        std::string("a@b.co\r\nBcc: x@y.co"),
        std::string("a\0@b.co", 7),
    };
    for (const std::string& address : cases) {
        BOOST_TEST_CONTEXT(printable(address) << " (" << address.size() << " bytes)") {
            BOOST_TEST(!isValidEmail(address));
        }
    }
}

BOOST_AUTO_TEST_CASE(billing_frequency_names_round_trip) {
    struct Case {
        BillingFrequency frequency;
        std::string_view name;
        int months;
    };
    const Case cases[] = {
        {BillingFrequency::kMonthly, "monthly", 1},
        {BillingFrequency::kQuarterly, "quarterly", 3},
        {BillingFrequency::kAnnually, "annually", 12},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(billingFrequencyName(c.frequency) == c.name);
            const auto parsed = parseBillingFrequency(c.name);
            BOOST_TEST_REQUIRE(parsed.has_value());
            BOOST_TEST(billingFrequencyName(*parsed) == c.name);
            BOOST_TEST(monthsPerPeriod(c.frequency) == c.months);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_billing_frequency_refuses_unknown_and_differently_cased_names) {
    for (const std::string_view name : {"weekly", "Monthly", "MONTHLY", "", "monthly ", " monthly",
                                        "month", "quarter", "annual", "yearly", "daily"}) {
        BOOST_TEST_CONTEXT('"' << name << '"') {
            BOOST_TEST(!parseBillingFrequency(name).has_value());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
