#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/clock.h"
#include "core/date.h"
#include "core/error.h"

namespace billwright::core {

// An IANA time zone, read from the system's TZif files (libstdc++ 12 has no std::chrono::tzdb).
// Tenants bill in civil dates of their own zone; instants are stored in UTC, and this type is
// the only bridge between the two.
//
// Immutable once loaded; copies share the parsed data, so passing by value is cheap and any
// number of threads may use one instance.
class TimeZone {
public:
    // An IANA name such as "America/New_York". "UTC" never touches the file system, so it works
    // without tzdata. Anything else must be a plain zone name (letters, digits, '_', '+', '-',
    // '/'; at most 64 characters; not "localtime", "posixrules" or under posix/ or right/)
    // naming a valid TZif file under the zoneinfo directory. Fails with
    // Error::validation("timezone", "unknown_timezone", ...). Successful loads are cached.
    static Result<TimeZone> load(std::string_view name);
    static TimeZone utc();
    // load(name), or `fallback` when the name does not load (a zone that disappeared from the
    // system's tzdata since it was validated must not stop billing).
    static TimeZone loadOr(std::string_view name, const TimeZone& fallback);

    // A zone that follows one POSIX TZ rule for all time, e.g. "EST5EDT,M3.2.0,M11.1.0" (the
    // format of a TZif footer). Exposed so tests can check rule evaluation on its own.
    static Result<TimeZone> fromPosixTzStringForTesting(std::string_view tz);

    // Where load() looks for TZif files. An empty string restores the default: $TZDIR if it is
    // set, else "/usr/share/zoneinfo". Clears the cache of loaded zones.
    static void setZoneInfoDirForTesting(std::string dir);

    const std::string& name() const;

    // The UTC offset in effect at that instant (east of Greenwich is positive).
    std::chrono::seconds offsetAt(SysSeconds utc) const;
    std::chrono::local_seconds toLocal(SysSeconds utc) const;
    // The civil date at that instant in this zone.
    Date localDate(SysSeconds utc) const;
    // The first instant of that civil date in this zone. When local midnight does not exist (a
    // DST gap at 00:00, as in America/Havana or America/Santiago), the first instant that does;
    // for a day the zone skipped entirely, the first instant of the next day that exists.
    // `local_date` must be ok().
    SysSeconds startOfDay(Date local_date) const;

private:
    struct Data;
    explicit TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

    std::shared_ptr<const Data> data_;
};

}  // namespace billwright::core
