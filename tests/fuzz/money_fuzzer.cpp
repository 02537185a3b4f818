// Money and fixed-point decimal parsing (domain/money.h, domain/decimal.h): every amount, rate
// and quantity of the API goes through parseFixed. Input: one byte picks the currency (or the
// number of decimals), one byte picks the bounds of a field check, the rest is the text.
//
// Invariants: a parsed value formats to text with exactly the currency's decimals that parses
// back to the same value; parseMinorUnits, parseMoney and parseFixed agree; a field check accepts
// exactly the values inside its bounds; the overflow-checked helpers agree with 128-bit math.

#include <cstdint>
#include <limits>
#include <string>

#include "domain/currency.h"
#include "domain/decimal.h"
#include "domain/money.h"
#include "fuzz_support.h"

using billwright::fuzz::check;
namespace domain = billwright::domain;

namespace {

constexpr const char* kCurrencies[] = {"USD", "JPY", "KWD", "EUR", "BHD", "CLP", "GBP", "TND"};

bool onlyDigits(std::string_view s) {
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

void checkFormatted(std::int64_t value, int decimals, const std::string& text) {
    // "-"? digits ("." exactly `decimals` digits)?
    std::string_view rest = text;
    if (!rest.empty() && rest.front() == '-') rest.remove_prefix(1);
    const auto dot = rest.find('.');
    if (decimals == 0) {
        check(dot == std::string_view::npos, "a 0-decimal format has no point", text);
    } else {
        check(dot != std::string_view::npos &&
                  rest.size() - dot - 1 == static_cast<std::size_t>(decimals),
              "a format has exactly the currency's decimals", text);
        check(onlyDigits(rest.substr(dot + 1)), "the fraction is digits", text);
        rest = rest.substr(0, dot);
    }
    check(!rest.empty() && onlyDigits(rest), "the integer part is digits", text);
    check(rest.size() == 1 || rest.front() != '0', "no leading zero", text);
    const auto again = domain::parseFixed(text, decimals);
    check(again.has_value() && *again == value, "format then parse gives the value back", text);
}

void checkArithmetic(std::int64_t a, std::int64_t b, std::int64_t c) {
    std::int64_t sum = 0;
    const bool overflows = __builtin_add_overflow(a, b, &sum);
    const auto added = domain::addMinor(a, b);
    check(added.has_value() == !overflows, "addMinor reports overflow exactly");
    if (added) check(*added == sum, "addMinor adds");

    const auto product = domain::mulDivRound(a, b, c);
    if (c == 0) {
        check(!product.has_value(), "mulDivRound refuses a zero divisor");
        return;
    }
    const domain::Int128 num = static_cast<domain::Int128>(a) * b;
    const auto via_div = domain::divRound(num, c);
    check(product.has_value() == via_div.has_value() && (!product || *product == *via_div),
          "mulDivRound is divRound of the 128-bit product");
    if (!product) return;
    // |num - q*c| <= |c| / 2: the quotient is the nearest integer (ties away from zero).
    const domain::Int128 remainder = num - static_cast<domain::Int128>(*product) * c;
    const domain::Int128 abs_rem = remainder < 0 ? -remainder : remainder;
    const domain::Int128 abs_c = c < 0 ? -static_cast<domain::Int128>(c) : c;
    check(2 * abs_rem <= abs_c, "mulDivRound rounds to the nearest integer");
    if (2 * abs_rem == abs_c) {
        const domain::Int128 back = static_cast<domain::Int128>(*product) * c;
        check((back < 0 ? -back : back) > (num < 0 ? -num : num), "a tie rounds away from zero");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    const std::uint8_t pick = in.byte();
    const std::uint8_t bounds = in.byte();
    const std::string text(in.rest());

    const auto currency =
        domain::findCurrency(kCurrencies[pick % (sizeof kCurrencies / sizeof *kCurrencies)]);
    check(currency.has_value(), "the test currencies exist");

    domain::MoneyParseError why = domain::MoneyParseError::kSyntax;
    const auto minor = domain::parseMinorUnits(text, *currency, &why);
    const auto fixed = domain::parseFixed(text, currency->exponent);
    check(minor == fixed, "parseMinorUnits is parseFixed with the currency's exponent", text);
    const auto money = domain::parseMoney("amount", text, *currency);
    check(money.ok() == minor.has_value(), "parseMoney accepts what parseMinorUnits accepts", text);
    if (minor) {
        check(money.value().minor == *minor, "parseMoney gives the same minor units", text);
        const std::string formatted = domain::formatMinorUnits(*minor, *currency);
        checkFormatted(*minor, currency->exponent, formatted);
        check(domain::formatMoney(money.value()) == formatted, "formatMoney is formatMinorUnits");
    } else {
        check(!money.error().fields.empty() && money.error().fields[0].field == "amount",
              "a refused amount names its field", text);
    }

    // The same text as a quantity with 0..6 decimals and bounds picked by the input.
    const int decimals = (pick >> 4) % 7;
    constexpr std::int64_t kBounds[] = {0, 1, 1000, std::int64_t{1} << 50,
                                        std::numeric_limits<std::int64_t>::max()};
    const std::int64_t min = (bounds & 0x80) != 0 ? -kBounds[bounds % 5] : kBounds[bounds % 2];
    const std::int64_t max = kBounds[(bounds >> 3) % 5];
    const auto quantity = domain::parseFixed(text, decimals);
    const auto field = domain::parseFixedField("quantity", text, decimals, min, max);
    check(field.ok() == (quantity && *quantity >= min && *quantity <= max),
          "a field check accepts exactly the parsed values inside its bounds", text);
    if (quantity) checkFormatted(*quantity, decimals, domain::formatFixed(*quantity, decimals));

    billwright::fuzz::Input numbers(data, size);
    checkArithmetic(numbers.i64(), numbers.i64(), numbers.i64());
    return 0;
}
