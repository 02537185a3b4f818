// The text, URL, JSON and time helpers the provider plugins share (plugins/common): what a
// provider sends is read the same way by every processor.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include <billwright/codec.hpp>

#include "common/iso_time.h"
#include "common/provider_http.h"

namespace billwright::plugin_tests {

BOOST_AUTO_TEST_SUITE(provider_http)

BOOST_AUTO_TEST_CASE(provider_timestamps_are_read_as_unix_seconds) {
    const struct {
        std::string_view text;
        std::optional<std::int64_t> seconds;
    } cases[] = {
        {"2023-11-14T22:13:20.000Z", 1'700'000'000},
        {"2023-11-14T22:13:20Z", 1'700'000'000},
        {"1970-01-01T00:00:00Z", 0},
        {"2024-02-29T00:00:00Z", 1'709'164'800},
        {"2016-12-31T23:59:60Z", 1'483'228'800},  // a leap second is the next minute's first
        {"2023-11-14T22:13:20.123456789012345678901234567890Z", 1'700'000'000},
        {"2023-02-29T00:00:00Z", std::nullopt},
        {"1969-12-31T23:59:59Z", std::nullopt},
        {"2023-11-14T22:13:20+01:00", std::nullopt},
        {"2023-11-14T22:13:20.Z", std::nullopt},
        {"2023-11-14T24:00:00Z", std::nullopt},
        {"2023-11-14T22:13:2xZ", std::nullopt},
        {"2023-11-14 22:13:20Z", std::nullopt},
        {"2023-11-14", std::nullopt},
        {"", std::nullopt},
    };
    for (const auto& c : cases) {
        BOOST_TEST((common::parseIsoTime(c.text) == c.seconds), c.text);
    }
}

BOOST_AUTO_TEST_CASE(dates_are_days_since_1970) {
    const struct {
        std::string_view text;
        std::optional<std::int64_t> days;
    } cases[] = {
        {"1970-01-01", 0},
        {"1970-03-01", 59},
        {"2000-02-29", 11'016},
        {"2000-03-01", 11'017},
        {"2026-11-01", 20'758},
        {"9999-12-31", 2'932'896},
        {"1900-02-29", std::nullopt},
        {"2023-02-29", std::nullopt},
        {"2023-13-01", std::nullopt},
        {"2023-00-10", std::nullopt},
        {"2023-04-31", std::nullopt},
        {"1969-12-31", std::nullopt},
        {"2023-4-01", std::nullopt},
        {"2023-04-01T", std::nullopt},
    };
    for (const auto& c : cases) {
        BOOST_TEST((common::isoDateDays(c.text) == c.days), c.text);
    }
}

BOOST_AUTO_TEST_CASE(provider_text_loses_control_characters_and_is_cut_between_characters) {
    BOOST_TEST(common::printable("Card\r\ndeclined\x7f.") == "Carddeclined.");
    BOOST_TEST(common::printable("abcdef", 3) == "abc");
    // "é" is two bytes: a cut inside it keeps neither byte.
    BOOST_TEST(common::printable("ab\xc3\xa9", 3) == "ab");
    BOOST_TEST(common::printable("ab\xc3\xa9", 4) == "ab\xc3\xa9");
    BOOST_TEST(common::printable("\xe2\x82\xac\xe2\x82\xac", 5) == "\xe2\x82\xac");  // "€€"
    BOOST_TEST(common::hasControl("key\n"));
    BOOST_TEST(!common::hasControl("sk_test_123 é"));
    BOOST_TEST(common::trim(" \t key \t") == "key");
    BOOST_TEST(common::trim(" \t ").empty());
    BOOST_TEST(common::lowerAscii("USDTtrc20") == "usdttrc20");
    BOOST_TEST(common::upperAscii("usd") == "USD");
}

BOOST_AUTO_TEST_CASE(only_absolute_http_urls_without_spaces_or_controls_are_urls) {
    BOOST_TEST(common::isHttpUrl("https://api.stripe.com"));
    BOOST_TEST(common::isHttpUrl("http://127.0.0.1:8080/v1"));
    BOOST_TEST(!common::isHttpUrl("https://"));
    BOOST_TEST(!common::isHttpUrl("ftp://example.com"));
    BOOST_TEST(!common::isHttpUrl("https://exa mple.com"));
    BOOST_TEST(!common::isHttpUrl("https://example.com/\r\nX-Injected: 1"));
    BOOST_TEST(!common::isHttpUrl("api.stripe.com"));
}

BOOST_AUTO_TEST_CASE(ids_are_read_from_strings_and_numbers) {
    const auto object = codec::parseJson(
        R"({"id":5077125051,"order":"pay_1","nested":{"name":"x"},"none":null,"flag":true})");
    BOOST_TEST_REQUIRE(object.has_value());
    BOOST_TEST((common::idText(*object, "id") == std::string("5077125051")));
    BOOST_TEST((common::idText(*object, "order") == std::string("pay_1")));
    BOOST_TEST((common::idText(*object, "none") == std::nullopt));
    BOOST_TEST((common::idText(*object, "flag") == std::nullopt));
    BOOST_TEST((common::idText(*object, "absent") == std::nullopt));
    BOOST_TEST(common::stringAt(*object, {"nested", "name"}) == "x");
    BOOST_TEST(common::stringAt(*object, {"nested", "absent"}).empty());
    BOOST_TEST(common::stringAt(*object, {"order", "deeper"}).empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
