#include "domain/platform_invoice.h"

#include <chrono>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "core/date.h"
#include "domain/billing_config.h"
#include "domain/period.h"

namespace billwright::domain {
namespace {

using core::Date;
using S = PlatformInvoiceStatus;
using E = PlatformInvoiceEvent;

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string iso(Date d) { return core::formatIsoDate(d); }

std::string statusText(std::optional<S> s) {
    return s ? std::string(platformInvoiceStatusName(*s)) : "(illegal)";
}

constexpr S kAllStatuses[] = {S::kPendingPayment, S::kPaid, S::kFailed, S::kOverdue};
constexpr E kAllEvents[] = {E::kPaymentRecorded, E::kPaymentFailed, E::kDueDatePassed};

BillingConfig configDueIn(int payment_due_days) {
    BillingConfig config;
    config.tenant_id = "ten_acme";
    config.flat_rate_minor = 150000;
    config.currency = Currency{"KES", 2};
    config.billing_frequency = BillingFrequency::kQuarterly;
    config.billing_email = "billing@acme.example";
    config.billing_day_of_month = 1;
    config.payment_due_days = payment_due_days;
    return config;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(platform_invoice)

BOOST_AUTO_TEST_CASE(next_status_follows_the_state_machine_for_every_status_and_event) {
    struct Case {
        S from;
        E event;
        std::optional<S> to;  // nullopt: the event is illegal in `from`
    };
    const Case cases[] = {
        {S::kPendingPayment, E::kPaymentRecorded, S::kPaid},
        {S::kPendingPayment, E::kPaymentFailed, S::kFailed},
        {S::kPendingPayment, E::kDueDatePassed, S::kOverdue},
        {S::kPaid, E::kPaymentRecorded, std::nullopt},
        {S::kPaid, E::kPaymentFailed, std::nullopt},
        {S::kPaid, E::kDueDatePassed, std::nullopt},
        {S::kFailed, E::kPaymentRecorded, S::kPaid},
        {S::kFailed, E::kPaymentFailed, S::kFailed},
        {S::kFailed, E::kDueDatePassed, S::kOverdue},
        {S::kOverdue, E::kPaymentRecorded, S::kPaid},
        {S::kOverdue, E::kPaymentFailed, S::kOverdue},
        {S::kOverdue, E::kDueDatePassed, std::nullopt},
    };
    BOOST_TEST(std::size(cases) == std::size(kAllStatuses) * std::size(kAllEvents));
    for (const S from : kAllStatuses) {
        for (const E event : kAllEvents) {
            BOOST_TEST_CONTEXT(platformInvoiceStatusName(from)
                               << " --" << platformInvoiceEventName(event) << "-->") {
                int rows = 0;
                for (const Case& c : cases) {
                    if (c.from != from || c.event != event) continue;
                    ++rows;
                    BOOST_TEST(statusText(nextStatus(from, event)) == statusText(c.to));
                }
                BOOST_TEST(rows == 1);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_paid_invoice_accepts_no_further_event) {
    for (const E event : kAllEvents) {
        BOOST_TEST_CONTEXT(platformInvoiceEventName(event)) {
            BOOST_TEST(statusText(nextStatus(S::kPaid, event)) == "(illegal)");
        }
    }
}

// A failed attempt must not hide that an overdue invoice is past due, and the next overdue sweep
// would only flip "failed" back (see the contract in platform_invoice.h).
BOOST_AUTO_TEST_CASE(a_failed_payment_on_an_overdue_invoice_keeps_it_overdue) {
    BOOST_TEST(statusText(nextStatus(S::kOverdue, E::kPaymentFailed)) == "overdue");
    BOOST_TEST(statusText(nextStatus(S::kPendingPayment, E::kPaymentFailed)) == "failed");
    BOOST_TEST(statusText(nextStatus(S::kFailed, E::kPaymentFailed)) == "failed");
}

BOOST_AUTO_TEST_CASE(draft_platform_invoice_charges_the_given_amount_pending_payment) {
    const BillingConfig config = configDueIn(30);
    const Period period{ymd(2026, 1, 1), ymd(2026, 4, 1)};
    const PlatformInvoice inv = draftPlatformInvoice(config, period, ymd(2026, 1, 1), 150000);
    BOOST_TEST(inv.tenant_id == "ten_acme");
    BOOST_TEST(inv.amount_minor == 150000);
    BOOST_TEST(inv.currency.code == "KES");
    BOOST_TEST(inv.currency.exponent == 2);
    BOOST_TEST(statusText(inv.status) == "pending_payment");
    BOOST_TEST(iso(inv.period.start) == "2026-01-01");
    BOOST_TEST(iso(inv.period.end) == "2026-04-01");
    BOOST_TEST(billingFrequencyName(inv.billing_frequency) == "quarterly");
    BOOST_TEST(iso(inv.issue_date) == "2026-01-01");
    BOOST_TEST(iso(inv.due_date) == "2026-01-31");
    BOOST_TEST(!inv.paid_date.has_value());
    BOOST_TEST(!inv.payment_reference.has_value());
    BOOST_TEST(!inv.payment_method.has_value());
    BOOST_TEST(inv.failed_attempts == 0);
    BOOST_TEST(!inv.last_failure_reason.has_value());
}

BOOST_AUTO_TEST_CASE(draft_platform_invoice_is_due_payment_due_days_after_the_issue_date) {
    struct Case {
        Date issue;
        int due_days;
        std::string_view due;
    };
    const Case cases[] = {
        {ymd(2026, 3, 1), 0, "2026-03-01"},   {ymd(2026, 1, 15), 30, "2026-02-14"},
        {ymd(2026, 1, 31), 30, "2026-03-02"}, {ymd(2026, 2, 28), 1, "2026-03-01"},
        {ymd(2024, 2, 28), 1, "2024-02-29"},  {ymd(2026, 12, 20), 15, "2027-01-04"},
        {ymd(2026, 12, 31), 1, "2027-01-01"}, {ymd(2026, 3, 1), 365, "2027-03-01"},
        {ymd(2024, 1, 1), 365, "2024-12-31"}, {ymd(2023, 3, 1), 365, "2024-02-29"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(iso(c.issue) << " + " << c.due_days << " days") {
            const Period period{c.issue, core::addMonthsClamped(c.issue, 1)};
            const PlatformInvoice inv =
                draftPlatformInvoice(configDueIn(c.due_days), period, c.issue, 100);
            BOOST_TEST(iso(inv.issue_date) == iso(c.issue));
            BOOST_TEST(iso(inv.due_date) == c.due);
        }
    }
}

BOOST_AUTO_TEST_CASE(format_invoice_number_zero_pads_the_sequence_to_six_digits_and_grows) {
    struct Case {
        int year;
        std::int64_t sequence;
        std::string_view expected;
    };
    const Case cases[] = {
        {2026, 42, "BW-2026-000042"},       {2026, 1, "BW-2026-000001"},
        {2027, 999999, "BW-2027-999999"},   {2026, 1000000, "BW-2026-1000000"},
        {2026, 1234567, "BW-2026-1234567"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.year << " #" << c.sequence) {
            BOOST_TEST(formatInvoiceNumber(c.year, c.sequence) == c.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(platform_invoice_status_names_round_trip) {
    const std::string_view names[] = {"pending_payment", "paid", "failed", "overdue"};
    for (std::size_t i = 0; i < std::size(kAllStatuses); ++i) {
        BOOST_TEST_CONTEXT(names[i]) {
            BOOST_TEST(platformInvoiceStatusName(kAllStatuses[i]) == names[i]);
            BOOST_TEST(statusText(parsePlatformInvoiceStatus(names[i])) == names[i]);
            const auto parsed = parsePlatformInvoiceStatus(names[i]);
            BOOST_TEST_REQUIRE(parsed.has_value());
            BOOST_TEST((*parsed == kAllStatuses[i]));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_platform_invoice_status_refuses_unknown_names) {
    const std::string_view cases[] = {"",           "Paid",  "PAID",  "pending", "pending-payment",
                                      "overdue ",   " paid", "draft", "issued",  "cancelled",
                                      "written_off"};
    for (const std::string_view name : cases) {
        BOOST_TEST_CONTEXT('"' << name << '"') {
            BOOST_TEST(statusText(parsePlatformInvoiceStatus(name)) == "(illegal)");
        }
    }
}

BOOST_AUTO_TEST_CASE(platform_invoice_event_names_are_distinct_and_stable) {
    BOOST_TEST(platformInvoiceEventName(E::kPaymentRecorded) == "payment_recorded");
    BOOST_TEST(platformInvoiceEventName(E::kPaymentFailed) == "payment_failed");
    BOOST_TEST(platformInvoiceEventName(E::kDueDatePassed) == "due_date_passed");
}

BOOST_AUTO_TEST_CASE(is_known_payment_method_accepts_only_the_listed_methods) {
    for (const std::string_view method :
         {"ach", "wire", "card", "crypto", "check", "cash", "other"}) {
        BOOST_TEST_CONTEXT(method) { BOOST_TEST(isKnownPaymentMethod(method)); }
    }
    for (const std::string_view method : kPaymentMethods) {
        BOOST_TEST_CONTEXT(method) { BOOST_TEST(isKnownPaymentMethod(method)); }
    }
    for (const std::string_view method :
         {"", "ACH", "Card", "card ", " wire", "bitcoin", "paypal", "cheque", "unknown"}) {
        BOOST_TEST_CONTEXT('"' << method << '"') { BOOST_TEST(!isKnownPaymentMethod(method)); }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
