#include "common/exact_math.h"

#include <cstdint>
#include <limits>

namespace billwright::common {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

Int128 gcd(Int128 a, Int128 b) {
    while (b != 0) {
        const Int128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

}  // namespace

std::int64_t saturate(Int128 v) {
    if (v > kInt64Max) return kInt64Max;
    if (v < kInt64Min) return kInt64Min;
    return static_cast<std::int64_t>(v);
}

std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
    return saturate(static_cast<Int128>(a) + b);
}

std::int64_t nonNegative(std::int64_t v) { return v < 0 ? 0 : v; }

Int128 roundDiv(Int128 num, Int128 den) {
    Int128 q = num / den;
    const Int128 r = num % den;
    const Int128 abs_r = r < 0 ? -r : r;
    if (2 * abs_r >= den) q += num < 0 ? -1 : 1;
    return q;
}

void ExactSum::add(Int128 num, Int128 d) {
    whole_ += num / d;
    Int128 r = num % d;
    if (r == 0) return;
    const Int128 g = gcd(r, d);
    r /= g;
    d /= g;
    const Int128 common = gcd(den_, d);
    Int128 rem = rem_ * (d / common) + r * (den_ / common);
    const Int128 den = den_ / common * d;
    whole_ += rem / den;
    rem %= den;
    const Int128 reduce = rem == 0 ? den : gcd(rem, den);
    rem_ = rem / reduce;
    den_ = den / reduce;
}

Int128 ExactSum::rounded() const { return whole_ + (2 * rem_ >= den_ ? 1 : 0); }

}  // namespace billwright::common
