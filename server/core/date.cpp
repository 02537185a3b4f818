#include "core/date.h"

#include <charconv>
#include <cstdio>

namespace billwright::core {
namespace {

bool parseDigits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

}  // namespace

std::optional<Date> parseIsoDate(std::string_view text) {
    int y = 0, m = 0, d = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (!parseDigits(text, 0, 4, y) || !parseDigits(text, 5, 2, m) || !parseDigits(text, 8, 2, d)) {
        return std::nullopt;
    }
    if (y < 1900) return std::nullopt;
    const Date date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                    std::chrono::day{static_cast<unsigned>(d)}};
    if (!date.ok()) return std::nullopt;
    return date;
}

namespace {

// Writes `value` as exactly `width` decimal digits (zero-padded) at `out`.
void putDigits(char* out, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

// YYYY-MM-DD into out[0..9] for years 0..9999 (every date a billing document holds); false for
// others, which the callers format with snprintf. Dates and timestamps go into every API answer,
// and snprintf was a fifth of an invoice read's formatting.
bool putIsoDate(char* out, Date date) {
    const int year = static_cast<int>(date.year());
    if (year < 0 || year > 9999) return false;
    putDigits(out, static_cast<unsigned>(year), 4);
    out[4] = '-';
    putDigits(out + 5, static_cast<unsigned>(date.month()), 2);
    out[7] = '-';
    putDigits(out + 8, static_cast<unsigned>(date.day()), 2);
    return true;
}

}  // namespace

std::string formatIsoDate(Date date) {
    char buf[16];
    if (putIsoDate(buf, date)) return std::string(buf, 10);
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return buf;
}

Date addDays(Date date, int days) {
    return Date{std::chrono::sys_days{date} + std::chrono::days{days}};
}

Date clampedDay(std::chrono::year_month ym, unsigned day) {
    const unsigned last = static_cast<unsigned>(
        std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}}.day());
    return Date{ym.year(), ym.month(), std::chrono::day{day < last ? day : last}};
}

Date addMonthsClamped(Date date, int months) {
    const std::chrono::year_month ym =
        std::chrono::year_month{date.year(), date.month()} + std::chrono::months{months};
    return clampedDay(ym, static_cast<unsigned>(date.day()));
}

int daysBetween(Date from, Date to) {
    return static_cast<int>((std::chrono::sys_days{to} - std::chrono::sys_days{from}).count());
}

std::string formatTimestamp(SysSeconds t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const Date date{day};
    const std::chrono::hh_mm_ss<std::chrono::seconds> tod{t - day};
    char buf[32];
    if (putIsoDate(buf, date)) {
        buf[10] = 'T';
        putDigits(buf + 11, static_cast<unsigned>(tod.hours().count()), 2);
        buf[13] = ':';
        putDigits(buf + 14, static_cast<unsigned>(tod.minutes().count()), 2);
        buf[16] = ':';
        putDigits(buf + 17, static_cast<unsigned>(tod.seconds().count()), 2);
        buf[19] = 'Z';
        return std::string(buf, 20);
    }
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    return buf;
}

std::optional<SysSeconds> parseTimestamp(std::string_view text) {
    if (text.size() < 20 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
    const auto date = parseIsoDate(text.substr(0, 10));
    if (!date) return std::nullopt;
    int hh = 0, mm = 0, ss = 0;
    if (!parseDigits(text, 11, 2, hh) || text[13] != ':' || !parseDigits(text, 14, 2, mm) ||
        text[16] != ':' || !parseDigits(text, 17, 2, ss)) {
        return std::nullopt;
    }
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t digits_start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == digits_start) return std::nullopt;
    }
    if (pos >= text.size()) return std::nullopt;
    int offset_seconds = 0;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        int oh = 0, om = 0;
        if (!parseDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !parseDigits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    return SysSeconds{std::chrono::sys_days{*date}} + std::chrono::hours{hh} +
           std::chrono::minutes{mm} + std::chrono::seconds{ss - offset_seconds};
}

}  // namespace billwright::core
