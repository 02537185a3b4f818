#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "domain/currency.h"
#include "domain/decimal.h"

namespace billwright::domain {

// An amount in integer minor units of one currency. Never floating point.
struct Money {
    std::int64_t minor = 0;
    Currency currency;
};

using MoneyParseError = DecimalParseError;

// Parses a plain decimal ("1500", "1500.5", "-0.25") into minor units of `currency`. More
// decimals than the currency allows is an error, never a rounding. The JSON layer passes a
// number's literal text or a string's content here.
std::optional<std::int64_t> parseMinorUnits(std::string_view text, const Currency& currency,
                                            MoneyParseError* error = nullptr);

// Field-level validation for an amount in a request: the error names `field`.
core::Result<Money> parseMoney(std::string_view field, std::string_view text,
                               const Currency& currency);

// "1500.00" for USD, "1500" for JPY, "-0.005" for KWD: exactly the currency's decimals.
std::string formatMinorUnits(std::int64_t minor, const Currency& currency);
inline std::string formatMoney(const Money& m) { return formatMinorUnits(m.minor, m.currency); }

// Overflow-checked arithmetic; nullopt on overflow.
std::optional<std::int64_t> addMinor(std::int64_t a, std::int64_t b);

}  // namespace billwright::domain
