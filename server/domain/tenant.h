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
// Free text: 1..max_length bytes, no control characters, not blank.
bool isValidText(std::string_view text, std::size_t max_length);
// A display name: isValidText with at most kMaxNameLength bytes.
inline bool isValidName(std::string_view name) { return isValidText(name, kMaxNameLength); }

}  // namespace billwright::domain
