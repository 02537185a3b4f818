#include "core/time_zone.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace billwright::core {
namespace {

using std::int64_t;

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kSecondsPerHour = 3600;
// RFC 8536 allows any utoff but -2^31; real zones stay within -12h..+14h. Bounding it keeps all
// the arithmetic below far from overflow, whatever a file says.
constexpr int64_t kMaxUtoff = 26 * kSecondsPerHour;
constexpr std::size_t kMaxNameLength = 64;
// The largest file in tzdata is under 10 KiB.
constexpr off_t kMaxTzifBytes = 1 << 20;
constexpr const char* kDefaultZoneInfoDir = "/usr/share/zoneinfo";

// When a POSIX TZ rule is evaluated for an instant far outside any plausible range, its year is
// clamped so that calendar arithmetic stays inside what std::chrono::year can represent.
constexpr int kMinRuleYear = -9000;
constexpr int kMaxRuleYear = 9000;

int64_t floorDiv(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t daysSinceEpoch(std::chrono::sys_days day) {
    return static_cast<int64_t>(day.time_since_epoch().count());
}

int yearOfDay(int64_t day) {
    constexpr int64_t kMinDay = static_cast<int64_t>(
        std::chrono::sys_days{std::chrono::year{kMinRuleYear} / std::chrono::January / 1}
            .time_since_epoch()
            .count());
    constexpr int64_t kMaxDay = static_cast<int64_t>(
        std::chrono::sys_days{std::chrono::year{kMaxRuleYear} / std::chrono::December / 31}
            .time_since_epoch()
            .count());
    const std::chrono::sys_days clamped{std::chrono::days{std::clamp(day, kMinDay, kMaxDay)}};
    return static_cast<int>(std::chrono::year_month_day{clamped}.year());
}

// One date of a POSIX TZ rule such as "M3.2.0/2", "J60" or "59/-1".
struct RuleDate {
    enum class Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay };
    Kind kind = Kind::kMonthWeekDay;
    int64_t day = 0;                     // Jn: 1..365, February 29 never counted; n: 0..365
    unsigned month = 1;                  // Mm.w.d: 1..12
    unsigned week = 1;                   // 1..5, where 5 means the last such weekday of the month
    unsigned weekday = 0;                // 0 = Sunday
    int64_t time = 2 * kSecondsPerHour;  // local time of day, -167h..167h (RFC 8536 extension)
};

// A POSIX TZ string, as found in a TZif footer. Offsets are stored as utoff (east positive),
// the opposite of POSIX's sign.
struct PosixTz {
    int64_t std_utoff = 0;
    bool has_dst = false;
    int64_t dst_utoff = 0;
    RuleDate start;  // switch to DST, in local standard time
    RuleDate end;    // switch back, in local daylight time
};

struct ZoneRules {
    std::vector<int64_t> transitions;            // strictly ascending UTC seconds
    std::vector<std::uint8_t> transition_types;  // one index into utoffs per transition
    std::vector<int64_t> utoffs;    // never empty; [0] rules before the first transition
    std::optional<PosixTz> footer;  // rules after the last transition, if present
};

bool isAsciiAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

class PosixTzParser {
public:
    explicit PosixTzParser(std::string_view text) : text_(text) {}

    std::optional<PosixTz> parse() {
        PosixTz tz;
        if (!designation()) return std::nullopt;
        const auto std_offset = hms(24);
        if (!std_offset) return std::nullopt;
        tz.std_utoff = -*std_offset;
        if (atEnd()) return tz;

        if (!designation()) return std::nullopt;
        tz.has_dst = true;
        tz.dst_utoff = tz.std_utoff + kSecondsPerHour;
        if (!atEnd() && peek() != ',') {
            const auto dst_offset = hms(24);
            if (!dst_offset) return std::nullopt;
            tz.dst_utoff = -*dst_offset;
        }
        if (atEnd()) {
            // POSIX leaves the rule implementation-defined; this is tzcode's default (US rules).
            tz.start = RuleDate{RuleDate::Kind::kMonthWeekDay, 0, 3, 2, 0, 2 * kSecondsPerHour};
            tz.end = RuleDate{RuleDate::Kind::kMonthWeekDay, 0, 11, 1, 0, 2 * kSecondsPerHour};
            return tz;
        }
        if (!consume(',')) return std::nullopt;
        const auto start = ruleDate();
        if (!start || !consume(',')) return std::nullopt;
        const auto end = ruleDate();
        if (!end || !atEnd()) return std::nullopt;
        tz.start = *start;
        tz.end = *end;
        return tz;
    }

private:
    bool atEnd() const { return pos_ == text_.size(); }
    char peek() const { return atEnd() ? '\0' : text_[pos_]; }
    bool consume(char c) {
        if (atEnd() || text_[pos_] != c) return false;
        ++pos_;
        return true;
    }

    // "EST", or a quoted "<+0530>" / "<-03>"; at least three characters either way.
    bool designation() {
        const std::size_t start = pos_;
        if (consume('<')) {
            while (!atEnd() && (isAsciiAlpha(peek()) || isAsciiDigit(peek()) || peek() == '+' ||
                                peek() == '-')) {
                ++pos_;
            }
            return pos_ - start - 1 >= 3 && consume('>');
        }
        while (!atEnd() && isAsciiAlpha(peek())) ++pos_;
        return pos_ - start >= 3;
    }

    std::optional<int64_t> number(std::size_t max_digits, int64_t max_value) {
        const std::size_t start = pos_;
        int64_t value = 0;
        while (!atEnd() && isAsciiDigit(peek()) && pos_ - start < max_digits) {
            value = value * 10 + (peek() - '0');
            ++pos_;
        }
        if (pos_ == start || value > max_value) return std::nullopt;
        return value;
    }

    // [+-]h[h[h]][:mm[:ss]] in seconds, with the sign as written.
    std::optional<int64_t> hms(int64_t max_hours) {
        const bool negative = consume('-');
        if (!negative) static_cast<void>(consume('+'));
        const auto hours = number(3, max_hours);
        if (!hours) return std::nullopt;
        int64_t seconds = *hours * kSecondsPerHour;
        if (consume(':')) {
            const auto minutes = number(2, 59);
            if (!minutes) return std::nullopt;
            seconds += *minutes * 60;
            if (consume(':')) {
                const auto secs = number(2, 59);
                if (!secs) return std::nullopt;
                seconds += *secs;
            }
        }
        return negative ? -seconds : seconds;
    }

    std::optional<RuleDate> ruleDate() {
        RuleDate rule;
        if (consume('J')) {
            const auto day = number(3, 365);
            if (!day || *day < 1) return std::nullopt;
            rule.kind = RuleDate::Kind::kJulianNoLeap;
            rule.day = *day;
        } else if (consume('M')) {
            const auto month = number(2, 12);
            if (!month || *month < 1 || !consume('.')) return std::nullopt;
            const auto week = number(1, 5);
            if (!week || *week < 1 || !consume('.')) return std::nullopt;
            const auto weekday = number(1, 6);
            if (!weekday) return std::nullopt;
            rule.kind = RuleDate::Kind::kMonthWeekDay;
            rule.month = static_cast<unsigned>(*month);
            rule.week = static_cast<unsigned>(*week);
            rule.weekday = static_cast<unsigned>(*weekday);
        } else {
            const auto day = number(3, 365);
            if (!day) return std::nullopt;
            rule.kind = RuleDate::Kind::kZeroBasedDay;
            rule.day = *day;
        }
        if (consume('/')) {
            const auto time = hms(167);
            if (!time) return std::nullopt;
            rule.time = *time;
        }
        return rule;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

// Days since the epoch of the rule's date in `year`.
int64_t ruleDay(const RuleDate& rule, int year) {
    using namespace std::chrono;
    const std::chrono::year y{year};
    const int64_t jan1 = daysSinceEpoch(sys_days{y / January / 1});
    switch (rule.kind) {
        case RuleDate::Kind::kJulianNoLeap:
            return jan1 + rule.day - 1 + (y.is_leap() && rule.day >= 60 ? 1 : 0);
        case RuleDate::Kind::kZeroBasedDay:
            return jan1 + rule.day;
        case RuleDate::Kind::kMonthWeekDay: {
            const std::chrono::month m{rule.month};
            const std::chrono::weekday wd{rule.weekday};
            if (rule.week == 5) return daysSinceEpoch(sys_days{y / m / wd[last]});
            return daysSinceEpoch(sys_days{y / m / wd[rule.week]});
        }
    }
    return jan1;
}

struct RuleChange {
    int64_t at;  // UTC seconds
    bool dst;    // whether DST is in effect from `at` on
};

// The two switches the rule makes in `year`, as UTC instants.
std::array<RuleChange, 2> ruleChangesIn(const PosixTz& tz, int year) {
    return {
        RuleChange{ruleDay(tz.start, year) * kSecondsPerDay + tz.start.time - tz.std_utoff, true},
        RuleChange{ruleDay(tz.end, year) * kSecondsPerDay + tz.end.time - tz.dst_utoff, false}};
}

int64_t posixOffsetAt(const PosixTz& tz, int64_t t) {
    if (!tz.has_dst) return tz.std_utoff;
    // Rule times reach up to a week past their date, so a switch belonging to a neighbouring
    // year can govern the instant; look at all three and take the latest switch not after it.
    const int year = yearOfDay(floorDiv(t, kSecondsPerDay));
    std::array<RuleChange, 6> changes{};
    std::size_t n = 0;
    for (int y = year - 1; y <= year + 1; ++y) {
        for (const RuleChange& change : ruleChangesIn(tz, y)) changes[n++] = change;
    }
    // On a tie DST wins, so "0/0,J365/25" (tzcode's spelling of all-year DST) stays in DST.
    std::sort(changes.begin(), changes.end(), [](const RuleChange& a, const RuleChange& b) {
        return a.at != b.at ? a.at < b.at : a.dst < b.dst;
    });
    bool dst = !changes.front().dst;
    for (const RuleChange& change : changes) {
        if (change.at > t) break;
        dst = change.dst;
    }
    return dst ? tz.dst_utoff : tz.std_utoff;
}

int64_t utoffAt(const ZoneRules& rules, int64_t t) {
    if (rules.transitions.empty() || t > rules.transitions.back()) {
        if (rules.footer) return posixOffsetAt(*rules.footer, t);
        if (rules.transitions.empty()) return rules.utoffs.front();
        return rules.utoffs[rules.transition_types.back()];
    }
    if (t < rules.transitions.front()) return rules.utoffs.front();
    const auto after = std::upper_bound(rules.transitions.begin(), rules.transitions.end(), t);
    const auto index = static_cast<std::size_t>(after - rules.transitions.begin()) - 1;
    return rules.utoffs[rules.transition_types[index]];
}

// Every instant in (from, to] at which the offset may change, ascending and unique.
std::vector<int64_t> changesBetween(const ZoneRules& rules, int64_t from, int64_t to) {
    std::vector<int64_t> out;
    for (auto it = std::upper_bound(rules.transitions.begin(), rules.transitions.end(), from);
         it != rules.transitions.end() && *it <= to; ++it) {
        out.push_back(*it);
    }
    if (rules.footer && rules.footer->has_dst) {
        const int64_t footer_from =
            rules.transitions.empty() ? from : std::max(from, rules.transitions.back());
        const int first_year = yearOfDay(floorDiv(footer_from, kSecondsPerDay)) - 1;
        const int last_year = yearOfDay(floorDiv(to, kSecondsPerDay)) + 1;
        for (int y = first_year; footer_from < to && y <= last_year; ++y) {
            for (const RuleChange& change : ruleChangesIn(*rules.footer, y)) {
                if (change.at > footer_from && change.at <= to) out.push_back(change.at);
            }
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// Reads big-endian TZif fields. A read past the end yields zeros and marks the reader failed,
// so a hostile file can at worst be rejected.
class ByteReader {
public:
    explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

    bool failed() const { return failed_; }
    std::size_t remaining() const { return bytes_.size() - pos_; }

    bool skip(std::uint64_t count) {
        if (count > remaining()) return fail();
        pos_ += static_cast<std::size_t>(count);
        return true;
    }
    std::string_view take(std::size_t count) {
        if (count > remaining()) {
            fail();
            return {};
        }
        const std::string_view out = bytes_.substr(pos_, count);
        pos_ += count;
        return out;
    }
    std::string_view rest() const { return bytes_.substr(pos_); }

    std::uint8_t u8() {
        if (remaining() < 1) {
            fail();
            return 0;
        }
        return static_cast<std::uint8_t>(bytes_[pos_++]);
    }
    std::uint32_t u32() {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) value = (value << 8) | u8();
        return value;
    }
    std::uint64_t u64() {
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i) value = (value << 8) | u8();
        return value;
    }

private:
    bool fail() {
        failed_ = true;
        return false;
    }

    std::string_view bytes_;
    std::size_t pos_ = 0;
    bool failed_ = false;
};

struct TzifHeader {
    std::uint8_t version = 0;  // 0 for version 1, else '2', '3', '4', ...
    std::uint32_t isutcnt = 0;
    std::uint32_t isstdcnt = 0;
    std::uint32_t leapcnt = 0;
    std::uint32_t timecnt = 0;
    std::uint32_t typecnt = 0;
    std::uint32_t charcnt = 0;
};

std::optional<TzifHeader> readTzifHeader(ByteReader& in) {
    if (in.take(4) != "TZif") return std::nullopt;
    TzifHeader header;
    header.version = in.u8();
    in.skip(15);
    header.isutcnt = in.u32();
    header.isstdcnt = in.u32();
    header.leapcnt = in.u32();
    header.timecnt = in.u32();
    header.typecnt = in.u32();
    header.charcnt = in.u32();
    if (in.failed()) return std::nullopt;
    // Versions after 4 are accepted as long as the data parses: each version so far has only
    // extended what the footer and data may say, never the layout.
    if (header.version != 0 && header.version < '2') return std::nullopt;
    return header;
}

// Counts are 32-bit, so this cannot overflow 64 bits.
std::uint64_t tzifBlockSize(const TzifHeader& h, std::uint64_t time_size) {
    return std::uint64_t{h.timecnt} * time_size + h.timecnt + std::uint64_t{h.typecnt} * 6 +
           h.charcnt + std::uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

bool readTzifBlock(ByteReader& in, const TzifHeader& h, std::uint64_t time_size, ZoneRules& out) {
    if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0) return false;
    if ((h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
        (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
        return false;
    }
    // Checked up front so the counts cannot make us allocate more than the file holds.
    if (tzifBlockSize(h, time_size) > in.remaining()) return false;

    out.transitions.reserve(h.timecnt);
    for (std::uint32_t i = 0; i < h.timecnt; ++i) {
        const int64_t t = time_size == 8 ? static_cast<int64_t>(in.u64())
                                         : int64_t{static_cast<std::int32_t>(in.u32())};
        if (!out.transitions.empty() && t <= out.transitions.back()) return false;
        out.transitions.push_back(t);
    }
    out.transition_types.reserve(h.timecnt);
    for (std::uint32_t i = 0; i < h.timecnt; ++i) {
        const std::uint8_t type = in.u8();
        if (type >= h.typecnt) return false;
        out.transition_types.push_back(type);
    }
    out.utoffs.reserve(h.typecnt);
    for (std::uint32_t i = 0; i < h.typecnt; ++i) {
        const int64_t utoff = static_cast<std::int32_t>(in.u32());
        const std::uint8_t is_dst = in.u8();
        const std::uint8_t designation_index = in.u8();
        if (utoff < -kMaxUtoff || utoff > kMaxUtoff || is_dst > 1 ||
            designation_index >= h.charcnt) {
            return false;
        }
        out.utoffs.push_back(utoff);
    }
    // Designations, leap-second records and the standard/UT indicators are not needed to map
    // UTC to local time.
    in.skip(h.charcnt);
    in.skip(std::uint64_t{h.leapcnt} * (time_size + 4));
    in.skip(std::uint64_t{h.isstdcnt} + h.isutcnt);
    return !in.failed();
}

std::optional<ZoneRules> parseTzif(std::string_view bytes) {
    ByteReader in(bytes);
    const auto v1 = readTzifHeader(in);
    if (!v1) return std::nullopt;
    ZoneRules rules;
    if (v1->version == 0) {
        if (!readTzifBlock(in, *v1, 4, rules)) return std::nullopt;
        return rules;
    }
    // Version 2+ repeats the data with 64-bit times after the version 1 block; only that copy
    // covers all of time.
    if (!in.skip(tzifBlockSize(*v1, 4))) return std::nullopt;
    const auto v2 = readTzifHeader(in);
    if (!v2 || v2->version == 0) return std::nullopt;
    if (!readTzifBlock(in, *v2, 8, rules)) return std::nullopt;

    if (in.u8() != '\n') return std::nullopt;
    const std::string_view rest = in.rest();
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view footer = rest.substr(0, end);
    if (!footer.empty()) {
        rules.footer = PosixTzParser(footer).parse();
        if (!rules.footer) return std::nullopt;
    }
    return rules;
}

std::optional<std::string> readSmallRegularFile(const std::string& path) {
    // O_NONBLOCK so that a FIFO planted under the zoneinfo directory cannot hang us before
    // fstat() rejects it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return std::nullopt;
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};

    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0 ||
        info.st_size > kMaxTzifBytes) {
        return std::nullopt;
    }
    std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

bool isAcceptableZoneName(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) return false;
    for (const char c : name) {
        if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '_' && c != '+' && c != '-' && c != '/') {
            return false;
        }
    }
    // '.' is already excluded above; the component check keeps path traversal impossible even
    // if the character set is ever widened.
    std::size_t start = 0;
    bool first = true;
    while (true) {
        const std::size_t slash = name.find('/', start);
        const std::string_view component = name.substr(start, slash - start);
        if (component.empty() || component == "." || component == "..") return false;
        // posix/ duplicates the main tree; right/ counts leap seconds in its timestamps, so its
        // offsets would be wrong for Unix time.
        if (first && slash != std::string_view::npos &&
            (component == "posix" || component == "right")) {
            return false;
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
        first = false;
    }
    // Not zones: links to the host's own setting and to the default rules for POSIX strings.
    return name != "localtime" && name != "posixrules";
}

std::string defaultZoneInfoDir() {
    const char* tzdir = std::getenv("TZDIR");
    return tzdir != nullptr && *tzdir != '\0' ? std::string(tzdir) : kDefaultZoneInfoDir;
}

Error unknownTimeZone() {
    return Error::validation("timezone", "unknown_timezone",
                             "must be an IANA time zone name such as \"America/New_York\"");
}

}  // namespace

struct TimeZone::Data {
    std::string name;
    ZoneRules rules;

    // Loaded zones keyed by directory and name, so a change of TZDIR never serves a stale zone.
    struct Registry {
        std::mutex mutex;
        std::string dir_override;                                            // guarded by mutex
        std::unordered_map<std::string, std::shared_ptr<const Data>> zones;  // guarded by mutex
    };
    static Registry& registry() {
        static Registry instance;
        return instance;
    }
};

Result<TimeZone> TimeZone::load(std::string_view name) {
    if (name == "UTC") return utc();
    if (!isAcceptableZoneName(name)) return unknownTimeZone();

    Data::Registry& registry = Data::registry();
    std::string dir;
    std::string key;
    {
        const std::lock_guard lock(registry.mutex);
        dir = registry.dir_override.empty() ? defaultZoneInfoDir() : registry.dir_override;
        key = dir + '\0' + std::string(name);
        const auto it = registry.zones.find(key);
        if (it != registry.zones.end()) return TimeZone(it->second);
    }

    // Read outside the lock; if two threads race, both parse and the first insert wins.
    const auto bytes = readSmallRegularFile(dir + '/' + std::string(name));
    if (!bytes) return unknownTimeZone();
    auto rules = parseTzif(*bytes);
    if (!rules) return unknownTimeZone();
    auto data = std::make_shared<const Data>(Data{std::string(name), std::move(*rules)});

    const std::lock_guard lock(registry.mutex);
    const auto [it, inserted] = registry.zones.emplace(std::move(key), std::move(data));
    return TimeZone(it->second);
}

TimeZone TimeZone::loadOr(std::string_view name, const TimeZone& fallback) {
    auto zone = load(name);
    return zone.ok() ? zone.value() : fallback;
}

TimeZone TimeZone::utc() {
    static const std::shared_ptr<const Data> kUtc =
        std::make_shared<const Data>(Data{"UTC", ZoneRules{{}, {}, {0}, std::nullopt}});
    return TimeZone(kUtc);
}

Result<TimeZone> TimeZone::fromPosixTzStringForTesting(std::string_view tz) {
    auto footer = PosixTzParser(tz).parse();
    if (!footer) return unknownTimeZone();
    const int64_t std_utoff = footer->std_utoff;
    return TimeZone(std::make_shared<const Data>(
        Data{std::string(tz), ZoneRules{{}, {}, {std_utoff}, std::move(footer)}}));
}

void TimeZone::setZoneInfoDirForTesting(std::string dir) {
    Data::Registry& registry = Data::registry();
    const std::lock_guard lock(registry.mutex);
    registry.dir_override = std::move(dir);
    registry.zones.clear();
}

const std::string& TimeZone::name() const { return data_->name; }

std::chrono::seconds TimeZone::offsetAt(SysSeconds utc) const {
    return std::chrono::seconds{
        utoffAt(data_->rules, static_cast<int64_t>(utc.time_since_epoch().count()))};
}

std::chrono::local_seconds TimeZone::toLocal(SysSeconds utc) const {
    return std::chrono::local_seconds{utc.time_since_epoch() + offsetAt(utc)};
}

Date TimeZone::localDate(SysSeconds utc) const {
    return Date{std::chrono::floor<std::chrono::days>(toLocal(utc))};
}

SysSeconds TimeZone::startOfDay(Date local_date) const {
    const ZoneRules& rules = data_->rules;
    const int64_t midnight = daysSinceEpoch(std::chrono::sys_days{local_date}) * kSecondsPerDay;
    // Every instant whose local time is near `midnight` lies within a day of it, since
    // |utoff| <= 26h; two days either side leaves margin.
    const int64_t from = midnight - 2 * kSecondsPerDay;
    const int64_t to = midnight + 2 * kSecondsPerDay;
    const std::vector<int64_t> changes = changesBetween(rules, from, to);

    // Walk the constant-offset intervals in UTC order; the first one whose local times reach
    // midnight holds the earliest instant of the day (or, in a gap, the first one after it).
    int64_t start = from;
    for (std::size_t i = 0;; ++i) {
        const bool last = i == changes.size();
        const int64_t end = last ? to : changes[i];
        const int64_t utoff = utoffAt(rules, start);
        if (last || end + utoff > midnight) {
            return SysSeconds{std::chrono::seconds{std::max(start, midnight - utoff)}};
        }
        start = end;
    }
}

}  // namespace billwright::core
