#include "core/time_zone.h"

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/date.h"
#include "core/error.h"

namespace billwright::core {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr const char* kSystemZoneInfo = "/usr/share/zoneinfo";

SysSeconds at(std::string_view rfc3339) {
    const auto parsed = parseTimestamp(rfc3339);
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), "bad timestamp in test: " << rfc3339);
    return *parsed;
}

// parseTimestamp() stops at 1900; history before that needs building by hand.
SysSeconds utcMidnight(int year, unsigned month, unsigned day) {
    return SysSeconds{std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} /
                                            std::chrono::day{day}}};
}

Date date(std::string_view iso) {
    const auto parsed = parseIsoDate(iso);
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), "bad date in test: " << iso);
    return *parsed;
}

TimeZone zone(std::string_view name) {
    auto loaded = TimeZone::load(name);
    BOOST_REQUIRE_MESSAGE(loaded.ok(), "could not load " << name);
    return *loaded;
}

long offsetMinutes(const TimeZone& tz, SysSeconds t) {
    return static_cast<long>(tz.offsetAt(t).count() / 60);
}

// The local wall-clock time, spelled like a UTC timestamp so it can be compared as text.
std::string wallClock(const TimeZone& tz, SysSeconds t) {
    return formatTimestamp(SysSeconds{tz.toLocal(t).time_since_epoch()});
}

void checkUnknownTimeZone(const Result<TimeZone>& result) {
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST((result.error().code == ErrorCode::kValidationFailed));
    BOOST_REQUIRE_EQUAL(result.error().fields.size(), 1u);
    BOOST_TEST(result.error().fields[0].field == "timezone");
    BOOST_TEST(result.error().fields[0].code == "unknown_timezone");
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A private zoneinfo directory for one test. Points TimeZone at it while alive and restores the
// default (and the cache) afterwards, even when the test fails.
class ScratchZoneInfo {
public:
    ScratchZoneInfo() {
        std::string pattern = (fs::temp_directory_path() / "bw_time_zone_XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        dir_ = pattern;
        TimeZone::setZoneInfoDirForTesting(dir_.string());
    }
    ~ScratchZoneInfo() {
        TimeZone::setZoneInfoDirForTesting("");
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    ScratchZoneInfo(const ScratchZoneInfo&) = delete;
    ScratchZoneInfo& operator=(const ScratchZoneInfo&) = delete;

    const fs::path& dir() const { return dir_; }

    void write(const std::string& name, const std::string& bytes) const {
        const fs::path path = dir_ / name;
        fs::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        BOOST_REQUIRE(out.good());
    }

    // Makes the next load re-read files instead of answering from the cache.
    void forgetLoadedZones() const { TimeZone::setZoneInfoDirForTesting(dir_.string()); }

private:
    fs::path dir_;
};

// Builds TZif files so tests can say exactly what a hostile or unusual file contains.
struct TzifSpec {
    char version = '2';  // '\0' for a version 1 file
    std::vector<std::int64_t> transitions;
    std::vector<std::uint8_t> transition_types;
    std::vector<std::int32_t> utoffs;
    std::vector<std::pair<std::int64_t, std::int32_t>> leap_seconds;
    std::string footer;
};

void putBigEndian(std::string& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}

void putHeader(std::string& out, char version, const TzifSpec& spec) {
    out += "TZif";
    out.push_back(version);
    out.append(15, '\0');
    const auto typecnt = static_cast<std::uint32_t>(spec.utoffs.size());
    putBigEndian(out, typecnt, 4);  // isutcnt
    putBigEndian(out, typecnt, 4);  // isstdcnt
    putBigEndian(out, spec.leap_seconds.size(), 4);
    putBigEndian(out, spec.transitions.size(), 4);
    putBigEndian(out, typecnt, 4);
    putBigEndian(out, 4, 4);  // charcnt: "LMT\0"
}

void putBlock(std::string& out, const TzifSpec& spec, int time_size) {
    for (const std::int64_t t : spec.transitions) {
        putBigEndian(out, static_cast<std::uint64_t>(t), time_size);
    }
    for (const std::uint8_t type : spec.transition_types) out.push_back(static_cast<char>(type));
    for (const std::int32_t utoff : spec.utoffs) {
        putBigEndian(out, static_cast<std::uint32_t>(utoff), 4);
        out.push_back('\0');  // isdst
        out.push_back('\0');  // designation index
    }
    out.append("LMT", 4);
    for (const auto& [t, correction] : spec.leap_seconds) {
        putBigEndian(out, static_cast<std::uint64_t>(t), time_size);
        putBigEndian(out, static_cast<std::uint32_t>(correction), 4);
    }
    out.append(2 * spec.utoffs.size(), '\0');  // isstd and isut indicators
}

std::string buildTzif(const TzifSpec& spec) {
    std::string out;
    putHeader(out, spec.version, spec);
    putBlock(out, spec, 4);
    if (spec.version == '\0') return out;
    putHeader(out, spec.version, spec);
    putBlock(out, spec, 8);
    out += '\n' + spec.footer + '\n';
    return out;
}

// America/New_York's 2026 switches, standing alone.
TzifSpec newYork2026() {
    TzifSpec spec;
    spec.transitions = {1772953200, 1793512800};  // 2026-03-08T07:00Z, 2026-11-01T06:00Z
    spec.transition_types = {1, 0};
    spec.utoffs = {-5 * 3600, -4 * 3600};
    spec.footer = "EST5EDT,M3.2.0,M11.1.0";
    return spec;
}

std::vector<std::string> zonesFromZone1970Tab() {
    std::ifstream in(std::string(kSystemZoneInfo) + "/zone1970.tab");
    std::vector<std::string> zones;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string codes, coordinates, name;
        std::getline(fields, codes, '\t');
        std::getline(fields, coordinates, '\t');
        std::getline(fields, name, '\t');
        if (!name.empty()) zones.push_back(name);
    }
    return zones;
}

// glibc reads the same tzdata with its own code, which makes it a good independent oracle.
class GlibcZone {
public:
    explicit GlibcZone(const std::string& name) {
        if (const char* old = std::getenv("TZ")) saved_ = old;
        ::setenv("TZ", name.c_str(), 1);
        ::tzset();
    }
    ~GlibcZone() {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    GlibcZone(const GlibcZone&) = delete;
    GlibcZone& operator=(const GlibcZone&) = delete;

    long offsetSeconds(SysSeconds t) const {
        const time_t when = static_cast<time_t>(t.time_since_epoch().count());
        struct tm local {};
        BOOST_REQUIRE(::localtime_r(&when, &local) != nullptr);
        return local.tm_gmtoff;
    }

private:
    std::optional<std::string> saved_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(time_zone)

BOOST_AUTO_TEST_CASE(new_york_switches_to_daylight_time_on_the_second_sunday_of_march_2026) {
    const TimeZone ny = zone("America/New_York");
    BOOST_TEST(ny.name() == "America/New_York");
    BOOST_TEST(offsetMinutes(ny, at("2026-03-08T06:59:59Z")) == -300);
    BOOST_TEST(offsetMinutes(ny, at("2026-03-08T07:00:00Z")) == -240);
    // Local clocks jump from 01:59:59 to 03:00:00.
    BOOST_TEST(wallClock(ny, at("2026-03-08T06:59:59Z")) == "2026-03-08T01:59:59Z");
    BOOST_TEST(wallClock(ny, at("2026-03-08T07:00:00Z")) == "2026-03-08T03:00:00Z");
}

BOOST_AUTO_TEST_CASE(new_york_returns_to_standard_time_on_the_first_sunday_of_november_2026) {
    const TimeZone ny = zone("America/New_York");
    BOOST_TEST(offsetMinutes(ny, at("2026-11-01T05:59:59Z")) == -240);
    BOOST_TEST(offsetMinutes(ny, at("2026-11-01T06:00:00Z")) == -300);
    // 01:30 happens twice that night; both are still November 1st.
    BOOST_TEST(wallClock(ny, at("2026-11-01T05:30:00Z")) == "2026-11-01T01:30:00Z");
    BOOST_TEST(wallClock(ny, at("2026-11-01T06:30:00Z")) == "2026-11-01T01:30:00Z");
    BOOST_TEST(formatIsoDate(ny.localDate(at("2026-11-01T06:30:00Z"))) == "2026-11-01");
}

BOOST_AUTO_TEST_CASE(offsets_match_tzdata_for_zones_around_the_world) {
    struct Case {
        const char* zone;
        const char* instant;
        long offset_minutes;
    };
    const Case cases[] = {
        {"UTC", "2026-07-01T12:00:00Z", 0},
        {"Etc/UTC", "2026-07-01T12:00:00Z", 0},
        {"Asia/Kolkata", "2026-01-15T12:00:00Z", 330},
        {"Asia/Kolkata", "2026-07-15T12:00:00Z", 330},
        {"Pacific/Kiritimati", "2026-07-01T12:00:00Z", 840},
        {"America/St_Johns", "2026-01-15T12:00:00Z", -210},
        {"America/St_Johns", "2026-03-08T05:29:59Z", -210},
        {"America/St_Johns", "2026-03-08T05:30:00Z", -150},
        {"America/St_Johns", "2026-07-15T12:00:00Z", -150},
        // Southern hemisphere: daylight time in January, standard time in July.
        {"Australia/Sydney", "2026-01-15T12:00:00Z", 660},
        {"Australia/Sydney", "2026-04-04T15:59:59Z", 660},
        {"Australia/Sydney", "2026-04-04T16:00:00Z", 600},
        {"Australia/Sydney", "2026-07-15T12:00:00Z", 600},
        {"Australia/Sydney", "2026-10-03T16:00:00Z", 660},
        // Lord Howe Island moves its clocks by half an hour.
        {"Australia/Lord_Howe", "2026-01-15T12:00:00Z", 660},
        {"Australia/Lord_Howe", "2026-04-04T14:59:59Z", 660},
        {"Australia/Lord_Howe", "2026-04-04T15:00:00Z", 630},
        {"Australia/Lord_Howe", "2026-07-15T12:00:00Z", 630},
        {"Australia/Lord_Howe", "2026-10-03T15:29:59Z", 630},
        {"Australia/Lord_Howe", "2026-10-03T15:30:00Z", 660},
        {"Europe/London", "2026-01-15T12:00:00Z", 0},
        {"Europe/London", "2026-07-15T12:00:00Z", 60},
        // A link name resolves to the zone it names.
        {"US/Eastern", "2026-07-01T12:00:00Z", -240},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.zone << " at " << c.instant) {
            BOOST_TEST(offsetMinutes(zone(c.zone), at(c.instant)) == c.offset_minutes);
        }
    }
}

BOOST_AUTO_TEST_CASE(instants_before_the_first_transition_use_the_first_local_time_type) {
    // New York's LMT was -4:56:02 until 1883-11-18 17:00 UT.
    const TimeZone ny = zone("America/New_York");
    BOOST_TEST(ny.offsetAt(utcMidnight(1850, 1, 1)).count() == -(4 * 3600 + 56 * 60 + 2));
    BOOST_TEST(ny.offsetAt(utcMidnight(1883, 11, 18) + std::chrono::hours{17}).count() ==
               -5 * 3600);
    BOOST_TEST(formatIsoDate(ny.localDate(utcMidnight(1850, 1, 1))) == "1849-12-31");
}

BOOST_AUTO_TEST_CASE(instants_after_the_last_transition_follow_the_posix_footer_rule) {
    struct Case {
        const char* zone;
        const char* instant;
        long offset_minutes;
    };
    const Case cases[] = {
        {"America/New_York", "2100-01-15T12:00:00Z", -300},
        {"America/New_York", "2100-03-14T06:59:59Z", -300},
        {"America/New_York", "2100-03-14T07:00:00Z", -240},
        {"America/New_York", "2100-07-01T12:00:00Z", -240},
        {"America/New_York", "2100-11-07T05:59:59Z", -240},
        {"America/New_York", "2100-11-07T06:00:00Z", -300},
        {"Europe/London", "2100-01-15T12:00:00Z", 0},
        {"Europe/London", "2100-03-28T00:59:59Z", 0},
        {"Europe/London", "2100-03-28T01:00:00Z", 60},
        {"Europe/London", "2100-07-01T12:00:00Z", 60},
        {"Europe/London", "2100-10-31T00:59:59Z", 60},
        {"Europe/London", "2100-10-31T01:00:00Z", 0},
        // Ireland's rule is written with "negative DST": winter time is the DST half.
        {"Europe/Dublin", "2100-01-15T12:00:00Z", 0},
        {"Europe/Dublin", "2100-07-01T12:00:00Z", 60},
        // "M3.5.0/-1": a negative rule time, the day before at 23:00.
        {"America/Nuuk", "2100-03-28T00:59:59Z", -120},
        {"America/Nuuk", "2100-03-28T01:00:00Z", -60},
        // "M9.1.6/24": 24:00 on a Saturday.
        {"America/Santiago", "2050-09-04T03:59:59Z", -240},
        {"America/Santiago", "2050-09-04T04:00:00Z", -180},
        {"Australia/Sydney", "2100-01-15T12:00:00Z", 660},
        {"Australia/Sydney", "2100-07-15T12:00:00Z", 600},
        {"Asia/Kolkata", "2300-01-01T00:00:00Z", 330},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.zone << " at " << c.instant) {
            BOOST_TEST(offsetMinutes(zone(c.zone), at(c.instant)) == c.offset_minutes);
        }
    }
}

BOOST_AUTO_TEST_CASE(local_date_changes_at_local_midnight_not_at_utc_midnight) {
    struct Case {
        const char* zone;
        const char* instant;
        const char* local_date;
    };
    const Case cases[] = {
        {"America/New_York", "2026-03-01T04:30:00Z", "2026-02-28"},
        {"America/New_York", "2026-03-01T04:59:59Z", "2026-02-28"},
        {"America/New_York", "2026-03-01T05:00:00Z", "2026-03-01"},
        {"America/New_York", "2027-01-01T04:59:59Z", "2026-12-31"},
        {"Asia/Kolkata", "2026-02-28T18:29:59Z", "2026-02-28"},
        {"Asia/Kolkata", "2026-02-28T18:30:00Z", "2026-03-01"},
        {"Pacific/Kiritimati", "2026-03-01T09:59:59Z", "2026-03-01"},
        {"Pacific/Kiritimati", "2026-03-01T10:00:00Z", "2026-03-02"},
        {"America/St_Johns", "2026-01-01T03:29:59Z", "2025-12-31"},
        {"America/St_Johns", "2026-01-01T03:30:00Z", "2026-01-01"},
        {"UTC", "2026-03-01T00:00:00Z", "2026-03-01"},
        {"UTC", "2026-02-28T23:59:59Z", "2026-02-28"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.zone << " at " << c.instant) {
            BOOST_TEST(formatIsoDate(zone(c.zone).localDate(at(c.instant))) == c.local_date);
        }
    }
}

BOOST_AUTO_TEST_CASE(start_of_day_is_local_midnight_on_an_ordinary_day) {
    struct Case {
        const char* zone;
        const char* date;
        const char* start;
    };
    const Case cases[] = {
        {"UTC", "2026-03-01", "2026-03-01T00:00:00Z"},
        {"America/New_York", "2026-03-01", "2026-03-01T05:00:00Z"},
        // The switch happens at 02:00, so both midnights around it are ordinary.
        {"America/New_York", "2026-03-08", "2026-03-08T05:00:00Z"},
        {"America/New_York", "2026-03-09", "2026-03-09T04:00:00Z"},
        {"America/New_York", "2100-07-01", "2100-07-01T04:00:00Z"},
        {"Asia/Kolkata", "2026-03-01", "2026-02-28T18:30:00Z"},
        {"Pacific/Kiritimati", "2026-03-01", "2026-02-28T10:00:00Z"},
        {"Australia/Lord_Howe", "2026-07-01", "2026-06-30T13:30:00Z"},
        {"America/St_Johns", "2026-07-01", "2026-07-01T02:30:00Z"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.zone << " on " << c.date) {
            BOOST_TEST(formatTimestamp(zone(c.zone).startOfDay(date(c.date))) == c.start);
        }
    }
}

// Checked against `zdump -v`: e.g. America/Havana goes from "Sat Mar 7 23:59:59 2026 CST" to
// "Sun Mar 8 01:00:00 2026 CDT" at 05:00 UT.
BOOST_AUTO_TEST_CASE(start_of_day_is_the_first_existing_instant_when_midnight_falls_in_a_dst_gap) {
    struct Case {
        const char* zone;
        const char* date;
        const char* start;
    };
    const Case cases[] = {
        {"America/Havana", "2026-03-08", "2026-03-08T05:00:00Z"},
        {"America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z"},
        // Past the last transition, from the footer "<-04>4<-03>,M9.1.6/24,M4.1.6/24".
        {"America/Santiago", "2050-09-04", "2050-09-04T04:00:00Z"},
        // Samoa skipped 2011-12-30 entirely; the day "starts" when 12-31 does.
        {"Pacific/Apia", "2011-12-30", "2011-12-30T10:00:00Z"},
        {"Pacific/Apia", "2011-12-31", "2011-12-30T10:00:00Z"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.zone << " on " << c.date) {
            BOOST_TEST(formatTimestamp(zone(c.zone).startOfDay(date(c.date))) == c.start);
        }
    }
}

BOOST_AUTO_TEST_CASE(start_of_day_is_the_earlier_midnight_when_clocks_fall_back_across_it) {
    // Havana falls back from 01:00 CDT to 00:00 CST, so 2026-11-01 00:00 happens twice.
    const TimeZone havana = zone("America/Havana");
    BOOST_TEST(formatTimestamp(havana.startOfDay(date("2026-11-01"))) == "2026-11-01T04:00:00Z");
    // Santiago falls back from 00:00 to 23:00 the day before; the new day begins an hour later.
    const TimeZone santiago = zone("America/Santiago");
    BOOST_TEST(formatTimestamp(santiago.startOfDay(date("2026-04-05"))) == "2026-04-05T04:00:00Z");
    BOOST_TEST(formatIsoDate(santiago.localDate(at("2026-04-05T03:30:00Z"))) == "2026-04-04");
    // Nuuk springs forward from 22:59:59 straight to 00:00, which therefore exists.
    BOOST_TEST(formatTimestamp(zone("America/Nuuk").startOfDay(date("2100-03-28"))) ==
               "2100-03-28T01:00:00Z");
}

BOOST_AUTO_TEST_CASE(start_of_day_is_the_first_instant_of_that_date_every_day_for_decades) {
    // The first instant of the day has that date (or a later one, if the day was skipped) and
    // the second before it does not; probes find no earlier instant with the date. The zones
    // all have switches at or near midnight, and the range reaches well into their footers.
    for (const char* name : {"America/Havana", "America/Santiago", "America/Asuncion",
                             "Asia/Beirut", "Pacific/Apia"}) {
        const TimeZone tz = zone(name);
        for (Date d = date("1995-01-01"); d < date("2045-01-01"); d = addDays(d, 1)) {
            const SysSeconds start = tz.startOfDay(d);
            const bool ok = tz.localDate(start) >= d && tz.localDate(start - seconds{1}) < d;
            bool earlier = false;
            for (SysSeconds probe = start - std::chrono::hours{27}; probe < start;
                 probe += std::chrono::hours{3}) {
                earlier = earlier || tz.localDate(probe) >= d;
            }
            if (!ok || earlier) {
                BOOST_ERROR(name << " on " << formatIsoDate(d) << " starts at "
                                 << formatTimestamp(start));
                break;
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(offsets_agree_with_glibc_for_every_zone_in_zone1970_tab) {
    const std::vector<std::string> zones = zonesFromZone1970Tab();
    BOOST_REQUIRE_GT(zones.size(), 250u);
    // An odd step so samples land on every hour and weekday over time; covers the footer era.
    const seconds step = std::chrono::days{31} + std::chrono::hours{5} + std::chrono::minutes{11};
    const SysSeconds first = at("1900-01-01T00:00:00Z");
    const SysSeconds end = at("2100-01-01T00:00:00Z");
    for (const std::string& name : zones) {
        const TimeZone tz = zone(name);
        const GlibcZone glibc(name);
        for (SysSeconds t = first; t < end; t += step) {
            if (tz.offsetAt(t).count() != glibc.offsetSeconds(t)) {
                BOOST_ERROR(name << " at " << formatTimestamp(t) << ": " << tz.offsetAt(t).count()
                                 << " vs glibc " << glibc.offsetSeconds(t));
                break;
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(posix_tz_strings_are_evaluated_for_any_year) {
    struct Case {
        const char* tz;
        const char* instant;
        long offset_minutes;
    };
    const Case cases[] = {
        {"EST5EDT,M3.2.0,M11.1.0", "2026-03-08T06:59:59Z", -300},
        {"EST5EDT,M3.2.0,M11.1.0", "2026-03-08T07:00:00Z", -240},
        {"EST5EDT,M3.2.0,M11.1.0", "1900-07-01T00:00:00Z", -240},
        // Without rules, tzcode's default (US rules since 2007) applies.
        {"EST5EDT", "2026-03-08T07:00:00Z", -240},
        {"EST5EDT", "2026-11-01T06:00:00Z", -300},
        {"<+0530>-5:30", "2026-07-01T00:00:00Z", 330},
        {"<-03>3", "2026-07-01T00:00:00Z", -180},
        {"<+0545>-05:45", "2026-07-01T00:00:00Z", 345},
        {"XXX-1:02:03", "2026-07-01T00:00:00Z", 62},
        {"NST3:30NDT,M3.2.0,M11.1.0", "2026-07-01T00:00:00Z", -150},
        // An explicit DST offset that is not one hour.
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2026-01-01T00:00:00Z", 660},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2026-07-01T00:00:00Z", 630},
        // Jn never counts February 29: J60 is March 1 in every year.
        {"AAA3BBB,J60/0,J300/0", "2024-02-29T12:00:00Z", -180},
        {"AAA3BBB,J60/0,J300/0", "2024-03-01T02:59:59Z", -180},
        {"AAA3BBB,J60/0,J300/0", "2024-03-01T03:00:00Z", -120},
        // n counts from zero and does count February 29: day 59 is Feb 29 in a leap year.
        {"AAA3BBB,59/0,300/0", "2024-02-29T03:00:00Z", -120},
        {"AAA3BBB,59/0,300/0", "2025-02-28T12:00:00Z", -180},
        {"AAA3BBB,59/0,300/0", "2025-03-01T03:00:00Z", -120},
        // Week 5 is the last such weekday: the last Sunday of October 2026 is the 25th.
        {"GMT0BST,M3.5.0/1,M10.5.0", "2026-10-25T00:59:59Z", 60},
        {"GMT0BST,M3.5.0/1,M10.5.0", "2026-10-25T01:00:00Z", 0},
        // Times up to 167 hours: 2026-03-01 (Sunday) + 167h is 2026-03-07T23:00 local.
        {"AAA3BBB,M3.1.0/167,M11.1.0", "2026-03-08T01:59:59Z", -180},
        {"AAA3BBB,M3.1.0/167,M11.1.0", "2026-03-08T02:00:00Z", -120},
        {"AAA3BBB,M3.1.0/-167,M11.1.0", "2026-02-22T08:00:00Z", -120},
        // tzcode's spelling of daylight time all year round.
        {"EST5EDT,0/0,J365/25", "2026-01-01T00:00:00Z", -240},
        {"EST5EDT,0/0,J365/25", "2026-07-01T00:00:00Z", -240},
        {"EST5EDT,0/0,J365/25", "2026-12-31T23:59:59Z", -240},
        // Southern hemisphere: the year's end rule comes before its start rule.
        {"AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-01-01T00:00:00Z", 660},
        {"AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-07-01T00:00:00Z", 600},
        {"AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-12-31T23:59:59Z", 660},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.tz << " at " << c.instant) {
            const auto tz = TimeZone::fromPosixTzStringForTesting(c.tz);
            BOOST_REQUIRE(tz.ok());
            BOOST_TEST(offsetMinutes(*tz, at(c.instant)) == c.offset_minutes);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_posix_tz_strings_are_rejected) {
    const char* const cases[] = {
        "",
        "EST",
        "ES5",
        "EST5:",
        "EST5 ",
        "EST25",
        "EST5:60",
        "EST+",
        "<+05",
        "<+5>-5",
        "<+0530>>-5:30",
        "EST5EDT,",
        "EST5EDT,M3.2.0",
        "EST5EDT,M3.2.0,",
        "EST5EDT,M3.2.0,M11.1.0,",
        "EST5EDT,M13.1.0,M11.1.0",
        "EST5EDT,M0.1.0,M11.1.0",
        "EST5EDT,M3.6.0,M11.1.0",
        "EST5EDT,M3.0.0,M11.1.0",
        "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,M3.2,M11.1.0",
        "EST5EDT,J0,J365",
        "EST5EDT,J366,J1",
        "EST5EDT,366,1",
        "EST5EDT,M3.2.0/168,M11.1.0",
        "EST5EDT,M3.2.0/1:60,M11.1.0",
        "EST5EDT,M3.2.0/,M11.1.0",
        "EST5EDT25,M3.2.0,M11.1.0",
        "EST5EDT;M3.2.0,M11.1.0",
        "EST99999999999999999999",
    };
    for (const char* c : cases) {
        BOOST_TEST_CONTEXT('"' << c << '"') {
            checkUnknownTimeZone(TimeZone::fromPosixTzStringForTesting(c));
        }
    }
}

BOOST_AUTO_TEST_CASE(utc_is_built_in_and_needs_no_tzdata) {
    const TimeZone utc = TimeZone::utc();
    BOOST_TEST(utc.name() == "UTC");
    BOOST_TEST(utc.offsetAt(at("2026-07-01T12:00:00Z")).count() == 0);
    BOOST_TEST(formatTimestamp(utc.startOfDay(date("2026-03-01"))) == "2026-03-01T00:00:00Z");

    const ScratchZoneInfo empty;
    const auto loaded = TimeZone::load("UTC");
    BOOST_REQUIRE(loaded.ok());
    BOOST_TEST(loaded->name() == "UTC");
    BOOST_TEST(loaded->offsetAt(at("1900-01-01T00:00:00Z")).count() == 0);
    checkUnknownTimeZone(TimeZone::load("America/New_York"));
}

BOOST_AUTO_TEST_CASE(names_that_are_not_time_zones_are_rejected_as_unknown_timezone) {
    const std::string too_long = "America/" + std::string(57, 'A');
    const std::string with_nul("America/New_York\0", 17);
    const std::string cases[] = {
        "",
        "America",  // a directory
        "Mars/Phobos",
        "zone.tab",
        "iso3166.tab",
        "tzdata.zi",
        "leapseconds",  // a regular file, but not TZif
        "../../etc/passwd",
        "/etc/passwd",
        "/usr/share/zoneinfo/America/New_York",
        "America/../Europe/London",
        "./America/New_York",
        "America/New_York/",
        "America//New_York",
        "America/New York",
        "America\\New_York",
        with_nul,
        too_long,
        "localtime",
        "posixrules",
        "right/America/New_York",
        "posix/America/New_York",
        "utc",
    };
    for (const std::string& name : cases) {
        BOOST_TEST_CONTEXT('"' << name << '"') { checkUnknownTimeZone(TimeZone::load(name)); }
    }
    // 64 characters is still a valid length; it just names nothing.
    BOOST_REQUIRE_EQUAL(too_long.size(), 65u);
    checkUnknownTimeZone(TimeZone::load(too_long.substr(0, 64)));
}

BOOST_AUTO_TEST_CASE(loaded_zones_are_cached_until_the_zoneinfo_dir_changes) {
    const ScratchZoneInfo scratch;
    scratch.write("Test/Zone", buildTzif(newYork2026()));
    const auto first = TimeZone::load("Test/Zone");
    BOOST_REQUIRE(first.ok());

    fs::remove(scratch.dir() / "Test/Zone");
    const auto cached = TimeZone::load("Test/Zone");
    BOOST_REQUIRE(cached.ok());
    BOOST_TEST(offsetMinutes(*cached, at("2026-07-01T00:00:00Z")) == -240);

    scratch.forgetLoadedZones();
    checkUnknownTimeZone(TimeZone::load("Test/Zone"));
}

BOOST_AUTO_TEST_CASE(the_tzdir_environment_variable_names_the_zoneinfo_dir) {
    const ScratchZoneInfo scratch;
    scratch.write("Test/Zone", buildTzif(newYork2026()));
    TimeZone::setZoneInfoDirForTesting("");
    ::setenv("TZDIR", scratch.dir().c_str(), 1);
    const auto from_tzdir = TimeZone::load("Test/Zone");
    ::unsetenv("TZDIR");
    BOOST_REQUIRE(from_tzdir.ok());
    BOOST_TEST(offsetMinutes(*from_tzdir, at("2026-07-01T00:00:00Z")) == -240);
    // Back on the system directory, which has no such zone (the cache is keyed by directory).
    checkUnknownTimeZone(TimeZone::load("Test/Zone"));
}

BOOST_AUTO_TEST_CASE(zones_can_be_loaded_copied_and_used_from_many_threads_at_once) {
    const SysSeconds summer = at("2026-07-01T00:00:00Z");
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&wrong, summer, i] {
            const char* name = i % 2 == 0 ? "America/New_York" : "Europe/London";
            const long expected = i % 2 == 0 ? -240 : 60;
            for (int round = 0; round < 200; ++round) {
                const auto loaded = TimeZone::load(name);
                if (!loaded.ok()) {
                    ++wrong;
                    continue;
                }
                const TimeZone copy = *loaded;
                if (offsetMinutes(copy, summer + std::chrono::hours{round}) != expected) ++wrong;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    BOOST_TEST(wrong.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_version_1_file_without_a_footer_keeps_its_last_offset) {
    const ScratchZoneInfo scratch;
    TzifSpec spec = newYork2026();
    spec.version = '\0';
    scratch.write("Test/V1", buildTzif(spec));
    const TimeZone tz = zone("Test/V1");
    BOOST_TEST(offsetMinutes(tz, at("2026-01-01T00:00:00Z")) == -300);
    BOOST_TEST(offsetMinutes(tz, at("2026-07-01T00:00:00Z")) == -240);
    BOOST_TEST(offsetMinutes(tz, at("2027-07-01T00:00:00Z")) == -300);
}

BOOST_AUTO_TEST_CASE(a_version_3_file_uses_its_footer_after_the_last_transition) {
    const ScratchZoneInfo scratch;
    TzifSpec spec = newYork2026();
    spec.version = '3';
    scratch.write("Test/V3", buildTzif(spec));
    const TimeZone tz = zone("Test/V3");
    BOOST_TEST(offsetMinutes(tz, at("2027-03-14T06:59:59Z")) == -300);
    BOOST_TEST(offsetMinutes(tz, at("2027-03-14T07:00:00Z")) == -240);
    BOOST_TEST(formatTimestamp(tz.startOfDay(date("2027-07-01"))) == "2027-07-01T04:00:00Z");
}

BOOST_AUTO_TEST_CASE(leap_second_records_are_skipped) {
    const ScratchZoneInfo scratch;
    TzifSpec spec = newYork2026();
    spec.leap_seconds = {{78796800, 1}, {94694401, 2}, {126230402, 3}};
    scratch.write("Test/Leaps", buildTzif(spec));
    const TimeZone tz = zone("Test/Leaps");
    BOOST_TEST(offsetMinutes(tz, at("2026-01-01T00:00:00Z")) == -300);
    BOOST_TEST(offsetMinutes(tz, at("2026-07-01T00:00:00Z")) == -240);
    BOOST_TEST(offsetMinutes(tz, at("2030-07-01T00:00:00Z")) == -240);
}

BOOST_AUTO_TEST_CASE(the_leap_second_files_of_tzdata_parse) {
    // right/ names are refused, but their layout (27 leap-second records) must still be read
    // correctly; the offsets come out within a minute of the POSIX ones.
    const fs::path right = fs::path(kSystemZoneInfo) / "right";
    if (!fs::exists(right / "America/New_York")) {
        BOOST_TEST_MESSAGE("no right/ zones installed; skipping");
        return;
    }
    TimeZone::setZoneInfoDirForTesting(right.string());
    const auto loaded = TimeZone::load("America/New_York");
    TimeZone::setZoneInfoDirForTesting("");
    BOOST_REQUIRE(loaded.ok());
    BOOST_TEST(offsetMinutes(*loaded, at("2026-01-15T00:00:00Z")) == -300);
    BOOST_TEST(offsetMinutes(*loaded, at("2026-07-15T00:00:00Z")) == -240);
}

BOOST_AUTO_TEST_CASE(malformed_tzif_files_are_rejected_cleanly) {
    const ScratchZoneInfo scratch;
    const auto hostile = [](auto mutate) {
        TzifSpec spec = newYork2026();
        mutate(spec);
        return buildTzif(spec);
    };
    // newYork2026() has 2 transitions and 2 types: a 44-byte header and a 30-byte v1 block,
    // then the v2 header, whose timecnt starts 32 bytes in.
    constexpr std::size_t kV1TimeCount = 32;
    constexpr std::size_t kV2TimeCount = 44 + 30 + 32;
    const auto withByte = [](std::size_t offset, char value) {
        std::string bytes = buildTzif(newYork2026());
        bytes.at(offset) = value;
        return bytes;
    };

    struct Case {
        const char* what;
        std::string bytes;
    };
    const Case cases[] = {
        {"empty", ""},
        {"garbage", "this is not a time zone file, not even close\n"},
        {"bad magic", "TZiF" + buildTzif(newYork2026()).substr(4)},
        {"version 1 marker", hostile([](TzifSpec& s) { s.version = '1'; })},
        {"no types", hostile([](TzifSpec& s) {
             s.utoffs.clear();
             s.transitions.clear();
             s.transition_types.clear();
         })},
        {"type index out of range", hostile([](TzifSpec& s) { s.transition_types[1] = 2; })},
        {"transitions out of order",
         hostile([](TzifSpec& s) { std::swap(s.transitions[0], s.transitions[1]); })},
        {"repeated transition", hostile([](TzifSpec& s) { s.transitions[1] = s.transitions[0]; })},
        {"utoff of -2^31", hostile([](TzifSpec& s) { s.utoffs[0] = INT32_MIN; })},
        {"utoff of 30 hours", hostile([](TzifSpec& s) { s.utoffs[0] = 30 * 3600; })},
        {"unparseable footer", hostile([](TzifSpec& s) { s.footer = "EST5EDT,M3.2.0"; })},
        {"footer split by a newline",
         hostile([](TzifSpec& s) { s.footer = "EST5EDT,M3.2.0,\nM11.1.0"; })},
        {"missing footer",
         [] {
             std::string bytes = buildTzif(newYork2026());
             return bytes.substr(0, bytes.find('\n'));
         }()},
        {"unterminated footer",
         [] {
             std::string bytes = buildTzif(newYork2026());
             bytes.pop_back();
             return bytes;
         }()},
        {"v1 counts larger than the file", withByte(kV1TimeCount, '\xff')},
        {"v2 counts larger than the file", withByte(kV2TimeCount, '\x7f')},
        {"v2 count one too large", withByte(kV2TimeCount + 3, '\x03')},
        {"type count over 256", withByte(kV2TimeCount + 6, '\x01')},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            scratch.write("Test/Bad", c.bytes);
            scratch.forgetLoadedZones();
            checkUnknownTimeZone(TimeZone::load("Test/Bad"));
        }
    }
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_real_tzif_file_is_rejected) {
    const std::string bytes = readFile(fs::path(kSystemZoneInfo) / "America/New_York");
    BOOST_REQUIRE_GT(bytes.size(), 100u);
    const ScratchZoneInfo scratch;
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        scratch.write("Test/Cut", bytes.substr(0, size));
        scratch.forgetLoadedZones();
        if (TimeZone::load("Test/Cut").ok()) {
            BOOST_ERROR("a file cut to " << size << " of " << bytes.size() << " bytes loaded");
        }
    }
    scratch.write("Test/Cut", bytes);
    scratch.forgetLoadedZones();
    BOOST_TEST(TimeZone::load("Test/Cut").ok());
}

BOOST_AUTO_TEST_CASE(corrupted_bytes_never_crash_the_parser) {
    const std::string original = readFile(fs::path(kSystemZoneInfo) / "Europe/London");
    const ScratchZoneInfo scratch;
    std::uint32_t rng = 12345;
    for (int round = 0; round < 400; ++round) {
        std::string bytes = original;
        for (int flips = 0; flips < 1 + round % 4; ++flips) {
            rng = rng * 1664525u + 1013904223u;
            const std::size_t pos = (rng >> 8) % bytes.size();
            bytes[pos] = static_cast<char>(rng >> 24);
        }
        scratch.write("Test/Fuzz", bytes);
        scratch.forgetLoadedZones();
        const auto loaded = TimeZone::load("Test/Fuzz");
        if (!loaded.ok()) continue;
        // Whatever it decoded, every query must stay sane.
        for (const SysSeconds t :
             {utcMidnight(1800, 1, 1), utcMidnight(2026, 7, 1), utcMidnight(2500, 1, 1)}) {
            BOOST_TEST(std::abs(loaded->offsetAt(t).count()) <= 26 * 3600);
            const Date d = loaded->localDate(t);
            const SysSeconds start = loaded->startOfDay(d);
            BOOST_TEST((loaded->localDate(start) >= d));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::core
