#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/api_fixture.h"
#include "api/invoicing_fixture.h"

using namespace billwright::testing;
using namespace billwright::testing::invoicing;
using billwright::core::JsonValue;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The one line of `kind` of an invoice.
const JsonValue& lineOfKind(const JsonValue& inv, const std::string& kind) {
    for (const auto& l : inv.find("lines")->items()) {
        if (l.find("kind")->asString() == kind) return l;
    }
    BOOST_FAIL("no " + kind + " line in " + billwright::core::toJson(inv));
    throw std::logic_error("unreachable");
}

std::string settingsWithoutStamp(const Api& api) {
    const auto r = api.get("/v1/billing-settings");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    JsonValue o = r.json();
    o.set("updated_at", JsonValue::null());
    return billwright::core::toJson(o);
}

HttpResult setStatus(const Api& api, const std::string& id, const std::string& body) {
    return api.post("/v1/invoices/" + id + "/status", body);
}

std::vector<JsonValue> creditsOf(const Api& api, const std::string& customer) {
    const auto r = api.get("/v1/customers/" + customer + "/credits?limit=100");
    return dataOf(r);
}

// Cents from "12.34" / "-0.64".
long long cents(const std::string& money) {
    const bool negative = !money.empty() && money[0] == '-';
    const std::string digits = negative ? money.substr(1) : money;
    const auto dot = digits.find('.');
    const long long value =
        std::stoll(digits.substr(0, dot)) * 100 + std::stoll(digits.substr(dot + 1));
    return negative ? -value : value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(invoices_api)

BOOST_AUTO_TEST_CASE(
    billing_settings_have_defaults_every_field_patches_and_bad_values_change_nothing) {
    const Shop s = newShop(sharedServer(), "Settings Co");
    const auto defaults = s.viewer().get("/v1/billing-settings");
    BOOST_REQUIRE_MESSAGE(defaults.status == 200, defaults.body);
    const auto& d = defaults.json();
    BOOST_CHECK_EQUAL(str(d, "object"), "billing_settings");
    BOOST_CHECK_EQUAL(str(d, "billing_day"), "1");
    BOOST_CHECK_EQUAL(str(d, "invoice_due_days"), "15");
    BOOST_CHECK_EQUAL(str(d, "auto_send"), "false");
    BOOST_CHECK_EQUAL(str(d, "auto_generate"), "false");
    BOOST_CHECK_EQUAL(str(d, "tax_display"), "exclusive");
    BOOST_CHECK_EQUAL(str(d, "tax_rate_percent"), "0.000");
    BOOST_CHECK_EQUAL(str(d, "show_line_items"), "true");
    BOOST_CHECK(d.find("invoice_header")->isNull());
    BOOST_CHECK(d.find("default_energy_rate_per_kwh")->isNull());

    const auto patched = s.admin().patch(
        "/v1/billing-settings",
        R"({"billing_day":15,"invoice_due_days":30,"auto_generate":true,"auto_send":true,
        "default_energy_rate_per_kwh":"0.07","tax_rate_percent":"8.875","tax_display":"inclusive",
        "invoice_header":"Acme Hosting LLC, 1 Main St","invoice_logo_url":"https://acme.example/logo.png",
        "invoice_footer":"Wire to ACME","show_line_items":false,"sender_name":"Acme Billing",
        "sender_email":"billing@acme.example","reply_to":"ar@acme.example"})");
    BOOST_REQUIRE_MESSAGE(patched.status == 200, patched.body);
    const auto& p = patched.json();
    BOOST_CHECK_EQUAL(str(p, "billing_day"), "15");
    BOOST_CHECK_EQUAL(str(p, "invoice_due_days"), "30");
    BOOST_CHECK_EQUAL(str(p, "auto_generate"), "true");
    BOOST_CHECK_EQUAL(str(p, "auto_send"), "true");
    BOOST_CHECK_EQUAL(str(p, "default_energy_rate_per_kwh"), "0.070000");
    BOOST_CHECK_EQUAL(str(p, "tax_rate_percent"), "8.875");
    BOOST_CHECK_EQUAL(str(p, "tax_display"), "inclusive");
    BOOST_CHECK_EQUAL(str(p, "invoice_header"), "Acme Hosting LLC, 1 Main St");
    BOOST_CHECK_EQUAL(str(p, "invoice_logo_url"), "https://acme.example/logo.png");
    BOOST_CHECK_EQUAL(str(p, "invoice_footer"), "Wire to ACME");
    BOOST_CHECK_EQUAL(str(p, "show_line_items"), "false");
    BOOST_CHECK_EQUAL(str(p, "sender_name"), "Acme Billing");
    BOOST_CHECK_EQUAL(str(p, "sender_email"), "billing@acme.example");
    BOOST_CHECK_EQUAL(str(p, "reply_to"), "ar@acme.example");
    BOOST_CHECK(p.find("updated_at")->isString());
    const std::string saved = settingsWithoutStamp(s.viewer());

    struct Bad {
        std::string body;
        std::string field;
    };
    const std::vector<Bad> bad = {
        {R"({"billing_day":0})", "billing_day"},
        {R"({"billing_day":29})", "billing_day"},
        {R"({"invoice_due_days":-1})", "invoice_due_days"},
        {R"({"invoice_due_days":366})", "invoice_due_days"},
        {R"({"tax_rate_percent":"100.001"})", "tax_rate_percent"},
        {R"({"tax_rate_percent":"8.8755"})", "tax_rate_percent"},
        {R"({"tax_rate_percent":"-1"})", "tax_rate_percent"},
        {R"({"tax_display":"x"})", "tax_display"},
        {R"J({"invoice_logo_url":"javascript:alert(1)"})J", "invoice_logo_url"},
        {R"({"sender_email":"nope"})", "sender_email"},
        {R"({"reply_to":"nope@"})", "reply_to"},
        {R"({"sender_name":"Acme\r\nBcc: victim@example.com"})", "sender_name"},
        {R"({"auto_send":"yes"})", "auto_send"},
        {R"({"billing_day":10,"surprise":1})", "surprise"},
    };
    for (const auto& b : bad) {
        BOOST_TEST_CONTEXT(b.body) {
            const auto r = s.admin().patch("/v1/billing-settings", b.body);
            BOOST_CHECK_EQUAL(r.status, 422);
            BOOST_CHECK_EQUAL(problemField(r), b.field);
        }
    }
    BOOST_CHECK_EQUAL(settingsWithoutStamp(s.viewer()), saved);

    // JSON null clears an optional field.
    const auto cleared = s.admin().patch("/v1/billing-settings", R"({"invoice_header":null})");
    BOOST_REQUIRE_EQUAL(cleared.status, 200);
    BOOST_CHECK(cleared.json().find("invoice_header")->isNull());

    const auto viewer = s.viewer().patch("/v1/billing-settings", R"({"billing_day":2})");
    BOOST_CHECK_EQUAL(viewer.status, 403);
    BOOST_CHECK_EQUAL(problemCode(viewer), "forbidden");
    BOOST_CHECK_EQUAL(str(s.viewer().get("/v1/billing-settings").json(), "billing_day"), "15");
}

BOOST_AUTO_TEST_CASE(a_preview_shows_lines_and_totals_and_saves_nothing) {
    const Shop s = newShop(sharedServer(), "Preview Co");
    const Api api = s.admin();
    const std::string customer = billableCustomer(api);
    const auto preview = s.viewer().post(
        "/v1/invoices/preview", R"({"customer_id":")" + customer + R"(","period":"2026-10"})");
    BOOST_REQUIRE_MESSAGE(preview.status == 200, preview.body);
    const auto& p = preview.json();
    BOOST_CHECK_EQUAL(str(p, "object"), "invoice_preview");
    BOOST_CHECK_EQUAL(str(p, "period_start"), "2026-10-01");
    BOOST_CHECK_EQUAL(str(p, "period_end"), "2026-11-01");
    BOOST_CHECK_EQUAL(str(p, "status"), "draft");
    BOOST_CHECK(p.find("invoice_number")->isNull());
    // 1 x 100 TH/s x 30 J/TH = 3 kW x 744 h = 2232 kWh x $0.05 = $111.60, no tax.
    const auto& line = lineOfKind(p, "hashrate");
    BOOST_CHECK_EQUAL(str(line, "kwh"), "2232.000");
    BOOST_CHECK_EQUAL(str(line, "rate_per_kwh"), "0.050000");
    BOOST_CHECK_EQUAL(str(line, "amount"), "111.60");
    BOOST_CHECK_EQUAL(str(p, "subtotal"), "111.60");
    BOOST_CHECK_EQUAL(str(p, "tax"), "0.00");
    BOOST_CHECK_EQUAL(str(p, "total"), "111.60");
    BOOST_CHECK_EQUAL(str(p, "amount_due"), "111.60");
    BOOST_CHECK_EQUAL(str(p, "kwh_billed"), "2232.000");

    // The same with period_start; nothing was saved.
    const auto by_start = api.post("/v1/invoices/preview", R"({"customer_id":")" + customer +
                                                               R"(","period_start":"2026-10-01"})");
    BOOST_REQUIRE_EQUAL(by_start.status, 200);
    BOOST_CHECK_EQUAL(str(by_start.json(), "total"), "111.60");
    BOOST_CHECK(invoicesOf(api).empty());
    BOOST_CHECK(dataOf(api.get("/v1/outbox")).empty());

    // The period that has begun but not ended can be previewed; a future one cannot.
    BOOST_CHECK_EQUAL(api.post("/v1/invoices/preview", R"({"customer_id":")" + customer +
                                                           R"(","period_start":"2099-01-01"})")
                          .status,
                      422);

    const auto missing =
        api.post("/v1/invoices/preview", R"({"customer_id":"cus_nope","period":"2026-10"})");
    BOOST_CHECK_EQUAL(missing.status, 404);
    BOOST_CHECK_EQUAL(problemCode(missing), "not_found");
    const auto no_customer = api.post("/v1/invoices/preview", R"({"period":"2026-10"})");
    BOOST_CHECK_EQUAL(no_customer.status, 422);
    BOOST_CHECK_EQUAL(problemField(no_customer), "customer_id");
    const auto bad_month = api.post("/v1/invoices/preview",
                                    R"({"customer_id":")" + customer + R"(","period":"2026-13"})");
    BOOST_CHECK_EQUAL(bad_month.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad_month), "period");

    // With billing day 15, periods run from the 15th: the 1st starts none.
    patchSettings(api, R"({"billing_day":15})");
    const auto not_start =
        api.post("/v1/invoices/preview",
                 R"({"customer_id":")" + customer + R"(","period_start":"2026-10-01"})");
    BOOST_CHECK_EQUAL(not_start.status, 422);
    BOOST_CHECK_EQUAL(problemField(not_start), "period_start");
    BOOST_CHECK_EQUAL(problemFieldCode(not_start), "not_a_period_start");
    // "2026-09" is the period 2026-09-15 .. 2026-10-15: 30 days = 720 h x 3 kW = 2160 kWh
    // x $0.05 = $108.00.
    const auto rolling = api.post("/v1/invoices/preview",
                                  R"({"customer_id":")" + customer + R"(","period":"2026-09"})");
    BOOST_REQUIRE_MESSAGE(rolling.status == 200, rolling.body);
    BOOST_CHECK_EQUAL(str(rolling.json(), "period_start"), "2026-09-15");
    BOOST_CHECK_EQUAL(str(rolling.json(), "period_end"), "2026-10-15");
    BOOST_CHECK_EQUAL(str(rolling.json(), "total"), "108.00");
}

BOOST_AUTO_TEST_CASE(the_metered_invoice_has_energy_discount_and_per_line_tax) {
    const Shop s = newShop(sharedServer(), "Metered Co");
    const Api api = s.admin();
    patchSettings(api, R"({"tax_rate_percent":"8.875"})");
    const std::string customer =
        meteredCustomer(api, R"(,"discount_percent":"5","power_cap_kw":"2.5")");
    const auto r = issue(api, customer);
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto& inv = r.json();
    // 2232 kWh x $0.065 = $145.08; 5 % discount = -$7.254 -> -$7.25; tax per line at 8.875 %:
    // 145.08 x 0.08875 = 12.87585 -> 12.88 and -7.25 x 0.08875 = -0.6434 -> -0.64, 12.24;
    // total 145.08 - 7.25 + 12.24 = 150.07.
    const auto& energy = lineOfKind(inv, "energy");
    BOOST_CHECK_EQUAL(str(energy, "kwh"), "2232.000");
    BOOST_CHECK_EQUAL(str(energy, "amount"), "145.08");
    BOOST_CHECK_EQUAL(str(energy, "method"), "metered");
    BOOST_CHECK_EQUAL(str(lineOfKind(inv, "discount"), "amount"), "-7.25");
    BOOST_CHECK_EQUAL(str(inv, "subtotal"), "145.08");
    BOOST_CHECK_EQUAL(str(inv, "discount"), "-7.25");
    BOOST_CHECK_EQUAL(str(inv, "tax"), "12.24");
    BOOST_CHECK_EQUAL(str(inv, "total"), "150.07");
    BOOST_CHECK_EQUAL(str(inv, "amount_due"), "150.07");
    BOOST_CHECK_EQUAL(str(inv, "status"), "issued");
    BOOST_CHECK_EQUAL(str(inv, "invoice_number"), invoiceNumber(1));
    // The contract's summary: 3 kW every hour against a 2.5 kW cap: 744 hours over, 0.5 kWh
    // above the cap in each, 372 kWh.
    const auto& contracts = inv.find("contracts")->items();
    BOOST_REQUIRE_EQUAL(contracts.size(), 1U);
    BOOST_CHECK_EQUAL(str(contracts[0], "contract_type"), "hosted");
    BOOST_CHECK_EQUAL(str(contracts[0], "kwh_billed"), "2232.000");
    BOOST_CHECK_EQUAL(str(contracts[0], "power_cap_kw"), "2.500");
    BOOST_CHECK_EQUAL(str(contracts[0], "cap_exceeded_hours"), "744");
    BOOST_CHECK_EQUAL(str(contracts[0], "peak_kw"), "3.000");
    BOOST_CHECK_EQUAL(str(contracts[0], "excess_kwh"), "372.000");
    BOOST_CHECK_EQUAL(str(contracts[0], "unbilled_equipment_hours"), "0");
}

BOOST_AUTO_TEST_CASE(issuing_one_invoice_numbers_it_emails_it_and_repeats_answer_the_same) {
    const Shop s = newShop(sharedServer(), "Issue Co");
    const Api api = s.admin();
    const std::string ada =
        billableCustomer(api, "Ada", R"(,"billing_email":"accounts@ada.example")");
    const std::string bob = billableCustomer(api, "Bob");

    const auto created = issue(api, ada);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const auto& inv = created.json();
    const std::string id = str(inv, "id");
    BOOST_CHECK_EQUAL(created.header("location"), "/v1/invoices/" + id);
    BOOST_CHECK_EQUAL(str(inv, "status"), "issued");
    BOOST_CHECK_EQUAL(str(inv, "invoice_number"), invoiceNumber(1));
    BOOST_CHECK_EQUAL(str(inv, "issue_date"), isoToday());
    BOOST_CHECK_EQUAL(str(inv, "due_date"), isoToday(15));
    BOOST_CHECK_EQUAL(str(inv, "total"), "111.60");
    BOOST_CHECK(inv.find("emailed_at")->isString());
    const auto mails = mailsAbout(api, id);
    BOOST_REQUIRE_EQUAL(mails.size(), 1U);
    BOOST_CHECK_EQUAL(str(mails[0], "kind"), "invoice.issued");
    BOOST_CHECK_EQUAL(str(mails[0], "recipient"), "accounts@ada.example");
    BOOST_CHECK(contains(str(mails[0], "subject"), invoiceNumber(1)));

    // Asking again answers the same invoice and sends nothing more.
    const auto again = issue(api, ada);
    BOOST_CHECK_EQUAL(again.status, 200);
    BOOST_CHECK_EQUAL(str(again.json(), "id"), id);
    BOOST_CHECK_EQUAL(mailsAbout(api, id).size(), 1U);

    // A draft has no number, dates or email.
    const auto draft = issue(api, bob, false);
    BOOST_REQUIRE_MESSAGE(draft.status == 201, draft.body);
    BOOST_CHECK_EQUAL(str(draft.json(), "status"), "draft");
    BOOST_CHECK(draft.json().find("invoice_number")->isNull());
    BOOST_CHECK(draft.json().find("issue_date")->isNull());
    BOOST_CHECK(mailsAbout(api, str(draft.json(), "id")).empty());
    BOOST_CHECK_EQUAL(invoicesOf(api).size(), 2U);
    BOOST_CHECK_EQUAL(invoicesOf(api, "&status=draft").size(), 1U);
    BOOST_CHECK_EQUAL(invoicesOf(api, "&customer_id=" + ada).size(), 1U);

    // The running period is not over yet.
    const auto current = billwright::core::formatIsoDate(
        billwright::core::Date{todayUtc().year() / todayUtc().month() / 1});
    const auto early = issue(api, bob, true, current);
    BOOST_CHECK_EQUAL(early.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(early), "period_not_ended");
    const auto nobody = issue(api, "cus_nope");
    BOOST_CHECK_EQUAL(nobody.status, 404);
}

BOOST_AUTO_TEST_CASE(the_status_machine_issues_pays_holds_releases_writes_off_and_refuses) {
    const Shop s = newShop(sharedServer(), "Status Co");
    const Api api = s.admin();
    const std::string ada = billableCustomer(api, "Ada");
    const std::string draft = str(issue(api, ada, false).json(), "id");

    // draft -> issued: numbered, dated, emailed.
    const auto issued = setStatus(api, draft, R"({"status":"issued"})");
    BOOST_REQUIRE_MESSAGE(issued.status == 200, issued.body);
    BOOST_CHECK_EQUAL(str(issued.json(), "status"), "issued");
    BOOST_CHECK_EQUAL(str(issued.json(), "invoice_number"), invoiceNumber(1));
    BOOST_CHECK_EQUAL(str(issued.json(), "due_date"), isoToday(15));
    BOOST_CHECK_EQUAL(mailsAbout(api, draft).size(), 1U);

    // issued -> paid, then nothing more.
    const auto future =
        setStatus(api, draft, R"({"status":"paid","paid_date":")" + isoToday(1) + "\"}");
    BOOST_CHECK_EQUAL(future.status, 422);
    BOOST_CHECK_EQUAL(problemField(future), "paid_date");
    const auto paid = setStatus(api, draft, R"({"status":"paid"})");
    BOOST_REQUIRE_MESSAGE(paid.status == 200, paid.body);
    BOOST_CHECK_EQUAL(str(paid.json(), "status"), "paid");
    BOOST_CHECK_EQUAL(str(paid.json(), "paid_date"), isoToday());
    const auto refused = setStatus(api, draft, R"({"status":"cancelled"})");
    BOOST_CHECK_EQUAL(refused.status, 409);
    BOOST_CHECK_EQUAL(problemCode(refused), "invalid_transition");
    BOOST_CHECK_EQUAL(problemField(refused), "status");
    BOOST_CHECK_EQUAL(problemFieldCode(refused), "paid");
    BOOST_CHECK(contains(str(refused.json(), "detail"), "paid"));
    const auto bad = setStatus(api, draft, R"({"status":"overdue"})");
    BOOST_CHECK_EQUAL(bad.status, 422);
    BOOST_CHECK_EQUAL(problemField(bad), "status");
    BOOST_CHECK_EQUAL(setStatus(api, "inv_nope", R"({"status":"paid"})").status, 404);

    // On billing hold: generated held with a number, not emailed; released with email.
    const std::string hold = billableCustomer(api, "Holdy", R"(,"billing_hold":true)");
    const auto held = issue(api, hold);
    BOOST_REQUIRE_MESSAGE(held.status == 201, held.body);
    const std::string held_id = str(held.json(), "id");
    BOOST_CHECK_EQUAL(str(held.json(), "status"), "held");
    BOOST_CHECK(contains(str(held.json(), "held_reason"), "billing hold"));
    BOOST_CHECK(mailsAbout(api, held_id).empty());
    const auto released = setStatus(api, held_id, R"({"status":"issued","send_email":true})");
    BOOST_REQUIRE_MESSAGE(released.status == 200, released.body);
    BOOST_CHECK_EQUAL(str(released.json(), "status"), "issued");
    BOOST_CHECK(released.json().find("held_reason")->isNull());
    BOOST_CHECK(released.json().find("invoice_number")->isString());
    BOOST_CHECK_EQUAL(str(released.json(), "issue_date"), isoToday());
    BOOST_CHECK_EQUAL(mailsAbout(api, held_id).size(), 1U);

    // In default: held; written off with its reason.
    const std::string defaulted = billableCustomer(api, "Defaulty");
    BOOST_REQUIRE_EQUAL(
        api.post("/v1/customers/" + defaulted + "/default", R"({"reason":"3 months unpaid"})")
            .status,
        200);
    const auto held2 = issue(api, defaulted);
    BOOST_REQUIRE_MESSAGE(held2.status == 201, held2.body);
    BOOST_CHECK_EQUAL(str(held2.json(), "status"), "held");
    BOOST_CHECK(contains(str(held2.json(), "held_reason"), "3 months unpaid"));
    const auto written =
        setStatus(api, str(held2.json(), "id"), R"({"status":"written_off","reason":"gone"})");
    BOOST_REQUIRE_MESSAGE(written.status == 200, written.body);
    BOOST_CHECK_EQUAL(str(written.json(), "status"), "written_off");
    BOOST_CHECK_EQUAL(str(written.json(), "status_reason"), "gone");
    BOOST_CHECK(mailsAbout(api, str(held2.json(), "id")).empty());

    // Each change is audited.
    BOOST_CHECK_EQUAL(auditOf(api, "invoice.issue", draft).size(), 1U);
    BOOST_CHECK_EQUAL(auditOf(api, "invoice.record_payment", draft).size(), 1U);
}

BOOST_AUTO_TEST_CASE(cancelling_an_issued_invoice_restores_its_credit_and_frees_the_period) {
    const Shop s = newShop(sharedServer(), "Credit Co");
    const Api api = s.admin();
    const std::string ada = billableCustomer(api, "Ada");
    const auto granted = api.post("/v1/customers/" + ada + "/credits",
                                  R"({"amount":"50.00","reason":"outage goodwill"})");
    BOOST_REQUIRE_MESSAGE(granted.status == 201, granted.body);
    BOOST_CHECK_EQUAL(str(granted.json(), "kind"), "grant");
    BOOST_CHECK_EQUAL(str(granted.json(), "amount"), "50.00");
    BOOST_CHECK_EQUAL(str(granted.json(), "balance_after"), "50.00");

    // $111.60 - $50.00 credit = $61.60 due.
    const auto first = issue(api, ada);
    BOOST_REQUIRE_MESSAGE(first.status == 201, first.body);
    const std::string first_id = str(first.json(), "id");
    BOOST_CHECK_EQUAL(str(first.json(), "credit_applied"), "50.00");
    BOOST_CHECK_EQUAL(str(first.json(), "amount_due"), "61.60");

    const auto cancelled =
        setStatus(api, first_id, R"({"status":"cancelled","reason":"wrong rate"})");
    BOOST_REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
    BOOST_CHECK_EQUAL(str(cancelled.json(), "status"), "cancelled");
    BOOST_CHECK_EQUAL(str(cancelled.json(), "credit_applied"), "0.00");

    // Ledger: grant +50, applied -50, restored +50; the balance is their sum.
    const auto entries = creditsOf(api, ada);
    BOOST_REQUIRE_EQUAL(entries.size(), 3U);
    long long sum = 0;
    std::vector<std::string> kinds;
    for (const auto& e : entries) {
        sum += cents(str(e, "amount"));
        kinds.push_back(str(e, "kind"));
    }
    std::sort(kinds.begin(), kinds.end());
    BOOST_CHECK((kinds == std::vector<std::string>{"applied", "grant", "restored"}));
    BOOST_CHECK_EQUAL(sum, 5000);
    for (const auto& e : entries) {
        if (str(e, "kind") != "grant") BOOST_CHECK_EQUAL(str(e, "invoice_id"), first_id);
    }

    // The period can be generated again; the restored credit goes to the new invoice.
    const auto second = issue(api, ada);
    BOOST_REQUIRE_MESSAGE(second.status == 201, second.body);
    BOOST_CHECK(str(second.json(), "id") != first_id);
    BOOST_CHECK_EQUAL(str(second.json(), "credit_applied"), "50.00");
    BOOST_CHECK_EQUAL(str(second.json(), "amount_due"), "61.60");
    BOOST_CHECK_EQUAL(str(second.json(), "invoice_number"), invoiceNumber(2));
    long long after = 0;
    for (const auto& e : creditsOf(api, ada)) after += cents(str(e, "amount"));
    BOOST_CHECK_EQUAL(after, 0);
}

BOOST_AUTO_TEST_CASE(credits_reduce_what_is_due_and_never_go_below_zero) {
    const Shop s = newShop(sharedServer(), "Ledger Co");
    const Api api = s.admin();
    const std::string ada = billableCustomer(api, "Ada");
    const std::string path = "/v1/customers/" + ada + "/credits";
    BOOST_REQUIRE_EQUAL(api.post(path, R"({"amount":"50.00","reason":"goodwill"})").status, 201);
    const auto debit = api.post(path, R"({"amount":"-60.00","reason":"too much"})");
    BOOST_CHECK_EQUAL(debit.status, 422);
    BOOST_CHECK_EQUAL(problemField(debit), "amount");
    const auto no_reason = api.post(path, R"({"amount":"5.00"})");
    BOOST_CHECK_EQUAL(no_reason.status, 422);
    BOOST_CHECK_EQUAL(problemField(no_reason), "reason");
    const auto zero = api.post(path, R"({"amount":"0.00","reason":"x"})");
    BOOST_CHECK_EQUAL(zero.status, 422);
    const auto fraction = api.post(path, R"({"amount":"1.005","reason":"x"})");
    BOOST_CHECK_EQUAL(fraction.status, 422);
    const auto ok_debit = api.post(path, R"({"amount":"-10.00","reason":"correction"})");
    BOOST_REQUIRE_MESSAGE(ok_debit.status == 201, ok_debit.body);
    BOOST_CHECK_EQUAL(str(ok_debit.json(), "balance_after"), "40.00");
    BOOST_CHECK_EQUAL(
        api.post("/v1/customers/cus_nope/credits", R"({"amount":"5.00","reason":"x"})").status,
        404);
    // The preview shows what the credit would cover; the invoice takes it: 111.60 - 40 = 71.60.
    const auto preview =
        api.post("/v1/invoices/preview", R"({"customer_id":")" + ada + R"(","period":"2026-10"})");
    BOOST_CHECK_EQUAL(str(preview.json(), "credit_applied"), "40.00");
    const auto inv = issue(api, ada);
    BOOST_REQUIRE_EQUAL(inv.status, 201);
    BOOST_CHECK_EQUAL(str(inv.json(), "total"), "111.60");
    BOOST_CHECK_EQUAL(str(inv.json(), "credit_applied"), "40.00");
    BOOST_CHECK_EQUAL(str(inv.json(), "amount_due"), "71.60");
    const auto customer = api.get("/v1/customers/" + ada);
    BOOST_CHECK_EQUAL(str(customer.json(), "credit_balance"), "0.00");
    long long sum = 0;
    for (const auto& e : creditsOf(api, ada)) sum += cents(str(e, "amount"));
    BOOST_CHECK_EQUAL(sum, 0);
}

BOOST_AUTO_TEST_CASE(bulk_status_reports_each_invoice) {
    const Shop s = newShop(sharedServer(), "Bulk Co");
    const Api api = s.admin();
    const std::string good = str(issue(api, billableCustomer(api, "Good")).json(), "id");
    const std::string draft = str(issue(api, billableCustomer(api, "Draft"), false).json(), "id");
    const auto r =
        api.post("/v1/invoices/bulk-status", R"({"status":"paid","invoice_ids":[")" + good +
                                                 R"(",")" + draft + R"(","inv_nope"]})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto& out = r.json();
    BOOST_CHECK_EQUAL(str(out, "succeeded"), "1");
    BOOST_CHECK_EQUAL(str(out, "failed"), "2");
    const auto& results = out.find("results")->items();
    BOOST_REQUIRE_EQUAL(results.size(), 3U);
    BOOST_CHECK_EQUAL(str(results[0], "invoice_id"), good);
    BOOST_CHECK_EQUAL(str(results[0], "ok"), "true");
    BOOST_CHECK_EQUAL(str(results[0], "status"), "paid");
    BOOST_CHECK_EQUAL(str(results[1], "ok"), "false");
    BOOST_CHECK_EQUAL(str(*results[1].find("error"), "code"), "invalid_transition");
    BOOST_CHECK_EQUAL(str(*results[1].find("error"), "field_code"), "draft");
    BOOST_CHECK_EQUAL(str(*results[2].find("error"), "code"), "not_found");
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + good).json(), "status"), "paid");
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + draft).json(), "status"), "draft");

    const auto empty =
        api.post("/v1/invoices/bulk-status", R"({"status":"paid","invoice_ids":[]})");
    BOOST_CHECK_EQUAL(empty.status, 422);
    BOOST_CHECK_EQUAL(problemField(empty), "invoice_ids");
}

BOOST_AUTO_TEST_CASE(draft_lines_are_edited_with_reasons_and_totals_follow) {
    const Shop s = newShop(sharedServer(), "Lines Co");
    const Api api = s.admin();
    const std::string customer = meteredCustomer(api);
    const auto created = issue(api, customer, false);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const std::string id = str(created.json(), "id");
    const std::string energy = str(lineOfKind(created.json(), "energy"), "id");
    BOOST_CHECK_EQUAL(str(created.json(), "total"), "145.08");
    const std::string lines = "/v1/invoices/" + id + "/lines";

    const auto no_reason = api.post(lines, R"({"description":"Setup fee","amount":"25.00"})");
    BOOST_CHECK_EQUAL(no_reason.status, 422);
    BOOST_CHECK_EQUAL(problemField(no_reason), "reason");
    const auto positive_discount = api.post(
        lines, R"({"kind":"discount","description":"Promo","amount":"5.00","reason":"promo"})");
    BOOST_CHECK_EQUAL(positive_discount.status, 422);

    // + $25.00: 145.08 + 25.00 = 170.08.
    const auto added = api.post(
        lines, R"({"description":"Setup fee","amount":"25.00","reason":"racking labour"})");
    BOOST_REQUIRE_MESSAGE(added.status == 201, added.body);
    BOOST_CHECK_EQUAL(str(added.json(), "subtotal"), "170.08");
    BOOST_CHECK_EQUAL(str(added.json(), "total"), "170.08");
    const auto& manual = lineOfKind(added.json(), "adjustment");
    BOOST_CHECK_EQUAL(str(manual, "manual"), "true");
    BOOST_CHECK_EQUAL(str(manual, "position"), "2");
    const std::string adjustment = str(manual, "id");

    // The energy line at 2000 kWh x $0.07 = $140.00; with the $25.00: $165.00.
    const auto edited = api.patch(lines + "/" + energy,
                                  R"({"kwh":"2000","rate_per_kwh":"0.07","reason":"meter fix"})");
    BOOST_REQUIRE_MESSAGE(edited.status == 200, edited.body);
    const auto& line = lineOfKind(edited.json(), "energy");
    BOOST_CHECK_EQUAL(str(line, "kwh"), "2000.000");
    BOOST_CHECK_EQUAL(str(line, "rate_per_kwh"), "0.070000");
    BOOST_CHECK_EQUAL(str(line, "amount"), "140.00");
    BOOST_CHECK_EQUAL(str(edited.json(), "total"), "165.00");
    BOOST_CHECK_EQUAL(api.patch(lines + "/" + adjustment, R"({"kwh":"1","reason":"x"})").status,
                      422);
    BOOST_CHECK_EQUAL(api.patch(lines + "/inl_nope", R"({"amount":"1.00","reason":"x"})").status,
                      404);

    // Removing needs a reason too; without the $25.00 the total is $140.00.
    BOOST_CHECK_EQUAL(api.del(lines + "/" + adjustment).status, 422);
    const auto removed = api.del(lines + "/" + adjustment + "?reason=duplicate");
    BOOST_REQUIRE_MESSAGE(removed.status == 200, removed.body);
    BOOST_CHECK_EQUAL(removed.json().find("lines")->items().size(), 1U);
    BOOST_CHECK_EQUAL(str(removed.json(), "total"), "140.00");
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + id).json(), "total"), "140.00");

    // The audit trail keeps each edit with its reason.
    for (const auto& [action, reason] :
         std::vector<std::pair<std::string, std::string>>{{"invoice.line_added", "racking labour"},
                                                          {"invoice.line_updated", "meter fix"},
                                                          {"invoice.line_removed", "duplicate"}}) {
        BOOST_TEST_CONTEXT(action) {
            const auto events = auditOf(api, action, id);
            BOOST_REQUIRE_EQUAL(events.size(), 1U);
            BOOST_CHECK_EQUAL(str(*events[0].find("after"), "reason"), reason);
        }
    }

    // Once issued, lines are frozen.
    BOOST_REQUIRE_EQUAL(setStatus(api, id, R"({"status":"issued"})").status, 200);
    const auto frozen =
        api.post(lines, R"({"description":"Late fee","amount":"5.00","reason":"late"})");
    BOOST_CHECK_EQUAL(frozen.status, 409);
    BOOST_CHECK_EQUAL(problemCode(frozen), "invalid_transition");
    BOOST_CHECK_EQUAL(api.patch(lines + "/" + energy, R"({"kwh":"1","reason":"x"})").status, 409);
    BOOST_CHECK_EQUAL(api.del(lines + "/" + energy + "?reason=x").status, 409);
}

// GET /v1/invoices/{id} answers from a kept text while the invoice's revision is unchanged
// (invoices.cache_mb): after each change, a read answers exactly what the change answered.
BOOST_AUTO_TEST_CASE(a_read_after_each_change_answers_what_the_change_answered) {
    const Shop s = newShop(sharedServer(), "Kept Co");
    const Api api = s.admin();
    const std::string customer = meteredCustomer(api);
    const auto created = issue(api, customer, false);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const std::string id = str(created.json(), "id");
    const std::string path = "/v1/invoices/" + id;
    const auto read = [&] {
        const auto r = api.get(path);
        BOOST_CHECK_EQUAL(r.status, 200);
        return r.body;
    };
    BOOST_CHECK_EQUAL(read(), created.body);
    BOOST_CHECK_EQUAL(read(), created.body);  // the second from the kept text

    const auto added = api.post(
        path + "/lines", R"({"description":"Setup fee","amount":"25.00","reason":"racking"})");
    BOOST_REQUIRE_MESSAGE(added.status == 201, added.body);
    BOOST_CHECK_EQUAL(read(), added.body);
    const std::string line = str(lineOfKind(added.json(), "adjustment"), "id");
    const auto removed = api.del(path + "/lines/" + line + "?reason=duplicate");
    BOOST_REQUIRE_MESSAGE(removed.status == 200, removed.body);
    BOOST_CHECK_EQUAL(read(), removed.body);
    for (const char* status : {R"({"status":"issued"})", R"({"status":"paid"})"}) {
        const auto changed = setStatus(api, id, status);
        BOOST_REQUIRE_MESSAGE(changed.status == 200, changed.body);
        BOOST_CHECK_EQUAL(read(), changed.body);
    }
    BOOST_CHECK_EQUAL(str(api.get(path).json(), "status"), "paid");
    // Another tenant's key does not reach the kept text.
    const Shop other = newShop(sharedServer(), "Other Kept Co");
    BOOST_CHECK_EQUAL(other.admin().get(path).status, 404);
}

BOOST_AUTO_TEST_CASE(percent_lines_follow_the_lines_they_are_a_percent_of) {
    const Shop s = newShop(sharedServer(), "Percent Co");
    const Api api = s.admin();
    const std::string customer = newCustomer(api, "Ada");
    const auto contract = api.post(
        "/v1/contracts",
        R"({"customer_id":")" + customer +
            R"(","type":"infinity","start_date":"2026-01-01","term":"1_year",)"
            R"("miner_model":"S19","miner_hashrate_ths":"100","miner_efficiency_jth":"30",)"
            R"("quantity":1,"connector_fee_percent":"2","rate_per_kwh":"0.05",)"
            R"("discount_percent":"10",)"
            R"("payout_wallet":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","activate":true})");
    BOOST_REQUIRE_MESSAGE(contract.status == 201, contract.body);
    const auto draft = issue(api, customer, false);
    BOOST_REQUIRE_MESSAGE(draft.status == 201, draft.body);
    const auto& d = draft.json();
    // $111.60; connector fee 2 % = 2.232 -> $2.23; discount 10 % of 113.83 = 11.383 -> -$11.38;
    // total 111.60 + 2.23 - 11.38 = $102.45.
    BOOST_CHECK_EQUAL(str(lineOfKind(d, "connector_fee"), "amount"), "2.23");
    BOOST_CHECK_EQUAL(str(lineOfKind(d, "discount"), "amount"), "-11.38");
    BOOST_CHECK_EQUAL(str(d, "total"), "102.45");

    // The hash-lease line corrected to 1000 kWh = $50.00: fee 2 % = $1.00, discount 10 % of
    // 51.00 = -$5.10, total $45.90.
    const std::string id = str(d, "id");
    const auto edited =
        api.patch("/v1/invoices/" + id + "/lines/" + str(lineOfKind(d, "hashrate"), "id"),
                  R"({"kwh":"1000","reason":"downtime"})");
    BOOST_REQUIRE_MESSAGE(edited.status == 200, edited.body);
    BOOST_CHECK_EQUAL(str(lineOfKind(edited.json(), "connector_fee"), "base_amount"), "50.00");
    BOOST_CHECK_EQUAL(str(lineOfKind(edited.json(), "connector_fee"), "amount"), "1.00");
    BOOST_CHECK_EQUAL(str(lineOfKind(edited.json(), "discount"), "base_amount"), "51.00");
    BOOST_CHECK_EQUAL(str(lineOfKind(edited.json(), "discount"), "amount"), "-5.10");
    BOOST_CHECK_EQUAL(str(edited.json(), "total"), "45.90");

    // A line added by hand is no contract's charge: the discount stays.
    const auto added = api.post("/v1/invoices/" + id + "/lines",
                                R"({"description":"Remote hands","amount":"20.00","reason":"x"})");
    BOOST_REQUIRE_MESSAGE(added.status == 201, added.body);
    BOOST_CHECK_EQUAL(str(lineOfKind(added.json(), "discount"), "amount"), "-5.10");
    BOOST_CHECK_EQUAL(str(added.json(), "total"), "65.90");
}

BOOST_AUTO_TEST_CASE(documents_render_as_html_and_csv_and_honour_show_line_items) {
    const Shop s = newShop(sharedServer(), "Docs Co");
    const Api api = s.admin();
    patchSettings(api, R"({"invoice_header":"Acme Hosting LLC - 1 Main St <b>x</b>"})");
    const std::string customer = billableCustomer(api, "Ada");
    const std::string id = str(issue(api, customer).json(), "id");
    const std::string path = "/v1/invoices/" + id;

    const auto html = s.viewer().get(path + "?format=html");
    BOOST_REQUIRE_EQUAL(html.status, 200);
    BOOST_CHECK(contains(html.header("content-type"), "text/html"));
    BOOST_CHECK(contains(html.body, "Acme Hosting LLC - 1 Main St &lt;b&gt;x&lt;/b&gt;"));
    BOOST_CHECK(!contains(html.body, "<b>x</b>"));
    BOOST_CHECK(contains(html.body, "Hash-lease"));
    BOOST_CHECK(contains(html.body, invoiceNumber(1)));
    BOOST_CHECK(contains(html.body, "111.60"));

    const auto csv = s.viewer().get(path + "?format=csv");
    BOOST_REQUIRE_EQUAL(csv.status, 200);
    BOOST_CHECK(contains(csv.header("content-type"), "text/csv"));
    BOOST_CHECK(contains(csv.body, "Hash-lease"));
    const auto accepted =
        s.server->request("GET", path, s.viewer_key, std::nullopt, {{"Accept", "text/csv"}});
    BOOST_REQUIRE_EQUAL(accepted.status, 200);
    BOOST_CHECK(contains(accepted.header("content-type"), "text/csv"));
    BOOST_CHECK_EQUAL(accepted.body, csv.body);

    const auto pdf = s.viewer().get(path + "?format=pdf");
    BOOST_CHECK_EQUAL(pdf.status, 422);
    BOOST_CHECK_EQUAL(problemField(pdf), "format");

    // The customer sees totals only.
    const auto patched = api.patch("/v1/customers/" + customer, R"({"show_line_items":false})");
    BOOST_REQUIRE_MESSAGE(patched.status == 200, patched.body);
    const auto totals = s.viewer().get(path + "?format=html");
    BOOST_REQUIRE_EQUAL(totals.status, 200);
    BOOST_CHECK(!contains(totals.body, "Hash-lease"));
    BOOST_CHECK(contains(totals.body, "111.60"));
    BOOST_CHECK(!contains(s.viewer().get(path + "?format=csv").body, "Hash-lease"));
}

BOOST_AUTO_TEST_CASE(inclusive_tax_and_the_tenants_zone_shape_the_amounts) {
    // Europe/Berlin leaves summer time on 2026-10-25: its October has 745 hours. 3 kW x 745 h =
    // 2235 kWh x $0.05 = $111.75; tax included at 8.875 %: 111.75 x 8.875 / 108.875 = 9.1093
    // -> $9.11, and the total stays $111.75.
    const Api super = asSuper();
    const std::string tenant =
        createdId(super.post("/v1/tenants", R"({"name":"Berlin Co","timezone":"Europe/Berlin"})"));
    const Api api = as(createKey("tenant_admin", tenant));
    patchSettings(api, R"({"tax_rate_percent":"8.875","tax_display":"inclusive"})");
    const std::string customer = billableCustomer(api);
    const auto r = issue(api, customer, false);
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto& inv = r.json();
    BOOST_CHECK_EQUAL(str(inv, "kwh_billed"), "2235.000");
    BOOST_CHECK_EQUAL(str(inv, "subtotal"), "111.75");
    BOOST_CHECK_EQUAL(str(inv, "tax_display"), "inclusive");
    BOOST_CHECK_EQUAL(str(inv, "tax"), "9.11");
    BOOST_CHECK_EQUAL(str(inv, "total"), "111.75");
    BOOST_CHECK_EQUAL(str(inv, "amount_due"), "111.75");
}

BOOST_AUTO_TEST_CASE(draft_edits_move_the_applied_credit_and_the_ledger_stays_the_balance) {
    const Shop s = newShop(sharedServer(), "Rebalance Co");
    const Api api = s.admin();
    const std::string ada = billableCustomer(api, "Ada");
    BOOST_REQUIRE_EQUAL(
        api.post("/v1/customers/" + ada + "/credits", R"({"amount":"200.00","reason":"prepaid"})")
            .status,
        201);
    const auto draft = issue(api, ada, false);
    BOOST_REQUIRE_EQUAL(draft.status, 201);
    const std::string id = str(draft.json(), "id");
    // The draft takes $111.60 of the $200.00.
    BOOST_CHECK_EQUAL(str(draft.json(), "credit_applied"), "111.60");
    BOOST_CHECK_EQUAL(str(draft.json(), "amount_due"), "0.00");
    BOOST_CHECK_EQUAL(str(api.get("/v1/customers/" + ada).json(), "credit_balance"), "88.40");
    // + $100.00: total $211.60 takes all $200.00; $11.60 due.
    const auto added =
        api.post("/v1/invoices/" + id + "/lines",
                 R"({"description":"Install","amount":"100.00","reason":"install"})");
    BOOST_REQUIRE_MESSAGE(added.status == 201, added.body);
    BOOST_CHECK_EQUAL(str(added.json(), "credit_applied"), "200.00");
    BOOST_CHECK_EQUAL(str(added.json(), "amount_due"), "11.60");
    BOOST_CHECK_EQUAL(str(api.get("/v1/customers/" + ada).json(), "credit_balance"), "0.00");
    const std::string line = str(lineOfKind(added.json(), "adjustment"), "id");
    const auto removed = api.del("/v1/invoices/" + id + "/lines/" + line + "?reason=not%20done");
    BOOST_REQUIRE_MESSAGE(removed.status == 200, removed.body);
    BOOST_CHECK_EQUAL(str(removed.json(), "credit_applied"), "111.60");
    BOOST_CHECK_EQUAL(str(api.get("/v1/customers/" + ada).json(), "credit_balance"), "88.40");
    long long sum = 0;
    for (const auto& e : creditsOf(api, ada)) sum += cents(str(e, "amount"));
    BOOST_CHECK_EQUAL(sum, 8840);
    // The audit keeps the URL-decoded reason.
    const auto events = auditOf(api, "invoice.line_removed", id);
    BOOST_REQUIRE_EQUAL(events.size(), 1U);
    BOOST_CHECK_EQUAL(str(*events[0].find("after"), "reason"), "not done");

    // Sending again is for invoices that went out; a draft cannot be sent.
    const auto unsent = api.post("/v1/invoices/" + id + "/send", "{}");
    BOOST_CHECK_EQUAL(unsent.status, 409);
    const auto issued = setStatus(api, id, R"({"status":"issued","send_email":false})");
    BOOST_REQUIRE_EQUAL(issued.status, 200);
    BOOST_CHECK(issued.json().find("emailed_at")->isNull());
    BOOST_CHECK(mailsAbout(api, id).empty());
    const auto sent = api.post("/v1/invoices/" + id + "/send", "{}");
    BOOST_REQUIRE_MESSAGE(sent.status == 200, sent.body);
    BOOST_CHECK(sent.json().find("emailed_at")->isString());
    const auto mails = mailsAbout(api, id);
    BOOST_REQUIRE_EQUAL(mails.size(), 1U);
    BOOST_CHECK_EQUAL(str(mails[0], "kind"), "invoice.sent");
}

BOOST_AUTO_TEST_CASE(concurrent_issues_make_one_invoice_and_distinct_numbers) {
    const Shop s = newShop(sharedServer(), "Race Co");
    const Api api = s.admin();
    const std::string ada = billableCustomer(api, "Ada");
    std::vector<std::string> others;
    for (int i = 0; i < 4; ++i) others.push_back(billableCustomer(api, "C" + std::to_string(i)));
    // Four requests for the same customer and one for each other customer, all at once.
    std::vector<HttpResult> same(4);
    std::vector<HttpResult> different(others.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < same.size(); ++i)
        threads.emplace_back([&, i] { same[i] = issue(api, ada); });
    for (std::size_t i = 0; i < others.size(); ++i)
        threads.emplace_back([&, i] { different[i] = issue(api, others[i]); });
    for (auto& t : threads) t.join();
    int created = 0;
    std::set<std::string> ids;
    for (const auto& r : same) {
        BOOST_CHECK_MESSAGE(r.status == 201 || r.status == 200, r.body);
        created += r.status == 201 ? 1 : 0;
        ids.insert(str(r.json(), "id"));
    }
    BOOST_CHECK_EQUAL(created, 1);
    BOOST_CHECK_EQUAL(ids.size(), 1U);
    BOOST_CHECK_EQUAL(mailsAbout(api, *ids.begin()).size(), 1U);
    std::set<std::string> numbers = {str(same[0].json(), "invoice_number")};
    for (const auto& r : different) {
        BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
        numbers.insert(str(r.json(), "invoice_number"));
    }
    BOOST_CHECK_EQUAL(numbers.size(), 5U);
    BOOST_CHECK(numbers.count(invoiceNumber(1)) == 1 && numbers.count(invoiceNumber(5)) == 1);
    BOOST_CHECK_EQUAL(invoicesOf(api).size(), 5U);
}

BOOST_AUTO_TEST_CASE(a_contract_starting_mid_period_is_billed_for_its_days) {
    const Shop s = newShop(sharedServer(), "Prorate Co");
    const Api api = s.admin();
    const std::string customer = newCustomer(api, "Late");
    // From 2026-10-16: 16 days x 24 h = 384 h x 3 kW = 1152 kWh x $0.05 = $57.60.
    const auto contract = api.post(
        "/v1/contracts",
        R"({"customer_id":")" + customer +
            R"(","type":"infinity","start_date":"2026-10-16","term":"1_year",)"
            R"("miner_model":"S19","miner_hashrate_ths":"100","miner_efficiency_jth":"30",)"
            R"("quantity":1,"connector_fee_percent":"0","rate_per_kwh":"0.05",)"
            R"("payout_wallet":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","activate":true})");
    BOOST_REQUIRE_MESSAGE(contract.status == 201, contract.body);
    const auto inv = issue(api, customer);
    BOOST_REQUIRE_MESSAGE(inv.status == 201, inv.body);
    BOOST_CHECK_EQUAL(str(inv.json(), "kwh_billed"), "1152.000");
    BOOST_CHECK_EQUAL(str(inv.json(), "total"), "57.60");
    // Nothing in September: nothing to bill.
    const auto september = issue(api, customer, true, "2026-09-01");
    BOOST_CHECK_EQUAL(september.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(september), "nothing_to_bill");
}

BOOST_AUTO_TEST_CASE(other_tenants_get_404_and_viewers_get_403_on_every_write) {
    const Shop s = newShop(sharedServer(), "Owner Co");
    const Shop other = newShop(sharedServer(), "Other Co");
    const Api api = s.admin();
    const std::string customer = billableCustomer(api, "Ada");
    const auto draft = issue(api, customer, false);
    const std::string id = str(draft.json(), "id");
    const std::string line = str(draft.json().find("lines")->items().at(0), "id");
    const std::string inv = "/v1/invoices/" + id;
    const std::string period = R"(","period":"2026-10"})";
    const std::vector<Call> writes = {
        {"POST", "/v1/invoices", R"({"customer_id":")" + customer + period},
        {"POST", inv + "/status", R"({"status":"issued"})"},
        {"POST", inv + "/send", "{}"},
        {"POST", inv + "/lines", R"({"description":"x","amount":"1.00","reason":"x"})"},
        {"PATCH", inv + "/lines/" + line, R"({"amount":"1.00","reason":"x"})"},
        {"DELETE", inv + "/lines/" + line + "?reason=x", ""},
        {"POST", "/v1/invoices/bulk-status", R"({"status":"paid","invoice_ids":[")" + id + "\"]}"},
        {"POST", "/v1/customers/" + customer + "/credits", R"({"amount":"1.00","reason":"x"})"},
        {"PATCH", "/v1/billing-settings", R"({"billing_day":2})"},
        {"POST", "/v1/invoice-runs", R"({"period":"2026-10"})"},
        {"POST", "/v1/invoice-runs/run_nope/confirm", "{}"},
        {"POST", "/v1/invoice-runs/run_nope/cancel", "{}"},
    };
    expectEveryCall(s.viewer_key, writes, 403, "forbidden");

    const std::vector<Call> foreign = {
        {"GET", inv, ""},
        {"GET", inv + "?format=html", ""},
        {"POST", inv + "/status", R"({"status":"issued"})"},
        {"POST", inv + "/send", "{}"},
        {"POST", inv + "/lines", R"({"description":"x","amount":"1.00","reason":"x"})"},
        {"PATCH", inv + "/lines/" + line, R"({"amount":"1.00","reason":"x"})"},
        {"DELETE", inv + "/lines/" + line + "?reason=x", ""},
        {"GET", "/v1/customers/" + customer + "/credits", ""},
        {"POST", "/v1/customers/" + customer + "/credits", R"({"amount":"1.00","reason":"x"})"},
        {"POST", "/v1/invoices/preview", R"({"customer_id":")" + customer + period},
        {"POST", "/v1/invoices", R"({"customer_id":")" + customer + period},
    };
    expectEveryCall(other.admin_key, foreign, 404, "not_found");
    // The other tenant's bulk update reports the id as not found.
    const auto bulk = other.admin().post("/v1/invoices/bulk-status",
                                         R"({"status":"paid","invoice_ids":[")" + id + "\"]}");
    BOOST_REQUIRE_EQUAL(bulk.status, 200);
    BOOST_CHECK_EQUAL(str(*bulk.json().find("results")->items().at(0).find("error"), "code"),
                      "not_found");
    BOOST_CHECK(invoicesOf(other.admin()).empty());
    // Nothing changed.
    const auto after = api.get(inv);
    BOOST_CHECK_EQUAL(str(after.json(), "status"), "draft");
    BOOST_CHECK_EQUAL(str(after.json(), "total"), "111.60");
}

BOOST_AUTO_TEST_SUITE_END()
