#include "core/date.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

namespace billwright::core {
namespace {

using namespace std::chrono_literals;

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string iso(Date d) { return formatIsoDate(d); }

std::string iso(std::optional<Date> d) { return d ? formatIsoDate(*d) : "(none)"; }

std::string timestamp(std::optional<SysSeconds> t) { return t ? formatTimestamp(*t) : "(none)"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(date)

BOOST_AUTO_TEST_CASE(parse_iso_date_accepts_only_real_dates_in_strict_form) {
    struct Case {
        std::string_view text;
        const char* expected;  // nullptr when the text must be rejected
    };
    const Case cases[] = {
        {"2026-03-01", "2026-03-01"},
        {"2024-02-29", "2024-02-29"},
        {"2000-02-29", "2000-02-29"},
        {"1900-01-01", "1900-01-01"},
        {"9999-12-31", "9999-12-31"},
        {"2026-12-31", "2026-12-31"},
        {"2026-02-29", nullptr},
        {"1900-02-29", nullptr},
        {"2026-02-30", nullptr},
        {"2026-04-31", nullptr},
        {"2026-13-01", nullptr},
        {"2026-00-10", nullptr},
        {"2026-01-00", nullptr},
        {"2026-01-32", nullptr},
        {"1899-12-31", nullptr},
        {"0000-01-01", nullptr},
        {"2026-2-01", nullptr},
        {"2026-02-1", nullptr},
        {"2026-02-01x", nullptr},
        {" 2026-02-01", nullptr},
        {"2026/02/01", nullptr},
        {"20260201", nullptr},
        {"+026-02-01", nullptr},
        {"2026-+2-01", nullptr},
        {"2026-02-01T00:00:00Z", nullptr},
        {"", nullptr},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT('"' << c.text << '"') {
            BOOST_TEST(iso(parseIsoDate(c.text)) == (c.expected ? c.expected : "(none)"));
        }
    }
}

BOOST_AUTO_TEST_CASE(format_iso_date_pads_months_and_days) {
    BOOST_TEST(formatIsoDate(ymd(2026, 3, 1)) == "2026-03-01");
    BOOST_TEST(formatIsoDate(ymd(1900, 12, 31)) == "1900-12-31");
    BOOST_TEST(formatIsoDate(ymd(987, 1, 2)) == "0987-01-02");
    BOOST_TEST(formatIsoDate(ymd(0, 1, 1)) == "0000-01-01");
    BOOST_TEST(formatIsoDate(ymd(9999, 12, 31)) == "9999-12-31");
    // Outside four digits the year is written whole, with its sign.
    BOOST_TEST(formatIsoDate(ymd(10000, 1, 1)) == "10000-01-01");
    BOOST_TEST(formatIsoDate(ymd(-1, 6, 15)) == "-001-06-15");
}

BOOST_AUTO_TEST_CASE(format_timestamp_is_rfc3339_utc_to_the_second) {
    using namespace std::chrono;
    BOOST_TEST(formatTimestamp(SysSeconds{}) == "1970-01-01T00:00:00Z");
    BOOST_TEST(formatTimestamp(sys_days{ymd(2026, 11, 22)} + 23h + 59min + 59s) ==
               "2026-11-22T23:59:59Z");
    BOOST_TEST(formatTimestamp(sys_days{ymd(2024, 2, 29)} + 7h + 5min + 3s) ==
               "2024-02-29T07:05:03Z");
    BOOST_TEST(formatTimestamp(sys_days{ymd(1969, 12, 31)} + 12h) == "1969-12-31T12:00:00Z");
    BOOST_TEST(formatTimestamp(sys_days{ymd(10000, 1, 1)} + 1s) == "10000-01-01T00:00:01Z");
}

BOOST_AUTO_TEST_CASE(add_months_clamped_keeps_the_day_or_clamps_to_the_month_end) {
    struct Case {
        Date from;
        int months;
        const char* expected;
    };
    const Case cases[] = {
        {ymd(2026, 1, 31), 1, "2026-02-28"},   {ymd(2024, 1, 31), 1, "2024-02-29"},
        {ymd(2026, 3, 31), -1, "2026-02-28"},  {ymd(2026, 3, 31), 1, "2026-04-30"},
        {ymd(2026, 1, 15), 1, "2026-02-15"},   {ymd(2026, 1, 15), 0, "2026-01-15"},
        {ymd(2026, 11, 30), 2, "2027-01-30"},  {ymd(2026, 1, 31), 12, "2027-01-31"},
        {ymd(2026, 5, 31), 12, "2027-05-31"},  {ymd(2024, 2, 29), 12, "2025-02-28"},
        {ymd(2024, 2, 29), 48, "2028-02-29"},  {ymd(2026, 1, 31), -1, "2025-12-31"},
        {ymd(2026, 1, 31), -2, "2025-11-30"},  {ymd(2026, 1, 31), -12, "2025-01-31"},
        {ymd(2026, 1, 31), -13, "2024-12-31"}, {ymd(2026, 1, 31), -25, "2023-12-31"},
        {ymd(2026, 12, 31), 14, "2028-02-29"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(iso(c.from) << " + " << c.months << " months") {
            BOOST_TEST(iso(addMonthsClamped(c.from, c.months)) == c.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(clamped_day_never_passes_the_end_of_the_month) {
    using std::chrono::year;
    struct Case {
        std::chrono::year_month ym;
        unsigned day;
        const char* expected;
    };
    const Case cases[] = {
        {year{2026} / std::chrono::February, 1, "2026-02-01"},
        {year{2026} / std::chrono::February, 28, "2026-02-28"},
        {year{2026} / std::chrono::February, 29, "2026-02-28"},
        {year{2026} / std::chrono::February, 31, "2026-02-28"},
        {year{2024} / std::chrono::February, 30, "2024-02-29"},
        {year{2026} / std::chrono::April, 31, "2026-04-30"},
        {year{2026} / std::chrono::January, 31, "2026-01-31"},
        {year{2026} / std::chrono::December, 15, "2026-12-15"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("day " << c.day << " expecting " << c.expected) {
            BOOST_TEST(iso(clampedDay(c.ym, c.day)) == c.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(add_days_crosses_month_and_year_ends) {
    BOOST_TEST(iso(addDays(ymd(2026, 12, 31), 1)) == "2027-01-01");
    BOOST_TEST(iso(addDays(ymd(2027, 1, 1), -1)) == "2026-12-31");
    BOOST_TEST(iso(addDays(ymd(2024, 2, 28), 1)) == "2024-02-29");
    BOOST_TEST(iso(addDays(ymd(2026, 2, 28), 1)) == "2026-03-01");
    BOOST_TEST(iso(addDays(ymd(2026, 1, 1), 365)) == "2027-01-01");
    BOOST_TEST(iso(addDays(ymd(2024, 1, 1), 365)) == "2024-12-31");
    BOOST_TEST(iso(addDays(ymd(2026, 3, 1), 0)) == "2026-03-01");
}

BOOST_AUTO_TEST_CASE(days_between_is_signed_and_counts_leap_days) {
    BOOST_TEST(daysBetween(ymd(2026, 1, 1), ymd(2026, 1, 1)) == 0);
    BOOST_TEST(daysBetween(ymd(2026, 1, 1), ymd(2026, 1, 31)) == 30);
    BOOST_TEST(daysBetween(ymd(2026, 1, 31), ymd(2026, 1, 1)) == -30);
    BOOST_TEST(daysBetween(ymd(2026, 1, 1), ymd(2027, 1, 1)) == 365);
    BOOST_TEST(daysBetween(ymd(2024, 1, 1), ymd(2025, 1, 1)) == 366);
    BOOST_TEST(daysBetween(ymd(2024, 2, 1), ymd(2024, 3, 1)) == 29);
    BOOST_TEST(daysBetween(ymd(2026, 12, 31), ymd(2027, 1, 1)) == 1);
}

BOOST_AUTO_TEST_CASE(format_timestamp_writes_utc_with_second_precision) {
    BOOST_TEST(formatTimestamp(SysSeconds{0s}) == "1970-01-01T00:00:00Z");
    BOOST_TEST(formatTimestamp(SysSeconds{std::chrono::sys_days{ymd(2026, 3, 1)}} + 12h) ==
               "2026-03-01T12:00:00Z");
    BOOST_TEST(formatTimestamp(SysSeconds{-1s}) == "1969-12-31T23:59:59Z");
    BOOST_TEST(formatTimestamp(SysSeconds{std::chrono::sys_days{ymd(2026, 12, 31)}} + 86399s) ==
               "2026-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(timestamps_survive_a_format_and_parse_round_trip) {
    for (const SysSeconds t : {SysSeconds{0s}, SysSeconds{1772953200s}, SysSeconds{4102444799s},
                               SysSeconds{std::chrono::sys_days{ymd(1900, 1, 1)}},
                               SysSeconds{std::chrono::sys_days{ymd(2024, 2, 29)}} + 3723s}) {
        const std::string text = formatTimestamp(t);
        BOOST_TEST_CONTEXT(text) {
            const auto parsed = parseTimestamp(text);
            BOOST_REQUIRE(parsed.has_value());
            BOOST_TEST(parsed->time_since_epoch().count() == t.time_since_epoch().count());
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_timestamp_accepts_rfc3339_with_z_or_a_numeric_offset) {
    struct Case {
        std::string_view text;
        const char* utc;
    };
    const Case cases[] = {
        {"2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"},
        {"2026-03-01t00:00:00z", "2026-03-01T00:00:00Z"},
        {"2026-03-01T12:34:56Z", "2026-03-01T12:34:56Z"},
        {"2026-03-01T00:00:00+05:30", "2026-02-28T18:30:00Z"},
        {"2026-03-01T00:00:00-05:00", "2026-03-01T05:00:00Z"},
        {"2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00Z"},
        {"2026-03-01T00:00:00-00:00", "2026-03-01T00:00:00Z"},
        {"2026-03-01T23:30:00-03:30", "2026-03-02T03:00:00Z"},
        {"2026-12-31T23:59:59-14:00", "2027-01-01T13:59:59Z"},
        {"2026-03-01T00:00:00.999Z", "2026-03-01T00:00:00Z"},
        {"2026-03-01T00:00:00.5+01:00", "2026-02-28T23:00:00Z"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.text) { BOOST_TEST(timestamp(parseTimestamp(c.text)) == c.utc); }
    }
}

BOOST_AUTO_TEST_CASE(parse_timestamp_rejects_anything_but_strict_rfc3339) {
    const std::string_view cases[] = {
        "2026-03-01T24:00:00Z",
        "2026-03-01T23:60:00Z",
        "2026-03-01T23:59:60Z",
        "2026-03-01 00:00:00Z",
        "2026-03-01T00:00:00",
        "2026-03-01T00:00:00.",
        "2026-03-01T00:00:00.Z",
        "2026-03-01T00:00:00+05",
        "2026-03-01T00:00:00+0530",
        "2026-03-01T00:00:00+05:3",
        "2026-03-01T00:00:00+24:00",
        "2026-03-01T00:00:00+05:60",
        "2026-03-01T00:00:00ZZ",
        "2026-03-01T00:00:00Z ",
        "2026-03-01T00:00:00+05:30x",
        "2026-03-01T0:00:00Z",
        "2026-02-30T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "2026-03-01",
        "2026-03-01T",
        "",
    };
    for (const std::string_view text : cases) {
        BOOST_TEST_CONTEXT('"' << text << '"') { BOOST_TEST(!parseTimestamp(text).has_value()); }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::core
