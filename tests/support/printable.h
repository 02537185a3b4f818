#pragma once

#include <string>
#include <string_view>

namespace billwright::testing {

// Test inputs hold control and non-UTF-8 bytes; this keeps failure messages readable.
inline std::string printable(std::string_view s) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b < 0x7F && c != '\\') {
            out.push_back(c);
        } else {
            out += "\\x";
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0xF]);
        }
    }
    return out + "\"";
}

}  // namespace billwright::testing
