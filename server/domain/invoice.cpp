#include "domain/invoice.h"

#include <algorithm>
#include <cstdio>

#include "domain/decimal.h"

namespace billwright::domain {

std::string_view invoiceStatusName(InvoiceStatus s) {
    switch (s) {
        case InvoiceStatus::kDraft:
            return "draft";
        case InvoiceStatus::kIssued:
            return "issued";
        case InvoiceStatus::kPaid:
            return "paid";
        case InvoiceStatus::kOverdue:
            return "overdue";
        case InvoiceStatus::kHeld:
            return "held";
        case InvoiceStatus::kWrittenOff:
            return "written_off";
        case InvoiceStatus::kCancelled:
            return "cancelled";
    }
    return "draft";
}

std::optional<InvoiceStatus> parseInvoiceStatus(std::string_view text) {
    for (const auto s : kInvoiceStatuses) {
        if (invoiceStatusName(s) == text) return s;
    }
    return std::nullopt;
}

std::string_view invoiceEventName(InvoiceEvent e) {
    switch (e) {
        case InvoiceEvent::kIssue:
            return "issue";
        case InvoiceEvent::kHold:
            return "hold";
        case InvoiceEvent::kRelease:
            return "release";
        case InvoiceEvent::kRecordPayment:
            return "record_payment";
        case InvoiceEvent::kDueDatePassed:
            return "due_date_passed";
        case InvoiceEvent::kWriteOff:
            return "write_off";
        case InvoiceEvent::kCancel:
            return "cancel";
    }
    return "issue";
}

std::optional<InvoiceStatus> nextStatus(InvoiceStatus from, InvoiceEvent event) {
    using S = InvoiceStatus;
    switch (event) {
        case InvoiceEvent::kIssue:
            if (from == S::kDraft) return S::kIssued;
            break;
        case InvoiceEvent::kHold:
            if (from == S::kDraft || from == S::kIssued || from == S::kOverdue) return S::kHeld;
            break;
        case InvoiceEvent::kRelease:
            if (from == S::kHeld) return S::kIssued;
            break;
        case InvoiceEvent::kRecordPayment:
            if (from == S::kIssued || from == S::kOverdue) return S::kPaid;
            break;
        case InvoiceEvent::kDueDatePassed:
            if (from == S::kIssued) return S::kOverdue;
            break;
        case InvoiceEvent::kWriteOff:
            if (from == S::kIssued || from == S::kOverdue || from == S::kHeld)
                return S::kWrittenOff;
            break;
        case InvoiceEvent::kCancel:
            if (from == S::kDraft || from == S::kIssued || from == S::kOverdue || from == S::kHeld)
                return S::kCancelled;
            break;
    }
    return std::nullopt;
}

std::optional<InvoiceEvent> eventTowards(InvoiceStatus from, InvoiceStatus target) {
    using S = InvoiceStatus;
    switch (target) {
        case S::kIssued:
            if (from == S::kDraft) return InvoiceEvent::kIssue;
            if (from == S::kHeld) return InvoiceEvent::kRelease;
            return std::nullopt;
        case S::kPaid:
            return InvoiceEvent::kRecordPayment;
        case S::kHeld:
            return InvoiceEvent::kHold;
        case S::kWrittenOff:
            return InvoiceEvent::kWriteOff;
        case S::kCancelled:
            return InvoiceEvent::kCancel;
        case S::kDraft:
        case S::kOverdue:
            return std::nullopt;
    }
    return std::nullopt;
}

std::string_view taxDisplayName(TaxDisplay d) {
    return d == TaxDisplay::kInclusive ? "inclusive" : "exclusive";
}

std::optional<TaxDisplay> parseTaxDisplay(std::string_view text) {
    if (text == "exclusive") return TaxDisplay::kExclusive;
    if (text == "inclusive") return TaxDisplay::kInclusive;
    return std::nullopt;
}

namespace {

constexpr LineKind kLineKinds[] = {LineKind::kEnergy,        LineKind::kFailover,
                                   LineKind::kLeaseFee,      LineKind::kServiceFee,
                                   LineKind::kManagementFee, LineKind::kHashrate,
                                   LineKind::kConnectorFee,  LineKind::kDiscount,
                                   LineKind::kAdjustment,    LineKind::kProcessingFee};

std::optional<std::int64_t> pow10(int exponent) {
    std::int64_t scale = 1;
    for (int i = 0; i < exponent; ++i) scale *= 10;
    return scale;
}

}  // namespace

std::string_view lineKindName(LineKind k) {
    switch (k) {
        case LineKind::kEnergy:
            return "energy";
        case LineKind::kFailover:
            return "failover";
        case LineKind::kLeaseFee:
            return "lease_fee";
        case LineKind::kServiceFee:
            return "service_fee";
        case LineKind::kManagementFee:
            return "management_fee";
        case LineKind::kHashrate:
            return "hashrate";
        case LineKind::kConnectorFee:
            return "connector_fee";
        case LineKind::kDiscount:
            return "discount";
        case LineKind::kProcessingFee:
            return "processing_fee";
        case LineKind::kAdjustment:
            return "adjustment";
    }
    return "adjustment";
}

std::optional<LineKind> parseLineKind(std::string_view text) {
    for (const auto k : kLineKinds) {
        if (lineKindName(k) == text) return k;
    }
    return std::nullopt;
}

std::string_view lineFormulaName(LineFormula f) {
    switch (f) {
        case LineFormula::kEnergy:
            return "energy";
        case LineFormula::kProrated:
            return "prorated";
        case LineFormula::kPercent:
            return "percent";
        case LineFormula::kFixed:
            return "fixed";
    }
    return "fixed";
}

std::optional<std::int64_t> energyAmountMinor(std::int64_t wh, std::int64_t rate_micro,
                                              int exponent) {
    const auto scale = pow10(exponent);
    // wh / 1000 kWh x rate_micro / 10^6 major x 10^exponent minor.
    Int128 numerator = 0;
    if (__builtin_mul_overflow(static_cast<Int128>(wh), rate_micro, &numerator) ||
        __builtin_mul_overflow(numerator, static_cast<Int128>(*scale), &numerator))
        return std::nullopt;
    return divRound(numerator, 1'000'000'000);
}

std::int64_t billedWh(const InvoiceLine& line) {
    const bool energy = line.kind == LineKind::kEnergy || line.kind == LineKind::kFailover ||
                        line.kind == LineKind::kHashrate;
    return energy ? line.wh.value_or(0) : 0;
}

std::optional<std::int64_t> lineAmount(const InvoiceLine& line, const Currency& currency) {
    switch (line.formula) {
        case LineFormula::kEnergy:
            if (!line.wh || !line.rate_micro) return std::nullopt;
            return energyAmountMinor(*line.wh, *line.rate_micro, currency.exponent);
        case LineFormula::kProrated: {
            if (!line.unit_amount_minor || !line.quantity || !line.days || !line.period_days)
                return std::nullopt;
            Int128 num = 0;
            if (__builtin_mul_overflow(static_cast<Int128>(*line.unit_amount_minor),
                                       static_cast<Int128>(*line.quantity), &num) ||
                __builtin_mul_overflow(num, static_cast<Int128>(*line.days), &num))
                return std::nullopt;
            return divRound(num, *line.period_days);
        }
        case LineFormula::kPercent: {
            if (!line.base_minor || !line.percent_bp) return std::nullopt;
            const auto v =
                divRound(static_cast<Int128>(*line.base_minor) * *line.percent_bp, 10'000);
            if (!v) return std::nullopt;
            return line.kind == LineKind::kDiscount ? -*v : *v;
        }
        case LineFormula::kFixed:
            return line.amount_minor;
    }
    return std::nullopt;
}

std::optional<std::int64_t> lineTax(std::int64_t amount_minor, std::int64_t rate_milli_pct,
                                    TaxDisplay display) {
    const Int128 num = static_cast<Int128>(amount_minor) * rate_milli_pct;
    if (display == TaxDisplay::kInclusive) return divRound(num, 100'000 + Int128{rate_milli_pct});
    return divRound(num, 100'000);
}

std::string_view varianceClassName(VarianceClass c) {
    switch (c) {
        case VarianceClass::kGreen:
            return "green";
        case VarianceClass::kYellow:
            return "yellow";
        case VarianceClass::kRed:
            return "red";
    }
    return "green";
}

std::optional<Variance> energyVariance(std::int64_t billed_wh, std::int64_t pdu_wh) {
    if (pdu_wh <= 0) return std::nullopt;
    const Int128 diff =
        billed_wh >= pdu_wh ? Int128{billed_wh} - pdu_wh : Int128{pdu_wh} - billed_wh;
    Variance v;
    v.bp = divRound(diff * 10'000, pdu_wh).value_or(INT64_MAX);
    // Classes compare the exact ratio, not the rounded percent: 4.996 % is still green.
    if (diff * 100 < Int128{pdu_wh} * 5) {
        v.cls = VarianceClass::kGreen;
    } else if (diff * 100 < Int128{pdu_wh} * 20) {
        v.cls = VarianceClass::kYellow;
    } else {
        v.cls = VarianceClass::kRed;
    }
    return v;
}

core::Status computeTotals(Invoice& invoice) {
    Int128 subtotal = 0;
    Int128 discount = 0;
    Int128 tax = 0;
    Int128 billed_wh = 0;
    for (auto& line : invoice.lines) {
        const auto amount = lineAmount(line, invoice.currency);
        if (!amount)
            return core::Error::validation(
                "lines", "out_of_range",
                "the amount of line " + std::to_string(line.position) + " cannot be computed");
        line.amount_minor = *amount;
        line.tax_minor = 0;
        if (line.taxable && invoice.tax_rate_milli_pct > 0) {
            const auto t =
                lineTax(line.amount_minor, invoice.tax_rate_milli_pct, invoice.tax_display);
            if (!t) return core::Error::validation("lines", "out_of_range", "tax overflows");
            line.tax_minor = *t;
        }
        (line.kind == LineKind::kDiscount ? discount : subtotal) += line.amount_minor;
        tax += line.tax_minor;
        billed_wh += billedWh(line);
    }
    Int128 total = subtotal + discount;
    if (invoice.tax_display == TaxDisplay::kExclusive) total += tax;
    const Int128 due = total - invoice.credit_applied_minor - invoice.amount_paid_minor;
    constexpr Int128 kMax = INT64_MAX;
    for (const Int128 v : {subtotal, discount, tax, total, due, billed_wh}) {
        if (v > kMax || v < -kMax)
            return core::Error::validation("lines", "out_of_range", "the invoice total overflows");
    }
    invoice.subtotal_minor = static_cast<std::int64_t>(subtotal);
    invoice.discount_minor = static_cast<std::int64_t>(discount);
    invoice.tax_minor = static_cast<std::int64_t>(tax);
    invoice.total_minor = static_cast<std::int64_t>(total);
    invoice.amount_due_minor = static_cast<std::int64_t>(due);
    invoice.billed_wh = static_cast<std::int64_t>(billed_wh);
    return {};
}

std::int64_t creditToApply(std::int64_t total_minor, std::int64_t balance_minor) {
    if (total_minor <= 0 || balance_minor <= 0) return 0;
    return std::min(total_minor, balance_minor);
}

std::string formatInvoiceNumber(std::string_view prefix, int year, std::int64_t sequence) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*s-%04d-%06lld", static_cast<int>(prefix.size()),
                  prefix.data(), year, static_cast<long long>(sequence));
    return buf;
}

Period customerPeriodContaining(int billing_day, core::Date day) {
    return periodContaining(BillingSchedule{BillingFrequency::kMonthly, billing_day}, day);
}

std::optional<Period> customerPeriodStartingOn(int billing_day, core::Date start) {
    return periodStartingOn(BillingSchedule{BillingFrequency::kMonthly, billing_day}, start);
}

std::int64_t daysCovered(const Period& period, core::Date from, core::Date to) {
    const core::Date a = std::max(period.start, from);
    const core::Date b = std::min(period.end, to);
    if (!(a < b)) return 0;
    return core::daysBetween(a, b);
}

}  // namespace billwright::domain
