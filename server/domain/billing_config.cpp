#include "domain/billing_config.h"

namespace billwright::domain {

std::string_view billingFrequencyName(BillingFrequency f) {
    switch (f) {
        case BillingFrequency::kMonthly:
            return "monthly";
        case BillingFrequency::kQuarterly:
            return "quarterly";
        case BillingFrequency::kAnnually:
            return "annually";
    }
    return "monthly";
}

std::optional<BillingFrequency> parseBillingFrequency(std::string_view text) {
    if (text == "monthly") return BillingFrequency::kMonthly;
    if (text == "quarterly") return BillingFrequency::kQuarterly;
    if (text == "annually") return BillingFrequency::kAnnually;
    return std::nullopt;
}

int monthsPerPeriod(BillingFrequency f) {
    switch (f) {
        case BillingFrequency::kMonthly:
            return 1;
        case BillingFrequency::kQuarterly:
            return 3;
        case BillingFrequency::kAnnually:
            return 12;
    }
    return 1;
}

bool isValidEmail(std::string_view address) {
    if (address.empty() || address.size() > 254) return false;
    const auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 ||
        address.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    const std::string_view local = address.substr(0, at);
    const std::string_view domain = address.substr(at + 1);
    if (local.size() > 64) return false;
    for (const char c : local) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '(' || c == ')' || c == '<' || c == '>' || c == ',' ||
            c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']') {
            return false;
        }
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return false;
    }
    if (domain.empty() || domain.find('.') == std::string_view::npos) return false;
    std::size_t label_start = 0;
    while (label_start <= domain.size()) {
        auto dot = domain.find('.', label_start);
        if (dot == std::string_view::npos) dot = domain.size();
        const std::string_view label = domain.substr(label_start, dot - label_start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (const char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-';
            if (!ok) return false;
        }
        label_start = dot + 1;
    }
    return true;
}

core::Status validateBillingConfig(const BillingConfig& config) {
    core::Error error{
        core::ErrorCode::kValidationFailed, "the billing config has invalid fields", {}};
    if (config.flat_rate_minor < 0) {
        error.fields.push_back({"flat_rate_amount", "out_of_range", "must be zero or more"});
    }
    if (!isValidEmail(config.billing_email)) {
        error.fields.push_back({"billing_email", "invalid_email", "must be an email address"});
    }
    if (config.billing_day_of_month < 1 || config.billing_day_of_month > 31) {
        error.fields.push_back({"billing_day_of_month", "out_of_range", "must be 1 to 31"});
    }
    if (config.payment_due_days < 0 || config.payment_due_days > kMaxPaymentDueDays) {
        error.fields.push_back({"payment_due_days", "out_of_range", "must be 0 to 365"});
    }
    if (!error.fields.empty()) return error;
    return {};
}

}  // namespace billwright::domain
