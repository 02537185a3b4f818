#include <signal.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "api/api_fixture.h"
#include "api/invoicing_fixture.h"
#include "support/smtp_sink.h"

using namespace billwright::testing;
using namespace billwright::testing::invoicing;
using billwright::core::JsonValue;

namespace {

// A server whose run worker looks for queued runs every 20 ms.
ServerProcess& runServer() {
    static ServerProcess server({"invoice_runs.poll_ms=20"});
    return server;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

HttpResult startRun(const Api& api, const std::string& body) {
    return api.post("/v1/invoice-runs", body);
}

std::string startedRun(const Api& api, const std::string& body) {
    const auto r = startRun(api, body);
    BOOST_REQUIRE_MESSAGE(r.status == 202, r.body);
    BOOST_CHECK_EQUAL(r.header("location"), "/v1/invoice-runs/" + str(r.json(), "id"));
    return str(r.json(), "id");
}

// Invoices per customer (every status), for October 2026.
std::map<std::string, int> invoicesPerCustomer(const Api& api) {
    std::map<std::string, int> out;
    for (const auto& inv : invoicesOf(api, "&period_start=2026-10-01"))
        out[str(inv, "customer_id")] += 1;
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(invoice_runs_api)

BOOST_AUTO_TEST_CASE(a_run_creates_skips_holds_and_reports_failures_with_their_reasons) {
    const Shop s = newShop(runServer(), "Run Co");
    const Api api = s.admin();
    const std::string fresh = billableCustomer(api, "Fresh");
    const std::string existing = billableCustomer(api, "Existing");
    const std::string on_hold = billableCustomer(api, "Holdy", R"(,"billing_hold":true)");
    const std::string no_rate = newCustomer(api, "No Rate");
    infinityContract(api, no_rate, "");
    newCustomer(api, "No Contract");  // not billable: not part of the run
    const std::string earlier = str(issue(api, existing).json(), "id");

    const auto bad = startRun(api, R"({"period":"2026-10","surprise":true})");
    BOOST_CHECK_EQUAL(bad.status, 422);
    const auto unfinished =
        startRun(api, R"({"period_start":")" +
                          billwright::core::formatIsoDate(
                              billwright::core::Date{todayUtc().year() / todayUtc().month() / 1}) +
                          "\"}");
    BOOST_CHECK_EQUAL(unfinished.status, 422);
    BOOST_CHECK_EQUAL(problemFieldCode(unfinished), "period_not_ended");

    const auto created = startRun(api, R"({"period":"2026-10"})");
    BOOST_REQUIRE_MESSAGE(created.status == 202, created.body);
    BOOST_CHECK_EQUAL(str(created.json(), "object"), "invoice_run");
    BOOST_CHECK_EQUAL(str(created.json(), "period_start"), "2026-10-01");
    BOOST_CHECK_EQUAL(str(created.json(), "skip_existing"), "true");
    BOOST_CHECK_EQUAL(progress(created.json(), "total"), 4);
    const std::string run_id = str(created.json(), "id");
    const JsonValue run = waitUntilStatus(s.viewer(), run_id, "completed");
    BOOST_CHECK_EQUAL(progress(run, "total"), 4);
    BOOST_CHECK_EQUAL(progress(run, "done"), 4);
    BOOST_CHECK_EQUAL(progress(run, "pending"), 0);
    BOOST_CHECK_EQUAL(progress(run, "created"), 1);
    BOOST_CHECK_EQUAL(progress(run, "skipped"), 1);
    BOOST_CHECK_EQUAL(progress(run, "held"), 1);
    BOOST_CHECK_EQUAL(progress(run, "failed"), 1);
    BOOST_CHECK(run.find("finished_at")->isString());
    const auto& failures = run.find("failures")->items();
    BOOST_REQUIRE_EQUAL(failures.size(), 1U);
    BOOST_CHECK_EQUAL(str(failures[0], "customer_id"), no_rate);
    BOOST_CHECK(contains(str(failures[0], "reason"), "default energy rate"));

    // Auto-send is off: the new invoice is a draft of the run; the earlier one is untouched.
    const auto made = invoicesOf(api, "&run_id=" + run_id);
    BOOST_REQUIRE_EQUAL(made.size(), 2U);
    for (const auto& inv : made) {
        if (str(inv, "customer_id") == fresh) {
            BOOST_CHECK_EQUAL(str(inv, "status"), "draft");
            BOOST_CHECK_EQUAL(str(inv, "total"), "111.60");
        } else {
            BOOST_CHECK_EQUAL(str(inv, "customer_id"), on_hold);
            BOOST_CHECK_EQUAL(str(inv, "status"), "held");
        }
    }
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + earlier).json(), "run_id"), "null");
    const auto per = invoicesPerCustomer(api);
    BOOST_CHECK_EQUAL(per.size(), 3U);
    BOOST_CHECK(per.count(no_rate) == 0);

    // With a default rate the failed customer bills in a later run; the rest are skipped.
    patchSettings(api, R"({"default_energy_rate_per_kwh":"0.04"})");
    const std::string again = startedRun(api, R"({"period":"2026-10"})");
    const JsonValue second = waitUntilStatus(api, again, "completed");
    BOOST_CHECK_EQUAL(progress(second, "created"), 1);
    BOOST_CHECK_EQUAL(progress(second, "skipped"), 3);
    BOOST_CHECK_EQUAL(progress(second, "failed"), 0);
    // 2232 kWh x $0.04 = $89.28.
    const auto billed = invoicesOf(api, "&customer_id=" + no_rate);
    BOOST_REQUIRE_EQUAL(billed.size(), 1U);
    BOOST_CHECK_EQUAL(str(billed[0], "total"), "89.28");

    const auto listed = s.viewer().get("/v1/invoice-runs");
    BOOST_CHECK_EQUAL(dataOf(listed).size(), 2U);
    BOOST_CHECK_EQUAL(api.get("/v1/invoice-runs/run_nope").status, 404);
    // Another tenant sees none of it.
    const Shop other = newShop(runServer(), "Other Run Co");
    BOOST_CHECK_EQUAL(other.admin().get("/v1/invoice-runs/" + run_id).status, 404);
    BOOST_CHECK_EQUAL(other.admin().post("/v1/invoice-runs/" + run_id + "/cancel", "{}").status,
                      404);
    BOOST_CHECK_EQUAL(other.admin().post("/v1/invoice-runs/" + run_id + "/confirm", "{}").status,
                      404);
    BOOST_CHECK(dataOf(other.admin().get("/v1/invoice-runs")).empty());
}

BOOST_AUTO_TEST_CASE(skip_existing_false_recomputes_drafts_and_never_touches_issued_invoices) {
    const Shop s = newShop(runServer(), "Redo Co");
    const Api api = s.admin();
    const std::string drafted = billableCustomer(api, "Drafted");
    const std::string issued = billableCustomer(api, "Issued");
    const std::string draft_id = str(issue(api, drafted, false).json(), "id");
    const std::string issued_id = str(issue(api, issued).json(), "id");

    // Skipping: both are left as they are.
    const JsonValue skipping =
        waitUntilStatus(api, startedRun(api, R"({"period":"2026-10"})"), "completed");
    BOOST_CHECK_EQUAL(progress(skipping, "skipped"), 2);

    // Not skipping: the draft is computed again (same invoice, now the run's), the issued one
    // is skipped.
    const std::string run_id = startedRun(api, R"({"period":"2026-10","skip_existing":false})");
    const JsonValue run = waitUntilStatus(api, run_id, "completed");
    BOOST_CHECK_EQUAL(str(run, "skip_existing"), "false");
    BOOST_CHECK_EQUAL(progress(run, "created"), 1);
    BOOST_CHECK_EQUAL(progress(run, "skipped"), 1);
    const auto draft = api.get("/v1/invoices/" + draft_id);
    BOOST_CHECK_EQUAL(str(draft.json(), "run_id"), run_id);
    BOOST_CHECK_EQUAL(str(draft.json(), "status"), "draft");
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + issued_id).json(), "status"), "issued");
    const auto per = invoicesPerCustomer(api);
    BOOST_CHECK_EQUAL(per.at(drafted), 1);
    BOOST_CHECK_EQUAL(per.at(issued), 1);
}

BOOST_AUTO_TEST_CASE(recomputing_a_draft_keeps_hand_added_lines_and_drops_edits_of_computed_ones) {
    const Shop s = newShop(runServer(), "Recompute Co");
    const Api api = s.admin();
    const std::string customer = billableCustomer(api, "Edited");
    const auto draft = issue(api, customer, false);
    BOOST_REQUIRE_EQUAL(draft.status, 201);
    const std::string id = str(draft.json(), "id");
    const std::string computed = str(draft.json().find("lines")->items().at(0), "id");
    // Hand edits: the hash-lease line to 1000 kWh ($50.00) and a $10.00 adjustment.
    BOOST_REQUIRE_EQUAL(api.patch("/v1/invoices/" + id + "/lines/" + computed,
                                  R"({"kwh":"1000","reason":"estimate"})")
                            .status,
                        200);
    BOOST_REQUIRE_EQUAL(api.post("/v1/invoices/" + id + "/lines",
                                 R"({"description":"Remote hands","amount":"10.00","reason":"x"})")
                            .status,
                        201);
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + id).json(), "total"), "60.00");

    // Computed again from the data: 2232 kWh ($111.60) once, plus the $10.00 adjustment.
    const JsonValue run = waitUntilStatus(
        api, startedRun(api, R"({"period":"2026-10","skip_existing":false})"), "completed");
    BOOST_CHECK_EQUAL(progress(run, "created"), 1);
    const auto after = api.get("/v1/invoices/" + id);
    BOOST_REQUIRE_EQUAL(after.status, 200);
    const auto& lines = after.json().find("lines")->items();
    BOOST_CHECK_EQUAL(lines.size(), 2U);
    BOOST_CHECK_EQUAL(str(after.json(), "kwh_billed"), "2232.000");
    BOOST_CHECK_EQUAL(str(after.json(), "total"), "121.60");
}

BOOST_AUTO_TEST_CASE(a_run_for_one_customer_bills_only_that_customer) {
    const Shop s = newShop(runServer(), "Single Co");
    const Api api = s.admin();
    const std::string one = billableCustomer(api, "One");
    billableCustomer(api, "Two");
    const auto unknown = startRun(api, R"({"period":"2026-10","customer_id":"cus_nope"})");
    BOOST_CHECK_EQUAL(unknown.status, 422);
    BOOST_CHECK_EQUAL(problemField(unknown), "customer_id");
    const std::string run_id =
        startedRun(api, R"({"period":"2026-10","customer_id":")" + one + "\"}");
    const JsonValue run = waitUntilStatus(api, run_id, "completed");
    BOOST_CHECK_EQUAL(str(run, "customer_id"), one);
    BOOST_CHECK_EQUAL(progress(run, "total"), 1);
    BOOST_CHECK_EQUAL(progress(run, "created"), 1);
    const auto all = invoicesOf(api);
    BOOST_REQUIRE_EQUAL(all.size(), 1U);
    BOOST_CHECK_EQUAL(str(all[0], "customer_id"), one);
}

BOOST_AUTO_TEST_CASE(preview_one_waits_for_confirmation_then_issues_everyone) {
    const Shop s = newShop(runServer(), "Preview Run Co");
    const Api api = s.admin();
    patchSettings(api, R"({"auto_send":true})");
    std::vector<std::string> customers;
    for (int i = 0; i < 3; ++i) customers.push_back(billableCustomer(api, "C" + std::to_string(i)));

    const std::string run_id = startedRun(api, R"({"period":"2026-10","preview_one":true})");
    const JsonValue waiting = waitUntilStatus(api, run_id, "awaiting_confirmation");
    BOOST_CHECK_EQUAL(str(waiting, "auto_send"), "true");
    BOOST_CHECK_EQUAL(progress(waiting, "created"), 1);
    BOOST_CHECK_EQUAL(progress(waiting, "pending"), 2);
    const std::string preview = str(waiting, "preview_invoice_id");
    const auto draft = api.get("/v1/invoices/" + preview);
    BOOST_CHECK_EQUAL(str(draft.json(), "status"), "draft");
    BOOST_CHECK(mailsAbout(api, preview).empty());
    BOOST_CHECK_EQUAL(invoicesOf(api).size(), 1U);

    // A viewer cannot confirm; confirming twice is refused.
    BOOST_CHECK_EQUAL(s.viewer().post("/v1/invoice-runs/" + run_id + "/confirm", "{}").status, 403);
    const auto confirmed = api.post("/v1/invoice-runs/" + run_id + "/confirm", "{}");
    BOOST_REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
    const JsonValue done = waitUntilStatus(api, run_id, "completed");
    BOOST_CHECK_EQUAL(progress(done, "created"), 3);
    const auto twice = api.post("/v1/invoice-runs/" + run_id + "/confirm", "{}");
    BOOST_CHECK_EQUAL(twice.status, 409);
    BOOST_CHECK_EQUAL(problemCode(twice), "invalid_transition");

    const auto all = invoicesOf(api);
    BOOST_REQUIRE_EQUAL(all.size(), 3U);
    std::vector<std::string> numbers;
    for (const auto& inv : all) {
        BOOST_CHECK_EQUAL(str(inv, "status"), "issued");
        numbers.push_back(str(inv, "invoice_number"));
        BOOST_CHECK_EQUAL(mailsAbout(api, str(inv, "id")).size(), 1U);
    }
    std::sort(numbers.begin(), numbers.end());
    BOOST_CHECK((numbers ==
                 std::vector<std::string>{invoiceNumber(1), invoiceNumber(2), invoiceNumber(3)}));
    BOOST_CHECK_EQUAL(str(api.get("/v1/invoices/" + preview).json(), "status"), "issued");

    // Without auto-send the reviewed draft and the rest stay drafts.
    patchSettings(api, R"({"auto_send":false})");
    const std::string drafts =
        startedRun(api, R"({"period":"2026-09","preview_one":true,"skip_existing":true})");
    const JsonValue review = waitUntilStatus(api, drafts, "awaiting_confirmation");
    BOOST_CHECK_EQUAL(str(review, "auto_send"), "false");
    BOOST_REQUIRE_EQUAL(api.post("/v1/invoice-runs/" + drafts + "/confirm", "{}").status, 200);
    const JsonValue finished = waitUntilStatus(api, drafts, "completed");
    BOOST_CHECK_EQUAL(progress(finished, "created"), 3);
    const auto september = invoicesOf(api, "&period_start=2026-09-01");
    BOOST_REQUIRE_EQUAL(september.size(), 3U);
    for (const auto& inv : september) {
        BOOST_CHECK_EQUAL(str(inv, "status"), "draft");
        BOOST_CHECK(mailsAbout(api, str(inv, "id")).empty());
    }
}

BOOST_AUTO_TEST_CASE(a_cancelled_run_stops_and_keeps_what_it_made) {
    const Shop s = newShop(runServer(), "Cancel Co");
    const Api api = s.admin();
    for (int i = 0; i < 3; ++i) billableCustomer(api, "C" + std::to_string(i));
    const std::string run_id = startedRun(api, R"({"period":"2026-10","preview_one":true})");
    waitUntilStatus(api, run_id, "awaiting_confirmation");
    const auto cancelled = api.post("/v1/invoice-runs/" + run_id + "/cancel", "{}");
    BOOST_REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
    BOOST_CHECK_EQUAL(str(cancelled.json(), "status"), "cancelled");
    BOOST_CHECK_EQUAL(progress(cancelled.json(), "pending"), 2);
    const auto again = api.post("/v1/invoice-runs/" + run_id + "/cancel", "{}");
    BOOST_CHECK_EQUAL(again.status, 409);
    BOOST_CHECK_EQUAL(problemFieldCode(again), "cancelled");
    BOOST_CHECK_EQUAL(api.post("/v1/invoice-runs/" + run_id + "/confirm", "{}").status, 409);
    // The preview draft stays; the run does not pick up again.
    BOOST_CHECK_EQUAL(invoicesOf(api).size(), 1U);
    const auto later = api.get("/v1/invoice-runs/" + run_id);
    BOOST_CHECK_EQUAL(str(later.json(), "status"), "cancelled");
    BOOST_CHECK_EQUAL(progress(later.json(), "pending"), 2);
}

BOOST_AUTO_TEST_CASE(overlapping_runs_make_exactly_one_invoice_per_customer) {
    const Shop s = newShop(runServer(), "Overlap Co");
    const Api api = s.admin();
    std::vector<std::string> customers;
    for (int i = 0; i < 12; ++i)
        customers.push_back(billableCustomer(api, "C" + std::to_string(i)));
    const std::string a = startedRun(api, R"({"period":"2026-10"})");
    const std::string b = startedRun(api, R"({"period":"2026-10"})");
    const JsonValue ra = waitUntilStatus(api, a, "completed");
    const JsonValue rb = waitUntilStatus(api, b, "completed");
    BOOST_CHECK_EQUAL(progress(ra, "created") + progress(rb, "created"), 12);
    BOOST_CHECK_EQUAL(progress(ra, "skipped") + progress(rb, "skipped"), 12);
    BOOST_CHECK_EQUAL(progress(ra, "failed") + progress(rb, "failed"), 0);
    const auto per = invoicesPerCustomer(api);
    BOOST_CHECK_EQUAL(per.size(), customers.size());
    for (const auto& c : customers) BOOST_CHECK_EQUAL(per.at(c), 1);
}

BOOST_AUTO_TEST_CASE(a_run_killed_midway_is_finished_by_the_next_server_without_doubles) {
    ServerProcess server({"invoice_runs.lease_seconds=2", "invoice_runs.threads=1",
                          "invoice_runs.poll_ms=20", "invoice_runs.batch_size=2"});
    const Shop s = newShop(server, "Crash Co");
    const Api api = s.admin();
    constexpr int kCustomers = 60;
    std::vector<std::string> customers;
    for (int i = 0; i < kCustomers; ++i)
        customers.push_back(billableCustomer(api, "C" + std::to_string(i)));
    const std::string run_id = startedRun(api, R"({"period":"2026-10"})");
    const JsonValue midway = pollRun(api, run_id, [](const JsonValue& run) {
        BOOST_REQUIRE_MESSAGE(str(run, "status") != "completed",
                              "the run finished before the server could be killed");
        return progress(run, "done") > 0 && progress(run, "pending") > 0;
    });
    BOOST_TEST_MESSAGE("killed at " << progress(midway, "done") << " of " << kCustomers);
    server.kill(SIGKILL);

    server.start();
    const Api after{server, s.admin_key};
    const JsonValue run = waitUntilStatus(after, run_id, "completed");
    BOOST_CHECK_EQUAL(progress(run, "total"), kCustomers);
    BOOST_CHECK_EQUAL(progress(run, "created"), kCustomers);
    BOOST_CHECK_EQUAL(progress(run, "skipped") + progress(run, "failed") + progress(run, "held"),
                      0);
    const auto per = invoicesPerCustomer(after);
    BOOST_CHECK_EQUAL(per.size(), customers.size());
    for (const auto& c : customers) BOOST_CHECK_EQUAL(per.at(c), 1);
    BOOST_CHECK_EQUAL(invoicesOf(after, "&run_id=" + run_id).size(),
                      static_cast<std::size_t>(kCustomers));
}

BOOST_AUTO_TEST_CASE(an_auto_sent_run_delivers_the_invoice_over_smtp) {
    SmtpSink sink;
    ServerProcess server({"invoice_runs.poll_ms=20", "smtp.host=127.0.0.1",
                          "smtp.port=" + std::to_string(sink.port()), "outbox.interval_ms=50",
                          "smtp.from=Billwright <billing@platform.example>"});
    const Shop s = newShop(server, "Mail Co");
    const Api api = s.admin();
    patchSettings(api, R"({"auto_send":true,"sender_name":"Mail Co Billing"})");
    const std::string customer =
        billableCustomer(api, "Ada", R"(,"billing_email":"ap@ada.example")");
    billableCustomer(api, "Holdy", R"(,"billing_hold":true,"billing_email":"h@ada.example")");
    const JsonValue run =
        waitUntilStatus(api, startedRun(api, R"({"period":"2026-10"})"), "completed");
    BOOST_CHECK_EQUAL(progress(run, "created"), 1);
    BOOST_CHECK_EQUAL(progress(run, "held"), 1);
    // Only the issued invoice is mailed; the held one waits for its release.
    BOOST_CHECK_EQUAL(dataOf(api.get("/v1/outbox")).size(), 1U);
    const auto invoices = invoicesOf(api, "&status=issued");
    BOOST_REQUIRE_EQUAL(invoices.size(), 1U);
    BOOST_CHECK_EQUAL(str(invoices[0], "status"), "issued");
    const std::string number = str(invoices[0], "invoice_number");
    // The held invoice is numbered too; which of the two took 000001 depends on the order the
    // run's threads finished in.
    BOOST_CHECK(number == invoiceNumber(1) || number == invoiceNumber(2));

    const auto mails = sink.waitForMessages(1);
    BOOST_REQUIRE_EQUAL(mails.size(), 1U);
    const auto& mail = mails[0];
    BOOST_REQUIRE_EQUAL(mail.rcpt_tos.size(), 1U);
    BOOST_CHECK_EQUAL(mail.rcpt_tos[0], "ap@ada.example");
    BOOST_CHECK(contains(mail.header("Subject"), number));
    BOOST_CHECK(contains(mail.header("From"), "Mail Co Billing"));
    BOOST_CHECK(contains(mail.data, "invoice-" + number + ".html"));
    BOOST_CHECK(contains(mail.data, "Content-Disposition: attachment"));
    BOOST_CHECK(contains(mail.data, "text/html"));
    (void)customer;
}

BOOST_AUTO_TEST_SUITE_END()
