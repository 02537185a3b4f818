#include "common/iso_time.h"

namespace billwright::common {
namespace {

// The decimal digits text[at, at + length) as a number, or nullopt when one is not a digit.
std::optional<std::int64_t> digits(std::string_view text, std::size_t at, std::size_t length) {
    if (at + length > text.size()) return std::nullopt;
    std::int64_t value = 0;
    for (std::size_t i = at; i < at + length; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool allDigits(std::string_view text) {
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

bool leapYear(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<std::int64_t> isoDateDays(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const auto year = digits(text, 0, 4);
    const auto month = digits(text, 5, 2);
    const auto day = digits(text, 8, 2);
    if (!year || !month || !day || *year < 1970 || *month < 1 || *month > 12) return std::nullopt;
    static constexpr std::int64_t kDaysBefore[] = {0,   31,  59,  90,  120, 151,
                                                   181, 212, 243, 273, 304, 334};
    static constexpr std::int64_t kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = leapYear(*year);
    const std::int64_t month_days = kDaysIn[*month - 1] + (leap && *month == 2 ? 1 : 0);
    if (*day < 1 || *day > month_days) return std::nullopt;
    const auto leaps_before = [](std::int64_t y) { return y / 4 - y / 100 + y / 400; };
    const std::int64_t years = *year - 1970;
    const std::int64_t leap_days = leaps_before(*year - 1) - leaps_before(1969);
    return years * 365 + leap_days + kDaysBefore[*month - 1] + (leap && *month > 2 ? 1 : 0) +
           (*day - 1);
}

std::optional<std::int64_t> parseIsoTime(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z
    if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        text.back() != 'Z') {
        return std::nullopt;
    }
    const auto days = isoDateDays(text.substr(0, 10));
    const auto hour = digits(text, 11, 2);
    const auto minute = digits(text, 14, 2);
    const auto second = digits(text, 17, 2);
    if (!days || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    // The fraction may be any length: its digits are checked, never added up.
    const std::string_view fraction = text.substr(19, text.size() - 20);
    if (!fraction.empty() &&
        (fraction[0] != '.' || fraction.size() < 2 || !allDigits(fraction.substr(1)))) {
        return std::nullopt;
    }
    return *days * 86400 + *hour * 3600 + *minute * 60 + *second;
}

}  // namespace billwright::common
