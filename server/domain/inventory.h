#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "domain/currency.h"

namespace billwright::domain {

// The records a tenant bills from (seeds 001/002). Fixed-point units as in domain/decimal.h:
// rates are micro-units of the major currency unit per kWh, hashrate milli-TH/s, power mW,
// efficiency milli-J/TH.

struct Customer {
    std::string id;  // "cus_..."
    std::string tenant_id;
    std::string name;  // the contact person
    std::optional<std::string> company_name;
    std::string contact_email;
    std::optional<std::string> billing_email;  // none: invoices go to contact_email
    std::optional<std::string> phone;
    std::optional<std::string> billing_currency;  // none: the tenant's default currency
    bool active = true;
    bool portal_access = true;
    std::optional<std::string> internal_notes;  // staff only, never shown to the customer
    bool in_default = false;
    std::optional<std::string> default_reason;
    std::optional<core::SysSeconds> default_since;
    bool billing_hold = false;
    bool pool_redirect = false;
    bool auto_pay = false;
    // In the billing currency; moved only with a credit-ledger entry (the balance is always the
    // sum of the customer's entries).
    std::int64_t credit_balance_minor = 0;
    std::optional<bool> show_line_items;  // on invoices; none: the tenant's setting
    std::optional<core::SysSeconds> archived_at;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};

    const std::string& invoiceEmail() const {
        return billing_email ? *billing_email : contact_email;
    }
};

// The currency a customer's contracts, invoices and credit are in: its billing currency (checked
// when it was set), else the tenant's default.
Currency billingCurrencyOf(const Customer& customer, const Currency& tenant_default);

inline constexpr std::size_t kMaxNotesLength = 4000;
inline constexpr std::size_t kMaxReasonLength = 500;
// Digits, spaces and + - ( ) . with at least 5 digits, at most 40 bytes.
bool isValidPhone(std::string_view text);

struct Site {
    std::string id;  // "sit_..."
    std::string tenant_id;
    std::string name;
    std::optional<std::string> location;
    std::optional<std::int64_t> energy_cost_rate_micro;  // the tenant's cost, per kWh
    std::string currency;                                // of energy_cost_rate (tenant default)
    // O&M: the customer for whom the tenant operates this site; none for the tenant's own.
    std::optional<std::string> operated_for_customer_id;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

enum class EquipmentStatus { kOnline, kOffline, kMaintenance, kRetired };
std::string_view equipmentStatusName(EquipmentStatus s);
std::optional<EquipmentStatus> parseEquipmentStatus(std::string_view text);

struct Equipment {
    std::string id;  // "eqp_..."
    std::string tenant_id;
    std::string serial_number;  // unique per tenant
    std::string model;
    std::int64_t hashrate_mth = 0;
    std::int64_t power_mw = 0;
    std::int64_t efficiency_mjth = 0;
    bool efficiency_computed = false;  // true when derived from power / hashrate
    std::optional<std::string> site_id;
    std::optional<std::string> owner_customer_id;  // none: the tenant's own inventory
    EquipmentStatus status = EquipmentStatus::kOffline;
    std::optional<std::string> pdu_port;  // unique per tenant
    // The storage key of the unit's telemetry (unique database-wide); never shown in the API.
    std::int64_t sample_key = 0;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

inline constexpr std::size_t kMaxSerialLength = 100;
inline constexpr std::size_t kMaxPortLength = 100;
// Serial numbers and PDU ports: 1..100 bytes of printable ASCII without spaces at the ends.
bool isValidIdentifierText(std::string_view text, std::size_t max_length);

// Efficiency in milli-J/TH from power (mW) and hashrate (milli-TH/s): W / (TH/s), rounded half
// up to 3 decimals; nullopt when the hashrate is 0.
std::optional<std::int64_t> efficiencyFrom(std::int64_t power_mw, std::int64_t hashrate_mth);

}  // namespace billwright::domain

namespace billwright::domain {

// The tenant's settings for billing its own customers (seed 001, Billing Settings): the
// billing day (1: calendar months; 2..28: rolling periods from that day), invoice due days,
// auto-generation and auto-send, the default energy rate that pre-fills new contracts, the tax
// rate and how tax is shown, the invoice's display, and the sender identity of invoice email.
struct TenantBillingSettings {
    std::string tenant_id;
    int billing_day = 1;
    int invoice_due_days = 15;
    bool auto_generate = false;
    bool auto_send = false;
    std::optional<std::int64_t> default_energy_rate_micro;  // per kWh, tenant default currency
    std::int64_t tax_rate_milli_pct = 0;                    // thousandths of a percent
    std::string tax_display = "exclusive";                  // domain::TaxDisplay name
    std::optional<std::string> invoice_header;
    std::optional<std::string> invoice_logo_url;
    std::optional<std::string> invoice_footer;
    bool show_line_items = true;  // customers may override (Customer::show_line_items)
    std::optional<std::string> sender_name;
    std::optional<std::string> sender_email;
    std::optional<std::string> reply_to;
    // Payments: when auto-pay charges (domain::AutoPayTiming name) and the days after a failed
    // charge on which it is retried.
    std::string auto_pay_timing = "on_due_date";
    std::vector<int> payment_retry_days = {1, 3, 5, 7};
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};

    bool operator==(const TenantBillingSettings&) const = default;
};

inline constexpr int kMaxInvoiceDueDays = 365;
inline constexpr std::size_t kMaxInvoiceHeaderLength = 500;
inline constexpr std::size_t kMaxInvoiceFooterLength = 2000;
inline constexpr std::size_t kMaxLogoUrlLength = 1000;
inline constexpr std::size_t kMaxSenderNameLength = 200;

// Every rule of the settings, each violation a field error named as the API names it
// ("billing_day", "invoice_due_days", "tax_rate_percent", "invoice_logo_url", ...).
core::Status validateBillingSettings(const TenantBillingSettings& s);

// An absolute http(s) URL without spaces or control characters, at most kMaxLogoUrlLength.
bool isValidLogoUrl(std::string_view text);

}  // namespace billwright::domain
