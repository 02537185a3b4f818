#include "domain/decimal.h"

#include <charconv>

#include <limits>

namespace billwright::domain {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

void setError(DecimalParseError* out, DecimalParseError value) {
    if (out != nullptr) *out = value;
}

}  // namespace

std::optional<std::int64_t> parseFixed(std::string_view text, int decimals,
                                       DecimalParseError* error) {
    std::size_t pos = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) ++pos;
    const std::size_t int_start = pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    const std::size_t int_end = pos;
    if (int_end == int_start) {
        setError(error, DecimalParseError::kSyntax);
        return std::nullopt;
    }
    // JSON forbids leading zeros; so do we, so "007" is not silently 7.
    if (int_end - int_start > 1 && text[int_start] == '0') {
        setError(error, DecimalParseError::kSyntax);
        return std::nullopt;
    }
    std::size_t frac_start = pos;
    std::size_t frac_end = pos;
    if (pos < text.size() && text[pos] == '.') {
        frac_start = ++pos;
        while (pos < text.size() && isDigit(text[pos])) ++pos;
        frac_end = pos;
        if (frac_end == frac_start) {
            setError(error, DecimalParseError::kSyntax);
            return std::nullopt;
        }
    }
    if (pos != text.size()) {
        setError(error, DecimalParseError::kSyntax);
        return std::nullopt;
    }
    const auto exponent = static_cast<std::size_t>(decimals < 0 ? 0 : decimals);
    if (frac_end - frac_start > exponent) {
        setError(error, DecimalParseError::kTooManyDecimals);
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
            setError(error, DecimalParseError::kOutOfRange);
            return std::nullopt;
        }
    }
    for (std::size_t i = 0; i < exponent; ++i) {
        const std::size_t at = frac_start + i;
        const int digit = at < frac_end ? text[at] - '0' : 0;
        if (!push_digit(digit)) {
            setError(error, DecimalParseError::kOutOfRange);
            return std::nullopt;
        }
    }
    if (negative) return acc;
    if (acc == kMin) {
        setError(error, DecimalParseError::kOutOfRange);
        return std::nullopt;
    }
    return -acc;
}

std::string formatFixed(std::int64_t minor, int decimals) {
    // Work on the unsigned magnitude so INT64_MIN formats correctly. One string, built in place
    // (money and quantities are formatted for every field of every representation).
    const bool negative = minor < 0;
    const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-(minor + 1)) + 1U
                                             : static_cast<std::uint64_t>(minor);
    char digits[24];
    const auto digits_end = std::to_chars(digits, digits + sizeof digits, magnitude).ptr;
    const auto count = static_cast<std::size_t>(digits_end - digits);
    const auto exponent = static_cast<std::size_t>(decimals < 0 ? 0 : decimals);
    const std::size_t integral = count > exponent ? count - exponent : 1;  // at least "0"
    std::string out((negative ? 1 : 0) + integral + (exponent > 0 ? 1 + exponent : 0), '0');
    char* p = out.data();
    if (negative) *p++ = '-';
    // The digits fill the end of the integral part and the fraction; the zeros before them stay.
    char* const point = p + integral;
    char* const end = out.data() + out.size();
    std::size_t left = count;
    for (char* q = end; left > 0; --left) {
        --q;
        if (q == point) --q;  // skip the decimal point's place
        *q = digits[left - 1];
    }
    if (exponent > 0) *point = '.';
    return out;
}

core::Result<std::int64_t> parseFixedField(std::string_view field, std::string_view text,
                                           int decimals, std::int64_t min, std::int64_t max) {
    DecimalParseError why = DecimalParseError::kSyntax;
    const auto value = parseFixed(text, decimals, &why);
    const std::string name(field);
    const auto range = [&] {
        return "must be from " + formatFixed(min, decimals) + " to " + formatFixed(max, decimals);
    };
    if (value) {
        if (*value < min || *value > max)
            return core::Error::validation(name, "out_of_range", range());
        return *value;
    }
    switch (why) {
        case DecimalParseError::kTooManyDecimals:
            return core::Error::validation(
                name, "too_many_decimals",
                "allows at most " + std::to_string(decimals) + " decimal places");
        case DecimalParseError::kOutOfRange:
            return core::Error::validation(name, "out_of_range", range());
        case DecimalParseError::kSyntax:
            break;
    }
    return core::Error::validation(name, "invalid_number",
                                   "must be a plain decimal such as \"12.5\"");
}

std::optional<std::int64_t> divRound(Int128 num, Int128 den) {
    if (den == 0) return std::nullopt;
    Int128 q = num / den;
    const Int128 r = num % den;
    // Round half away from zero: compare 2|r| with |den|.
    const Int128 abs_r = r < 0 ? -r : r;
    const Int128 abs_den = den < 0 ? -den : den;
    if (2 * abs_r >= abs_den) q += ((num < 0) != (den < 0)) ? -1 : 1;
    if (q > std::numeric_limits<std::int64_t>::max() ||
        q < std::numeric_limits<std::int64_t>::min())
        return std::nullopt;
    return static_cast<std::int64_t>(q);
}

std::optional<std::int64_t> mulDivRound(std::int64_t a, std::int64_t b, std::int64_t c) {
    return divRound(static_cast<Int128>(a) * b, c);
}

}  // namespace billwright::domain
