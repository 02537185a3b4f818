// domain/payment.h: the rules payments are applied by — which reports may change a payment
// (provider events arrive late, twice and out of order), how received money splits between the
// invoice and credit, the pass-through surcharge, and the retry schedule.

#include <boost/test/unit_test.hpp>

#include "domain/payment.h"

using namespace billwright::domain;

BOOST_AUTO_TEST_SUITE(payment_rules)

BOOST_AUTO_TEST_CASE(final_statuses_never_change_and_nothing_goes_back_to_processing) {
    const PaymentStatus all[] = {PaymentStatus::kProcessing,     PaymentStatus::kPending,
                                 PaymentStatus::kRequiresAction, PaymentStatus::kSucceeded,
                                 PaymentStatus::kPartial,        PaymentStatus::kFailed,
                                 PaymentStatus::kCanceled};
    for (const auto from : all) {
        for (const auto to : all) {
            BOOST_TEST_CONTEXT(paymentStatusName(from) << " -> " << paymentStatusName(to)) {
                const bool expected =
                    !isFinal(from) && from != to && to != PaymentStatus::kProcessing;
                BOOST_TEST(mayMove(from, to) == expected);
            }
        }
    }
    // The cases webhooks rely on: a late "requires_action" after "succeeded" changes nothing,
    // a "succeeded" after "requires_action" does.
    BOOST_TEST(!mayMove(PaymentStatus::kSucceeded, PaymentStatus::kRequiresAction));
    BOOST_TEST(!mayMove(PaymentStatus::kFailed, PaymentStatus::kSucceeded));
    BOOST_TEST(mayMove(PaymentStatus::kRequiresAction, PaymentStatus::kSucceeded));
    BOOST_TEST(mayMove(PaymentStatus::kPending, PaymentStatus::kFailed));
    for (const auto s : all) BOOST_TEST((parsePaymentStatus(paymentStatusName(s)) == s));
    BOOST_TEST(!parsePaymentStatus("paid").has_value());
}

BOOST_AUTO_TEST_CASE(received_money_pays_what_is_owed_and_the_rest_is_credit) {
    auto s = splitPayment(5000, 11160, true);
    BOOST_TEST(s.applied_minor == 5000);
    BOOST_TEST(s.credited_minor == 0);
    s = splitPayment(15000, 11160, true);
    BOOST_TEST(s.applied_minor == 11160);
    BOOST_TEST(s.credited_minor == 3840);
    // An invoice that no longer takes payments (paid meanwhile, written off): all credit.
    s = splitPayment(15000, 11160, false);
    BOOST_TEST(s.applied_minor == 0);
    BOOST_TEST(s.credited_minor == 15000);
    s = splitPayment(100, 0, true);
    BOOST_TEST(s.applied_minor == 0);
    BOOST_TEST(s.credited_minor == 100);
}

BOOST_AUTO_TEST_CASE(the_pass_through_surcharge_leaves_the_net_after_the_fee) {
    // 2.9 % + 30 on 100.00: A = ceil(10030 / 0.971) = 10330 (10329.55...).
    BOOST_TEST(passThroughSurcharge(10000, 29000, 30).value() == 330);
    // Whatever P, A minus the fee A * p + C covers P, and A - 1 would not.
    for (std::int64_t net : {1, 99, 12345, 1000000, 99999999}) {
        const auto surcharge = passThroughSurcharge(net, 29000, 30).value();
        const std::int64_t charged = net + surcharge;
        BOOST_TEST_CONTEXT(net) {
            BOOST_TEST(charged * 1'000'000 - charged * 29000 >= (net + 30) * 1'000'000);
            BOOST_TEST((charged - 1) * 1'000'000 - (charged - 1) * 29000 < (net + 30) * 1'000'000);
        }
    }
    BOOST_TEST(passThroughSurcharge(10000, 0, 0).value() == 0);
    BOOST_TEST(!passThroughSurcharge(10000, 1'000'000, 30).has_value());  // 100 %
    BOOST_TEST(!passThroughSurcharge(10000, -1, 30).has_value());
    BOOST_TEST(!passThroughSurcharge(-1, 29000, 30).has_value());
    BOOST_TEST(!passThroughSurcharge(INT64_MAX, 29000, 30).has_value());
}

BOOST_AUTO_TEST_CASE(the_retry_schedule_counts_from_the_first_failure_and_ends) {
    const std::vector<int> days = {1, 3, 5, 7};
    const billwright::core::SysSeconds first{std::chrono::seconds{1'800'000'000}};
    BOOST_TEST((nextRetryAt(days, 1, first).value() == first + std::chrono::days{1}));
    BOOST_TEST((nextRetryAt(days, 2, first).value() == first + std::chrono::days{3}));
    BOOST_TEST((nextRetryAt(days, 4, first).value() == first + std::chrono::days{7}));
    BOOST_TEST(!nextRetryAt(days, 5, first).has_value());
    BOOST_TEST(!nextRetryAt({}, 1, first).has_value());
    BOOST_TEST(!nextRetryAt(days, 0, first).has_value());

    BOOST_TEST(formatRetrySchedule(days) == "1,3,5,7");
    BOOST_TEST((parseRetrySchedule("1,3,5,7").value() == days));
    BOOST_TEST(parseRetrySchedule("").value().empty());
    for (const char* bad : {"3,1", "1,1", "0", "61", "1,", ",1", "a", "1,2,3,4,5,6,7,8,9,10,11"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!parseRetrySchedule(bad).has_value()); }
    BOOST_TEST(isValidRetrySchedule({60}));
    BOOST_TEST(!isValidRetrySchedule({61}));
}

BOOST_AUTO_TEST_SUITE_END()
