// Customer invoices (domain/invoice.h): the status machine, line amounts and taxes rounded once
// half away from zero, energy variance classes, totals, credit, and the customers' billing
// periods. Every expected figure is worked out by hand in the comments.

#include "domain/invoice.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <boost/test/unit_test.hpp>

#include "core/date.h"

namespace billwright::domain {
namespace {

using core::Date;
using S = InvoiceStatus;
using E = InvoiceEvent;

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string iso(Date d) { return core::formatIsoDate(d); }

std::string statusText(std::optional<S> s) {
    return s ? std::string(invoiceStatusName(*s)) : "(illegal)";
}

constexpr E kAllEvents[] = {E::kIssue,         E::kHold,     E::kRelease, E::kRecordPayment,
                            E::kDueDatePassed, E::kWriteOff, E::kCancel};

const Currency kUsd{"USD", 2};
const Currency kJpy{"JPY", 0};

InvoiceLine energy(std::int64_t wh, std::int64_t rate_micro) {
    InvoiceLine l;
    l.kind = LineKind::kEnergy;
    l.formula = LineFormula::kEnergy;
    l.wh = wh;
    l.rate_micro = rate_micro;
    return l;
}

InvoiceLine prorated(std::int64_t unit, std::int64_t quantity, std::int64_t days,
                     std::int64_t period_days) {
    InvoiceLine l;
    l.kind = LineKind::kLeaseFee;
    l.formula = LineFormula::kProrated;
    l.unit_amount_minor = unit;
    l.quantity = quantity;
    l.days = days;
    l.period_days = period_days;
    return l;
}

InvoiceLine percent(LineKind kind, std::int64_t base, std::int64_t bp) {
    InvoiceLine l;
    l.kind = kind;
    l.formula = LineFormula::kPercent;
    l.base_minor = base;
    l.percent_bp = bp;
    return l;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(customer_invoice)

// Every (status, event) pair against the table; what is not listed is illegal. paid,
// written_off and cancelled accept nothing.
BOOST_AUTO_TEST_CASE(every_status_and_event_pair_follows_the_table) {
    const std::map<std::pair<S, E>, S> legal{
        {{S::kDraft, E::kIssue}, S::kIssued},
        {{S::kDraft, E::kHold}, S::kHeld},
        {{S::kDraft, E::kCancel}, S::kCancelled},
        {{S::kIssued, E::kHold}, S::kHeld},
        {{S::kIssued, E::kRecordPayment}, S::kPaid},
        {{S::kIssued, E::kDueDatePassed}, S::kOverdue},
        {{S::kIssued, E::kWriteOff}, S::kWrittenOff},
        {{S::kIssued, E::kCancel}, S::kCancelled},
        {{S::kOverdue, E::kHold}, S::kHeld},
        {{S::kOverdue, E::kRecordPayment}, S::kPaid},
        {{S::kOverdue, E::kWriteOff}, S::kWrittenOff},
        {{S::kOverdue, E::kCancel}, S::kCancelled},
        {{S::kHeld, E::kRelease}, S::kIssued},
        {{S::kHeld, E::kWriteOff}, S::kWrittenOff},
        {{S::kHeld, E::kCancel}, S::kCancelled},
    };
    int checked = 0;
    for (const S from : kInvoiceStatuses) {
        for (const E event : kAllEvents) {
            const auto it = legal.find({from, event});
            const std::optional<S> expected =
                it == legal.end() ? std::nullopt : std::optional<S>(it->second);
            BOOST_TEST_CONTEXT(invoiceStatusName(from) << " + " << invoiceEventName(event)) {
                BOOST_CHECK_EQUAL(statusText(nextStatus(from, event)), statusText(expected));
            }
            ++checked;
        }
    }
    BOOST_CHECK_EQUAL(checked, 7 * 7);
    for (const S final : {S::kPaid, S::kWrittenOff, S::kCancelled}) {
        for (const E event : kAllEvents) BOOST_CHECK(!nextStatus(final, event).has_value());
    }
}

BOOST_AUTO_TEST_CASE(names_parse_back) {
    for (const S s : kInvoiceStatuses) BOOST_CHECK(parseInvoiceStatus(invoiceStatusName(s)) == s);
    BOOST_CHECK_EQUAL(invoiceStatusName(S::kWrittenOff), "written_off");
    BOOST_CHECK(!parseInvoiceStatus("Draft").has_value());
    BOOST_CHECK(parseTaxDisplay("inclusive") == TaxDisplay::kInclusive);
    BOOST_CHECK(parseTaxDisplay("exclusive") == TaxDisplay::kExclusive);
    BOOST_CHECK(!parseTaxDisplay("gross").has_value());
    BOOST_CHECK(parseLineKind("lease_fee") == LineKind::kLeaseFee);
    BOOST_CHECK(parseLineKind("management_fee") == LineKind::kManagementFee);
    BOOST_CHECK(!parseLineKind("fee").has_value());
    BOOST_CHECK(isLive(S::kDraft) && isLive(S::kWrittenOff) && !isLive(S::kCancelled));
    BOOST_CHECK(isEditable(S::kDraft) && !isEditable(S::kIssued));
}

// The event for a requested target: issued is kIssue from draft and kRelease from held; the
// other targets name their event whatever the current status (nextStatus then refuses what is
// illegal); draft and overdue cannot be asked for.
BOOST_AUTO_TEST_CASE(event_towards_names_the_event_of_a_requested_status) {
    BOOST_CHECK(eventTowards(S::kDraft, S::kIssued) == E::kIssue);
    BOOST_CHECK(eventTowards(S::kHeld, S::kIssued) == E::kRelease);
    BOOST_CHECK(!eventTowards(S::kIssued, S::kIssued).has_value());
    BOOST_CHECK(!eventTowards(S::kOverdue, S::kIssued).has_value());
    BOOST_CHECK(!eventTowards(S::kPaid, S::kIssued).has_value());
    BOOST_CHECK(eventTowards(S::kIssued, S::kPaid) == E::kRecordPayment);
    BOOST_CHECK(eventTowards(S::kOverdue, S::kPaid) == E::kRecordPayment);
    BOOST_CHECK(eventTowards(S::kDraft, S::kHeld) == E::kHold);
    BOOST_CHECK(eventTowards(S::kOverdue, S::kWrittenOff) == E::kWriteOff);
    BOOST_CHECK(eventTowards(S::kDraft, S::kCancelled) == E::kCancel);
    for (const S from : kInvoiceStatuses) {
        BOOST_CHECK(!eventTowards(from, S::kDraft).has_value());
        BOOST_CHECK(!eventTowards(from, S::kOverdue).has_value());
        // Whenever an event is named and legal, it leads to the target.
        for (const S target : kInvoiceStatuses) {
            const auto e = eventTowards(from, target);
            if (!e) continue;
            const auto next = nextStatus(from, *e);
            BOOST_TEST_CONTEXT(invoiceStatusName(from) << " -> " << invoiceStatusName(target)) {
                BOOST_CHECK(!next || *next == target);
            }
        }
    }
    // A paid invoice cannot be paid again: the event is named, the machine refuses it.
    BOOST_CHECK(!nextStatus(S::kPaid, *eventTowards(S::kPaid, S::kPaid)).has_value());
}

// Energy: wh x rate_micro x 10^exponent / 10^9, rounded once, half away from zero.
BOOST_AUTO_TEST_CASE(energy_lines_round_once_half_away_from_zero) {
    // 97,250 Wh at 0.065 = 6.32125 USD -> 632 cents.
    BOOST_CHECK_EQUAL(*lineAmount(energy(97250, 65000), kUsd), 632);
    // 1 kWh at 0.065 = 6.5 cents -> 7; -1 kWh -> -7 (away from zero, not up).
    BOOST_CHECK_EQUAL(*lineAmount(energy(1000, 65000), kUsd), 7);
    BOOST_CHECK_EQUAL(*lineAmount(energy(-1000, 65000), kUsd), -7);
    // 0.499 kWh at 0.01 = 0.499 cents -> 0; -0.499 -> 0.
    BOOST_CHECK_EQUAL(*lineAmount(energy(499, 10000), kUsd), 0);
    BOOST_CHECK_EQUAL(*lineAmount(energy(-499, 10000), kUsd), 0);
    // JPY: 3 kWh at 0.5 yen = 1.5 -> 2.
    BOOST_CHECK_EQUAL(*lineAmount(energy(3000, 500000), kJpy), 2);
    // Missing inputs: no amount.
    InvoiceLine no_rate = energy(1000, 1);
    no_rate.rate_micro.reset();
    BOOST_CHECK(!lineAmount(no_rate, kUsd).has_value());
    BOOST_CHECK(!lineAmount(energy(INT64_MAX, INT64_MAX), kJpy).has_value());
}

// Prorated: unit x quantity x days / period_days, rounded once.
BOOST_AUTO_TEST_CASE(prorated_lines_round_once_half_away_from_zero) {
    // 2 units at 1,500.00 for 17 of 31 days: 300,000 x 17 / 31 = 164,516.129 -> 164,516.
    BOOST_CHECK_EQUAL(*lineAmount(prorated(150000, 2, 17, 31), kUsd), 164516);
    // 3 units at 100.00 for 16 of 28 days: 30,000 x 16 / 28 = 17,142.857 -> 17,143.
    BOOST_CHECK_EQUAL(*lineAmount(prorated(10000, 3, 16, 28), kUsd), 17143);
    // A whole period is the whole fee.
    BOOST_CHECK_EQUAL(*lineAmount(prorated(250000, 2, 29, 29), kUsd), 500000);
    // 0.01 for 1 of 2 days = 0.5 cents -> 1; negative -> -1.
    BOOST_CHECK_EQUAL(*lineAmount(prorated(1, 1, 1, 2), kUsd), 1);
    BOOST_CHECK_EQUAL(*lineAmount(prorated(-1, 1, 1, 2), kUsd), -1);
    // 1 for 1 of 3 days = 0.333 -> 0.
    BOOST_CHECK_EQUAL(*lineAmount(prorated(1, 1, 1, 3), kUsd), 0);
    InvoiceLine missing = prorated(1, 1, 1, 3);
    missing.days.reset();
    BOOST_CHECK(!lineAmount(missing, kUsd).has_value());
    BOOST_CHECK(!lineAmount(prorated(1, 1, 1, 0), kUsd).has_value());
}

// Percent: base x bp / 10,000, negative for discounts.
BOOST_AUTO_TEST_CASE(percent_lines_are_negative_for_discounts_and_round_once) {
    // 10% of 165.00 = 16.50 -> -1,650.
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kDiscount, 16500, 1000), kUsd), -1650);
    // 2.5% of 100.50 = 2.5125 -> 251 cents; as a discount -251.
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kConnectorFee, 10050, 250), kUsd), 251);
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kDiscount, 10050, 250), kUsd), -251);
    // 50% of 1 cent = 0.5 -> 1 (fee) / -1 (discount); 50% of -1 -> -1.
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kConnectorFee, 1, 5000), kUsd), 1);
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kDiscount, 1, 5000), kUsd), -1);
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kConnectorFee, -1, 5000), kUsd), -1);
    // 2.5% of 0.19 = 0.475 cents -> 0.
    BOOST_CHECK_EQUAL(*lineAmount(percent(LineKind::kConnectorFee, 19, 250), kUsd), 0);
    InvoiceLine missing = percent(LineKind::kDiscount, 100, 100);
    missing.base_minor.reset();
    BOOST_CHECK(!lineAmount(missing, kUsd).has_value());
}

BOOST_AUTO_TEST_CASE(fixed_lines_keep_their_amount) {
    InvoiceLine l;
    l.formula = LineFormula::kFixed;
    l.amount_minor = -1234;
    BOOST_CHECK_EQUAL(*lineAmount(l, kUsd), -1234);
    l.amount_minor = 0;
    BOOST_CHECK_EQUAL(*lineAmount(l, kUsd), 0);
}

// Exclusive: amount x rate / 100,000; inclusive: amount x rate / (100,000 + rate).
BOOST_AUTO_TEST_CASE(line_tax_exclusive_and_inclusive) {
    using T = TaxDisplay;
    // 100.00 at 8.875 % = 8.875 -> 8.88.
    BOOST_CHECK_EQUAL(*lineTax(10000, 8875, T::kExclusive), 888);
    // 108.88 including 8.875 %: 10,888 x 8,875 / 108,875 = 887.55 -> 8.88.
    BOOST_CHECK_EQUAL(*lineTax(10888, 8875, T::kInclusive), 888);
    // 100.00 including 8.875 %: 887,500 / 108,875 = 815.15 -> 8.15.
    BOOST_CHECK_EQUAL(*lineTax(10000, 8875, T::kInclusive), 815);
    // Negative lines carry negative tax: -16.50 at 8.875 % = -1.464375 -> -1.46; inclusive
    // -1,650 x 8,875 / 108,875 = -134.5006 -> -135.
    BOOST_CHECK_EQUAL(*lineTax(-1650, 8875, T::kExclusive), -146);
    BOOST_CHECK_EQUAL(*lineTax(-1650, 8875, T::kInclusive), -135);
    // Half a cent: 0.20 at 2.5 % = 0.5 cents -> 1; -0.20 -> -1.
    BOOST_CHECK_EQUAL(*lineTax(20, 2500, T::kExclusive), 1);
    BOOST_CHECK_EQUAL(*lineTax(-20, 2500, T::kExclusive), -1);
    // No rate, no tax.
    BOOST_CHECK_EQUAL(*lineTax(10000, 0, T::kExclusive), 0);
    BOOST_CHECK_EQUAL(*lineTax(10000, 0, T::kInclusive), 0);
    // 100 %: exclusive doubles, inclusive halves.
    BOOST_CHECK_EQUAL(*lineTax(10000, kMaxTaxRateMilliPct, T::kExclusive), 10000);
    BOOST_CHECK_EQUAL(*lineTax(10000, kMaxTaxRateMilliPct, T::kInclusive), 5000);
}

// |billed - pdu| / pdu: green below 5 %, yellow below 20 %, red from 20 %; the classes compare
// the exact ratio.
BOOST_AUTO_TEST_CASE(variance_classes_change_exactly_at_5_and_20_percent) {
    using C = VarianceClass;
    const auto cls = [](std::int64_t billed, std::int64_t pdu) {
        return std::string(varianceClassName(energyVariance(billed, pdu)->cls));
    };
    BOOST_CHECK_EQUAL(cls(10000, 10000), "green");
    BOOST_CHECK_EQUAL(energyVariance(10000, 10000)->bp, 0);
    // 499 / 10,000 = 4.99 %: green, 499 bp.
    BOOST_CHECK_EQUAL(cls(10499, 10000), "green");
    BOOST_CHECK_EQUAL(energyVariance(10499, 10000)->bp, 499);
    BOOST_CHECK_EQUAL(cls(9501, 10000), "green");
    // Exactly 5 % either way: yellow.
    BOOST_CHECK_EQUAL(cls(10500, 10000), "yellow");
    BOOST_CHECK_EQUAL(cls(9500, 10000), "yellow");
    BOOST_CHECK_EQUAL(energyVariance(10500, 10000)->bp, 500);
    // 4.996 % rounds to 500 bp but is still green.
    const auto almost = energyVariance(104996, 100000);
    BOOST_CHECK_EQUAL(almost->bp, 500);
    BOOST_CHECK(almost->cls == C::kGreen);
    // 19.99 %: yellow; exactly 20 %: red, either way.
    BOOST_CHECK_EQUAL(cls(11999, 10000), "yellow");
    BOOST_CHECK_EQUAL(cls(8001, 10000), "yellow");
    BOOST_CHECK_EQUAL(cls(12000, 10000), "red");
    BOOST_CHECK_EQUAL(cls(8000, 10000), "red");
    BOOST_CHECK_EQUAL(energyVariance(12000, 10000)->bp, 2000);
    // 19.996 %: 2,000 bp rounded, still yellow.
    const auto below_red = energyVariance(119996, 100000);
    BOOST_CHECK_EQUAL(below_red->bp, 2000);
    BOOST_CHECK(below_red->cls == C::kYellow);
    // Nothing billed against PDU energy is 100 %.
    BOOST_CHECK_EQUAL(energyVariance(0, 5000)->bp, 10000);
    BOOST_CHECK_EQUAL(cls(0, 5000), "red");
    // No PDU energy, no variance.
    BOOST_CHECK(!energyVariance(1000, 0).has_value());
    BOOST_CHECK(!energyVariance(0, 0).has_value());
}

// Lines (USD, 8.875 % exclusive):
//   1 energy     1,000,000 Wh at 0.065 = 65.00                      6,500  tax 576.875 -> 577
//   2 lease fee  2 x 100.00 x 15 / 30                               10,000  tax 887.5 -> 888
//   3 discount   10 % of 165.00                                     -1,650  tax -146.4375 -> -146
//   4 adjustment fixed -5.00, not taxable                             -500  tax 0
// subtotal (non-discount lines) 6,500 + 10,000 - 500 = 16,000; discount -1,650;
// tax 577 + 888 - 146 = 1,319; total 16,000 - 1,650 + 1,319 = 15,669; credit 669 -> due 15,000.
// Inclusive: taxes 530 + 815 - 135 = 1,210 are inside; total 14,350; due 13,681.
BOOST_AUTO_TEST_CASE(totals_are_sums_of_lines_and_line_taxes) {
    Invoice inv;
    inv.currency = kUsd;
    inv.tax_rate_milli_pct = 8875;
    inv.tax_display = TaxDisplay::kExclusive;
    inv.credit_applied_minor = 669;
    inv.lines.push_back(energy(1000000, 65000));
    inv.lines.push_back(prorated(10000, 2, 15, 30));
    inv.lines.push_back(percent(LineKind::kDiscount, 16500, 1000));
    InvoiceLine adj;
    adj.kind = LineKind::kAdjustment;
    adj.formula = LineFormula::kFixed;
    adj.amount_minor = -500;
    adj.taxable = false;
    inv.lines.push_back(adj);
    inv.lines[0].amount_minor = 999999;  // recomputed from the inputs
    BOOST_REQUIRE(computeTotals(inv).ok());
    BOOST_CHECK_EQUAL(inv.lines[0].amount_minor, 6500);
    BOOST_CHECK_EQUAL(inv.lines[1].amount_minor, 10000);
    BOOST_CHECK_EQUAL(inv.lines[2].amount_minor, -1650);
    BOOST_CHECK_EQUAL(inv.lines[3].amount_minor, -500);
    BOOST_CHECK_EQUAL(inv.lines[0].tax_minor, 577);
    BOOST_CHECK_EQUAL(inv.lines[1].tax_minor, 888);
    BOOST_CHECK_EQUAL(inv.lines[2].tax_minor, -146);
    BOOST_CHECK_EQUAL(inv.lines[3].tax_minor, 0);
    BOOST_CHECK_EQUAL(inv.subtotal_minor, 16000);
    BOOST_CHECK_EQUAL(inv.discount_minor, -1650);
    BOOST_CHECK_EQUAL(inv.tax_minor, 1319);
    BOOST_CHECK_EQUAL(inv.total_minor, 15669);
    BOOST_CHECK_EQUAL(inv.credit_applied_minor, 669);
    BOOST_CHECK_EQUAL(inv.amount_due_minor, 15000);
    BOOST_CHECK_EQUAL(inv.billed_wh, 1000000);  // energy lines only

    inv.tax_display = TaxDisplay::kInclusive;
    BOOST_REQUIRE(computeTotals(inv).ok());
    BOOST_CHECK_EQUAL(inv.lines[0].tax_minor, 530);
    BOOST_CHECK_EQUAL(inv.lines[1].tax_minor, 815);
    BOOST_CHECK_EQUAL(inv.lines[2].tax_minor, -135);
    BOOST_CHECK_EQUAL(inv.tax_minor, 1210);
    BOOST_CHECK_EQUAL(inv.total_minor, 14350);
    BOOST_CHECK_EQUAL(inv.amount_due_minor, 13681);

    // No tax rate: no line tax.
    inv.tax_rate_milli_pct = 0;
    BOOST_REQUIRE(computeTotals(inv).ok());
    BOOST_CHECK_EQUAL(inv.tax_minor, 0);
    BOOST_CHECK_EQUAL(inv.lines[0].tax_minor, 0);
    BOOST_CHECK_EQUAL(inv.total_minor, 14350);

    // A line whose inputs are missing names itself; the invoice is refused.
    inv.lines[1].quantity.reset();
    const auto refused = computeTotals(inv);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(refused.error().fields.at(0).field, "lines");
}

BOOST_AUTO_TEST_CASE(an_empty_invoice_totals_zero) {
    Invoice inv;
    BOOST_REQUIRE(computeTotals(inv).ok());
    BOOST_CHECK_EQUAL(inv.total_minor, 0);
    BOOST_CHECK_EQUAL(inv.amount_due_minor, 0);
    BOOST_CHECK_EQUAL(inv.billed_wh, 0);
}

BOOST_AUTO_TEST_CASE(credit_applies_up_to_the_total_and_never_to_a_non_positive_one) {
    BOOST_CHECK_EQUAL(creditToApply(10000, 3000), 3000);    // the whole balance
    BOOST_CHECK_EQUAL(creditToApply(10000, 20000), 10000);  // the whole total
    BOOST_CHECK_EQUAL(creditToApply(10000, 10000), 10000);
    BOOST_CHECK_EQUAL(creditToApply(0, 500), 0);
    BOOST_CHECK_EQUAL(creditToApply(-100, 500), 0);
    BOOST_CHECK_EQUAL(creditToApply(100, 0), 0);
    BOOST_CHECK_EQUAL(creditToApply(100, -5), 0);
}

BOOST_AUTO_TEST_CASE(invoice_numbers_are_zero_padded_to_six_digits) {
    BOOST_CHECK_EQUAL(formatInvoiceNumber(kCustomerInvoicePrefix, 2026, 42), "INV-2026-000042");
    BOOST_CHECK_EQUAL(formatInvoiceNumber("INV", 2027, 1), "INV-2027-000001");
    BOOST_CHECK_EQUAL(formatInvoiceNumber("INV", 2026, 999999), "INV-2026-999999");
    BOOST_CHECK_EQUAL(formatInvoiceNumber("INV", 2026, 1234567), "INV-2026-1234567");
}

// Billing day 1: calendar months. February has 29 days in 2028 and 28 in 2027.
BOOST_AUTO_TEST_CASE(billing_day_one_gives_calendar_months) {
    const auto check = [](Date day, Date start, Date end) {
        const auto p = customerPeriodContaining(1, day);
        BOOST_TEST_CONTEXT(iso(day)) {
            BOOST_CHECK_EQUAL(iso(p.start), iso(start));
            BOOST_CHECK_EQUAL(iso(p.end), iso(end));
        }
    };
    check(ymd(2028, 2, 15), ymd(2028, 2, 1), ymd(2028, 3, 1));
    check(ymd(2028, 2, 29), ymd(2028, 2, 1), ymd(2028, 3, 1));
    check(ymd(2027, 2, 28), ymd(2027, 2, 1), ymd(2027, 3, 1));
    check(ymd(2026, 12, 31), ymd(2026, 12, 1), ymd(2027, 1, 1));
    check(ymd(2027, 1, 1), ymd(2027, 1, 1), ymd(2027, 2, 1));
    check(ymd(2026, 1, 31), ymd(2026, 1, 1), ymd(2026, 2, 1));
    BOOST_CHECK_EQUAL(core::daysBetween(ymd(2028, 2, 1), ymd(2028, 3, 1)), 29);
    BOOST_CHECK_EQUAL(core::daysBetween(ymd(2027, 2, 1), ymd(2027, 3, 1)), 28);
    BOOST_CHECK(customerPeriodStartingOn(1, ymd(2028, 2, 1)) ==
                (Period{ymd(2028, 2, 1), ymd(2028, 3, 1)}));
    BOOST_CHECK(!customerPeriodStartingOn(1, ymd(2028, 2, 2)).has_value());
}

// Billing day 15: rolling periods from the 15th to the 15th, across year ends and February.
BOOST_AUTO_TEST_CASE(billing_day_fifteen_gives_rolling_periods) {
    const auto check = [](Date day, Date start, Date end) {
        const auto p = customerPeriodContaining(15, day);
        BOOST_TEST_CONTEXT(iso(day)) {
            BOOST_CHECK_EQUAL(iso(p.start), iso(start));
            BOOST_CHECK_EQUAL(iso(p.end), iso(end));
        }
    };
    check(ymd(2026, 12, 20), ymd(2026, 12, 15), ymd(2027, 1, 15));
    check(ymd(2027, 1, 14), ymd(2026, 12, 15), ymd(2027, 1, 15));
    check(ymd(2027, 1, 15), ymd(2027, 1, 15), ymd(2027, 2, 15));
    check(ymd(2028, 2, 14), ymd(2028, 1, 15), ymd(2028, 2, 15));
    check(ymd(2028, 2, 15), ymd(2028, 2, 15), ymd(2028, 3, 15));  // 29 days
    check(ymd(2028, 2, 29), ymd(2028, 2, 15), ymd(2028, 3, 15));
    check(ymd(2027, 3, 1), ymd(2027, 2, 15), ymd(2027, 3, 15));  // 28 days
    check(ymd(2026, 3, 14), ymd(2026, 2, 15), ymd(2026, 3, 15));
    BOOST_CHECK_EQUAL(core::daysBetween(ymd(2028, 2, 15), ymd(2028, 3, 15)), 29);
    BOOST_CHECK_EQUAL(core::daysBetween(ymd(2027, 2, 15), ymd(2027, 3, 15)), 28);
    BOOST_CHECK(customerPeriodStartingOn(15, ymd(2027, 2, 15)) ==
                (Period{ymd(2027, 2, 15), ymd(2027, 3, 15)}));
    BOOST_CHECK(!customerPeriodStartingOn(15, ymd(2027, 2, 1)).has_value());
    BOOST_CHECK(!customerPeriodStartingOn(15, ymd(2027, 2, 14)).has_value());
    // The last allowed billing day, 28, exists in every February.
    BOOST_CHECK(customerPeriodStartingOn(kMaxCustomerBillingDay, ymd(2027, 2, 28)) ==
                (Period{ymd(2027, 2, 28), ymd(2027, 3, 28)}));
}

// Days of [from, to) inside the period [Mar 1, Apr 1) (31 days).
BOOST_AUTO_TEST_CASE(days_covered_counts_the_overlap_with_the_period) {
    const Period march{ymd(2026, 3, 1), ymd(2026, 4, 1)};
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 3, 1), ymd(2026, 4, 1)), 31);
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 2, 1), ymd(2027, 2, 1)), 31);
    // A mid-period start: Mar 10 .. Apr 1 = 22 days.
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 3, 10), ymd(2026, 6, 10)), 22);
    // Starts the last day: 1 day.
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 3, 31), ymd(2026, 4, 30)), 1);
    // Ends mid-period: Feb 1 .. Mar 5 covers Mar 1..4 = 4 days.
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 2, 1), ymd(2026, 3, 5)), 4);
    // Inside: Mar 10 .. Mar 20 = 10.
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 3, 10), ymd(2026, 3, 20)), 10);
    // Outside or empty: 0.
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 4, 1), ymd(2026, 5, 1)), 0);
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 1, 1), ymd(2026, 3, 1)), 0);
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 3, 10), ymd(2026, 3, 10)), 0);
    BOOST_CHECK_EQUAL(daysCovered(march, ymd(2026, 3, 20), ymd(2026, 3, 10)), 0);
    // Rolling February 2028 (29 days) from a start on Feb 20: Feb 20 .. Mar 15 = 24 days.
    const Period feb{ymd(2028, 2, 15), ymd(2028, 3, 15)};
    BOOST_CHECK_EQUAL(daysCovered(feb, ymd(2028, 2, 20), ymd(2028, 8, 20)), 24);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
