#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

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

// The ISO 4217 minor-unit exponent of an upper-case three-letter code: 0 for JPY, KRW, ...; 3
// for BHD, KWD, ...; 4 for CLF, UYW; 2 for every other code. nullopt when `code` is not three
// letters A-Z.
std::optional<int> isoCurrencyExponent(std::string_view code);

}  // namespace billwright::common
