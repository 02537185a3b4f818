#include "domain/inventory.h"

#include "domain/decimal.h"

namespace billwright::domain {

bool isValidPhone(std::string_view text) {
    if (text.empty() || text.size() > 40) return false;
    int digits = 0;
    for (const char c : text) {
        if (c >= '0' && c <= '9') {
            ++digits;
        } else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')' && c != '.') {
            return false;
        }
    }
    return digits >= 5;
}

std::string_view equipmentStatusName(EquipmentStatus s) {
    switch (s) {
        case EquipmentStatus::kOnline:
            return "online";
        case EquipmentStatus::kOffline:
            return "offline";
        case EquipmentStatus::kMaintenance:
            return "maintenance";
        case EquipmentStatus::kRetired:
            return "retired";
    }
    return "offline";
}

std::optional<EquipmentStatus> parseEquipmentStatus(std::string_view text) {
    for (const auto s : {EquipmentStatus::kOnline, EquipmentStatus::kOffline,
                         EquipmentStatus::kMaintenance, EquipmentStatus::kRetired}) {
        if (equipmentStatusName(s) == text) return s;
    }
    return std::nullopt;
}

bool isValidIdentifierText(std::string_view text, std::size_t max_length) {
    if (text.empty() || text.size() > max_length) return false;
    if (text.front() == ' ' || text.back() == ' ') return false;
    for (const char c : text) {
        if (c < 0x20 || c > 0x7E) return false;
    }
    return true;
}

std::optional<std::int64_t> efficiencyFrom(std::int64_t power_mw, std::int64_t hashrate_mth) {
    if (hashrate_mth <= 0 || power_mw < 0) return std::nullopt;
    // (power_mw / 1000) W / (hashrate_mth / 1000) TH/s = power_mw / hashrate_mth J/TH;
    // in milli-J/TH that is power_mw * 1000 / hashrate_mth.
    return mulDivRound(power_mw, 1000, hashrate_mth);
}

}  // namespace billwright::domain
