#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "scripting/script_failure.h"

namespace billwright::scripting {

// The result contract of each script kind, applied to what Program::call returned. Errors are
// Error::validation-style field errors on "result" or "result.<path>" (1-based indexes like
// Lua: "result[2].amount_minor"), every problem at once; resultFailure turns them into a
// bad_result failure. Nothing here rounds: a value that is not exact is refused.

// rate: the price per kWh for one hour bucket, in micro-units (6 decimals: 0.065 -> 65000).
// Accepted, exactly:
//   - a decimal string: digits with an optional fraction of at most 6 digits ("0.065",
//     "0.065000", "12"); no exponent, spaces, "+" or leading zeros ("007"); code
//     "invalid_number" otherwise (as domain::parseFixedField), "too_many_decimals" past 6;
//   - a Lua integer: a whole price per kWh (1 -> 1000000);
//   - a float whose shortest round-trip decimal has at most 6 decimals (0.065, 0.05 ok;
//     0.1 * 0.7 is 0.06999999999999999 -> "too_many_decimals": round in the script, with
//     string.format("%.6f", x) or math.floor(x * 1e6 + 0.5) / 1e6).
// Range 0 <= rate <= 1000 per kWh ("out_of_range"); any other type is "wrong_type".
inline constexpr int kRateDecimals = 6;
inline constexpr std::int64_t kMaxRateMicros = 1000LL * 1'000'000;
core::Result<std::int64_t> rateResult(const core::JsonValue& result);

// fees: a table of default fees in integer minor units of the quote's currency, e.g.
// { admin = 5000, install = 12000 }. Keys: kFeeKeys; a missing key (or nil) means "use the
// tenant's default"; an unknown key is "unknown_field" naming it. Each value an integer
// 0 <= v <= kMaxAmountMinor (a float with an integral value counts: 5000.0; "not_integer"
// otherwise, "wrong_type" for a string); an empty table is fine (all defaults).
inline constexpr std::array<std::string_view, 6> kFeeKeys = {
    "admin", "transfer", "install", "hosting_deposit", "shipping_handling", "sales_tax"};
// 10^15 minor units: far above any real fee or line, far below int64 overflow in sums.
inline constexpr std::int64_t kMaxAmountMinor = 1'000'000'000'000'000;
struct FeeResult {
    std::map<std::string, std::int64_t> fees_minor;
    bool operator==(const FeeResult&) const = default;
};
core::Result<FeeResult> feesResult(const core::JsonValue& result);

// invoice_adjust: an array of at most kMaxAdjustLines extra invoice lines (an empty table: no
// line), each { kind = "discount"|"credit"|"surcharge", description = 1..200 characters
// (UTF-8 code points, no control characters), amount_minor = integer minor units (discount and
// credit < 0, surcharge > 0, |amount| <= kMaxAmountMinor), taxable = boolean (default false) }.
// Codes: wrong_type, required, unknown_field, invalid_enum, out_of_range, not_integer,
// invalid_characters, too_many_items.
inline constexpr std::size_t kMaxAdjustLines = 50;
inline constexpr std::size_t kMaxDescriptionChars = 200;
struct AdjustLine {
    std::string kind;  // discount | credit | surcharge
    std::string description;
    std::int64_t amount_minor = 0;
    bool taxable = false;
    bool operator==(const AdjustLine&) const = default;
};
core::Result<std::vector<AdjustLine>> invoiceAdjustResult(const core::JsonValue& result);

// A bad_result failure carrying every field error as "field: message" (joined with "; ").
ScriptFailure resultFailure(const core::Error& error);

}  // namespace billwright::scripting
