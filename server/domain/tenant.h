#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "domain/currency.h"

namespace billwright::domain {

enum class TenantStatus { kActive, kSuspended };
std::string_view tenantStatusName(TenantStatus s);
std::optional<TenantStatus> parseTenantStatus(std::string_view text);

struct Tenant {
    std::string id;  // "ten_..."
    std::string name;
    TenantStatus status = TenantStatus::kActive;
    std::string timezone = "UTC";  // IANA name, validated on write
    Currency default_currency{"USD", 2};
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

inline constexpr std::size_t kMaxNameLength = 200;
// A display name: 1..200 bytes of valid text with no control characters and not blank.
bool isValidName(std::string_view name);

}  // namespace billwright::domain
