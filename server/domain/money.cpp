#include "domain/money.h"

#include <limits>

namespace billwright::domain {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

void setError(MoneyParseError* out, MoneyParseError value) {
    if (out != nullptr) *out = value;
}

}  // namespace

std::optional<std::int64_t> parseMinorUnits(std::string_view text, const Currency& currency,
                                            MoneyParseError* error) {
    std::size_t pos = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) ++pos;
    const std::size_t int_start = pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    const std::size_t int_end = pos;
    if (int_end == int_start) {
        setError(error, MoneyParseError::kSyntax);
        return std::nullopt;
    }
    // JSON forbids leading zeros; so do we, so "007" is not silently 7.
    if (int_end - int_start > 1 && text[int_start] == '0') {
        setError(error, MoneyParseError::kSyntax);
        return std::nullopt;
    }
    std::size_t frac_start = pos;
    std::size_t frac_end = pos;
    if (pos < text.size() && text[pos] == '.') {
        frac_start = ++pos;
        while (pos < text.size() && isDigit(text[pos])) ++pos;
        frac_end = pos;
        if (frac_end == frac_start) {
            setError(error, MoneyParseError::kSyntax);
            return std::nullopt;
        }
    }
    if (pos != text.size()) {
        setError(error, MoneyParseError::kSyntax);
        return std::nullopt;
    }
    const auto exponent = static_cast<std::size_t>(currency.exponent);
    if (frac_end - frac_start > exponent) {
        setError(error, MoneyParseError::kTooManyDecimals);
        return std::nullopt;
    }
    // Accumulate as a negative number so INT64_MIN's magnitude fits.
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    std::int64_t acc = 0;
    auto push_digit = [&](int digit) {
        if (acc < kMin / 10) return false;
        acc *= 10;
        if (acc < kMin + digit) return false;
        acc -= digit;
        return true;
    };
    for (std::size_t i = int_start; i < int_end; ++i) {
        if (!push_digit(text[i] - '0')) {
            setError(error, MoneyParseError::kOutOfRange);
            return std::nullopt;
        }
    }
    for (std::size_t i = 0; i < exponent; ++i) {
        const std::size_t at = frac_start + i;
        const int digit = at < frac_end ? text[at] - '0' : 0;
        if (!push_digit(digit)) {
            setError(error, MoneyParseError::kOutOfRange);
            return std::nullopt;
        }
    }
    if (negative) return acc;
    if (acc == kMin) {
        setError(error, MoneyParseError::kOutOfRange);
        return std::nullopt;
    }
    return -acc;
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
    // Work on the unsigned magnitude so INT64_MIN formats correctly.
    const bool negative = minor < 0;
    const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-(minor + 1)) + 1U
                                             : static_cast<std::uint64_t>(minor);
    std::string digits = std::to_string(magnitude);
    const auto exponent = static_cast<std::size_t>(currency.exponent);
    if (digits.size() <= exponent) digits.insert(0, exponent + 1 - digits.size(), '0');
    std::string out = negative ? "-" : "";
    out += digits.substr(0, digits.size() - exponent);
    if (exponent > 0) {
        out.push_back('.');
        out += digits.substr(digits.size() - exponent);
    }
    return out;
}

std::optional<std::int64_t> addMinor(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

}  // namespace billwright::domain
