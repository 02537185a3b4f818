#include "services/invoice_documents.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "domain/decimal.h"
#include "domain/money.h"

namespace billwright::services {

namespace {

using domain::Invoice;
using domain::InvoiceLine;
using domain::LineFormula;
using domain::TaxDisplay;

bool isControl(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

// HTML text and attribute values alike. C0 controls other than TAB, LF and CR are not allowed
// in HTML and are dropped.
std::string esc(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '\t':
            case '\n':
            case '\r':
                out += c;
                break;
            default:
                if (!isControl(c)) out += c;
        }
    }
    return out;
}

// For a subject or a line of a plain-text body: no line breaks, no control characters.
std::string oneLine(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (isControl(c)) c = ' ';
    }
    return out;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

// A logo is shown only from an http(s) URL: no javascript:, data: or file: sources.
bool isWebUrl(std::string_view url) {
    return startsWithNoCase(url, "https://") || startsWithNoCase(url, "http://");
}

std::string amount(std::int64_t minor, const domain::Currency& currency) {
    return domain::formatMinorUnits(minor, currency);
}

std::string money(std::int64_t minor, const domain::Currency& currency) {
    return amount(minor, currency) + " " + std::string(currency.code);
}

// Credit comes off the total, so it is shown negative.
std::int64_t creditShown(std::int64_t credit_minor) {
    return credit_minor == INT64_MIN ? credit_minor : -credit_minor;
}

std::string kwh(std::int64_t wh) { return domain::formatFixed(wh, 3); }

// "8.875", "10", "8.5": thousandths of a percent without trailing zeros.
std::string taxRateText(std::int64_t milli_pct) {
    std::string s = domain::formatFixed(milli_pct, 3);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

std::string taxLabel(const Invoice& inv) {
    const std::string rate = "(" + taxRateText(inv.tax_rate_milli_pct) + "%)";
    return inv.tax_display == TaxDisplay::kInclusive ? "Includes tax " + rate : "Tax " + rate;
}

bool showsTax(const Invoice& inv) { return inv.tax_rate_milli_pct != 0 || inv.tax_minor != 0; }

std::string statusLabel(domain::InvoiceStatus s) {
    switch (s) {
        case domain::InvoiceStatus::kDraft:
            return "Draft";
        case domain::InvoiceStatus::kIssued:
            return "Issued";
        case domain::InvoiceStatus::kPaid:
            return "Paid";
        case domain::InvoiceStatus::kOverdue:
            return "Overdue";
        case domain::InvoiceStatus::kHeld:
            return "Held";
        case domain::InvoiceStatus::kWrittenOff:
            return "Written off";
        case domain::InvoiceStatus::kCancelled:
            return "Cancelled";
    }
    return std::string(domain::invoiceStatusName(s));
}

// Periods are half-open: the last billed day is the day before `end`.
std::string periodText(const domain::Period& p) {
    return core::formatIsoDate(p.start) + " to " + core::formatIsoDate(core::addDays(p.end, -1));
}

std::string dueText(const Invoice& inv) {
    if (inv.due_date) return core::formatIsoDate(*inv.due_date);
    return std::to_string(inv.due_days) + " days after issue";
}

// The number, or the id of a draft that has none yet.
const std::string& reference(const Invoice& inv) {
    return inv.invoice_number ? *inv.invoice_number : inv.id;
}

std::string contractLabel(const Invoice& inv, const std::string& contract_id) {
    for (const auto& c : inv.contracts) {
        if (c.contract_id == contract_id && c.contract_number) return *c.contract_number;
    }
    return contract_id;
}

std::string contractLabel(const domain::InvoiceContractSummary& c) {
    return c.contract_number ? *c.contract_number : c.contract_id;
}

std::vector<const InvoiceLine*> linesInOrder(const Invoice& inv) {
    std::vector<const InvoiceLine*> lines;
    lines.reserve(inv.lines.size());
    for (const auto& l : inv.lines) lines.push_back(&l);
    std::stable_sort(lines.begin(), lines.end(), [](const InvoiceLine* a, const InvoiceLine* b) {
        return a->position < b->position;
    });
    return lines;
}

// Only energy and failover lines have a billing method; the others are told by their kind.
std::string methodText(const InvoiceLine& line) { return line.method.value_or(std::string()); }

// ---- HTML document ----

constexpr std::string_view kDocumentCss = R"(@page { size: A4; margin: 16mm; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 820px; padding: 24px; color: #1f2328; background: #ffffff;
  font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 26px; margin: 8px 0 16px; }
h2 { font-size: 15px; margin: 20px 0 8px; text-transform: uppercase; letter-spacing: 0.04em;
  color: #57606a; }
h3 { font-size: 14px; margin: 16px 0 6px; }
p { margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 8px; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #1f2328; font-size: 12px; }
tbody td { border-bottom: 1px solid #d0d7de; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.letterhead { display: flex; align-items: flex-start; gap: 16px; margin-bottom: 16px; }
.logo { max-height: 64px; max-width: 240px; }
.header-text, .footer-text { white-space: pre-line; }
.parties { display: flex; gap: 48px; }
.party { flex: 1; }
.company { font-weight: 600; }
table.facts { width: auto; margin: 16px 0; }
table.facts th { padding-left: 0; color: #57606a; font-weight: normal; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; background: #eaeef2; }
.status-paid { background: #dafbe1; }
.status-overdue, .status-held { background: #ffebe9; }
.status-cancelled, .status-written_off { background: #eaeef2; text-decoration: line-through; }
.detail { color: #57606a; font-size: 12px; }
.not-itemised { margin: 16px 0; font-style: italic; }
table.totals { width: auto; margin: 16px 0 0 auto; }
table.totals th { text-align: left; font-weight: normal; padding-right: 32px; }
table.totals tr.total th, table.totals tr.total td { border-top: 1px solid #1f2328;
  font-weight: 600; }
table.totals tr.amount-due th, table.totals tr.amount-due td { border-top: 2px solid #1f2328;
  font-size: 16px; font-weight: 700; }
.variance { padding: 0 6px; border-radius: 8px; }
.variance-green { background: #dafbe1; color: #116329; }
.variance-yellow { background: #fff8c5; color: #7d4e00; }
.variance-red { background: #ffebe9; color: #a40e26; }
tr.exceeded td { color: #a40e26; }
.footer-text { margin-top: 32px; padding-top: 12px; border-top: 1px solid #d0d7de;
  color: #57606a; font-size: 12px; }
@media print { body { padding: 0; max-width: none; } thead { display: table-header-group; }
  tr { break-inside: avoid; } }
)";

void row(std::string& out, std::string_view th, const std::string& td_html,
         std::string_view tr_class = {}) {
    out += tr_class.empty() ? "<tr>" : "<tr class=\"" + std::string(tr_class) + "\">";
    out += "<th>";
    out += th;
    out += "</th><td class=\"num\">";
    out += td_html;
    out += "</td></tr>\n";
}

void factRow(std::string& out, std::string_view th, const std::string& td_html) {
    out += "<tr><th>";
    out += th;
    out += "</th><td>";
    out += td_html;
    out += "</td></tr>\n";
}

std::string numCell(const std::string& text) { return "<td class=\"num\">" + text + "</td>"; }

// How a prorated or percent line's amount follows from its inputs; energy lines show theirs
// in the kWh and rate columns.
std::string lineDetailHtml(const InvoiceLine& l, const domain::Currency& cur) {
    if (l.formula == LineFormula::kProrated && l.quantity && l.unit_amount_minor && l.days &&
        l.period_days) {
        return std::to_string(*l.quantity) + " &times; " + money(*l.unit_amount_minor, cur) +
               " &times; " + std::to_string(*l.days) + "/" + std::to_string(*l.period_days) +
               " days";
    }
    if (l.formula == LineFormula::kPercent && l.percent_bp && l.base_minor) {
        return domain::formatFixed(*l.percent_bp, 2) + "% of " + money(*l.base_minor, cur);
    }
    return {};
}

void linesTable(std::string& out, const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    const auto& cur = inv.currency;
    const std::string code(cur.code);
    const bool taxed = showsTax(inv);
    out += "<section class=\"lines\">\n<h2>Charges</h2>\n<table class=\"lines\">\n<thead><tr>";
    out += "<th>Description</th><th>Contract</th><th>Method</th><th class=\"num\">kWh</th>";
    out += "<th class=\"num\">Rate (" + code + "/kWh)</th>";
    out += "<th class=\"num\">Amount (" + code + ")</th>";
    if (taxed) {
        out += inv.tax_display == TaxDisplay::kInclusive
                   ? "<th class=\"num\">Incl. tax (" + code + ")</th>"
                   : "<th class=\"num\">Tax (" + code + ")</th>";
    }
    out += "</tr></thead>\n<tbody>\n";
    for (const InvoiceLine* l : linesInOrder(inv)) {
        out += "<tr class=\"line line-" + std::string(domain::lineKindName(l->kind)) + "\"><td>";
        out += esc(l->description);
        const std::string detail = lineDetailHtml(*l, cur);
        if (!detail.empty()) out += "<div class=\"detail\">" + detail + "</div>";
        out += "</td><td>";
        if (l->contract_id) out += esc(contractLabel(inv, *l->contract_id));
        out += "</td><td>" + esc(methodText(*l)) + "</td>";
        out += numCell(l->wh ? kwh(*l->wh) : std::string());
        out += numCell(l->rate_micro ? domain::formatFixed(*l->rate_micro, 6) : std::string());
        out += numCell(amount(l->amount_minor, cur));
        if (taxed) out += numCell(l->taxable ? amount(l->tax_minor, cur) : "exempt");
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n</section>\n";
}

void totalsTable(std::string& out, const Invoice& inv) {
    const auto& cur = inv.currency;
    out += "<table class=\"totals\">\n";
    row(out, "Subtotal", money(inv.subtotal_minor, cur));
    if (inv.discount_minor != 0) row(out, "Discount", money(inv.discount_minor, cur));
    const bool taxed = showsTax(inv);
    if (taxed && inv.tax_display == TaxDisplay::kExclusive)
        row(out, taxLabel(inv), money(inv.tax_minor, cur), "tax");
    row(out, "Total", money(inv.total_minor, cur), "total");
    if (taxed && inv.tax_display == TaxDisplay::kInclusive)
        row(out, taxLabel(inv), money(inv.tax_minor, cur), "tax-included");
    if (inv.credit_applied_minor != 0)
        row(out, "Credit applied", money(creditShown(inv.credit_applied_minor), cur), "credit");
    if (inv.amount_paid_minor != 0)
        row(out, "Payments received", money(creditShown(inv.amount_paid_minor), cur), "paid");
    row(out, "Amount due", money(inv.amount_due_minor, cur), "amount-due");
    out += "</table>\n";
}

void energySection(std::string& out, const Invoice& inv) {
    if (inv.contracts.empty()) return;
    out += "<section class=\"energy\">\n<h2>Energy</h2>\n<table class=\"energy\">\n<thead><tr>";
    out += "<th>Contract</th><th>Type</th><th class=\"num\">Billed kWh</th>";
    out += "<th class=\"num\">PDU kWh</th><th class=\"num\">Variance</th></tr></thead>\n<tbody>\n";
    bool any_cap = false;
    for (const auto& c : inv.contracts) {
        any_cap = any_cap || c.power_cap_w.has_value();
        out += "<tr><td>" + esc(contractLabel(c)) + "</td><td>" + esc(c.contract_type) + "</td>";
        out += numCell(kwh(c.billed_wh));
        if (!c.pdu_wh) {
            out += numCell("no PDU data") + numCell({});
        } else {
            out += numCell(kwh(*c.pdu_wh));
            const auto v = domain::energyVariance(c.billed_wh, *c.pdu_wh);
            if (v) {
                const std::string cls(domain::varianceClassName(v->cls));
                out += numCell("<span class=\"variance variance-" + cls + "\">" +
                               domain::formatFixed(v->bp, 2) + "% (" + cls + ")</span>");
            } else {
                out += numCell({});
            }
        }
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n";
    if (any_cap) {
        out += "<h3>Power cap</h3>\n<table class=\"power-cap\">\n<thead><tr><th>Contract</th>";
        out += "<th class=\"num\">Cap kW</th><th class=\"num\">Hours above cap</th>";
        out += "<th class=\"num\">Peak kW</th><th class=\"num\">Excess kWh</th></tr></thead>\n";
        out += "<tbody>\n";
        for (const auto& c : inv.contracts) {
            if (!c.power_cap_w) continue;
            out += c.cap_exceeded_hours > 0 ? "<tr class=\"exceeded\">" : "<tr>";
            out += "<td>" + esc(contractLabel(c)) + "</td>";
            out += numCell(domain::formatFixed(*c.power_cap_w, 3));
            out += numCell(std::to_string(c.cap_exceeded_hours));
            out += numCell(domain::formatFixed(c.peak_w, 3));
            out += numCell(kwh(c.excess_wh));
            out += "</tr>\n";
        }
        out += "</tbody>\n</table>\n";
    }
    out += "</section>\n";
}

// ---- CSV ----

// Cells this renderer formats from integers: "-63.47", "12345.678". They are never guarded,
// so a spreadsheet reads them as numbers; anything else goes through textCell.
bool isPlainNumber(std::string_view s) {
    std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
    if (i == s.size()) return false;
    bool dot = false;
    for (; i < s.size(); ++i) {
        if (s[i] == '.' && !dot) {
            dot = true;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return s.back() != '.';
}

std::string quoteCsv(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

// Text from users: a leading = + - @ TAB or CR would make a spreadsheet evaluate the cell
// (OWASP "CSV injection"), so it gets an apostrophe, which spreadsheets show as text.
std::string textCell(std::string_view s) {
    if (!s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos)
        return quoteCsv("'" + std::string(s));
    return quoteCsv(s);
}

std::string numberCell(const std::string& s) { return isPlainNumber(s) ? s : textCell(s); }

constexpr std::string_view kCsvColumns[] = {
    "invoice", "position",     "kind",     "description", "contract", "method",
    "kwh",     "rate_per_kwh", "quantity", "unit_amount", "days",     "period_days",
    "percent", "base_amount",  "amount",   "taxable",     "tax",      "currency"};
constexpr std::size_t kCsvWidth = std::size(kCsvColumns);

struct CsvRow {
    std::string cells[kCsvWidth];
};

void appendRow(std::string& out, const CsvRow& r) {
    for (std::size_t i = 0; i < kCsvWidth; ++i) {
        if (i) out += ',';
        out += r.cells[i];
    }
    out += "\r\n";
}

enum Col : std::size_t {
    kInvoice,
    kPosition,
    kKind,
    kDescription,
    kContract,
    kMethod,
    kKwh,
    kRate,
    kQuantity,
    kUnitAmount,
    kDays,
    kPeriodDays,
    kPercent,
    kBaseAmount,
    kAmount,
    kTaxable,
    kTax,
    kCurrency,
};

CsvRow summaryRow(const Invoice& inv, std::string_view kind, std::string_view description,
                  std::int64_t minor) {
    CsvRow r;
    r.cells[kInvoice] = textCell(reference(inv));
    r.cells[kKind] = textCell(kind);
    r.cells[kDescription] = textCell(description);
    r.cells[kAmount] = numberCell(amount(minor, inv.currency));
    r.cells[kCurrency] = textCell(inv.currency.code);
    return r;
}

// ---- email ----

constexpr std::string_view kEmailLabel = "style=\"padding:4px 16px 4px 0;color:#57606a;\"";
constexpr std::string_view kEmailValue = "style=\"padding:4px 0;\"";

std::string introText(const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    if (inv.invoice_number) return "Your invoice " + *inv.invoice_number + " from ";
    return "A draft invoice from ";
}

std::string nothingDueText(const Invoice& inv) {
    return inv.credit_applied_minor > 0
               ? "No payment is due: credit on your account covers this invoice."
               : "No payment is due.";
}

}  // namespace

std::string renderInvoiceHtml(const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    const std::string title =
        inv.invoice_number ? "Invoice " + *inv.invoice_number : std::string("Draft invoice");
    std::string out;
    out.reserve(16384);
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + esc(title) + " - " + esc(doc.tenant_name) + "</title>\n<style>\n";
    out += kDocumentCss;
    out += "</style>\n</head>\n<body>\n";

    const bool logo = doc.logo_url && isWebUrl(*doc.logo_url);
    if (logo || doc.header_text) {
        out += "<header class=\"letterhead\">\n";
        if (logo)
            out += "<img class=\"logo\" src=\"" + esc(*doc.logo_url) + "\" alt=\"" +
                   esc(doc.tenant_name) + "\">\n";
        if (doc.header_text)
            out += "<div class=\"header-text\">" + esc(*doc.header_text) + "</div>\n";
        out += "</header>\n";
    }
    out += "<h1>" + esc(title) + "</h1>\n";

    out += "<section class=\"parties\">\n<div class=\"party from\">\n<h2>From</h2>\n";
    out += "<p class=\"name\">" + esc(doc.tenant_name) + "</p>\n</div>\n";
    out += "<div class=\"party to\">\n<h2>Bill to</h2>\n";
    if (doc.customer_company)
        out += "<p class=\"company\">" + esc(*doc.customer_company) + "</p>\n";
    out += "<p class=\"name\">" + esc(doc.customer_name) + "</p>\n";
    out += "<p class=\"email\">" + esc(doc.billing_email) + "</p>\n</div>\n</section>\n";

    out += "<table class=\"facts\">\n";
    factRow(out, "Invoice number", inv.invoice_number ? esc(*inv.invoice_number) : "Draft");
    const std::string status(domain::invoiceStatusName(inv.status));
    factRow(out, "Status",
            "<span class=\"status status-" + status + "\">" + statusLabel(inv.status) + "</span>");
    factRow(out, "Period", periodText(inv.period));
    factRow(out, "Issue date",
            inv.issue_date ? core::formatIsoDate(*inv.issue_date) : "Not issued yet");
    factRow(out, "Due date", dueText(inv));
    factRow(out, "Currency", esc(inv.currency.code));
    out += "</table>\n";

    if (doc.show_line_items) {
        linesTable(out, doc);
    } else {
        out +=
            "<p class=\"not-itemised\">Line items are not itemised on this invoice; only the "
            "totals are shown.</p>\n";
    }
    totalsTable(out, inv);
    energySection(out, inv);
    if (doc.footer_text)
        out += "<footer class=\"footer-text\">" + esc(*doc.footer_text) + "</footer>\n";
    out += "</body>\n</html>\n";
    return out;
}

std::string renderInvoiceCsv(const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    const auto& cur = inv.currency;
    std::string out;
    CsvRow header;
    for (std::size_t i = 0; i < kCsvWidth; ++i) header.cells[i] = std::string(kCsvColumns[i]);
    appendRow(out, header);

    const auto num = [](std::optional<std::int64_t> v) {
        return v ? numberCell(std::to_string(*v)) : std::string();
    };
    if (doc.show_line_items) {
        for (const InvoiceLine* l : linesInOrder(inv)) {
            CsvRow r;
            r.cells[kInvoice] = textCell(reference(inv));
            r.cells[kPosition] = numberCell(std::to_string(l->position));
            r.cells[kKind] = textCell(domain::lineKindName(l->kind));
            r.cells[kDescription] = textCell(l->description);
            if (l->contract_id) r.cells[kContract] = textCell(contractLabel(inv, *l->contract_id));
            r.cells[kMethod] = textCell(methodText(*l));
            if (l->wh) r.cells[kKwh] = numberCell(kwh(*l->wh));
            if (l->rate_micro) r.cells[kRate] = numberCell(domain::formatFixed(*l->rate_micro, 6));
            r.cells[kQuantity] = num(l->quantity);
            if (l->unit_amount_minor)
                r.cells[kUnitAmount] = numberCell(amount(*l->unit_amount_minor, cur));
            r.cells[kDays] = num(l->days);
            r.cells[kPeriodDays] = num(l->period_days);
            if (l->percent_bp)
                r.cells[kPercent] = numberCell(domain::formatFixed(*l->percent_bp, 2));
            if (l->base_minor) r.cells[kBaseAmount] = numberCell(amount(*l->base_minor, cur));
            r.cells[kAmount] = numberCell(amount(l->amount_minor, cur));
            r.cells[kTaxable] = l->taxable ? "true" : "false";
            r.cells[kTax] = numberCell(amount(l->tax_minor, cur));
            r.cells[kCurrency] = textCell(cur.code);
            appendRow(out, r);
        }
    }
    appendRow(out, summaryRow(inv, "subtotal", "Subtotal", inv.subtotal_minor));
    appendRow(out, summaryRow(inv, "discount", "Discount", inv.discount_minor));
    appendRow(out,
              summaryRow(inv, inv.tax_display == TaxDisplay::kInclusive ? "tax_included" : "tax",
                         taxLabel(inv), inv.tax_minor));
    appendRow(out, summaryRow(inv, "total", "Total", inv.total_minor));
    appendRow(out, summaryRow(inv, "credit_applied", "Credit applied",
                              creditShown(inv.credit_applied_minor)));
    if (inv.amount_paid_minor != 0)
        appendRow(out, summaryRow(inv, "amount_paid", "Payments received",
                                  creditShown(inv.amount_paid_minor)));
    appendRow(out, summaryRow(inv, "amount_due", "Amount due", inv.amount_due_minor));
    return out;
}

std::string invoiceEmailSubject(const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    std::string s =
        inv.invoice_number ? "Invoice " + *inv.invoice_number : "Draft invoice " + inv.id;
    s += " from " + doc.tenant_name + ": " + money(inv.amount_due_minor, inv.currency);
    if (inv.due_date) s += " due " + core::formatIsoDate(*inv.due_date);
    return oneLine(s);
}

std::string invoiceAttachmentName(const InvoiceDocument& doc, std::string_view extension) {
    std::string name = "invoice-" + reference(doc.invoice) + "." + std::string(extension);
    for (char& c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) c = '_';
    }
    return name;
}

// Lines end with LF; the mailer turns them into CRLF on the wire.
std::string renderInvoiceEmailText(const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    const std::string tenant = oneLine(doc.tenant_name);
    std::string out;
    out +=
        doc.customer_name.empty() ? "Hello,\n\n" : "Hello " + oneLine(doc.customer_name) + ",\n\n";
    out += introText(doc) + tenant + " is attached.\n\n";
    out +=
        "Invoice:     " + (inv.invoice_number ? *inv.invoice_number : std::string("Draft")) + "\n";
    out += "Period:      " + periodText(inv.period) + "\n";
    out += "Amount due:  " + money(inv.amount_due_minor, inv.currency) + "\n";
    out += "Due date:    " + dueText(inv) + "\n\n";
    if (inv.amount_due_minor <= 0) out += nothingDueText(inv) + "\n\n";
    out += "The full invoice is attached as " + invoiceAttachmentName(doc) + ".\n\n";
    out += "Thank you,\n" + tenant + "\n";
    return out;
}

std::string renderInvoiceEmailHtml(const InvoiceDocument& doc) {
    const Invoice& inv = doc.invoice;
    const std::string tenant = esc(doc.tenant_name);
    const auto fact = [](std::string& out, std::string_view label, const std::string& value) {
        out += "<tr><td ";
        out += kEmailLabel;
        out += ">";
        out += label;
        out += "</td><td ";
        out += kEmailValue;
        out += ">" + value + "</td></tr>\n";
    };
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<title>" + esc(invoiceEmailSubject(doc)) + "</title>\n</head>\n";
    out +=
        "<body style=\"margin:0;padding:24px;color:#1f2328;font-family:Helvetica,Arial,"
        "sans-serif;font-size:14px;line-height:1.45;\">\n";
    out += doc.customer_name.empty() ? "<p>Hello,</p>\n"
                                     : "<p>Hello " + esc(doc.customer_name) + ",</p>\n";
    out += "<p>" + esc(introText(doc)) + tenant + " is attached.</p>\n";
    out += "<table role=\"presentation\" style=\"border-collapse:collapse;margin:16px 0;\">\n";
    fact(out, "Invoice", inv.invoice_number ? esc(*inv.invoice_number) : "Draft");
    fact(out, "Period", periodText(inv.period));
    fact(out, "Amount due", "<strong>" + money(inv.amount_due_minor, inv.currency) + "</strong>");
    fact(out, "Due date", dueText(inv));
    out += "</table>\n";
    if (inv.amount_due_minor <= 0) out += "<p>" + nothingDueText(inv) + "</p>\n";
    out += "<p>The full invoice is attached as " + esc(invoiceAttachmentName(doc)) + ".</p>\n";
    out += "<p>Thank you,<br>\n" + tenant + "</p>\n</body>\n</html>\n";
    return out;
}

}  // namespace billwright::services
