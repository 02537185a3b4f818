#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/date.h"
#include "domain/billing_config.h"
#include "domain/period.h"

namespace billwright::domain {

// Seed 004's statuses of an invoice the platform sends a tenant.
enum class PlatformInvoiceStatus { kPendingPayment, kPaid, kFailed, kOverdue };
std::string_view platformInvoiceStatusName(PlatformInvoiceStatus s);
std::optional<PlatformInvoiceStatus> parsePlatformInvoiceStatus(std::string_view text);

enum class PlatformInvoiceEvent {
    kPaymentRecorded,  // money received: -> paid
    kPaymentFailed,    // an attempt failed: -> failed
    kDueDatePassed,    // the overdue sweep: -> overdue
};
std::string_view platformInvoiceEventName(PlatformInvoiceEvent e);

// The one state machine for platform invoices. nullopt means the event is illegal in `from`.
//   pending_payment --payment--> paid     pending_payment --failure--> failed
//   failed          --payment--> paid     failed          --failure--> failed (another attempt)
//   overdue         --payment--> paid     overdue         --failure--> overdue (the attempt is
//                                                          recorded; the invoice stays overdue)
//   pending_payment, failed --due date passed--> overdue
//   paid is final.
std::optional<PlatformInvoiceStatus> nextStatus(PlatformInvoiceStatus from,
                                                PlatformInvoiceEvent event);

struct PlatformInvoice {
    std::string id;  // "inv_..."
    std::string tenant_id;
    std::string invoice_number;  // "BW-2026-000042"
    std::int64_t amount_minor = 0;
    Currency currency{"USD", 2};
    PlatformInvoiceStatus status = PlatformInvoiceStatus::kPendingPayment;
    Period period{};
    BillingFrequency billing_frequency = BillingFrequency::kMonthly;
    core::Date issue_date{};
    core::Date due_date{};
    std::optional<core::Date> paid_date;
    std::optional<std::string> payment_reference;
    std::optional<std::string> payment_method;
    int failed_attempts = 0;
    std::optional<std::string> last_failure_reason;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

// Builds the invoice for `period` from the tenant's config as it stands at issue time, for
// `amount_minor` (what the billing method produced: the billing_flat plugin bills the flat
// rate once per period), due `payment_due_days` after the issue date.
PlatformInvoice draftPlatformInvoice(const BillingConfig& config, const Period& period,
                                     core::Date issue_date, std::int64_t amount_minor);

// "BW-<year>-<sequence>", the sequence zero-padded to six digits (wider when it grows).
std::string formatInvoiceNumber(int year, std::int64_t sequence);

// Payment methods a super-admin can record against a platform invoice.
bool isKnownPaymentMethod(std::string_view method);
inline constexpr std::string_view kPaymentMethods[] = {"ach",   "wire", "card", "crypto",
                                                       "check", "cash", "other"};

}  // namespace billwright::domain
