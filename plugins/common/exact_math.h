#pragma once

#include <cstdint>

namespace billwright::common {

// GCC and Clang extension; 128 bits hold every product the plugins form (value x value x
// seconds) without overflow.
__extension__ typedef __int128 Int128;

// v clamped into the int64 range.
std::int64_t saturate(Int128 v);
std::int64_t saturatingAdd(std::int64_t a, std::int64_t b);
std::int64_t nonNegative(std::int64_t v);

// num / den rounded half away from zero; den > 0.
Int128 roundDiv(Int128 num, Int128 den);

// An exact non-negative sum of fractions: whole + rem / den with 0 <= rem < den, rounded once
// at the end. An hour gets at most two fractional shares of counter intervals (the ones
// straddling its start and its end; an interval inside the hour adds a whole number), so den
// stays below the product of two int64 interval lengths.
class ExactSum {
public:
    // Adds num / d; num >= 0, d > 0.
    void add(Int128 num, Int128 d);
    // The sum rounded half up.
    Int128 rounded() const;

private:
    Int128 whole_ = 0;
    Int128 rem_ = 0;
    Int128 den_ = 1;
};

}  // namespace billwright::common
