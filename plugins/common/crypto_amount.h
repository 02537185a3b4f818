#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/exact_math.h"

// Exact amounts for the crypto payment processors: a provider's decimal figures (JSON number
// lexemes such as "0.0246912" or "1e-7", or decimal strings) held as integers, the share of an
// invoice a partial payment covers, and the ISO 4217 minor-unit exponents. No floating point.
namespace billwright::common {

// A non-negative decimal: digits / 10^scale.
struct CryptoDecimal {
    Int128 digits = 0;
    int scale = 0;
};

// A non-negative JSON number lexeme or plain decimal ("12", "0.5", "3999.50", "1.5e-3"), or
// nullopt (a sign, junk, more than 36 significant digits, an exponent beyond +-30).
std::optional<CryptoDecimal> parseCryptoDecimal(std::string_view text);

// The value in integer minor units with `exponent` decimals when it is exact (extra fraction
// digits only when zeros), else nullopt.
std::optional<std::int64_t> exactMinor(const CryptoDecimal& value, int exponent);

// floor(total_minor * part / whole): the minor units of an invoice of total_minor that `part`
// of a price of `whole` pays for, exactly (a 192-bit product, no rounding before the floor).
// nullopt when whole is 0 or total_minor < 0 or the result does not fit int64.
std::optional<std::int64_t> shareOf(std::int64_t total_minor, const CryptoDecimal& part,
                                    const CryptoDecimal& whole);

// What a partial payment of `part` out of `whole` is reported with for an invoice of
// price_minor: shareOf clamped to [1, price_minor - 1] (some funds did arrive, never all of
// them). nullopt when shareOf is, or when price_minor is below 2 (no partial amount exists).
std::optional<std::int64_t> partialShare(std::int64_t price_minor, const CryptoDecimal& part,
                                         const CryptoDecimal& whole);

// The ISO 4217 minor-unit exponent of an upper-case three-letter code: 0 for JPY, KRW, ...; 3
// for BHD, KWD, ...; 4 for CLF, UYW; 2 for every other code. nullopt when `code` is not three
// letters A-Z.
std::optional<int> isoCurrencyExponent(std::string_view code);

// The request's currency checked against ISO 4217: Error(BW_ERR_INVALID_ARGUMENT) unless it is a
// code of isoCurrencyExponent and the request's exponent is that one, so that a webhook (which
// carries no exponent) converts exactly as the charge did.
void checkIsoCurrency(const sdk::Money& money);

// The member `key` of a provider's object, a JSON number or a decimal string, as a decimal;
// nullopt when absent or not such a decimal.
std::optional<CryptoDecimal> decimalAt(const codec::JsonValue& object, std::string_view key);

// The price a provider's payment object holds, in exact minor units: the decimal `amount_key`
// of the ISO currency `currency_key` (any case). `what` names the payment in messages
// ("OpenNode charge <id>"). Error(BW_ERR_UNAVAILABLE) when it is not an exact positive amount of
// a known currency; Error(BW_ERR_INTERNAL) when `asked` is given and is another amount or
// currency (the provider's payment is not the one asked about).
std::int64_t providerPrice(const codec::JsonValue& object, std::string_view amount_key,
                           std::string_view currency_key, const sdk::Money* asked,
                           const std::string& what);

}  // namespace billwright::common
