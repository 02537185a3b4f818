#pragma once

// Numbers as the benchmarks print them.

#include <cstdint>
#include <string>

namespace bench {

std::string thousands(std::int64_t v);  // "-1,234,567"

// A non-negative rate rounded to a whole number, with thousands separators ("163,430").
std::string roundedThousands(double v);

}  // namespace bench
