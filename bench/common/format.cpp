#include "common/format.h"

namespace bench {

std::string thousands(std::int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return (v < 0 ? "-" : "") + out;
}

std::string roundedThousands(double v) { return thousands(static_cast<std::int64_t>(v + 0.5)); }

}  // namespace bench
