#include "domain/tenant.h"

namespace billwright::domain {

std::string_view tenantStatusName(TenantStatus s) {
    return s == TenantStatus::kActive ? "active" : "suspended";
}

std::optional<TenantStatus> parseTenantStatus(std::string_view text) {
    if (text == "active") return TenantStatus::kActive;
    if (text == "suspended") return TenantStatus::kSuspended;
    return std::nullopt;
}

bool isValidText(std::string_view text, std::size_t max_length) {
    if (text.empty() || text.size() > max_length) return false;
    bool has_visible = false;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return false;
        if (c != ' ') has_visible = true;
    }
    return has_visible;
}

}  // namespace billwright::domain
