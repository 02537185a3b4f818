#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace billwright::domain {

// Exact fixed-point decimals: a value with `decimals` places is stored as an integer scaled by
// 10^decimals ("29.5" with 3 places is 29500). Money, energy, power, hashrate, rates and
// percentages all use this; none of them ever touches floating point.
// 128-bit intermediates for products of two int64 quantities (`__extension__` keeps -Wpedantic
// quiet about the GCC/Clang built-in type).
__extension__ typedef __int128 Int128;

enum class DecimalParseError {
    kSyntax,  // not a plain decimal: "1,5", "1e3", "+1", " 1", "", "1.", "007"
    kTooManyDecimals,
    kOutOfRange,  // does not fit int64 once scaled
};

std::optional<std::int64_t> parseFixed(std::string_view text, int decimals,
                                       DecimalParseError* error = nullptr);

// Exactly `decimals` places: formatFixed(29500, 3) == "29.500", formatFixed(-5, 2) == "-0.05".
std::string formatFixed(std::int64_t value, int decimals);

// Field-level validation: a 422 naming `field` for bad syntax, too many decimals, or a value
// outside [min, max] (both scaled).
core::Result<std::int64_t> parseFixedField(std::string_view field, std::string_view text,
                                           int decimals, std::int64_t min, std::int64_t max);

// num / den rounded half away from zero; nullopt when den == 0 or the result does not fit
// int64. The one rounding rule of money and quantities (DESIGN: round once, at the line).
std::optional<std::int64_t> divRound(Int128 num, Int128 den);

// a * b / c rounded half away from zero, computed in 128 bits; nullopt when c == 0 or the
// result does not fit int64.
std::optional<std::int64_t> mulDivRound(std::int64_t a, std::int64_t b, std::int64_t c);

}  // namespace billwright::domain
