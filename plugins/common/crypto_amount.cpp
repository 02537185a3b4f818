#include "common/crypto_amount.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/provider_http.h"

namespace billwright::common {
namespace {

__extension__ typedef unsigned __int128 UInt128;

constexpr int kMaxSignificant = 36;  // 10^36 < 2^120
constexpr int kMaxExponent = 30;
constexpr UInt128 kLimit = UInt128{1} << 126;  // every operand of shareOf stays below this

// 10^n when it fits below kLimit.
std::optional<UInt128> pow10(int n) {
    if (n < 0) return std::nullopt;
    UInt128 v = 1;
    for (int i = 0; i < n; ++i) {
        if (v > kLimit / 10) return std::nullopt;
        v *= 10;
    }
    return v;
}

// digits * 10^n below kLimit, else nullopt.
std::optional<UInt128> scaleUp(UInt128 digits, int n) {
    if (digits == 0) return UInt128{0};
    const auto p = pow10(n);
    if (!p || digits > kLimit / *p) return std::nullopt;
    return digits * *p;
}

// Drops trailing zeros of the digits while the scale allows, so equal values compare equal.
CryptoDecimal reduced(CryptoDecimal d) {
    while (d.scale > 0 && d.digits != 0 && d.digits % 10 == 0) {
        d.digits /= 10;
        --d.scale;
    }
    if (d.digits == 0) d.scale = 0;
    return d;
}

}  // namespace

std::optional<CryptoDecimal> parseCryptoDecimal(std::string_view text) {
    std::size_t i = 0;
    UInt128 digits = 0;
    int significant = 0;
    int fraction = 0;
    const auto isDigit = [&](std::size_t k) {
        return k < text.size() && text[k] >= '0' && text[k] <= '9';
    };
    const auto take = [&](char c) {
        const auto d = static_cast<unsigned>(c - '0');
        if (significant > 0 || d != 0) ++significant;
        digits = digits * 10 + d;
        return significant <= kMaxSignificant;
    };
    if (!isDigit(0)) return std::nullopt;
    for (; isDigit(i); ++i) {
        if (!take(text[i])) return std::nullopt;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (!isDigit(i)) return std::nullopt;
        for (; isDigit(i); ++i) {
            if (!take(text[i])) return std::nullopt;
            ++fraction;
        }
    }
    int exponent = 0;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool negative = false;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            negative = text[i] == '-';
            ++i;
        }
        if (!isDigit(i)) return std::nullopt;
        for (; isDigit(i); ++i) {
            exponent = exponent * 10 + (text[i] - '0');
            if (exponent > kMaxExponent) return std::nullopt;
        }
        if (negative) exponent = -exponent;
    }
    if (i != text.size()) return std::nullopt;
    CryptoDecimal out;
    int scale = fraction - exponent;
    if (scale < 0) {
        const auto up = scaleUp(digits, -scale);
        if (!up) return std::nullopt;
        digits = *up;
        scale = 0;
    }
    out.digits = static_cast<Int128>(digits);
    out.scale = scale;
    return reduced(out);
}

std::optional<std::int64_t> exactMinor(const CryptoDecimal& value, int exponent) {
    if (exponent < 0 || value.digits < 0) return std::nullopt;
    const CryptoDecimal d = reduced(value);
    auto digits = static_cast<UInt128>(d.digits);
    if (d.scale <= exponent) {
        const auto up = scaleUp(digits, exponent - d.scale);
        if (!up) return std::nullopt;
        digits = *up;
    } else {
        // A reduced value has no trailing zeros: more fraction digits than the exponent allows
        // are never zeros.
        if (digits != 0) return std::nullopt;
    }
    if (digits > static_cast<UInt128>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(digits);
}

std::optional<std::int64_t> shareOf(std::int64_t total_minor, const CryptoDecimal& part,
                                    const CryptoDecimal& whole) {
    if (total_minor < 0 || part.digits < 0 || whole.digits <= 0) return std::nullopt;
    const CryptoDecimal p = reduced(part);
    const CryptoDecimal w = reduced(whole);
    const int scale = std::max(p.scale, w.scale);
    const auto b = scaleUp(static_cast<UInt128>(p.digits), scale - p.scale);
    const auto c = scaleUp(static_cast<UInt128>(w.digits), scale - w.scale);
    if (!b || !c || *c == 0) return std::nullopt;
    // total * b as three 64-bit limbs (b < 2^126, so the top limb stays below 2^62 + 1).
    const auto a = static_cast<std::uint64_t>(total_minor);
    const UInt128 low = static_cast<UInt128>(a) * static_cast<std::uint64_t>(*b);
    const UInt128 high =
        static_cast<UInt128>(a) * static_cast<std::uint64_t>(*b >> 64) + (low >> 64);
    const std::uint64_t limbs[3] = {static_cast<std::uint64_t>(low),
                                    static_cast<std::uint64_t>(high),
                                    static_cast<std::uint64_t>(high >> 64)};
    // Long division, one bit at a time; the remainder stays below c < 2^126.
    UInt128 remainder = 0;
    UInt128 quotient = 0;
    for (int bit = 191; bit >= 0; --bit) {
        const std::uint64_t limb = limbs[bit / 64];
        remainder = (remainder << 1) | ((limb >> (bit % 64)) & 1u);
        if (remainder >= *c) {
            remainder -= *c;
            if (bit >= 63) return std::nullopt;
            quotient |= UInt128{1} << bit;
        }
    }
    return static_cast<std::int64_t>(quotient);
}

std::optional<std::int64_t> partialShare(std::int64_t price_minor, const CryptoDecimal& part,
                                         const CryptoDecimal& whole) {
    const auto share = shareOf(price_minor, part, whole);
    if (!share || price_minor < 2) return std::nullopt;
    return std::clamp<std::int64_t>(*share, 1, price_minor - 1);
}

std::optional<int> isoCurrencyExponent(std::string_view code) {
    if (code.size() != 3 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return std::nullopt;
    static constexpr std::string_view kZero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                 "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                 "VND", "VUV", "XAF", "XOF", "XPF"};
    static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
    static constexpr std::string_view kFour[] = {"CLF", "UYW"};
    const auto in = [&](const auto& list) {
        return std::find(std::begin(list), std::end(list), code) != std::end(list);
    };
    if (in(kZero)) return 0;
    if (in(kThree)) return 3;
    if (in(kFour)) return 4;
    return 2;
}

void checkIsoCurrency(const sdk::Money& money) {
    const auto exponent = isoCurrencyExponent(money.currency);
    if (!exponent) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "currency " + std::string(money.currency) + " is not an ISO 4217 code");
    }
    if (*exponent != money.exponent) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "currency " + std::string(money.currency) +
                                                      " has " + std::to_string(*exponent) +
                                                      " decimals, not " +
                                                      std::to_string(money.exponent));
    }
}

std::optional<CryptoDecimal> decimalAt(const codec::JsonValue& object, std::string_view key) {
    const auto text = idText(object, key);
    if (!text) return std::nullopt;
    return parseCryptoDecimal(*text);
}

std::int64_t providerPrice(const codec::JsonValue& object, std::string_view amount_key,
                           std::string_view currency_key, const sdk::Money* asked,
                           const std::string& what) {
    const std::string currency = upperAscii(object.getString(currency_key).value_or(""));
    const auto exponent = isoCurrencyExponent(currency);
    const auto amount = decimalAt(object, amount_key);
    const auto minor = amount && exponent ? exactMinor(*amount, *exponent) : std::nullopt;
    if (!minor || *minor <= 0) {
        throw sdk::Error(BW_ERR_UNAVAILABLE, what + " has no exact " + std::string(amount_key) +
                                                 " in a known currency");
    }
    if (asked != nullptr && (currency != asked->currency || *minor != asked->amount_minor)) {
        throw sdk::Error(BW_ERR_INTERNAL,
                         what + " is for " + codec::minorToDecimal(*minor, *exponent) + " " +
                             currency + ", not " +
                             codec::minorToDecimal(asked->amount_minor, asked->exponent) + " " +
                             std::string(asked->currency));
    }
    return *minor;
}

}  // namespace billwright::common
