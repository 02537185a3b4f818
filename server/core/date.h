#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace billwright::core {

// A civil date with no time zone attached. Periods and due dates are civil dates in the
// tenant's time zone; instants are SysSeconds in UTC.
using Date = std::chrono::year_month_day;

// Strict "YYYY-MM-DD" (years 1900..9999), rejecting impossible dates such as 2026-02-30.
std::optional<Date> parseIsoDate(std::string_view text);
std::string formatIsoDate(Date date);

Date addDays(Date date, int days);
// The same day `months` later, clamped to the last day of a shorter month (Jan 31 + 1 = Feb 28).
Date addMonthsClamped(Date date, int months);
// Day `day` (1..31) of the given month, clamped to the month's last day.
Date clampedDay(std::chrono::year_month ym, unsigned day);
int daysBetween(Date from, Date to);  // to - from

// RFC 3339 in UTC, second precision: "2026-03-01T12:00:00Z".
std::string formatTimestamp(SysSeconds t);
// RFC 3339 with "Z" or a numeric offset; fractional seconds are truncated.
std::optional<SysSeconds> parseTimestamp(std::string_view text);

}  // namespace billwright::core
