#include "domain/period.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/test/unit_test.hpp>

#include "core/date.h"
#include "domain/billing_config.h"

namespace billwright::domain {
namespace {

using core::Date;
using F = BillingFrequency;

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string iso(Date d) { return core::formatIsoDate(d); }

std::string text(const Period& p) { return "[" + iso(p.start) + ", " + iso(p.end) + ")"; }

std::string text(const std::optional<Period>& p) { return p ? text(*p) : "(none)"; }

std::string text(const BillingSchedule& s) {
    return std::string(billingFrequencyName(s.frequency)) + " on day " +
           std::to_string(s.billing_day);
}

bool before(Date a, Date b) { return std::chrono::sys_days{a} < std::chrono::sys_days{b}; }

unsigned lastDayOf(std::chrono::year_month ym) {
    return static_cast<unsigned>(
        std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}}.day());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(period)

BOOST_AUTO_TEST_CASE(period_containing_a_day_starts_on_the_clamped_billing_day_at_or_before_it) {
    struct Case {
        F frequency;
        int billing_day;
        Date day;
        std::string_view expected;
    };
    const Case cases[] = {
        // Monthly on the 1st: calendar months, across the year end.
        {F::kMonthly, 1, ymd(2026, 3, 1), "[2026-03-01, 2026-04-01)"},
        {F::kMonthly, 1, ymd(2026, 3, 31), "[2026-03-01, 2026-04-01)"},
        {F::kMonthly, 1, ymd(2026, 12, 31), "[2026-12-01, 2027-01-01)"},
        {F::kMonthly, 1, ymd(2027, 1, 1), "[2027-01-01, 2027-02-01)"},
        {F::kMonthly, 1, ymd(2024, 2, 29), "[2024-02-01, 2024-03-01)"},
        // A day before the billing day belongs to the previous period.
        {F::kMonthly, 15, ymd(2026, 3, 14), "[2026-02-15, 2026-03-15)"},
        {F::kMonthly, 15, ymd(2026, 3, 15), "[2026-03-15, 2026-04-15)"},
        {F::kMonthly, 15, ymd(2026, 1, 14), "[2025-12-15, 2026-01-15)"},
        {F::kMonthly, 15, ymd(2026, 12, 15), "[2026-12-15, 2027-01-15)"},
        // Day 28 never clamps.
        {F::kMonthly, 28, ymd(2026, 2, 27), "[2026-01-28, 2026-02-28)"},
        {F::kMonthly, 28, ymd(2026, 2, 28), "[2026-02-28, 2026-03-28)"},
        {F::kMonthly, 28, ymd(2024, 2, 28), "[2024-02-28, 2024-03-28)"},
        {F::kMonthly, 28, ymd(2024, 2, 29), "[2024-02-28, 2024-03-28)"},
        // Day 29: clamps in a common year only.
        {F::kMonthly, 29, ymd(2026, 2, 27), "[2026-01-29, 2026-02-28)"},
        {F::kMonthly, 29, ymd(2026, 2, 28), "[2026-02-28, 2026-03-29)"},
        {F::kMonthly, 29, ymd(2026, 3, 28), "[2026-02-28, 2026-03-29)"},
        {F::kMonthly, 29, ymd(2026, 3, 29), "[2026-03-29, 2026-04-29)"},
        {F::kMonthly, 29, ymd(2024, 2, 28), "[2024-01-29, 2024-02-29)"},
        {F::kMonthly, 29, ymd(2024, 2, 29), "[2024-02-29, 2024-03-29)"},
        // Day 30.
        {F::kMonthly, 30, ymd(2026, 2, 15), "[2026-01-30, 2026-02-28)"},
        {F::kMonthly, 30, ymd(2026, 2, 28), "[2026-02-28, 2026-03-30)"},
        {F::kMonthly, 30, ymd(2026, 3, 29), "[2026-02-28, 2026-03-30)"},
        {F::kMonthly, 30, ymd(2024, 2, 15), "[2024-01-30, 2024-02-29)"},
        {F::kMonthly, 30, ymd(2024, 2, 28), "[2024-01-30, 2024-02-29)"},
        {F::kMonthly, 30, ymd(2024, 2, 29), "[2024-02-29, 2024-03-30)"},
        // Day 31: clamps in every 30-day month and in February.
        {F::kMonthly, 31, ymd(2026, 2, 15), "[2026-01-31, 2026-02-28)"},
        {F::kMonthly, 31, ymd(2026, 2, 28), "[2026-02-28, 2026-03-31)"},
        {F::kMonthly, 31, ymd(2026, 3, 30), "[2026-02-28, 2026-03-31)"},
        {F::kMonthly, 31, ymd(2026, 4, 29), "[2026-03-31, 2026-04-30)"},
        {F::kMonthly, 31, ymd(2026, 4, 30), "[2026-04-30, 2026-05-31)"},
        {F::kMonthly, 31, ymd(2024, 2, 28), "[2024-01-31, 2024-02-29)"},
        {F::kMonthly, 31, ymd(2024, 2, 29), "[2024-02-29, 2024-03-31)"},
        {F::kMonthly, 31, ymd(2026, 12, 30), "[2026-11-30, 2026-12-31)"},
        {F::kMonthly, 31, ymd(2026, 12, 31), "[2026-12-31, 2027-01-31)"},
        {F::kMonthly, 31, ymd(2027, 1, 1), "[2026-12-31, 2027-01-31)"},
        // Quarterly: periods start in January, April, July and October.
        {F::kQuarterly, 1, ymd(2026, 1, 1), "[2026-01-01, 2026-04-01)"},
        {F::kQuarterly, 1, ymd(2026, 3, 31), "[2026-01-01, 2026-04-01)"},
        {F::kQuarterly, 1, ymd(2026, 4, 1), "[2026-04-01, 2026-07-01)"},
        {F::kQuarterly, 1, ymd(2026, 8, 15), "[2026-07-01, 2026-10-01)"},
        {F::kQuarterly, 1, ymd(2026, 12, 31), "[2026-10-01, 2027-01-01)"},
        {F::kQuarterly, 15, ymd(2026, 1, 10), "[2025-10-15, 2026-01-15)"},
        {F::kQuarterly, 15, ymd(2026, 4, 14), "[2026-01-15, 2026-04-15)"},
        {F::kQuarterly, 15, ymd(2026, 5, 10), "[2026-04-15, 2026-07-15)"},
        {F::kQuarterly, 29, ymd(2024, 2, 29), "[2024-01-29, 2024-04-29)"},
        {F::kQuarterly, 29, ymd(2026, 2, 28), "[2026-01-29, 2026-04-29)"},
        {F::kQuarterly, 30, ymd(2026, 1, 29), "[2025-10-30, 2026-01-30)"},
        {F::kQuarterly, 30, ymd(2026, 1, 30), "[2026-01-30, 2026-04-30)"},
        {F::kQuarterly, 31, ymd(2026, 1, 30), "[2025-10-31, 2026-01-31)"},
        {F::kQuarterly, 31, ymd(2026, 2, 15), "[2026-01-31, 2026-04-30)"},
        {F::kQuarterly, 31, ymd(2026, 4, 29), "[2026-01-31, 2026-04-30)"},
        {F::kQuarterly, 31, ymd(2026, 4, 30), "[2026-04-30, 2026-07-31)"},
        {F::kQuarterly, 31, ymd(2026, 7, 30), "[2026-04-30, 2026-07-31)"},
        {F::kQuarterly, 31, ymd(2026, 10, 31), "[2026-10-31, 2027-01-31)"},
        // Annually: periods start in January.
        {F::kAnnually, 1, ymd(2026, 1, 1), "[2026-01-01, 2027-01-01)"},
        {F::kAnnually, 1, ymd(2026, 6, 15), "[2026-01-01, 2027-01-01)"},
        {F::kAnnually, 1, ymd(2026, 12, 31), "[2026-01-01, 2027-01-01)"},
        {F::kAnnually, 1, ymd(2027, 1, 1), "[2027-01-01, 2028-01-01)"},
        {F::kAnnually, 29, ymd(2024, 2, 29), "[2024-01-29, 2025-01-29)"},
        {F::kAnnually, 31, ymd(2026, 1, 30), "[2025-01-31, 2026-01-31)"},
        {F::kAnnually, 31, ymd(2026, 1, 31), "[2026-01-31, 2027-01-31)"},
        {F::kAnnually, 31, ymd(2026, 2, 28), "[2026-01-31, 2027-01-31)"},
        {F::kAnnually, 31, ymd(2027, 1, 30), "[2026-01-31, 2027-01-31)"},
    };
    for (const Case& c : cases) {
        const BillingSchedule schedule{c.frequency, c.billing_day};
        BOOST_TEST_CONTEXT(text(schedule) << ", " << iso(c.day)) {
            BOOST_TEST(text(periodContaining(schedule, c.day)) == c.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(period_starting_on_returns_nullopt_unless_a_period_starts_that_day) {
    struct Case {
        F frequency;
        int billing_day;
        Date start;
        std::string_view expected;
    };
    const Case cases[] = {
        {F::kMonthly, 15, ymd(2026, 3, 14), "(none)"},
        {F::kMonthly, 15, ymd(2026, 3, 15), "[2026-03-15, 2026-04-15)"},
        {F::kMonthly, 15, ymd(2026, 3, 16), "(none)"},
        {F::kMonthly, 1, ymd(2027, 1, 1), "[2027-01-01, 2027-02-01)"},
        {F::kMonthly, 1, ymd(2026, 12, 31), "(none)"},
        {F::kMonthly, 31, ymd(2026, 2, 28), "[2026-02-28, 2026-03-31)"},
        {F::kMonthly, 31, ymd(2024, 2, 28), "(none)"},
        {F::kMonthly, 31, ymd(2024, 2, 29), "[2024-02-29, 2024-03-31)"},
        {F::kMonthly, 31, ymd(2026, 3, 30), "(none)"},
        {F::kMonthly, 31, ymd(2026, 3, 31), "[2026-03-31, 2026-04-30)"},
        {F::kMonthly, 30, ymd(2026, 2, 28), "[2026-02-28, 2026-03-30)"},
        {F::kMonthly, 30, ymd(2024, 2, 29), "[2024-02-29, 2024-03-30)"},
        {F::kMonthly, 29, ymd(2026, 2, 28), "[2026-02-28, 2026-03-29)"},
        {F::kMonthly, 28, ymd(2024, 2, 29), "(none)"},
        {F::kQuarterly, 1, ymd(2026, 2, 1), "(none)"},
        {F::kQuarterly, 1, ymd(2026, 4, 1), "[2026-04-01, 2026-07-01)"},
        {F::kQuarterly, 31, ymd(2026, 3, 31), "(none)"},
        {F::kQuarterly, 31, ymd(2026, 4, 30), "[2026-04-30, 2026-07-31)"},
        {F::kQuarterly, 31, ymd(2026, 5, 31), "(none)"},
        {F::kAnnually, 31, ymd(2026, 1, 31), "[2026-01-31, 2027-01-31)"},
        {F::kAnnually, 31, ymd(2026, 2, 28), "(none)"},
        {F::kAnnually, 31, ymd(2026, 12, 31), "(none)"},
        {F::kAnnually, 1, ymd(2027, 1, 1), "[2027-01-01, 2028-01-01)"},
        {F::kAnnually, 1, ymd(2026, 7, 1), "(none)"},
    };
    for (const Case& c : cases) {
        const BillingSchedule schedule{c.frequency, c.billing_day};
        BOOST_TEST_CONTEXT(text(schedule) << ", " << iso(c.start)) {
            BOOST_TEST(text(periodStartingOn(schedule, c.start)) == c.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(periods_tile_every_day_of_three_years_for_every_frequency_and_billing_day) {
    const Date first = ymd(2024, 1, 1);  // a leap year, then two common years
    const Date last = ymd(2026, 12, 31);
    for (const F frequency : {F::kMonthly, F::kQuarterly, F::kAnnually}) {
        const int step = monthsPerPeriod(frequency);
        const auto [min_days, max_days] = frequency == F::kMonthly     ? std::pair{28, 31}
                                          : frequency == F::kQuarterly ? std::pair{89, 92}
                                                                       : std::pair{365, 366};
        for (int billing_day = 1; billing_day <= 31; ++billing_day) {
            const BillingSchedule schedule{frequency, billing_day};
            BOOST_TEST_CONTEXT(text(schedule)) {
                std::optional<Period> previous;
                int failures = 0;
                // Stop at the first broken day of a schedule so a regression stays readable.
                auto check = [&](bool ok, const Date& day, const Period& p, const char* what) {
                    if (ok) return true;
                    ++failures;
                    BOOST_ERROR(what << " on " << iso(day) << " in " << text(p));
                    return false;
                };
                for (Date day = first; !before(last, day); day = core::addDays(day, 1)) {
                    const Period p = periodContaining(schedule, day);
                    const bool is_start = p.start == day;
                    const auto starting = periodStartingOn(schedule, day);
                    const std::chrono::year_month start_month{p.start.year(), p.start.month()};
                    const int month_index =
                        static_cast<int>(static_cast<unsigned>(p.start.month())) - 1;
                    const unsigned wanted_day =
                        std::min(static_cast<unsigned>(billing_day), lastDayOf(start_month));
                    const int length = core::daysBetween(p.start, p.end);
                    const bool ok =
                        check(!before(day, p.start) && before(day, p.end), day, p,
                              "the day is outside the period reported for it") &&
                        check(month_index % step == 0, day, p,
                              "the period starts in a month that is not an anchor month") &&
                        check(static_cast<unsigned>(p.start.day()) == wanted_day, day, p,
                              "the period does not start on the clamped billing day") &&
                        check(length >= min_days && length <= max_days, day, p,
                              "the period has an impossible length") &&
                        check(periodContaining(schedule, p.start) == p, day, p,
                              "the period's first day reports another period") &&
                        check(periodContaining(schedule, core::addDays(p.end, -1)) == p, day, p,
                              "the period's last day reports another period") &&
                        check(periodContaining(schedule, p.end).start == p.end, day, p,
                              "the next period does not start where this one ends") &&
                        check(periodStartingOn(schedule, p.start) == p, day, p,
                              "periodStartingOn disagrees with the period's own start") &&
                        check(starting.has_value() == is_start && (!starting || *starting == p),
                              day, p, "periodStartingOn is wrong for this day") &&
                        check(!previous || *previous == p || (previous->end == day && is_start),
                              day, p, "consecutive days jump between non-adjacent periods");
                    if (!ok) break;
                    previous = p;
                }
                BOOST_TEST(failures == 0);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
