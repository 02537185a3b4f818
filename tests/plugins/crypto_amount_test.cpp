// The exact arithmetic the crypto processors share (plugins/common): provider decimals, exact
// minor units, the floor of a partial share, ISO 4217 exponents and provider timestamps.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

#include "common/crypto_amount.h"
#include "common/provider_client.h"

namespace billwright::plugin_tests {
namespace {

std::optional<std::int64_t> minorOf(const std::string& text, int exponent) {
    const auto d = common::parseCryptoDecimal(text);
    return d ? common::exactMinor(*d, exponent) : std::nullopt;
}

std::optional<std::int64_t> share(std::int64_t total, const std::string& part,
                                  const std::string& whole) {
    const auto p = common::parseCryptoDecimal(part);
    const auto w = common::parseCryptoDecimal(whole);
    return p && w ? common::shareOf(total, *p, *w) : std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_amount)

BOOST_AUTO_TEST_CASE(provider_decimals_become_exact_minor_units) {
    const struct {
        std::string text;
        int exponent;
        std::optional<std::int64_t> minor;
    } cases[] = {
        {"1234.56", 2, 123'456},
        {"1234.5", 2, 123'450},
        {"1234.560000", 2, 123'456},
        {"170", 2, 17'000},
        {"0", 2, 0},
        {"5000", 0, 5'000},
        {"1.5e2", 2, 15'000},
        {"1E-2", 2, 1},
        {"12.345", 3, 12'345},
        {"0.0246912", 8, 2'469'120},
        {"1234.567", 2, std::nullopt},  // not exact
        {"1e-3", 2, std::nullopt},
        {"-1", 2, std::nullopt},
        {"+1", 2, std::nullopt},
        {"1.", 2, std::nullopt},
        {".5", 2, std::nullopt},
        {"1,5", 2, std::nullopt},
        {"", 2, std::nullopt},
        {"92233720368547758.07", 2, INT64_MAX},
        {"92233720368547758.08", 2, std::nullopt},
        {"1e31", 0, std::nullopt},
        {"1234567890123456789012345678901234567", 0, std::nullopt},  // 37 digits
    };
    for (const auto& c : cases) {
        BOOST_TEST((minorOf(c.text, c.exponent) == c.minor), c.text << " at " << c.exponent);
    }
}

BOOST_AUTO_TEST_CASE(a_share_is_the_exact_floor_of_total_times_part_over_whole) {
    BOOST_TEST((share(123'456, "0.0123456", "0.0246912") == 61'728));
    BOOST_TEST((share(123'456, "0.0100001", "0.0246912") == 50'000));  // 500.005 -> 500.00
    BOOST_TEST((share(123'456, "1234560", "2469120") == 61'728));
    BOOST_TEST((share(100, "1", "3") == 33));
    BOOST_TEST((share(100, "2", "3") == 66));
    BOOST_TEST((share(100, "0", "3") == 0));
    BOOST_TEST((share(100, "1", "0") == std::nullopt));
    // An 18-decimal token and the largest amount: the 192-bit product does not overflow.
    BOOST_TEST((share(INT64_MAX, "999999.999999999999999999", "1000000") == INT64_MAX - 1));
    BOOST_TEST((share(INT64_MAX, "1000000", "1000000") == INT64_MAX));
    BOOST_TEST((share(INT64_MAX, "2", "1") == std::nullopt));
}

BOOST_AUTO_TEST_CASE(iso_currencies_have_their_minor_unit_exponents) {
    BOOST_TEST((common::isoCurrencyExponent("USD") == 2));
    BOOST_TEST((common::isoCurrencyExponent("EUR") == 2));
    BOOST_TEST((common::isoCurrencyExponent("JPY") == 0));
    BOOST_TEST((common::isoCurrencyExponent("KWD") == 3));
    BOOST_TEST((common::isoCurrencyExponent("CLF") == 4));
    BOOST_TEST((common::isoCurrencyExponent("usd") == std::nullopt));
    BOOST_TEST((common::isoCurrencyExponent("USDT") == std::nullopt));
}

BOOST_AUTO_TEST_CASE(provider_timestamps_are_read_as_unix_seconds) {
    BOOST_TEST((common::parseIsoTime("2023-11-14T22:13:20.000Z") == 1'700'000'000));
    BOOST_TEST((common::parseIsoTime("2023-11-14T22:13:20Z") == 1'700'000'000));
    BOOST_TEST((common::parseIsoTime("1970-01-01T00:00:00Z") == 0));
    BOOST_TEST((common::parseIsoTime("2024-02-29T00:00:00Z") == 1'709'164'800));
    BOOST_TEST((common::parseIsoTime("2023-02-29T00:00:00Z") == std::nullopt));
    BOOST_TEST((common::parseIsoTime("2023-11-14T22:13:20+01:00") == std::nullopt));
    BOOST_TEST((common::parseIsoTime("2023-11-14T22:13:20.Z") == std::nullopt));
    BOOST_TEST((common::parseIsoTime("2023-11-14") == std::nullopt));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
