// Customer invoice documents (services/invoice_documents.h): the HTML invoice, the CSV export
// and the invoice email, rendered from fixture invoices whose totals come from
// domain::computeTotals.
//
// Golden files live in tests/unit/services/golden/ and are compared byte for byte (the
// .gitattributes there keeps git from touching their line ends: the CSV has CRLF). After an
// intended change to a document, rewrite them with
//     BW_UPDATE_GOLDEN=1 build/dev/tests/unit/unit_services --run_test=invoice_documents
// and review `git diff tests/unit/services/golden` line by line before committing: a golden
// file is only as right as the person who read it.
//
// The figures of the fixtures, worked out by hand (amounts in minor units):
//
// basicInvoice (USD, tax 8.875 % exclusive, credit 50.00):
//   1 energy, metered     12345.678 kWh x 0.085   = 1049.38263 -> 104938; tax  9313.2475 -> 9313
//   2 energy, calculated   2000.000 kWh x 0.085   =  170.00       17000;  tax  1508.75   -> 1509
//   3 failover fixed rate   500.000 kWh x 0.100   =   50.00        5000;  tax   443.75   ->  444
//   4 lease fee 2 x 150.00 x 14/28 days           =  150.00       15000;  not taxable
//   5 discount 5 % of 1269.38                     =  -63469 -> -6347;     tax  -563.29625 -> -563
//   subtotal 141938, discount -6347, tax 10703, total 146294, credit 5000, amount due 141294.
//   Contract C-2026-0007 billed 14845.678 kWh, PDU 13800.000 kWh: 1045.678 / 13800 = 7.577 %
//   -> 7.58 %, yellow. Its 20 kW cap was exceeded 3 hours, peak 21.450 kW, 3.200 kWh above.
//
// jpyDraftInvoice (JPY, tax 10 % inclusive, draft):
//   1 energy, metered  3456.789 kWh x 31.5 = 108888.85 -> 108889; tax 108889 x 10/110 = 9899
//   2 adjustment (fixed)                    =  -1000;               tax -90.909 -> -91
//   subtotal 107889, total 107889, includes tax 9808, amount due 107889.
//   Contract C-2025-0031 billed 3456.789 kWh, PDU 3500 kWh: 43.211 / 3500 = 1.23 %, green.
//
// operationsInvoice (USD, no tax, overdue):
//   1 service fee 1 x 2500.00 x 28/28 days  = 250000
//   2 management fee 50000 kWh x 0.005      =  25000
//   3 hashrate 8760 kWh x 0.070             =  61320
//   4 connector fee 2.5 % of 613.20         =   1533
//   subtotal = total = amount due 337853; no PDU data, so no variance.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "domain/invoice.h"
#include "services/invoice_documents.h"

using namespace billwright;
using domain::InvoiceLine;
using domain::LineFormula;
using domain::LineKind;
using services::InvoiceDocument;

namespace {

core::Date date(int y, unsigned m, unsigned d) {
    return core::Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

InvoiceLine energyLine(int position, std::string description, std::string contract,
                       std::string method, std::int64_t wh, std::int64_t rate_micro,
                       LineKind kind = LineKind::kEnergy) {
    InvoiceLine l;
    l.id = "inl_" + std::to_string(position);
    l.position = position;
    l.kind = kind;
    l.formula = LineFormula::kEnergy;
    l.description = std::move(description);
    l.contract_id = std::move(contract);
    if (!method.empty()) l.method = std::move(method);
    l.wh = wh;
    l.rate_micro = rate_micro;
    return l;
}

InvoiceLine proratedLine(int position, LineKind kind, std::string description, std::string contract,
                         std::int64_t unit_minor, std::int64_t quantity, std::int64_t days,
                         std::int64_t period_days) {
    InvoiceLine l;
    l.id = "inl_" + std::to_string(position);
    l.position = position;
    l.kind = kind;
    l.formula = LineFormula::kProrated;
    l.description = std::move(description);
    l.contract_id = std::move(contract);
    l.unit_amount_minor = unit_minor;
    l.quantity = quantity;
    l.days = days;
    l.period_days = period_days;
    return l;
}

InvoiceLine percentLine(int position, LineKind kind, std::string description, std::string contract,
                        std::int64_t percent_bp, std::int64_t base_minor) {
    InvoiceLine l;
    l.id = "inl_" + std::to_string(position);
    l.position = position;
    l.kind = kind;
    l.formula = LineFormula::kPercent;
    l.description = std::move(description);
    l.contract_id = std::move(contract);
    l.percent_bp = percent_bp;
    l.base_minor = base_minor;
    return l;
}

void total(domain::Invoice& inv) { BOOST_REQUIRE(domain::computeTotals(inv).ok()); }

domain::Invoice basicInvoice() {
    domain::Invoice inv;
    inv.id = "inv_01JQBASIC";
    inv.tenant_id = "ten_north";
    inv.customer_id = "cus_ada";
    inv.invoice_number = "INV-2026-000042";
    inv.status = domain::InvoiceStatus::kIssued;
    inv.period = {date(2026, 2, 1), date(2026, 3, 1)};
    inv.currency = *domain::findCurrency("USD");
    inv.issue_date = date(2026, 3, 1);
    inv.due_date = date(2026, 3, 16);
    inv.tax_rate_milli_pct = 8875;
    inv.tax_display = domain::TaxDisplay::kExclusive;
    inv.credit_applied_minor = 5000;
    inv.lines.push_back(
        energyLine(1, "Hosting energy, rack A (metered)", "ctr_a", "metered", 12'345'678, 85'000));
    inv.lines.push_back(energyLine(2, "Hosting energy, rack A (calculated from power)", "ctr_a",
                                   "calculated", 2'000'000, 85'000));
    inv.lines.push_back(energyLine(3, "Hours without telemetry, at the failover rate", "ctr_a",
                                   "failover_fixed_rate", 500'000, 100'000, LineKind::kFailover));
    auto lease = proratedLine(4, LineKind::kLeaseFee, "Lease of 2 x Antminer S21", "ctr_b", 15'000,
                              2, 14, 28);
    lease.taxable = false;
    inv.lines.push_back(lease);
    inv.lines.push_back(
        percentLine(5, LineKind::kDiscount, "Loyalty discount", "ctr_a", 500, 126'938));
    total(inv);

    domain::InvoiceContractSummary a;
    a.contract_id = "ctr_a";
    a.contract_number = "C-2026-0007";
    a.contract_type = "hosted";
    a.billed_wh = 14'845'678;
    a.pdu_wh = 13'800'000;
    a.power_cap_w = 20'000;
    a.cap_exceeded_hours = 3;
    a.peak_w = 21'450;
    a.excess_wh = 3'200;
    domain::InvoiceContractSummary b;
    b.contract_id = "ctr_b";
    b.contract_number = "C-2026-0008";
    b.contract_type = "lease";
    inv.contracts = {a, b};
    return inv;
}

domain::Invoice jpyDraftInvoice() {
    domain::Invoice inv;
    inv.id = "inv_01JQDRAFT7";
    inv.tenant_id = "ten_kanto";
    inv.customer_id = "cus_sato";
    inv.status = domain::InvoiceStatus::kDraft;
    inv.period = {date(2026, 1, 15), date(2026, 2, 15)};
    inv.currency = *domain::findCurrency("JPY");
    inv.due_days = 15;
    inv.tax_rate_milli_pct = 10'000;
    inv.tax_display = domain::TaxDisplay::kInclusive;
    inv.lines.push_back(
        energyLine(1, "Hosting energy (metered)", "ctr_j", "metered", 3'456'789, 31'500'000));
    InvoiceLine goodwill;
    goodwill.id = "inl_2";
    goodwill.position = 2;
    goodwill.kind = LineKind::kAdjustment;
    goodwill.formula = LineFormula::kFixed;
    goodwill.description = "Goodwill credit for the January outage";
    goodwill.amount_minor = -1000;
    goodwill.manual = true;
    inv.lines.push_back(goodwill);
    total(inv);

    domain::InvoiceContractSummary j;
    j.contract_id = "ctr_j";
    j.contract_number = "C-2025-0031";
    j.contract_type = "hosted";
    j.billed_wh = 3'456'789;
    j.pdu_wh = 3'500'000;
    inv.contracts = {j};
    return inv;
}

domain::Invoice operationsInvoice() {
    domain::Invoice inv;
    inv.id = "inv_01JQOPS";
    inv.tenant_id = "ten_north";
    inv.customer_id = "cus_grace";
    inv.invoice_number = "INV-2026-000043";
    inv.status = domain::InvoiceStatus::kOverdue;
    inv.period = {date(2026, 2, 1), date(2026, 3, 1)};
    inv.currency = *domain::findCurrency("USD");
    inv.issue_date = date(2026, 3, 1);
    inv.due_date = date(2026, 3, 16);
    inv.lines.push_back(proratedLine(1, LineKind::kServiceFee, "O&M service fee, site Alpha",
                                     "ctr_om", 250'000, 1, 28, 28));
    auto management = energyLine(2, "Management fee on operated equipment", "ctr_om", "",
                                 50'000'000, 5'000, LineKind::kManagementFee);
    inv.lines.push_back(management);
    inv.lines.push_back(energyLine(3, "Hash stream energy, 100 TH/s", "ctr_inf", "", 8'760'000,
                                   70'000, LineKind::kHashrate));
    inv.lines.push_back(
        percentLine(4, LineKind::kConnectorFee, "Connector fee", "ctr_inf", 250, 61'320));
    total(inv);

    domain::InvoiceContractSummary om;
    om.contract_id = "ctr_om";
    om.contract_number = "C-2026-0012";
    om.contract_type = "o_and_m";
    domain::InvoiceContractSummary inf;
    inf.contract_id = "ctr_inf";
    inf.contract_number = "C-2026-0013";
    inf.contract_type = "infinity";
    inf.billed_wh = 8'760'000;
    inv.contracts = {om, inf};
    return inv;
}

InvoiceDocument northernDocument(const domain::Invoice& inv) {
    return InvoiceDocument{
        .invoice = inv,
        .tenant_name = "Northern Hosting Co.",
        .customer_name = "Ada Lovelace",
        .customer_company = "Analytical Engines LLC",
        .billing_email = "ap@analytical.example",
        .header_text = "Northern Hosting Co.\n1200 Dam Road, Baie-Comeau QC",
        .logo_url = "https://cdn.northern.example/logo.png",
        .footer_text =
            "Pay by ACH to account 000123456, routing 011000015.\n"
            "Questions & disputes: billing@northern.example",
        .show_line_items = true,
    };
}

InvoiceDocument kantoDocument(const domain::Invoice& inv) {
    return InvoiceDocument{
        .invoice = inv,
        .tenant_name = "Kanto Compute KK",
        .customer_name = "Sato Hanako",
        .customer_company = std::nullopt,
        .billing_email = "sato@example.jp",
        .header_text = std::nullopt,
        .logo_url = std::nullopt,
        .footer_text = std::nullopt,
        .show_line_items = true,
    };
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool updatingGolden() {
    const char* v = std::getenv("BW_UPDATE_GOLDEN");
    return v != nullptr && std::string_view(v) == "1";
}

// Compares `actual` with golden/<name> byte for byte, or rewrites the file under
// BW_UPDATE_GOLDEN=1.
void checkGolden(const std::string& name, const std::string& actual) {
    const std::filesystem::path path = std::filesystem::path(BW_GOLDEN_DIR) / name;
    if (updatingGolden()) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << actual;
        BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << path);
        BOOST_TEST_MESSAGE("rewrote " << path);
        return;
    }
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists(path),
                          path << " is missing (BW_UPDATE_GOLDEN=1 writes it)");
    const std::string expected = readFile(path);
    if (expected == actual) return;
    std::size_t at = 0;
    while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
    BOOST_ERROR(name << " differs from the golden file at byte " << at << ": expected \""
                     << expected.substr(at, 60) << "\", got \"" << actual.substr(at, 60)
                     << "\" (BW_UPDATE_GOLDEN=1 rewrites it)");
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
    core::CsvReader reader(text);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> fields;
    while (reader.next(fields)) rows.push_back(fields);
    BOOST_REQUIRE_MESSAGE(reader.error().empty(), reader.error());
    return rows;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(invoice_documents)

BOOST_AUTO_TEST_CASE(a_usd_invoice_with_every_kind_of_hosting_line_matches_its_golden_files) {
    const auto inv = basicInvoice();
    BOOST_TEST(inv.subtotal_minor == 141'938);
    BOOST_TEST(inv.discount_minor == -6'347);
    BOOST_TEST(inv.tax_minor == 10'703);
    BOOST_TEST(inv.total_minor == 146'294);
    BOOST_TEST(inv.amount_due_minor == 141'294);
    const auto doc = northernDocument(inv);
    checkGolden("invoice_basic.html", services::renderInvoiceHtml(doc));
    checkGolden("invoice_basic.csv", services::renderInvoiceCsv(doc));
    checkGolden("invoice_basic_email.txt", services::renderInvoiceEmailText(doc));
    checkGolden("invoice_basic_email.html", services::renderInvoiceEmailHtml(doc));
}

BOOST_AUTO_TEST_CASE(the_basic_invoice_shows_its_figures_where_a_customer_looks_for_them) {
    const auto inv = basicInvoice();
    const auto html = services::renderInvoiceHtml(northernDocument(inv));
    BOOST_TEST(contains(html, "<h1>Invoice INV-2026-000042</h1>"));
    BOOST_TEST(contains(html, "<td>2026-02-01 to 2026-02-28</td>"));  // half-open period
    BOOST_TEST(contains(html, "<th>Tax (8.875%)</th><td class=\"num\">107.03 USD</td>"));
    BOOST_TEST(contains(html, "<th>Credit applied</th><td class=\"num\">-50.00 USD</td>"));
    BOOST_TEST(contains(html, "<th>Amount due</th><td class=\"num\">1412.94 USD</td>"));
    BOOST_TEST(contains(html, "<span class=\"variance variance-yellow\">7.58% (yellow)</span>"));
    BOOST_TEST(contains(html, "<tr class=\"exceeded\"><td>C-2026-0007</td>"));
    BOOST_TEST(contains(html, "<img class=\"logo\" src=\"https://cdn.northern.example/logo.png\""));
    BOOST_TEST(contains(html, "Questions &amp; disputes"));
    BOOST_TEST(contains(html, "<td class=\"num\">exempt</td>"));  // the untaxed lease fee
}

BOOST_AUTO_TEST_CASE(hidden_line_items_leave_only_the_totals_in_html_and_csv) {
    const auto inv = basicInvoice();
    auto doc = northernDocument(inv);
    doc.show_line_items = false;
    const auto html = services::renderInvoiceHtml(doc);
    const auto csv = services::renderInvoiceCsv(doc);
    checkGolden("invoice_hidden_lines.html", html);
    checkGolden("invoice_hidden_lines.csv", csv);
    for (const auto& line : inv.lines) {
        BOOST_TEST_CONTEXT(line.description) {
            BOOST_TEST(!contains(html, line.description));
            BOOST_TEST(!contains(csv, line.description));
        }
    }
    BOOST_TEST(!contains(html, "<table class=\"lines\">"));
    BOOST_TEST(contains(html, "Line items are not itemised on this invoice"));
    BOOST_TEST(contains(html, "<th>Amount due</th><td class=\"num\">1412.94 USD</td>"));
    const auto rows = parseCsv(csv);
    BOOST_TEST_REQUIRE(rows.size() == 7u);  // header + six summary rows
    BOOST_TEST(rows[6][2] == "amount_due");
    BOOST_TEST(rows[6][14] == "1412.94");
}

BOOST_AUTO_TEST_CASE(an_inclusive_tax_jpy_draft_has_no_decimals_number_or_dates) {
    const auto inv = jpyDraftInvoice();
    BOOST_TEST(inv.subtotal_minor == 107'889);
    BOOST_TEST(inv.tax_minor == 9'808);
    BOOST_TEST(inv.total_minor == 107'889);
    BOOST_TEST(inv.amount_due_minor == 107'889);
    const auto doc = kantoDocument(inv);
    const auto html = services::renderInvoiceHtml(doc);
    checkGolden("invoice_inclusive_jpy.html", html);
    checkGolden("invoice_inclusive_jpy.csv", services::renderInvoiceCsv(doc));
    BOOST_TEST(contains(html, "<h1>Draft invoice</h1>"));
    BOOST_TEST(contains(html, "<th>Includes tax (10%)</th><td class=\"num\">9808 JPY</td>"));
    BOOST_TEST(contains(html, "<td>15 days after issue</td>"));
    BOOST_TEST(contains(html, "<td>2026-01-15 to 2026-02-14</td>"));
    BOOST_TEST(!contains(html, "<img"));
    BOOST_TEST(!contains(html, "<footer"));
    BOOST_TEST(!contains(html, "class=\"company\""));
    BOOST_TEST(services::invoiceAttachmentName(doc) == "invoice-inv_01JQDRAFT7.html");
    BOOST_TEST(services::invoiceAttachmentName(doc, "csv") == "invoice-inv_01JQDRAFT7.csv");
    BOOST_TEST(services::invoiceEmailSubject(doc) ==
               "Draft invoice inv_01JQDRAFT7 from Kanto Compute KK: 107889 JPY");
}

BOOST_AUTO_TEST_CASE(an_operations_and_infinity_invoice_without_pdu_data_shows_no_variance) {
    const auto inv = operationsInvoice();
    BOOST_TEST(inv.total_minor == 337'853);
    BOOST_TEST(!inv.pdu_wh.has_value());
    const auto html = services::renderInvoiceHtml(northernDocument(inv));
    checkGolden("invoice_operations.html", html);
    checkGolden("invoice_operations.csv", services::renderInvoiceCsv(northernDocument(inv)));
    BOOST_TEST(!contains(html, "class=\"variance"));
    BOOST_TEST(!contains(html, "Tax ("));
    BOOST_TEST(!contains(html, "class=\"power-cap\""));
    BOOST_TEST(contains(html, "no PDU data"));
    BOOST_TEST(contains(html, "<tr class=\"line line-connector_fee\">"));
    BOOST_TEST(contains(html, "2.50% of 613.20 USD"));
}

BOOST_AUTO_TEST_CASE(hostile_text_is_escaped_in_html_documents_and_emails) {
    const auto inv = basicInvoice();
    auto doc = northernDocument(inv);
    doc.customer_name = "<script>alert(1)</script>";
    doc.customer_company = "O'Brien \"Mining\"";
    doc.logo_url = "https://cdn.example/logo.png\" onerror=\"alert(1)";
    doc.footer_text = "Smith & Sons <b>";
    doc.tenant_name = "Tenant <i>";
    for (const auto& html :
         {services::renderInvoiceHtml(doc), services::renderInvoiceEmailHtml(doc)}) {
        BOOST_TEST(!contains(html, "<script>"));
        BOOST_TEST(!contains(html, "<i>"));
        BOOST_TEST(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
        BOOST_TEST(contains(html, "Tenant &lt;i&gt;"));
    }
    const auto html = services::renderInvoiceHtml(doc);
    BOOST_TEST(contains(html, "src=\"https://cdn.example/logo.png&quot; onerror=&quot;alert(1)\""));
    BOOST_TEST(!contains(html, "onerror=\""));
    BOOST_TEST(contains(html, "O&#39;Brien &quot;Mining&quot;"));
    BOOST_TEST(contains(html, "Smith &amp; Sons &lt;b&gt;"));
}

BOOST_AUTO_TEST_CASE(a_logo_is_shown_only_from_an_http_url) {
    const auto inv = basicInvoice();
    auto doc = northernDocument(inv);
    for (const char* url :
         {"javascript:alert(1)", "data:image/svg+xml,<svg/>", "//cdn.example/x"}) {
        doc.logo_url = url;
        BOOST_TEST_CONTEXT(url) { BOOST_TEST(!contains(services::renderInvoiceHtml(doc), "<img")); }
    }
    doc.logo_url = "HTTP://cdn.example/logo.png";
    BOOST_TEST(contains(services::renderInvoiceHtml(doc), "<img"));
}

BOOST_AUTO_TEST_CASE(csv_cells_are_quoted_per_rfc_4180_and_guarded_against_formulas) {
    auto inv = basicInvoice();
    inv.lines[0].description = "Rack 4, \"east\" row\nsecond line";
    inv.lines[1].description = "=HYPERLINK(\"http://evil.example\")";
    inv.lines[2].description = "+1 hour";
    inv.lines[3].description = "@SUM(A1)";
    inv.lines[4].description = "-5% loyalty";
    const auto csv = services::renderInvoiceCsv(northernDocument(inv));
    BOOST_TEST(contains(csv, "\"Rack 4, \"\"east\"\" row\nsecond line\""));
    // Every record ends with CRLF; the only bare LF is the one inside the quoted cell.
    std::size_t bare_lf = 0;
    for (std::size_t i = 0; i < csv.size(); ++i) {
        if (csv[i] == '\n' && (i == 0 || csv[i - 1] != '\r')) ++bare_lf;
    }
    BOOST_TEST(bare_lf == 1u);
    BOOST_TEST(csv.substr(csv.size() - 2) == "\r\n");

    const auto rows = parseCsv(csv);
    BOOST_TEST_REQUIRE(rows.size() == 12u);  // header, five lines, six summary rows
    for (const auto& r : rows) BOOST_TEST(r.size() == 18u);
    BOOST_TEST(rows[0][3] == "description");
    BOOST_TEST(rows[1][3] == "Rack 4, \"east\" row\nsecond line");
    BOOST_TEST(rows[2][3] == "'=HYPERLINK(\"http://evil.example\")");
    BOOST_TEST(rows[3][3] == "'+1 hour");
    BOOST_TEST(rows[4][3] == "'@SUM(A1)");
    BOOST_TEST(rows[5][3] == "'-5% loyalty");
    // Amounts stay numbers: negative ones are not guarded.
    BOOST_TEST(rows[5][14] == "-63.47");
    BOOST_TEST(rows[5][16] == "-5.63");
    BOOST_TEST(rows[10][2] == "credit_applied");
    BOOST_TEST(rows[10][14] == "-50.00");
}

BOOST_AUTO_TEST_CASE(the_email_names_the_invoice_amount_due_and_due_date) {
    const auto inv = basicInvoice();
    const auto doc = northernDocument(inv);
    const auto subject = services::invoiceEmailSubject(doc);
    BOOST_TEST(subject ==
               "Invoice INV-2026-000042 from Northern Hosting Co.: 1412.94 USD due 2026-03-16");
    for (const auto& body :
         {services::renderInvoiceEmailText(doc), services::renderInvoiceEmailHtml(doc)}) {
        BOOST_TEST(contains(body, "INV-2026-000042"));
        BOOST_TEST(contains(body, "1412.94 USD"));
        BOOST_TEST(contains(body, "2026-03-16"));
        BOOST_TEST(contains(body, "2026-02-01 to 2026-02-28"));
        BOOST_TEST(contains(body, "Northern Hosting Co."));
        BOOST_TEST(contains(body, "invoice-INV-2026-000042.html"));
    }
    BOOST_TEST(contains(services::renderInvoiceEmailText(doc), "Hello Ada Lovelace,\n"));
}

BOOST_AUTO_TEST_CASE(line_breaks_in_names_cannot_add_email_headers) {
    const auto inv = basicInvoice();
    auto doc = northernDocument(inv);
    doc.tenant_name = "Evil\r\nBcc: victim@example.com";
    const auto subject = services::invoiceEmailSubject(doc);
    BOOST_TEST(subject.find_first_of("\r\n") == std::string::npos);
    BOOST_TEST(contains(subject, "Evil  Bcc: victim@example.com"));
}

BOOST_AUTO_TEST_CASE(an_invoice_covered_by_credit_says_nothing_is_due) {
    auto inv = basicInvoice();
    inv.credit_applied_minor = inv.total_minor;
    total(inv);
    BOOST_TEST(inv.amount_due_minor == 0);
    const auto doc = northernDocument(inv);
    BOOST_TEST(contains(services::renderInvoiceEmailText(doc),
                        "No payment is due: credit on your account covers this invoice."));
    BOOST_TEST(contains(services::renderInvoiceHtml(doc),
                        "<th>Credit applied</th><td class=\"num\">-1462.94 USD</td>"));
}

BOOST_AUTO_TEST_SUITE_END()
