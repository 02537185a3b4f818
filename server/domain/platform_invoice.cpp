#include "domain/platform_invoice.h"

#include "domain/invoice.h"

namespace billwright::domain {

std::string_view platformInvoiceStatusName(PlatformInvoiceStatus s) {
    switch (s) {
        case PlatformInvoiceStatus::kPendingPayment:
            return "pending_payment";
        case PlatformInvoiceStatus::kPaid:
            return "paid";
        case PlatformInvoiceStatus::kFailed:
            return "failed";
        case PlatformInvoiceStatus::kOverdue:
            return "overdue";
    }
    return "pending_payment";
}

std::optional<PlatformInvoiceStatus> parsePlatformInvoiceStatus(std::string_view text) {
    for (const auto s : {PlatformInvoiceStatus::kPendingPayment, PlatformInvoiceStatus::kPaid,
                         PlatformInvoiceStatus::kFailed, PlatformInvoiceStatus::kOverdue}) {
        if (platformInvoiceStatusName(s) == text) return s;
    }
    return std::nullopt;
}

std::string_view platformInvoiceEventName(PlatformInvoiceEvent e) {
    switch (e) {
        case PlatformInvoiceEvent::kPaymentRecorded:
            return "payment_recorded";
        case PlatformInvoiceEvent::kPaymentFailed:
            return "payment_failed";
        case PlatformInvoiceEvent::kDueDatePassed:
            return "due_date_passed";
    }
    return "payment_recorded";
}

std::optional<PlatformInvoiceStatus> nextStatus(PlatformInvoiceStatus from,
                                                PlatformInvoiceEvent event) {
    using S = PlatformInvoiceStatus;
    if (from == S::kPaid) return std::nullopt;
    switch (event) {
        case PlatformInvoiceEvent::kPaymentRecorded:
            return S::kPaid;
        case PlatformInvoiceEvent::kPaymentFailed:
            // An overdue invoice stays overdue: "failed" would hide that it is past due, and
            // the next sweep would only flip it back.
            return from == S::kOverdue ? S::kOverdue : S::kFailed;
        case PlatformInvoiceEvent::kDueDatePassed:
            if (from == S::kPendingPayment || from == S::kFailed) return S::kOverdue;
            return std::nullopt;
    }
    return std::nullopt;
}

PlatformInvoice draftPlatformInvoice(const BillingConfig& config, const Period& period,
                                     core::Date issue_date, std::int64_t amount_minor) {
    PlatformInvoice inv;
    inv.tenant_id = config.tenant_id;
    inv.amount_minor = amount_minor;
    inv.currency = config.currency;
    inv.status = PlatformInvoiceStatus::kPendingPayment;
    inv.period = period;
    inv.billing_frequency = config.billing_frequency;
    inv.issue_date = issue_date;
    inv.due_date = core::addDays(issue_date, config.payment_due_days);
    return inv;
}

std::string formatInvoiceNumber(int year, std::int64_t sequence) {
    return formatInvoiceNumber("BW", year, sequence);
}

bool isKnownPaymentMethod(std::string_view method) {
    for (const auto known : kPaymentMethods) {
        if (known == method) return true;
    }
    return false;
}

}  // namespace billwright::domain
