#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "domain/currency.h"

namespace billwright::domain {

enum class BillingFrequency { kMonthly, kQuarterly, kAnnually };
std::string_view billingFrequencyName(BillingFrequency f);
std::optional<BillingFrequency> parseBillingFrequency(std::string_view text);
int monthsPerPeriod(BillingFrequency f);

// How the platform bills one tenant (seed 004). Only super-admins write it.
struct BillingConfig {
    std::string tenant_id;
    std::int64_t flat_rate_minor = 0;  // flat_rate_amount in minor units of `currency`
    Currency currency{"USD", 2};
    BillingFrequency billing_frequency = BillingFrequency::kMonthly;
    std::string billing_email;
    bool auto_generate_invoices = false;
    int billing_day_of_month = 1;
    int payment_due_days = 30;
    bool email_notifications = true;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

inline constexpr int kMaxPaymentDueDays = 365;

// Range and format rules, all fields checked at once so the caller sees every problem.
core::Status validateBillingConfig(const BillingConfig& config);

// A pragmatic address check: one "@", a non-empty local part, a dotted domain of letters,
// digits and hyphens, no spaces or control characters, at most 254 characters.
bool isValidEmail(std::string_view address);

}  // namespace billwright::domain
