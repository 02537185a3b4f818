// Payments over HTTP with the payment_manual processor (money received out of band): partial
// payments, overpayment to credit, duplicate references, refunds, validation that changes
// nothing, roles and tenants, the webhook endpoint's refusals and the payment settings. The
// card, ACH and crypto processors against their fake providers: tests/unit/services.

#include <boost/test/unit_test.hpp>

#include "api/invoicing_fixture.h"

namespace billwright::testing {
namespace {

using core::JsonValue;
using invoicing::createdId;
using invoicing::dataOf;

// A tenant with an issued October invoice of $111.60 for one customer.
struct Billed {
    invoicing::Shop shop;
    std::string customer;
    std::string invoice;
};

Billed billed() {
    Billed b;
    b.shop = invoicing::newShop(sharedServer(), "Payments Co");
    const auto api = b.shop.admin();
    b.customer = invoicing::billableCustomer(api);
    const auto r = invoicing::issue(api, b.customer);
    b.invoice = createdId(r);
    BOOST_REQUIRE_EQUAL(str(r.json(), "status"), "issued");
    BOOST_REQUIRE_EQUAL(str(r.json(), "amount_due"), "111.60");
    return b;
}

std::string manual(const std::string& reference, const std::string& amount = "",
                   const std::string& channel = "wire") {
    std::string body = R"({"plugin_id":"payment_manual","params":{"reference":")" + reference +
                       R"(","channel":")" + channel + R"("})";
    if (!amount.empty()) body += R"(,"amount":")" + amount + "\"";
    return body + "}";
}

JsonValue invoiceOf(const Billed& b) {
    const auto r = b.shop.admin().get("/v1/invoices/" + b.invoice);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.json();
}

std::size_t paymentsOf(const Billed& b) {
    return dataOf(b.shop.admin().get("/v1/invoices/" + b.invoice + "/payments")).size();
}

// The customer's balance and the sum of its ledger, which must always agree.
std::pair<std::string, std::int64_t> creditOf(const Billed& b) {
    const auto api = b.shop.admin();
    const auto customer = api.get("/v1/customers/" + b.customer);
    BOOST_REQUIRE_EQUAL(customer.status, 200);
    std::int64_t sum = 0;
    const auto ledger = api.get("/v1/customers/" + b.customer + "/credits?limit=100");
    for (const auto& e : dataOf(ledger)) {
        const std::string amount = str(e, "amount");
        const bool negative = amount[0] == '-';
        const std::string digits = amount.substr(negative ? 1 : 0);
        const auto dot = digits.find('.');
        const std::int64_t cents =
            std::stoll(digits.substr(0, dot)) * 100 + std::stoll(digits.substr(dot + 1));
        sum += negative ? -cents : cents;
    }
    return {str(customer.json(), "credit_balance"), sum};
}

BOOST_AUTO_TEST_SUITE(payments_api)

BOOST_AUTO_TEST_CASE(a_partial_payment_leaves_the_rest_due_and_the_second_pays_the_invoice) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const auto first = api.post("/v1/invoices/" + b.invoice + "/payments", manual("W-1", "50.00"));
    BOOST_REQUIRE_MESSAGE(first.status == 201, first.body);
    BOOST_TEST(str(first.json(), "status") == "succeeded");
    BOOST_TEST(str(first.json(), "amount_received") == "50.00");
    BOOST_TEST(str(first.json(), "applied_to_invoice") == "50.00");
    BOOST_TEST(str(first.json(), "reference") == "wire:W-1");
    auto inv = invoiceOf(b);
    BOOST_TEST(str(inv, "status") == "issued");
    BOOST_TEST(str(inv, "amount_paid") == "50.00");
    BOOST_TEST(str(inv, "amount_due") == "61.60");

    // Without an amount: what the invoice still owes.
    const auto second = api.post("/v1/invoices/" + b.invoice + "/payments", manual("W-2"));
    BOOST_REQUIRE_MESSAGE(second.status == 201, second.body);
    BOOST_TEST(str(second.json(), "amount_received") == "61.60");
    inv = invoiceOf(b);
    BOOST_TEST(str(inv, "status") == "paid");
    BOOST_TEST(str(inv, "amount_due") == "0.00");
    BOOST_TEST(str(inv, "paid_date") == invoicing::isoToday());
    BOOST_TEST(paymentsOf(b) == 2u);

    // A paid invoice takes no more payments.
    const auto third = api.post("/v1/invoices/" + b.invoice + "/payments", manual("W-3", "1.00"));
    BOOST_TEST(third.status == 409);
    BOOST_TEST(problemCode(third) == "invalid_transition");
}

BOOST_AUTO_TEST_CASE(an_overpayment_becomes_customer_credit_equal_to_its_ledger) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const auto r =
        api.post("/v1/invoices/" + b.invoice + "/payments", manual("CHQ-9", "150.00", "cheque"));
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    BOOST_TEST(str(r.json(), "applied_to_invoice") == "111.60");
    BOOST_TEST(str(r.json(), "credited") == "38.40");
    BOOST_TEST(str(invoiceOf(b), "status") == "paid");
    const auto ledger = dataOf(api.get("/v1/customers/" + b.customer + "/credits"));
    BOOST_REQUIRE(!ledger.empty());
    BOOST_TEST(str(ledger[0], "kind") == "overpayment");
    BOOST_TEST(str(ledger[0], "amount") == "38.40");
    BOOST_TEST(str(ledger[0], "payment_id") == str(r.json(), "id"));
    const auto [balance, sum] = creditOf(b);
    BOOST_TEST(balance == "38.40");
    BOOST_TEST(sum == 3840);
}

BOOST_AUTO_TEST_CASE(the_same_reference_is_never_recorded_twice) {
    const auto b = billed();
    const auto api = b.shop.admin();
    BOOST_REQUIRE_EQUAL(
        api.post("/v1/invoices/" + b.invoice + "/payments", manual("W-77", "10.00")).status, 201);
    const auto again = api.post("/v1/invoices/" + b.invoice + "/payments", manual("W-77", "10.00"));
    BOOST_TEST(again.status == 409);
    BOOST_TEST(problemField(again) == "params.reference");
    BOOST_TEST(paymentsOf(b) == 1u);
    BOOST_TEST(str(invoiceOf(b), "amount_due") == "101.60");
}

BOOST_AUTO_TEST_CASE(bad_payment_requests_name_the_field_and_change_nothing) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const std::string path = "/v1/invoices/" + b.invoice + "/payments";
    const auto expect = [&](const std::string& body, int status, const std::string& field) {
        const auto r = api.post(path, body);
        BOOST_TEST_CONTEXT(body) {
            BOOST_TEST(r.status == status);
            BOOST_TEST(problemField(r) == field);
        }
    };
    expect("{}", 422, "payment_method_id");
    expect(R"({"plugin_id":"payment_manual","payment_method_id":"pm_x"})", 422, "plugin_id");
    expect(manual("W-1", "0"), 422, "amount");
    expect(manual("W-1", "-5.00"), 422, "amount");
    expect(manual("W-1", "1.001"), 422, "amount");
    expect(manual("W-1", "12", "pigeon"), 422, "params.channel");
    expect(R"({"plugin_id":"payment_manual","params":{"channel":"wire"}})", 422,
           "params.reference");
    expect(R"({"plugin_id":"no_such_plugin"})", 422, "plugin_id");
    expect(R"({"plugin_id":"billing_metered"})", 422, "plugin_id");
    expect(R"({"payment_method_id":"pm_nope"})", 422, "payment_method_id");
    expect(R"({"plugin_id":"payment_manual","params":{"reference":7}})", 422, "params.reference");
    BOOST_TEST(paymentsOf(b) == 0u);
    const auto inv = invoiceOf(b);
    BOOST_TEST(str(inv, "amount_due") == "111.60");
    BOOST_TEST(str(inv, "status") == "issued");
}

BOOST_AUTO_TEST_CASE(viewers_cannot_pay_and_other_tenants_see_nothing) {
    const auto b = billed();
    const auto viewer = b.shop.viewer();
    const auto r = viewer.post("/v1/invoices/" + b.invoice + "/payments", manual("V-1"));
    BOOST_TEST(r.status == 403);
    const auto paid = b.shop.admin().post("/v1/invoices/" + b.invoice + "/payments", manual("V-2"));
    BOOST_REQUIRE_EQUAL(paid.status, 201);
    const std::string payment = str(paid.json(), "id");
    // Viewers read.
    BOOST_TEST(viewer.get("/v1/payments/" + payment).status == 200);
    BOOST_TEST(viewer.post("/v1/payments/" + payment + "/refunds", R"({"reason":"x"})").status ==
               403);

    const auto other = invoicing::newShop(sharedServer(), "Other Co").admin();
    BOOST_TEST(other.post("/v1/invoices/" + b.invoice + "/payments", manual("O-1")).status == 404);
    BOOST_TEST(other.get("/v1/payments/" + payment).status == 404);
    BOOST_TEST(other.get("/v1/invoices/" + b.invoice + "/payments").status == 404);
    BOOST_TEST(other.get("/v1/customers/" + b.customer + "/payment-methods").status == 404);
    BOOST_TEST(dataOf(other.get("/v1/payments")).empty());
}

BOOST_AUTO_TEST_CASE(a_draft_takes_no_payment) {
    const auto shop = invoicing::newShop(sharedServer(), "Draft Co");
    const auto api = shop.admin();
    const auto customer = invoicing::billableCustomer(api);
    const auto draft = createdId(invoicing::issue(api, customer, false));
    const auto r = api.post("/v1/invoices/" + draft + "/payments", manual("D-1"));
    BOOST_TEST(r.status == 409);
    BOOST_TEST(problemCode(r) == "invalid_transition");
}

BOOST_AUTO_TEST_CASE(a_refund_of_a_paid_invoice_leaves_it_paid_and_of_an_open_one_makes_it_owed) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const auto part = api.post("/v1/invoices/" + b.invoice + "/payments", manual("R-1", "40.00"));
    BOOST_REQUIRE_EQUAL(part.status, 201);
    const std::string first = str(part.json(), "id");
    // Open invoice: the refunded part is owed again.
    const auto refund = api.post(
        "/v1/payments/" + first + "/refunds",
        R"({"amount":"15.00","reason":"wrong amount keyed","params":{"reference":"RF-1","channel":"wire"}})");
    BOOST_REQUIRE_MESSAGE(refund.status == 201, refund.body);
    BOOST_TEST(str(refund.json(), "status") == "succeeded");
    BOOST_TEST(str(refund.json(), "from_credit") == "0.00");
    auto inv = invoiceOf(b);
    BOOST_TEST(str(inv, "amount_paid") == "25.00");
    BOOST_TEST(str(inv, "amount_due") == "86.60");
    BOOST_TEST(str(api.get("/v1/payments/" + first).json(), "refunded") == "15.00");
    // More than is left: refused, nothing changes.
    const auto too_much = api.post(
        "/v1/payments/" + first + "/refunds",
        R"({"amount":"25.01","reason":"x","params":{"reference":"RF-2","channel":"wire"}})");
    BOOST_TEST(too_much.status == 422);
    BOOST_TEST(problemField(too_much) == "amount");
    BOOST_TEST(api.post("/v1/payments/" + first + "/refunds", R"({"amount":"1.00"})").status ==
               422);  // no reason
    const auto no_reference =
        api.post("/v1/payments/" + first + "/refunds",
                 R"({"amount":"1.00","reason":"x","params":{"channel":"wire"}})");
    BOOST_TEST(no_reference.status == 422);
    BOOST_TEST(problemField(no_reference) == "params.reference");
    BOOST_TEST(dataOf(api.get("/v1/payments/" + first + "/refunds")).size() == 1u);

    // Pay the rest; a refund of a paid invoice is a concession: it stays paid.
    const auto rest = api.post("/v1/invoices/" + b.invoice + "/payments", manual("R-2"));
    BOOST_REQUIRE_EQUAL(rest.status, 201);
    BOOST_TEST(str(invoiceOf(b), "status") == "paid");
    const auto concession = api.post(
        "/v1/payments/" + str(rest.json(), "id") + "/refunds",
        R"({"amount":"10.00","reason":"goodwill","params":{"reference":"RF-3","channel":"wire"}})");
    BOOST_REQUIRE_EQUAL(concession.status, 201);
    inv = invoiceOf(b);
    BOOST_TEST(str(inv, "status") == "paid");
    BOOST_TEST(str(inv, "amount_due") == "0.00");
}

BOOST_AUTO_TEST_CASE(a_refund_comes_off_the_credit_the_payment_left_first) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const auto r = api.post("/v1/invoices/" + b.invoice + "/payments", manual("O-9", "150.00"));
    BOOST_REQUIRE_EQUAL(r.status, 201);
    const auto refund = api.post(
        "/v1/payments/" + str(r.json(), "id") + "/refunds",
        R"({"amount":"40.00","reason":"paid too much","params":{"reference":"RF-4","channel":"cheque"}})");
    BOOST_REQUIRE_MESSAGE(refund.status == 201, refund.body);
    BOOST_TEST(str(refund.json(), "from_credit") == "38.40");
    const auto [balance, sum] = creditOf(b);
    BOOST_TEST(balance == "0.00");
    BOOST_TEST(sum == 0);
    BOOST_TEST(str(invoiceOf(b), "status") == "paid");
}

BOOST_AUTO_TEST_CASE(the_webhook_endpoint_needs_no_key_and_refuses_what_is_not_a_webhook_receiver) {
    const auto b = billed();
    auto& server = sharedServer();
    // No key; unknown plugin, a plugin without webhooks, an unknown tenant: 404, nothing applied.
    const auto unknown = server.post("/v1/webhooks/" + b.shop.tenant + "/no_such", "", "{}");
    BOOST_TEST(unknown.status == 404);
    const auto manual_hook =
        server.post("/v1/webhooks/" + b.shop.tenant + "/payment_manual", "", "{}");
    BOOST_TEST(manual_hook.status == 404);
    BOOST_TEST(server.post("/v1/webhooks/ten_nobody/payment_manual", "", "{}").status == 404);
}

BOOST_AUTO_TEST_CASE(payment_settings_are_validated_and_kept) {
    const auto shop = invoicing::newShop(sharedServer(), "Settings Co");
    const auto api = shop.admin();
    const auto defaults = api.get("/v1/billing-settings");
    BOOST_REQUIRE_EQUAL(defaults.status, 200);
    BOOST_TEST(str(defaults.json(), "auto_pay_timing") == "on_due_date");
    BOOST_TEST(defaults.json().find("payment_retry_days")->items().size() == 4u);
    const auto bad = [&](const std::string& body, const std::string& field) {
        const auto r = api.patch("/v1/billing-settings", body);
        BOOST_TEST_CONTEXT(body) {
            BOOST_TEST(r.status == 422);
            BOOST_TEST(problemField(r) == field);
        }
    };
    bad(R"({"auto_pay_timing":"weekly"})", "auto_pay_timing");
    bad(R"({"payment_retry_days":[3,1]})", "payment_retry_days");
    bad(R"({"payment_retry_days":[0]})", "payment_retry_days");
    bad(R"({"payment_retry_days":[1,2,3,4,5,6,7,8,9,10,11]})", "payment_retry_days");
    bad(R"({"payment_retry_days":["1"]})", "payment_retry_days");
    const auto ok = api.patch("/v1/billing-settings",
                              R"({"auto_pay_timing":"on_issue","payment_retry_days":[2,4]})");
    BOOST_REQUIRE_EQUAL(ok.status, 200);
    BOOST_TEST(str(ok.json(), "auto_pay_timing") == "on_issue");
    const auto& days = ok.json().find("payment_retry_days")->items();
    BOOST_REQUIRE_EQUAL(days.size(), 2u);
    BOOST_TEST(days[1].asInt64().value() == 4);
}

BOOST_AUTO_TEST_CASE(methods_on_file_need_a_processor_that_keeps_them) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const auto r = api.post("/v1/customers/" + b.customer + "/payment-methods",
                            R"({"plugin_id":"payment_manual","token":"x"})");
    BOOST_TEST(r.status == 422);
    BOOST_TEST(problemField(r) == "plugin_id");
    BOOST_TEST(dataOf(api.get("/v1/customers/" + b.customer + "/payment-methods")).empty());
    // Auto-pay needs a method to charge.
    const auto auto_pay = api.patch("/v1/customers/" + b.customer, R"({"auto_pay":true})");
    BOOST_TEST(auto_pay.status == 422);
    BOOST_TEST(problemField(auto_pay) == "auto_pay");
    BOOST_TEST(!api.get("/v1/customers/" + b.customer).json().find("auto_pay")->asBool());
}

BOOST_AUTO_TEST_SUITE_END()

// RevenueGuard resolutions (POST /v1/customers/{id}/resolutions), each audited.
BOOST_AUTO_TEST_SUITE(resolutions_api)

HttpResult resolve(const Billed& b, const std::string& body) {
    return b.shop.admin().post("/v1/customers/" + b.customer + "/resolutions", body);
}

bool audited(const Billed& b, const std::string& action) {
    return !invoicing::auditOf(b.shop.admin(), "customer.resolved." + action, b.customer).empty();
}

BOOST_AUTO_TEST_CASE(apply_credit_pays_open_invoices_from_the_balance) {
    const auto b = billed();
    const auto api = b.shop.admin();
    const auto granted = api.post("/v1/customers/" + b.customer + "/credits",
                                  R"({"amount":"200.00","reason":"prepaid"})");
    BOOST_REQUIRE_EQUAL(granted.status, 201);
    const auto r = resolve(b, R"({"action":"apply_credit"})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_TEST(str(r.json(), "action") == "apply_credit");
    const auto inv = invoiceOf(b);
    BOOST_TEST(str(inv, "status") == "paid");
    BOOST_TEST(str(inv, "credit_applied") == "111.60");
    BOOST_TEST(str(inv, "amount_due") == "0.00");
    const auto [balance, sum] = creditOf(b);
    BOOST_TEST(balance == "88.40");
    BOOST_TEST(sum == 8840);
    BOOST_TEST(audited(b, "apply_credit"));
    // Nothing left to apply to: the balance stays.
    BOOST_REQUIRE_EQUAL(resolve(b, R"({"action":"apply_credit"})").status, 200);
    BOOST_TEST(creditOf(b).first == "88.40");
}

BOOST_AUTO_TEST_CASE(write_off_needs_a_reason_and_writes_the_balance_off) {
    const auto b = billed();
    const auto refused = resolve(b, R"({"action":"write_off"})");
    BOOST_TEST(refused.status == 422);
    BOOST_TEST(problemField(refused) == "reason");
    BOOST_TEST(str(invoiceOf(b), "status") == "issued");
    const auto r = resolve(b, R"({"action":"write_off","reason":"customer went bankrupt"})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto inv = invoiceOf(b);
    BOOST_TEST(str(inv, "status") == "written_off");
    BOOST_TEST(str(inv, "status_reason") == "customer went bankrupt");
    BOOST_TEST(audited(b, "write_off"));
}

BOOST_AUTO_TEST_CASE(mark_paid_records_the_out_of_band_payment) {
    const auto b = billed();
    const auto no_reference = resolve(b, R"({"action":"mark_paid","params":{"channel":"cash"}})");
    BOOST_TEST(no_reference.status == 422);
    BOOST_TEST(problemField(no_reference) == "params.reference");
    BOOST_TEST(paymentsOf(b) == 0u);
    const auto r = resolve(
        b,
        R"({"action":"mark_paid","invoice_ids":[")" + b.invoice +
            R"("],"reason":"paid at the office","params":{"reference":"RCPT-5","channel":"cash"}})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_REQUIRE_EQUAL(r.json().find("payments")->items().size(), 1u);
    BOOST_TEST(str(r.json().find("payments")->items()[0], "reference") == "cash:RCPT-5");
    BOOST_TEST(str(invoiceOf(b), "status") == "paid");
    BOOST_TEST(audited(b, "mark_paid"));
    // An invoice that no longer owes anything is not a target.
    const auto again = resolve(b, R"({"action":"mark_paid","invoice_ids":[")" + b.invoice +
                                      R"("],"params":{"reference":"RCPT-6"}})");
    BOOST_TEST(again.status == 409);
}

BOOST_AUTO_TEST_CASE(clear_hold_ends_the_default_and_releases_held_invoices) {
    const auto b = billed();
    const auto api = b.shop.admin();
    BOOST_REQUIRE_EQUAL(
        api.post("/v1/customers/" + b.customer + "/default", R"({"reason":"unpaid since May"})")
            .status,
        200);
    // The next invoice of a customer in default is held.
    const auto held = invoicing::issue(api, b.customer, true, "2026-09-01");
    BOOST_REQUIRE_MESSAGE(held.status == 201, held.body);
    BOOST_REQUIRE_EQUAL(str(held.json(), "status"), "held");
    const auto r = resolve(b, R"({"action":"clear_hold","reason":"paid up"})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto customer = api.get("/v1/customers/" + b.customer).json();
    BOOST_TEST(!customer.find("in_default")->asBool());
    const auto released = api.get("/v1/invoices/" + str(held.json(), "id")).json();
    BOOST_TEST(str(released, "status") == "issued");
    BOOST_TEST(audited(b, "clear_hold"));
    BOOST_TEST(resolve(b, R"({"action":"clear_hold","params":{"x":"y"}})").status == 422);
    BOOST_TEST(resolve(b, R"({"action":"forgive"})").status == 422);
    BOOST_TEST(
        b.shop.viewer()
            .post("/v1/customers/" + b.customer + "/resolutions", R"({"action":"clear_hold"})")
            .status == 403);
}

BOOST_AUTO_TEST_SUITE_END()

// A tenant paying its platform invoice (seed 004) through a processor:
// POST /v1/tenants/{id}/invoices/{id}/charges.
BOOST_AUTO_TEST_SUITE(platform_charges_api)

BOOST_AUTO_TEST_CASE(a_tenant_records_its_platform_payment_through_payment_manual) {
    const auto tenant = createTenant("Platform Payer");
    const auto invoice = generateInvoice(tenant, "2026-10-01");
    const std::string path = "/v1/tenants/" + tenant + "/invoices/" + invoice + "/charges";
    const auto viewer = as(createKey("tenant_viewer", tenant));
    BOOST_TEST(viewer.post(path, R"({"plugin_id":"payment_manual"})").status == 403);
    const auto admin = as(createKey("tenant_admin", tenant));
    const auto other = as(createKey("tenant_admin", createTenant("Someone Else")));
    BOOST_TEST(other.post(path, R"({"plugin_id":"payment_manual"})").status == 404);
    const auto bad =
        admin.post(path, R"({"plugin_id":"payment_manual","params":{"channel":"wire"}})");
    BOOST_TEST(bad.status == 422);
    BOOST_TEST(problemField(bad) == "params");
    BOOST_TEST(admin.post(path, R"({"plugin_id":"billing_flat"})").status == 422);
    BOOST_TEST(str(admin.get("/v1/tenants/" + tenant + "/invoices/" + invoice).json(), "status") ==
               "pending_payment");

    const auto r = admin.post(
        path,
        R"({"plugin_id":"payment_manual","params":{"reference":"WIRE-88","channel":"wire"}})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_TEST(str(*r.json().find("charge"), "status") == "succeeded");
    const auto& inv = *r.json().find("invoice");
    BOOST_TEST(str(inv, "status") == "paid");
    BOOST_TEST(str(inv, "payment_method") == "wire");
    BOOST_TEST(str(inv, "payment_reference") == "payment_manual:wire:WIRE-88");
    const auto again = admin.post(
        path,
        R"({"plugin_id":"payment_manual","params":{"reference":"WIRE-89","channel":"wire"}})");
    BOOST_TEST(again.status == 409);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace billwright::testing
