#include "domain/inventory.h"

#include "domain/payment.h"

#include "domain/billing_config.h"
#include "domain/decimal.h"
#include "domain/invoice.h"

namespace billwright::domain {

Currency billingCurrencyOf(const Customer& customer, const Currency& tenant_default) {
    if (!customer.billing_currency) return tenant_default;
    return findCurrency(*customer.billing_currency).value_or(tenant_default);
}

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

namespace {

bool hasControlCharacters(std::string_view text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return true;
    }
    return false;
}

}  // namespace

bool isValidLogoUrl(std::string_view text) {
    if (text.empty() || text.size() > kMaxLogoUrlLength) return false;
    const bool scheme = text.starts_with("https://") || text.starts_with("http://");
    if (!scheme) return false;
    const auto host_start = text.find("://") + 3;
    if (host_start >= text.size() || text[host_start] == '/') return false;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\') return false;
    }
    return true;
}

core::Status validateBillingSettings(const TenantBillingSettings& s) {
    core::Error e{
        core::ErrorCode::kValidationFailed, "the billing settings have invalid fields", {}};
    const auto add = [&](std::string field, std::string code, std::string message) {
        e.fields.push_back({std::move(field), std::move(code), std::move(message)});
    };
    if (s.billing_day < 1 || s.billing_day > kMaxCustomerBillingDay)
        add("billing_day", "out_of_range", "must be 1 to 28");
    if (s.invoice_due_days < 0 || s.invoice_due_days > kMaxInvoiceDueDays)
        add("invoice_due_days", "out_of_range", "must be 0 to 365");
    if (s.default_energy_rate_micro &&
        (*s.default_energy_rate_micro < 0 || *s.default_energy_rate_micro > 1'000'000'000))
        add("default_energy_rate_per_kwh", "out_of_range", "must be 0 to 1000");
    if (s.tax_rate_milli_pct < 0 || s.tax_rate_milli_pct > kMaxTaxRateMilliPct)
        add("tax_rate_percent", "out_of_range", "must be 0 to 100");
    if (!parseTaxDisplay(s.tax_display))
        add("tax_display", "invalid_enum", "must be exclusive or inclusive");
    if (s.invoice_header && s.invoice_header->size() > kMaxInvoiceHeaderLength)
        add("invoice_header", "too_long", "at most 500 bytes");
    if (s.invoice_footer && s.invoice_footer->size() > kMaxInvoiceFooterLength)
        add("invoice_footer", "too_long", "at most 2000 bytes");
    if (s.invoice_logo_url && !isValidLogoUrl(*s.invoice_logo_url))
        add("invoice_logo_url", "invalid_url", "must be an absolute http or https URL");
    // The sender name goes into a mail header: no line breaks or other control characters.
    if (s.sender_name && (s.sender_name->empty() || s.sender_name->size() > kMaxSenderNameLength ||
                          hasControlCharacters(*s.sender_name)))
        add("sender_name", "invalid_text", "1 to 200 bytes without control characters");
    if (s.sender_email && !isValidEmail(*s.sender_email))
        add("sender_email", "invalid_email", "must be an email address");
    if (s.reply_to && !isValidEmail(*s.reply_to))
        add("reply_to", "invalid_email", "must be an email address");
    if (!parseAutoPayTiming(s.auto_pay_timing))
        add("auto_pay_timing", "invalid_enum", "must be on_issue or on_due_date");
    if (!isValidRetrySchedule(s.payment_retry_days))
        add("payment_retry_days", "invalid_schedule",
            "at most 10 days, strictly increasing, each 1 to 60");
    if (e.fields.empty()) return {};
    return e;
}

}  // namespace billwright::domain
