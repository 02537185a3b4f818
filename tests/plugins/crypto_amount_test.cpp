// The exact arithmetic the crypto processors share (plugins/common): provider decimals, exact
// minor units, the floor of a partial share, ISO 4217 exponents and a provider's price.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/crypto_amount.h"

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

BOOST_AUTO_TEST_CASE(a_partial_share_is_at_least_one_minor_unit_and_never_the_whole_price) {
    const auto partial = [](std::int64_t price, const std::string& part, const std::string& whole) {
        const auto p = common::parseCryptoDecimal(part);
        const auto w = common::parseCryptoDecimal(whole);
        return p && w ? common::partialShare(price, *p, *w) : std::nullopt;
    };
    BOOST_TEST((partial(123'456, "0.0123456", "0.0246912") == 61'728));
    BOOST_TEST((partial(100, "1", "1000") == 1));  // 0.1 minor units arrived: one
    BOOST_TEST((partial(100, "999", "1000") == 99));
    BOOST_TEST((partial(100, "1000", "1000") == 99));  // "partial" but all of it: not the whole
    BOOST_TEST((partial(2, "1", "1000") == 1));
    BOOST_TEST((partial(1, "1", "2") == std::nullopt));  // no amount between nothing and all
    BOOST_TEST((partial(100, "1", "0") == std::nullopt));
}

BOOST_AUTO_TEST_CASE(a_providers_price_is_exact_minor_units_of_the_payment_asked_about) {
    const auto payment = codec::parseJson(
        R"({"id":"p1","price_amount":1234.56,"price_currency":"usd","text_amount":"5000"})");
    BOOST_TEST_REQUIRE(payment.has_value());
    const sdk::Money asked{123'456, "USD", 2};
    BOOST_TEST(common::providerPrice(*payment, "price_amount", "price_currency", &asked, "p1") ==
               123'456);
    BOOST_TEST(common::providerPrice(*payment, "price_amount", "price_currency", nullptr, "p1") ==
               123'456);
    const auto status = [&](std::string_view amount_key, const sdk::Money* money) -> bw_status {
        try {
            (void)common::providerPrice(*payment, amount_key, "price_currency", money, "p1");
        } catch (const sdk::Error& e) {
            return e.status();
        }
        return BW_OK;
    };
    const sdk::Money other_amount{123'457, "USD", 2};
    const sdk::Money other_currency{123'456, "EUR", 2};
    BOOST_TEST(status("price_amount", &other_amount) == BW_ERR_INTERNAL);
    BOOST_TEST(status("price_amount", &other_currency) == BW_ERR_INTERNAL);
    BOOST_TEST(status("no_such_amount", nullptr) == BW_ERR_UNAVAILABLE);
    BOOST_TEST(status("id", nullptr) == BW_ERR_UNAVAILABLE);  // not a decimal
    BOOST_TEST(status("text_amount", nullptr) == BW_OK);      // a decimal string
}

BOOST_AUTO_TEST_CASE(a_request_currency_must_carry_its_iso_exponent) {
    const auto status = [](const sdk::Money& money) -> bw_status {
        try {
            common::checkIsoCurrency(money);
        } catch (const sdk::Error& e) {
            return e.status();
        }
        return BW_OK;
    };
    BOOST_TEST(status({100, "USD", 2}) == BW_OK);
    BOOST_TEST(status({100, "JPY", 0}) == BW_OK);
    BOOST_TEST(status({100, "JPY", 2}) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(status({100, "usd", 2}) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(status({100, "USDT", 2}) == BW_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
