#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/date.h"
#include "core/error.h"
#include "domain/currency.h"
#include "domain/period.h"

namespace billwright::domain {

// Invoices a tenant sends its customers (seeds 000/001). Amounts are minor units of the
// invoice's currency; energy is whole Wh; rates are micro-units per kWh; percentages are
// hundredths of a percent ("bp": 2.5 % = 250); tax rates thousandths of a percent (8.875 % =
// 8875). Every amount is computed from the inputs stored beside it (lineAmount), rounded once,
// half away from zero; totals are sums of lines.

enum class InvoiceStatus { kDraft, kIssued, kPaid, kOverdue, kHeld, kWrittenOff, kCancelled };
std::string_view invoiceStatusName(InvoiceStatus s);  // "draft", ..., "written_off"
std::optional<InvoiceStatus> parseInvoiceStatus(std::string_view text);
inline constexpr InvoiceStatus kInvoiceStatuses[] = {
    InvoiceStatus::kDraft,    InvoiceStatus::kIssued, InvoiceStatus::kPaid,
    InvoiceStatus::kOverdue,  InvoiceStatus::kHeld,   InvoiceStatus::kWrittenOff,
    InvoiceStatus::kCancelled};

enum class InvoiceEvent {
    kIssue,          // draft -> issued (sent to the customer)
    kHold,           // draft, issued, overdue -> held (customer in default or on billing hold)
    kRelease,        // held -> issued
    kRecordPayment,  // issued, overdue -> paid
    kDueDatePassed,  // issued -> overdue (the overdue sweep)
    kWriteOff,       // issued, overdue, held -> written_off
    kCancel,         // draft, issued, overdue, held -> cancelled (voided)
};
std::string_view invoiceEventName(InvoiceEvent e);

// The one state machine of customer invoices; nullopt means `event` is illegal in `from`.
// paid, written_off and cancelled are final.
std::optional<InvoiceStatus> nextStatus(InvoiceStatus from, InvoiceEvent event);

// The event that moves an invoice from `from` to the status a user asked for (the single and
// bulk status updates name target statuses): issued from draft is kIssue, from held kRelease;
// paid kRecordPayment; held kHold; written_off kWriteOff; cancelled kCancel. nullopt when no
// event leads there (draft and overdue cannot be asked for: overdue is the sweep's).
std::optional<InvoiceEvent> eventTowards(InvoiceStatus from, InvoiceStatus target);

// An invoice is "live" unless cancelled: the database keeps one live invoice per customer and
// period, so a cancelled invoice can be generated again.
inline bool isLive(InvoiceStatus s) { return s != InvoiceStatus::kCancelled; }
// Not yet final: lines may change only in draft.
inline bool isEditable(InvoiceStatus s) { return s == InvoiceStatus::kDraft; }

enum class TaxDisplay {
    kExclusive,  // tax is added on top of the lines and shown as its own total
    kInclusive,  // line amounts include tax; the tax they contain is shown
};
std::string_view taxDisplayName(TaxDisplay d);  // "exclusive", "inclusive"
std::optional<TaxDisplay> parseTaxDisplay(std::string_view text);

enum class LineKind {
    kEnergy,         // a billing method of the contract's chain: kWh x rate
    kFailover,       // hours no method covered, priced by the contract's failover mode
    kLeaseFee,       // Lease: monthly fee per leased unit, prorated by days
    kServiceFee,     // O&M: monthly fee per operated site, prorated by days
    kManagementFee,  // O&M: kWh of the operated sites' equipment x management rate
    kHashrate,       // Infinity: the leased hash streams' energy (quantity x TH/s x J/TH x hours)
    kConnectorFee,   // Infinity: connector fee percent of the hashrate line
    kDiscount,       // negative: a percent of the contract's charges, or a fixed amount
    kAdjustment,     // a line added by hand (any sign)
    kProcessingFee,  // a card processing fee the payer paid on top (a payment's surcharge)
};
std::string_view lineKindName(LineKind k);  // "energy", ..., "lease_fee", "adjustment"
std::optional<LineKind> parseLineKind(std::string_view text);

// How a line's amount follows from its inputs.
enum class LineFormula {
    kEnergy,    // wh x rate_micro, in minor units
    kProrated,  // unit_amount_minor x quantity x days / period_days
    kPercent,   // -(base_minor x percent_bp / 10000) for discounts, + for fees
    kFixed,     // amount_minor as entered (hand-made lines; hashprice failover, whose inputs
                // are the telemetry and the recorded hashprices)
};
std::string_view lineFormulaName(LineFormula f);  // "energy", "prorated", "percent", "fixed"

struct InvoiceLine {
    std::string id;  // "inl_..."
    int position = 0;
    LineKind kind = LineKind::kAdjustment;
    LineFormula formula = LineFormula::kFixed;
    std::string description;
    std::optional<std::string> contract_id;
    std::optional<std::string> method;     // billing method, "failover_fixed_rate", ...
    std::optional<std::string> plugin_id;  // the plugin that produced the energy
    // Inputs (which ones are set depends on the formula)
    std::optional<std::int64_t> wh;
    std::optional<std::int64_t> rate_micro;
    std::optional<std::int64_t> equipment_hours;
    std::optional<std::int64_t> quantity;
    std::optional<std::int64_t> unit_amount_minor;
    std::optional<std::int64_t> days;
    std::optional<std::int64_t> period_days;
    std::optional<std::int64_t> percent_bp;
    std::optional<std::int64_t> base_minor;
    // Results
    std::int64_t amount_minor = 0;
    bool taxable = true;
    std::int64_t tax_minor = 0;  // the tax on this line (included in it when inclusive)
    bool manual = false;         // added or edited by hand (edits keep the reason in the audit)
    // A tenant script that priced the line (its rate, or the whole line for invoice_adjust),
    // and the version; or, for a line that fell back to the contract's plain rate, why
    // (a script failure code, or "quarantined").
    std::optional<std::string> script_name;
    std::optional<std::int64_t> script_version;
    std::optional<std::string> script_fallback;
};

// The energy a line bills (energy, failover and hash-lease lines; 0 for others): the billed kWh
// of an invoice and of each contract, compared with the PDUs'.
std::int64_t billedWh(const InvoiceLine& line);

// The amount a line's inputs give, rounded once; nullopt when inputs are missing or the
// result overflows. kFixed lines return their stored amount.
std::optional<std::int64_t> lineAmount(const InvoiceLine& line, const Currency& currency);

// kWh x rate -> minor units of a currency with `exponent` decimals, rounded once, half away
// from zero: wh x rate_micro x 10^exponent / 10^9.
std::optional<std::int64_t> energyAmountMinor(std::int64_t wh, std::int64_t rate_micro,
                                              int exponent);

// The tax of one taxable line at `rate_milli_pct` (thousandths of a percent), rounded once:
// exclusive amount x rate / 100000; inclusive amount x rate / (100000 + rate).
std::optional<std::int64_t> lineTax(std::int64_t amount_minor, std::int64_t rate_milli_pct,
                                    TaxDisplay display);

inline constexpr std::int64_t kMaxTaxRateMilliPct = 100'000;  // 100 %

// How billed energy compares with what the PDUs metered: |billed - pdu| / pdu.
enum class VarianceClass { kGreen, kYellow, kRed };  // < 5 %, < 20 %, >= 20 %
std::string_view varianceClassName(VarianceClass c);
struct Variance {
    std::int64_t bp = 0;  // hundredths of a percent, rounded once
    VarianceClass cls = VarianceClass::kGreen;
};
// nullopt when there is no PDU energy (pdu_wh == 0): no variance can be shown.
std::optional<Variance> energyVariance(std::int64_t billed_wh, std::int64_t pdu_wh);

// What one contract contributed to an invoice, for the review screen: billed and PDU energy
// with their variance, and the power cap's exceedances (hours whose average power across the
// contract's units was above the cap).
struct InvoiceContractSummary {
    std::string contract_id;
    std::optional<std::string> contract_number;
    std::string contract_type;  // "hosted", ...
    std::int64_t billed_wh = 0;
    std::optional<std::int64_t> pdu_wh;  // none: no PDU data for the contract's units
    std::optional<std::int64_t> power_cap_w;
    std::int64_t cap_exceeded_hours = 0;
    std::int64_t peak_w = 0;     // the highest hourly average power across the units
    std::int64_t excess_wh = 0;  // energy above the cap, summed over the exceeding hours
    std::int64_t unbilled_equipment_hours = 0;
};

struct Invoice {
    std::string id;  // "inv_..."
    std::string tenant_id;
    std::string customer_id;
    std::optional<std::string> invoice_number;  // "INV-2026-000042", assigned when it leaves draft
    InvoiceStatus status = InvoiceStatus::kDraft;
    Period period{};
    Currency currency{"USD", 2};
    int due_days = 15;
    std::optional<core::Date> issue_date;  // set when it leaves draft
    std::optional<core::Date> due_date;    // issue_date + due_days
    std::optional<core::Date> paid_date;
    std::int64_t tax_rate_milli_pct = 0;
    TaxDisplay tax_display = TaxDisplay::kExclusive;
    // Totals (computeTotals): subtotal is the sum of non-discount lines; discount the sum of
    // discount lines (<= 0); tax the sum of line taxes; total = subtotal + discount (+ tax when
    // exclusive); credit_applied comes off the customer's credit balance; amount_paid is what
    // payments covered; amount_due is what the customer still owes.
    std::int64_t subtotal_minor = 0;
    std::int64_t discount_minor = 0;
    std::int64_t tax_minor = 0;
    std::int64_t total_minor = 0;
    std::int64_t credit_applied_minor = 0;
    std::int64_t amount_paid_minor = 0;  // payments applied to it (refunds of an open invoice off)
    std::int64_t amount_due_minor = 0;   // total - credit_applied - amount_paid
    // Collection by auto-pay and retries: when the next charge of the customer's default method
    // is due, how many attempts failed since the first failure, and when that was.
    std::optional<core::SysSeconds> collect_at;
    int collection_failures = 0;
    std::optional<core::SysSeconds> first_failure_at;
    std::int64_t billed_wh = 0;  // energy on the energy, failover and hashrate lines
    // PDU-metered energy of the same units and hours; none when there is no PDU data or when a
    // contract billed energy without any (the variance would compare unlike quantities).
    std::optional<std::int64_t> pdu_wh;
    std::optional<std::string> run_id;  // the invoice run that generated it
    std::optional<std::string> held_reason;
    std::optional<std::string> status_reason;  // why it was cancelled or written off
    std::optional<core::SysSeconds> emailed_at;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
    std::vector<InvoiceLine> lines;
    std::vector<InvoiceContractSummary> contracts;
};

// Recomputes every line's amount from its inputs (kFixed lines keep theirs), each taxable
// line's tax, and the invoice totals; the credit applied stays and amount_due follows. An
// error names the first line whose amount overflows.
core::Status computeTotals(Invoice& invoice);

// The credit an invoice takes from a balance: all of it up to the invoice's total, nothing
// when the total is not positive.
std::int64_t creditToApply(std::int64_t total_minor, std::int64_t balance_minor);

// "<prefix>-<year>-<sequence>", the sequence zero-padded to six digits (wider when it grows).
// Customer invoices are "INV-...", sequential per tenant and year of the issue date.
std::string formatInvoiceNumber(std::string_view prefix, int year, std::int64_t sequence);
inline constexpr std::string_view kCustomerInvoicePrefix = "INV";

// Monthly billing periods of a tenant's customers: billing day 1 gives calendar months; any
// other day d (2..28) rolling periods from the d-th to the d-th of the next month.
inline constexpr int kMaxCustomerBillingDay = 28;
Period customerPeriodContaining(int billing_day, core::Date day);
std::optional<Period> customerPeriodStartingOn(int billing_day, core::Date start);

// Days of [from, to) inside `period`, for prorating monthly fees.
std::int64_t daysCovered(const Period& period, core::Date from, core::Date to);

}  // namespace billwright::domain
