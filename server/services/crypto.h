#pragma once

#include <string>
#include <string_view>

namespace billwright::services {

std::string sha256Hex(std::string_view data);
// Lower-case hex of HMAC-SHA256(key, message).
std::string hmacSha256Hex(std::string_view key, std::string_view message);
// Compares in time that depends only on the lengths, not on where the inputs differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace billwright::services
