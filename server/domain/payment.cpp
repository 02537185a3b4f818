#include "domain/payment.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "domain/decimal.h"

namespace billwright::domain {

namespace {

template <typename E, std::size_t N>
std::optional<E> parseName(std::string_view text, const E (&values)[N],
                           std::string_view (*name)(E)) {
    for (const E v : values) {
        if (name(v) == text) return v;
    }
    return std::nullopt;
}

constexpr PaymentStatus kPaymentStatuses[] = {
    PaymentStatus::kProcessing, PaymentStatus::kPending, PaymentStatus::kRequiresAction,
    PaymentStatus::kSucceeded,  PaymentStatus::kPartial, PaymentStatus::kFailed,
    PaymentStatus::kCanceled};
constexpr RefundStatus kRefundStatuses[] = {RefundStatus::kPending, RefundStatus::kSucceeded,
                                            RefundStatus::kFailed};
constexpr MethodStatus kMethodStatuses[] = {MethodStatus::kActive,
                                            MethodStatus::kPendingVerification,
                                            MethodStatus::kFailed, MethodStatus::kRemoved};
constexpr AutoPayTiming kTimings[] = {AutoPayTiming::kOnIssue, AutoPayTiming::kOnDueDate};

}  // namespace

std::string_view paymentStatusName(PaymentStatus s) {
    switch (s) {
        case PaymentStatus::kProcessing:
            return "processing";
        case PaymentStatus::kPending:
            return "pending";
        case PaymentStatus::kRequiresAction:
            return "requires_action";
        case PaymentStatus::kSucceeded:
            return "succeeded";
        case PaymentStatus::kPartial:
            return "partial";
        case PaymentStatus::kFailed:
            return "failed";
        case PaymentStatus::kCanceled:
            return "canceled";
    }
    return "processing";
}

std::optional<PaymentStatus> parsePaymentStatus(std::string_view text) {
    return parseName(text, kPaymentStatuses, paymentStatusName);
}

bool isFinal(PaymentStatus s) {
    return s == PaymentStatus::kSucceeded || s == PaymentStatus::kPartial ||
           s == PaymentStatus::kFailed || s == PaymentStatus::kCanceled;
}

bool mayMove(PaymentStatus from, PaymentStatus to) {
    if (from == to || isFinal(from)) return false;
    return to != PaymentStatus::kProcessing;
}

PaymentSplit splitPayment(std::int64_t received_minor, std::int64_t amount_due_minor,
                          bool invoice_open) {
    PaymentSplit s;
    s.applied_minor =
        invoice_open ? std::clamp<std::int64_t>(amount_due_minor, 0, received_minor) : 0;
    s.credited_minor = received_minor - s.applied_minor;
    return s;
}

std::optional<std::int64_t> passThroughSurcharge(std::int64_t net_minor,
                                                 std::int64_t fee_percent_e4,
                                                 std::int64_t fee_fixed_minor) {
    constexpr std::int64_t kScale = 1'000'000;
    if (net_minor < 0 || fee_fixed_minor < 0 || fee_percent_e4 < 0 || fee_percent_e4 >= kScale)
        return std::nullopt;
    const Int128 numerator = (static_cast<Int128>(net_minor) + fee_fixed_minor) * kScale;
    const Int128 denominator = kScale - fee_percent_e4;
    const Int128 charged = (numerator + denominator - 1) / denominator;
    if (charged > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    return static_cast<std::int64_t>(charged) - net_minor;
}

bool isValidRetrySchedule(const std::vector<int>& days) {
    if (days.size() > kMaxRetries) return false;
    int previous = 0;
    for (const int d : days) {
        if (d <= previous || d > kMaxRetryDay) return false;
        previous = d;
    }
    return true;
}

std::string formatRetrySchedule(const std::vector<int>& days) {
    std::string out;
    for (const int d : days) {
        if (!out.empty()) out += ',';
        out += std::to_string(d);
    }
    return out;
}

std::optional<std::vector<int>> parseRetrySchedule(std::string_view text) {
    std::vector<int> days;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto part = text.substr(0, comma);
        int d = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
        if (ec != std::errc{} || end != part.data() + part.size()) return std::nullopt;
        days.push_back(d);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
        if (text.empty()) return std::nullopt;
    }
    if (!isValidRetrySchedule(days)) return std::nullopt;
    return days;
}

std::optional<core::SysSeconds> nextRetryAt(const std::vector<int>& days, int failures,
                                            core::SysSeconds first_failure) {
    if (failures < 1 || static_cast<std::size_t>(failures) > days.size()) return std::nullopt;
    return first_failure + std::chrono::days{days[static_cast<std::size_t>(failures) - 1]};
}

std::string_view autoPayTimingName(AutoPayTiming t) {
    return t == AutoPayTiming::kOnIssue ? "on_issue" : "on_due_date";
}

std::optional<AutoPayTiming> parseAutoPayTiming(std::string_view text) {
    return parseName(text, kTimings, autoPayTimingName);
}

std::string_view refundStatusName(RefundStatus s) {
    switch (s) {
        case RefundStatus::kPending:
            return "pending";
        case RefundStatus::kSucceeded:
            return "succeeded";
        case RefundStatus::kFailed:
            return "failed";
    }
    return "pending";
}

std::optional<RefundStatus> parseRefundStatus(std::string_view text) {
    return parseName(text, kRefundStatuses, refundStatusName);
}

std::string_view methodStatusName(MethodStatus s) {
    switch (s) {
        case MethodStatus::kActive:
            return "active";
        case MethodStatus::kPendingVerification:
            return "pending_verification";
        case MethodStatus::kFailed:
            return "failed";
        case MethodStatus::kRemoved:
            return "removed";
    }
    return "active";
}

std::optional<MethodStatus> parseMethodStatus(std::string_view text) {
    return parseName(text, kMethodStatuses, methodStatusName);
}

}  // namespace billwright::domain
