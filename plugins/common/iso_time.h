#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// Dates and timestamps as providers and call parameters write them, read without the host's
// clock or time zones: UTC only, years 1970 to 9999.
namespace billwright::common {

// Days from 1970-01-01 to the date "YYYY-MM-DD", or nullopt when `text` is not such a date.
std::optional<std::int64_t> isoDateDays(std::string_view text);

// "2026-11-01T00:00:00Z" (optionally with a fraction of a second, which is dropped; a leap
// second 60 is the next minute's first) -> Unix seconds, or nullopt.
std::optional<std::int64_t> parseIsoTime(std::string_view text);

}  // namespace billwright::common
