#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/invoice.h"

namespace billwright::services {

// Everything a customer invoice document shows, resolved by the caller: the renderers read no
// store, clock or locale, so the same input always gives the same bytes.
//
// `invoice` is borrowed: it must outlive the InvoiceDocument. Its totals are shown as they are
// (the caller ran domain::computeTotals); amounts are never recomputed here.
struct InvoiceDocument {
    const domain::Invoice& invoice;
    std::string tenant_name;
    std::string customer_name;                    // the contact
    std::optional<std::string> customer_company;  // shown above the contact when set
    std::string billing_email;
    std::optional<std::string> header_text;  // tenant invoice settings; may hold newlines
    std::optional<std::string> logo_url;     // only http(s) URLs are shown
    std::optional<std::string> footer_text;  // may hold newlines
    bool show_line_items = true;             // the customer's override, else the tenant's
};

// A complete, standalone, printable HTML5 document (inline CSS; the logo <img> is the only
// external resource). Every piece of text from the document is HTML-escaped.
// show_line_items == false leaves out the lines table (only totals are shown); it applies to
// the CSV too, so a staff view that must see the lines passes true.
std::string renderInvoiceHtml(const InvoiceDocument& doc);

// RFC 4180 CSV, CRLF line ends: a header row, one row per line (none when !show_line_items),
// then the summary rows subtotal, discount, tax or tax_included, total, credit_applied,
// amount_due (credit_applied is negative: it comes off the total). Columns: invoice, position,
// kind, description, contract, method, kwh, rate_per_kwh, quantity, unit_amount, days,
// period_days, percent, base_amount, amount, taxable, tax, currency. Amounts are plain decimals
// in major units with exactly the currency's decimals (no thousands separators).
// Text cells starting with = + - @ TAB or CR get a leading apostrophe (spreadsheet formula
// injection); numeric cells, which this renderer produces itself, never do, so "-63.47" stays
// a number.
std::string renderInvoiceCsv(const InvoiceDocument& doc);

// The invoice email: a plain-text body, an HTML body with the same summary (the full invoice
// goes as an attachment named invoiceAttachmentName), and a one-line subject:
//   "Invoice INV-2026-000042 from <tenant>: 1234.56 USD due 2026-03-16"
//   "Draft invoice inv_... from <tenant>: 1234 JPY"  (no number yet, no due date)
// Line breaks and control characters in names are folded to spaces in the subject and the
// text body; the text body ends its lines with LF (the mailer writes CRLF on the wire).
std::string renderInvoiceEmailText(const InvoiceDocument& doc);
std::string renderInvoiceEmailHtml(const InvoiceDocument& doc);
std::string invoiceEmailSubject(const InvoiceDocument& doc);

// "invoice-INV-2026-000042.html"; a draft without a number uses the invoice id. Characters
// other than letters, digits, '.', '_' and '-' become '_'. `extension` without the dot.
std::string invoiceAttachmentName(const InvoiceDocument& doc, std::string_view extension = "html");

}  // namespace billwright::services
