#include "domain/money.h"

namespace billwright::domain {

std::optional<std::int64_t> parseMinorUnits(std::string_view text, const Currency& currency,
                                            MoneyParseError* error) {
    return parseFixed(text, currency.exponent, error);
}

core::Result<Money> parseMoney(std::string_view field, std::string_view text,
                               const Currency& currency) {
    MoneyParseError why = MoneyParseError::kSyntax;
    const auto minor = parseMinorUnits(text, currency, &why);
    if (minor) return Money{*minor, currency};
    switch (why) {
        case MoneyParseError::kTooManyDecimals:
            return core::Error::validation(std::string(field), "too_many_decimals",
                                           std::string(currency.code) + " allows at most " +
                                               std::to_string(currency.exponent) +
                                               " decimal places");
        case MoneyParseError::kOutOfRange:
            return core::Error::validation(std::string(field), "out_of_range",
                                           "the amount is too large");
        case MoneyParseError::kSyntax:
            break;
    }
    return core::Error::validation(std::string(field), "invalid_amount",
                                   "an amount is a plain decimal such as \"1500.00\"");
}

std::string formatMinorUnits(std::int64_t minor, const Currency& currency) {
    return formatFixed(minor, currency.exponent);
}

std::optional<std::int64_t> addMinor(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

}  // namespace billwright::domain
