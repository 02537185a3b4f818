#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/date.h"

namespace billwright::domain {

// Payments of customer invoices (seeds 000/001: "Accepting payment", "Auto-pay", "Handling
// failed payments"). Amounts are minor units of the payment's currency, which is always the
// invoice's. A payment is one attempt to collect money through one payment-processor plugin.

enum class PaymentStatus {
    kProcessing,      // recorded, the processor has not answered yet (outcome unknown)
    kPending,         // the processor accepted it; money not there yet (ACH, crypto)
    kRequiresAction,  // the payer must act (3-D Secure, pay the crypto invoice)
    kSucceeded,       // all of it received
    kPartial,         // some received, and no more will come (crypto underpayment, expiry)
    kFailed,          // nothing received
    kCanceled,        // nothing received; abandoned
};
std::string_view paymentStatusName(PaymentStatus s);  // "processing", "requires_action", ...
std::optional<PaymentStatus> parsePaymentStatus(std::string_view text);

// succeeded, partial, failed and canceled are final: a later report never changes them, so
// provider events can be applied in any order and any number of times.
bool isFinal(PaymentStatus s);
// Whether a report of `to` changes a payment in `from`: never out of a final status; between
// the open ones (processing, pending, requires_action) any move but back to processing.
bool mayMove(PaymentStatus from, PaymentStatus to);

// Why a payment was made: by a user through the API, auto-pay when an invoice is issued or on
// its due date, or a scheduled retry after a failure.
inline constexpr std::string_view kPaymentTriggers[] = {"api", "auto_pay", "retry"};

// How the received money of a payment lands: on the invoice up to what it still owes (nothing
// when the invoice no longer takes payments), the rest on the customer's credit balance.
struct PaymentSplit {
    std::int64_t applied_minor = 0;
    std::int64_t credited_minor = 0;
};
PaymentSplit splitPayment(std::int64_t received_minor, std::int64_t amount_due_minor,
                          bool invoice_open);

// The processing fee the payer pays when the tenant passes it on: with a fee of
// fee_percent_e4 / 10^6 of the amount (2.9 % = 29000) plus fee_fixed_minor, charging
// A = ceil((net + fixed) * 10^6 / (10^6 - p)) leaves `net` after the fee; the surcharge is
// A - net. nullopt when p is not in [0, 10^6) or the result overflows.
std::optional<std::int64_t> passThroughSurcharge(std::int64_t net_minor,
                                                 std::int64_t fee_percent_e4,
                                                 std::int64_t fee_fixed_minor);

// A tenant's retry schedule: days after the first failed attempt on which the charge is tried
// again, strictly increasing, 1 to 60, at most 10 of them. Default 1, 3, 5 and 7.
inline const std::vector<int> kDefaultRetryDays = {1, 3, 5, 7};
inline constexpr int kMaxRetryDay = 60;
inline constexpr std::size_t kMaxRetries = 10;
bool isValidRetrySchedule(const std::vector<int>& days);
std::string formatRetrySchedule(const std::vector<int>& days);  // "1,3,5,7"
std::optional<std::vector<int>> parseRetrySchedule(std::string_view text);

// When the next retry is due after `failures` failed attempts of one collection that began
// failing at `first_failure`; nullopt when the schedule is exhausted.
std::optional<core::SysSeconds> nextRetryAt(const std::vector<int>& days, int failures,
                                            core::SysSeconds first_failure);

// When auto-pay charges an invoice: when it is issued, or on its due date.
enum class AutoPayTiming { kOnIssue, kOnDueDate };
std::string_view autoPayTimingName(AutoPayTiming t);  // "on_issue", "on_due_date"
std::optional<AutoPayTiming> parseAutoPayTiming(std::string_view text);

enum class RefundStatus { kPending, kSucceeded, kFailed };
std::string_view refundStatusName(RefundStatus s);
std::optional<RefundStatus> parseRefundStatus(std::string_view text);

enum class MethodStatus { kActive, kPendingVerification, kFailed, kRemoved };
std::string_view methodStatusName(MethodStatus s);
std::optional<MethodStatus> parseMethodStatus(std::string_view text);

// A way to pay on file for a customer: the processor's reference to it, never card numbers.
struct PaymentMethod {
    std::string id;  // "pm_..." (ours; the processor's is `reference`)
    std::string tenant_id;
    std::string customer_id;
    std::string plugin_id;
    std::string type;  // "card", "bank_account", "crypto", "manual"
    std::string reference;
    std::optional<std::string> provider_customer;
    std::string label;  // "visa 4242"
    MethodStatus status = MethodStatus::kActive;
    bool is_default = false;
    std::optional<std::string> failure_code;
    std::string created_by;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

struct Payment {
    std::string id;  // "pay_..."
    std::string tenant_id;
    std::string customer_id;
    std::string invoice_id;
    std::string plugin_id;
    std::optional<std::string> method_id;  // none for manual records
    std::string trigger = "api";           // kPaymentTriggers
    std::string currency;
    std::int64_t amount_minor = 0;     // asked, surcharge included
    std::int64_t surcharge_minor = 0;  // the processing fee the payer pays on top
    std::int64_t received_minor = 0;
    std::optional<std::int64_t> fee_minor;  // what the processor kept, when known
    std::int64_t applied_minor = 0;         // of received: paid on the invoice
    std::int64_t credited_minor = 0;        // of received: onto the credit balance
    std::int64_t refunded_minor = 0;        // refunds that succeeded or are pending
    PaymentStatus status = PaymentStatus::kProcessing;
    std::optional<std::string> reference;  // the processor's id ("pi_...")
    std::string idempotency_key;
    std::optional<std::string> failure_code;
    std::optional<std::string> failure_message;
    std::optional<std::string> action_url;
    // The charge's call parameters and return URL (for the processor, never secrets): a charge
    // asked again after an unknown outcome is the same request.
    std::map<std::string, std::string> call_params;
    std::string return_url;
    std::optional<std::string> note;        // manual: the note
    std::optional<core::Date> received_on;  // manual: when the money arrived
    std::string created_by;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
    std::optional<core::SysSeconds> settled_at;  // when it became final
};

struct Refund {
    std::string id;  // "rfd_..."
    std::string tenant_id;
    std::string payment_id;
    std::string invoice_id;
    std::string customer_id;
    std::int64_t amount_minor = 0;
    std::int64_t from_credit_minor = 0;  // the part that came off the credit balance
    std::string currency;
    RefundStatus status = RefundStatus::kPending;
    std::optional<std::string> reference;
    std::string reason;
    std::optional<std::string> failure_code;
    std::string idempotency_key;
    std::string created_by;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

}  // namespace billwright::domain
