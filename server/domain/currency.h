#pragma once

#include <optional>
#include <string_view>

namespace billwright::domain {

// An ISO 4217 currency and its minor-unit exponent (USD 2, JPY 0, KWD 3).
struct Currency {
    std::string_view code;
    int exponent = 2;

    bool operator==(const Currency& other) const { return code == other.code; }
};

// Active ISO 4217 codes (list 1). Fund codes and precious metals (XAU...) are not currencies
// anyone is invoiced in here and are refused.
std::optional<Currency> findCurrency(std::string_view code);

}  // namespace billwright::domain
