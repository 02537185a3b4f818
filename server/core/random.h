#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace billwright::core {

// Bytes from the kernel's CSPRNG (getrandom). Throws std::runtime_error if it cannot deliver,
// which on Linux only happens on a broken system.
std::string randomBytes(std::size_t count);

// base64url without padding.
std::string base64Url(std::string_view bytes);

// A new object id: "<prefix>_" + 26 Crockford base32 characters (48-bit millisecond time +
// 80 random bits). Ids sort by creation time, so cursor pagination can order by id.
std::string newId(std::string_view prefix, std::int64_t unix_millis);

}  // namespace billwright::core
