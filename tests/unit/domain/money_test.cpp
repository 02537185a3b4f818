#include "domain/money.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "support/printable.h"

#include "core/error.h"
#include "domain/currency.h"
#include "domain/decimal.h"

namespace billwright::domain {
namespace {

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// Built here rather than looked up, so the money rules are tested apart from the currency table.
constexpr Currency kUsd{"USD", 2};
constexpr Currency kJpy{"JPY", 0};
constexpr Currency kKwd{"KWD", 3};
constexpr Currency kBhd{"BHD", 3};
constexpr Currency kClp{"CLP", 0};
constexpr Currency kUyw{"UYW", 4};
constexpr Currency kAllExponents[] = {kUsd, kJpy, kKwd, kBhd, kClp, kUyw};

std::string_view errorName(MoneyParseError e) {
    switch (e) {
        case MoneyParseError::kSyntax:
            return "syntax";
        case MoneyParseError::kTooManyDecimals:
            return "too_many_decimals";
        case MoneyParseError::kOutOfRange:
            return "out_of_range";
    }
    return "unknown";
}

using billwright::testing::printable;

std::string minorText(std::optional<std::int64_t> minor) {
    return minor ? std::to_string(*minor) : "(refused)";
}

// Boost builds assertion messages eagerly, so they must not touch error() of a success.
std::string fieldCodeOf(const core::Result<Money>& result) {
    if (result.ok() || result.error().fields.size() != 1) return "(no single field error)";
    return result.error().fields.front().code;
}

std::string fieldNameOf(const core::Result<Money>& result) {
    if (result.ok() || result.error().fields.size() != 1) return "(no single field error)";
    return result.error().fields.front().field;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(money)

BOOST_AUTO_TEST_CASE(parse_minor_units_scales_plain_decimals_by_the_currency_exponent) {
    struct Case {
        Currency currency;
        std::string_view text;
        std::int64_t minor;
    };
    const Case cases[] = {
        {kUsd, "1500", 150000}, {kUsd, "1500.5", 150050}, {kUsd, "1500.50", 150050},
        {kUsd, "0.01", 1},      {kUsd, "0.1", 10},        {kUsd, "-0.25", -25},
        {kUsd, "0", 0},         {kUsd, "0.00", 0},        {kUsd, "-0", 0},
        {kUsd, "10", 1000},     {kJpy, "1500", 1500},     {kJpy, "0", 0},
        {kJpy, "-7", -7},       {kClp, "1500", 1500},     {kKwd, "1.234", 1234},
        {kKwd, "1.2", 1200},    {kKwd, "-0.005", -5},     {kKwd, "1", 1000},
        {kBhd, "1.234", 1234},  {kBhd, "0.001", 1},       {kUyw, "1.2345", 12345},
        {kUyw, "0.0001", 1},    {kUyw, "1", 10000},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.currency.code << " " << printable(c.text)) {
            MoneyParseError why = MoneyParseError::kSyntax;
            BOOST_TEST(minorText(parseMinorUnits(c.text, c.currency, &why)) ==
                       std::to_string(c.minor));
            BOOST_TEST(minorText(parseMinorUnits(c.text, c.currency)) == std::to_string(c.minor));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_minor_units_refuses_any_decimal_beyond_the_exponent_even_a_zero) {
    struct Case {
        Currency currency;
        std::string_view text;
    };
    const Case cases[] = {
        {kJpy, "1500.0"},
        {kJpy, "1500.5"},
        {kJpy, "0.0"},
        {kClp, "1.00"},
        {kUsd, "1.001"},
        {kUsd, "1.000"},
        {kUsd, "-0.255"},
        {kKwd, "1.2345"},
        {kKwd, "1.2340"},
        {kBhd, "0.0001"},
        {kUyw, "1.23456"},
        {kUyw, "0.00000"},
        // Too many decimals is reported even when the amount would also be out of range.
        {kUsd, "99999999999999999999999.001"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.currency.code << " " << printable(c.text)) {
            MoneyParseError why = MoneyParseError::kSyntax;
            BOOST_TEST(minorText(parseMinorUnits(c.text, c.currency, &why)) == "(refused)");
            BOOST_TEST(errorName(why) == errorName(MoneyParseError::kTooManyDecimals));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_minor_units_refuses_anything_but_a_plain_decimal_as_syntax) {
    const std::string_view cases[] = {
        "",
        "-",
        "1.",
        ".5",
        "-.5",
        "+1",
        "1e3",
        "1E3",
        "1.5e2",
        " 1",
        "1 ",
        "1,5",
        "1,000",
        "01",
        "00",
        "-01",
        "01.5",
        "0x10",
        "--1",
        "1-",
        "1..5",
        "1.2.3",
        "abc",
        "NaN",
        "Infinity",
        "\xef\xbc\x91",   // full-width digit one
        "1\xef\xbc\x90",  // "1" followed by a full-width zero
        "\xd9\xa1",       // Arabic-Indic digit one
        std::string_view("1\0", 2),
        "\t1",
        "1\n",
        // Syntax is judged before the decimal count.
        "1.2345x",
    };
    for (const auto currency : kAllExponents) {
        for (const std::string_view text : cases) {
            BOOST_TEST_CONTEXT(currency.code << " " << printable(text)) {
                MoneyParseError why = MoneyParseError::kOutOfRange;
                BOOST_TEST(minorText(parseMinorUnits(text, currency, &why)) == "(refused)");
                BOOST_TEST(errorName(why) == errorName(MoneyParseError::kSyntax));
                // Without an error slot the refusal is the same and nothing is written.
                BOOST_TEST(minorText(parseMinorUnits(text, currency)) == "(refused)");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_minor_units_accepts_exactly_the_int64_range_of_minor_units) {
    struct Case {
        Currency currency;
        std::string_view text;
        std::optional<std::int64_t> minor;  // nullopt: must be out of range
    };
    const Case cases[] = {
        {kUsd, "92233720368547758.07", kInt64Max},
        {kUsd, "92233720368547758.08", std::nullopt},
        {kUsd, "92233720368547758.1", std::nullopt},
        {kUsd, "92233720368547759", std::nullopt},
        {kUsd, "-92233720368547758.08", kInt64Min},
        {kUsd, "-92233720368547758.09", std::nullopt},
        {kUsd, "-92233720368547758.07", kInt64Min + 1},
        {kUsd, "100000000000000000", std::nullopt},
        {kUsd, "123456789012345678901234567890", std::nullopt},
        {kUsd, "-123456789012345678901234567890", std::nullopt},
        {kUsd, "123456789012345678901234567890.12", std::nullopt},
        {kJpy, "9223372036854775807", kInt64Max},
        {kJpy, "9223372036854775808", std::nullopt},
        {kJpy, "-9223372036854775808", kInt64Min},
        {kJpy, "-9223372036854775809", std::nullopt},
        {kJpy, "18446744073709551616", std::nullopt},  // 2^64: must not wrap to 0
        {kJpy, "123456789012345678901234567890", std::nullopt},
        {kClp, "9223372036854775807", kInt64Max},
        {kClp, "9223372036854775808", std::nullopt},
        {kKwd, "9223372036854775.807", kInt64Max},
        {kKwd, "9223372036854775.808", std::nullopt},
        {kKwd, "9223372036854776", std::nullopt},
        {kKwd, "-9223372036854775.808", kInt64Min},
        {kBhd, "-9223372036854775.809", std::nullopt},
        {kUyw, "922337203685477.5807", kInt64Max},
        {kUyw, "922337203685477.5808", std::nullopt},
        {kUyw, "-922337203685477.5808", kInt64Min},
        {kUyw, "922337203685478", std::nullopt},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.currency.code << " " << printable(c.text)) {
            MoneyParseError why = MoneyParseError::kSyntax;
            const auto parsed = parseMinorUnits(c.text, c.currency, &why);
            BOOST_TEST(minorText(parsed) == minorText(c.minor));
            if (!c.minor) {
                BOOST_TEST(errorName(why) == errorName(MoneyParseError::kOutOfRange));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_money_returns_the_amount_in_its_currency) {
    const auto result = parseMoney("flat_rate_amount", "1500.5", kUsd);
    BOOST_TEST_REQUIRE(result.ok());
    BOOST_TEST(result->minor == 150050);
    BOOST_TEST(result->currency.code == "USD");
    BOOST_TEST(result->currency.exponent == 2);

    const auto yen = parseMoney("amount", "1500", kJpy);
    BOOST_TEST_REQUIRE(yen.ok());
    BOOST_TEST(yen->minor == 1500);
    BOOST_TEST(yen->currency.code == "JPY");
}

BOOST_AUTO_TEST_CASE(parse_money_names_the_given_field_with_a_stable_code_per_failure) {
    struct Case {
        std::string_view field;
        std::string_view text;
        Currency currency;
        std::string_view field_code;
    };
    const Case cases[] = {
        {"flat_rate_amount", "1500.0", kJpy, "too_many_decimals"},
        {"flat_rate_amount", "1.2345", kKwd, "too_many_decimals"},
        {"lines[3].amount", "1.001", kUsd, "too_many_decimals"},
        {"flat_rate_amount", "92233720368547758.08", kUsd, "out_of_range"},
        {"credit", "123456789012345678901234567890", kJpy, "out_of_range"},
        {"flat_rate_amount", "1,5", kUsd, "invalid_amount"},
        {"amount", "", kUsd, "invalid_amount"},
        {"amount", "1e3", kUsd, "invalid_amount"},
        {"amount", "\xef\xbc\x91", kJpy, "invalid_amount"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.field << " = " << c.currency.code << " " << printable(c.text)) {
            const auto result = parseMoney(c.field, c.text, c.currency);
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST(core::errorCodeName(result.error().code) ==
                       core::errorCodeName(core::ErrorCode::kValidationFailed));
            BOOST_TEST(fieldNameOf(result) == c.field);
            BOOST_TEST(fieldCodeOf(result) == c.field_code);
        }
    }
}

BOOST_AUTO_TEST_CASE(format_minor_units_writes_exactly_the_currency_decimals) {
    struct Case {
        Currency currency;
        std::int64_t minor;
        std::string_view text;
    };
    const Case cases[] = {
        {kUsd, 0, "0.00"},
        {kUsd, 1, "0.01"},
        {kUsd, -1, "-0.01"},
        {kUsd, 10, "0.10"},
        {kUsd, 150000, "1500.00"},
        {kUsd, 150050, "1500.50"},
        {kUsd, -25, "-0.25"},
        {kUsd, kInt64Max, "92233720368547758.07"},
        {kUsd, kInt64Min, "-92233720368547758.08"},
        {kJpy, 0, "0"},
        {kJpy, 1500, "1500"},
        {kJpy, -1, "-1"},
        {kJpy, kInt64Min, "-9223372036854775808"},
        {kClp, 1500, "1500"},
        {kKwd, 0, "0.000"},
        {kKwd, -5, "-0.005"},
        {kKwd, 1234, "1.234"},
        {kBhd, 1000, "1.000"},
        {kBhd, -1000, "-1.000"},
        {kUyw, 1, "0.0001"},
        {kUyw, 12345, "1.2345"},
        {kUyw, kInt64Max, "922337203685477.5807"},
        {kUyw, kInt64Min, "-922337203685477.5808"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.currency.code << " " << c.minor) {
            BOOST_TEST(formatMinorUnits(c.minor, c.currency) == c.text);
            BOOST_TEST(formatMoney(Money{c.minor, c.currency}) == c.text);
        }
    }
}

BOOST_AUTO_TEST_CASE(format_fixed_pads_with_zeros_for_any_number_of_decimals) {
    using billwright::domain::formatFixed;
    BOOST_TEST(formatFixed(0, 0) == "0");
    BOOST_TEST(formatFixed(42, -1) == "42");  // no decimals below zero
    BOOST_TEST(formatFixed(5, 6) == "0.000005");
    BOOST_TEST(formatFixed(-5, 6) == "-0.000005");
    BOOST_TEST(formatFixed(1000000, 6) == "1.000000");
    BOOST_TEST(formatFixed(-1234567, 6) == "-1.234567");
    BOOST_TEST(formatFixed(123456, 3) == "123.456");
    BOOST_TEST(formatFixed(1, 19) == "0.0000000000000000001");
    BOOST_TEST(formatFixed(kInt64Min, 18) == "-9.223372036854775808");
    BOOST_TEST(formatFixed(kInt64Max, 19) == "0.9223372036854775807");
    BOOST_TEST(formatFixed(kInt64Min, 25) == "-0.0000009223372036854775808");
}

BOOST_AUTO_TEST_CASE(formatted_amounts_parse_back_to_the_same_minor_units_in_every_exponent) {
    const std::int64_t values[] = {
        0,
        1,
        -1,
        9,
        -9,
        10,
        99,
        100,
        -100,
        101,
        999,
        1000,
        1001,
        9999,
        10000,
        -10001,
        123456789,
        -987654321,
        kInt64Max,
        kInt64Max - 1,
        kInt64Min,
        kInt64Min + 1,
        kInt64Max / 10,
        kInt64Min / 10,
    };
    for (const auto currency : kAllExponents) {
        for (const std::int64_t minor : values) {
            const std::string text = formatMinorUnits(minor, currency);
            BOOST_TEST_CONTEXT(currency.code << " " << minor << " -> " << printable(text)) {
                MoneyParseError why = MoneyParseError::kSyntax;
                BOOST_TEST(minorText(parseMinorUnits(text, currency, &why)) ==
                           std::to_string(minor));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(add_minor_returns_nullopt_instead_of_overflowing) {
    struct Case {
        std::int64_t a;
        std::int64_t b;
        std::optional<std::int64_t> sum;
    };
    const Case cases[] = {
        {1, 2, 3},
        {-150000, 25, -149975},
        {kInt64Max, 0, kInt64Max},
        {kInt64Max, kInt64Min, -1},
        {kInt64Max - 1, 1, kInt64Max},
        {kInt64Min + 1, -1, kInt64Min},
        {kInt64Max, 1, std::nullopt},
        {1, kInt64Max, std::nullopt},
        {kInt64Min, -1, std::nullopt},
        {kInt64Min, kInt64Min, std::nullopt},
        {kInt64Max, kInt64Max, std::nullopt},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.a << " + " << c.b) {
            BOOST_TEST(minorText(addMinor(c.a, c.b)) == minorText(c.sum));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(currency)

BOOST_AUTO_TEST_CASE(find_currency_knows_active_iso_codes_and_their_exponents) {
    struct Case {
        std::string_view code;
        int exponent;
    };
    const Case cases[] = {
        {"USD", 2},
        {"EUR", 2},
        {"GBP", 2},
        {"KES", 2},
        {"JPY", 0},
        {"CLP", 0},
        {"ISK", 0},
        {"KRW", 0},
        {"KWD", 3},
        {"BHD", 3},
        {"OMR", 3},
        {"TND", 3},
        {"UYW", 4},
        // The ends of the sorted table.
        {"AED", 2},
        {"ZWG", 2},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.code) {
            const auto found = findCurrency(c.code);
            BOOST_TEST_REQUIRE(found.has_value());
            BOOST_TEST(found->code == c.code);
            BOOST_TEST(found->exponent == c.exponent);
        }
    }
}

BOOST_AUTO_TEST_CASE(find_currency_refuses_unknown_lowercase_partial_and_empty_codes) {
    const std::string_view cases[] = {
        "XXX",  "usd",  "Usd",  "US",  "U",   "",
        "USDX", "USD ", " USD", "AAA", "ZZZ",  // before the first and after the last entry
        "XAU",                                 // precious metal
        "CLF",                                 // fund code
    };
    for (const std::string_view code : cases) {
        BOOST_TEST_CONTEXT(printable(code)) { BOOST_TEST(!findCurrency(code).has_value()); }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
