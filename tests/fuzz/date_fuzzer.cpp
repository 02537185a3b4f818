// Date, timestamp and time-zone name parsing (core/date.h, core/time_zone.h): due dates, periods,
// telemetry timestamps and tenants' zones all come from request bodies. Input: a selector byte,
// two small day / month offsets, then the text.
//
// Invariants: a parsed date formats back to the same text and is a real date in 1900..9999; a
// parsed timestamp formats to a UTC form that parses to the same instant; date arithmetic is
// consistent (daysBetween undoes addDays; addMonthsClamped keeps the day or clamps it to the
// month's end); a zone name that loads gives local dates whose start of day is not after the
// instant.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/date.h"
#include "core/time_zone.h"
#include "fuzz_support.h"

using billwright::fuzz::check;
namespace core = billwright::core;

namespace {

void checkDateArithmetic(core::Date date, int days, int months) {
    const core::Date later = core::addDays(date, days);
    check(later.ok(), "addDays gives a real date");
    check(core::daysBetween(date, later) == days, "daysBetween undoes addDays");
    const core::Date moved = core::addMonthsClamped(date, months);
    check(moved.ok(), "addMonthsClamped gives a real date");
    const auto target =
        std::chrono::year_month(date.year(), date.month()) + std::chrono::months(months);
    check(moved.year() == target.year() && moved.month() == target.month(),
          "addMonthsClamped lands in the target month");
    const auto last = std::chrono::year_month_day_last(target.year(),
                                                       std::chrono::month_day_last(target.month()));
    check(moved.day() == std::min(date.day(), last.day()),
          "addMonthsClamped keeps the day or clamps it to the month's last day");
    const core::Date clamped = core::clampedDay(target, static_cast<unsigned>(date.day()) % 31 + 1);
    check(clamped.ok() && clamped.day() <= last.day(), "clampedDay stays inside the month");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    const std::uint8_t selector = in.byte();
    const int days = static_cast<int>(static_cast<std::int16_t>(in.u32() & 0xFFFF));
    const int months = static_cast<int>(static_cast<std::int8_t>(in.byte()));
    const std::string text(in.rest());

    switch (selector % 3) {
        case 0: {
            const auto date = core::parseIsoDate(text);
            if (!date) break;
            check(date->ok(), "a parsed date is a real date", text);
            const int year = static_cast<int>(date->year());
            check(year >= 1900 && year <= 9999, "a parsed year is in 1900..9999", text);
            check(core::formatIsoDate(*date) == text, "a parsed date formats to its text", text);
            checkDateArithmetic(*date, days, months);
            break;
        }
        case 1: {
            const auto t = core::parseTimestamp(text);
            if (!t) break;
            const std::string utc = core::formatTimestamp(*t);
            const auto again = core::parseTimestamp(utc);
            check(again.has_value() && *again == *t,
                  "a parsed timestamp's UTC form parses to the same instant", text);
            check(utc.size() >= 20 && utc.back() == 'Z', "the UTC form ends in Z", utc);
            // Without an offset the text is already the UTC form (bar case and fractions).
            if (text.size() == 20 && text[10] == 'T' && text[19] == 'Z')
                check(utc == text, "a plain UTC timestamp formats to itself", text);
            break;
        }
        default: {
            const auto zone = core::TimeZone::load(text);
            if (!zone.ok()) {
                check(!zone.error().fields.empty() && zone.error().fields[0].field == "timezone",
                      "a refused zone names the timezone field", text);
                break;
            }
            check(text.find("..") == std::string::npos && (text.empty() || text[0] != '/'),
                  "a zone name never leaves the zoneinfo directory", text);
            const core::SysSeconds instant{std::chrono::seconds(
                std::int64_t{1'700'000'000} + std::int64_t{days} * 86'400 + months * 3'600)};
            const core::Date local = zone.value().localDate(instant);
            check(local.ok(), "a local date is a real date", text);
            check(zone.value().startOfDay(local) <= instant,
                  "the local day starts no later than the instant", text);
            break;
        }
    }
    return 0;
}
