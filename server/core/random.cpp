#include "core/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace billwright::core {

std::string randomBytes(std::size_t count) {
    std::string out(count, '\0');
    std::size_t filled = 0;
    while (filled < count) {
        const ssize_t n = getrandom(out.data() + filled, count - filled, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("getrandom failed");
        }
        filled += static_cast<std::size_t>(n);
    }
    return out;
}

std::string base64Url(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
    return out;
}

std::string newId(std::string_view prefix, std::int64_t unix_millis) {
    static constexpr char kCrockford[] = "0123456789abcdefghjkmnpqrstvwxyz";
    // 16 bytes: 48 bits of time (big-endian) then 80 random bits.
    unsigned char bytes[16];
    const auto millis = static_cast<std::uint64_t>(unix_millis);
    for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
    const std::string random = randomBytes(10);
    for (std::size_t i = 0; i < random.size(); ++i)
        bytes[6 + i] = static_cast<unsigned char>(random[i]);
    // 26 base32 digits cover 130 bits: two leading zero bits, then the 128 bits above.
    std::string out(prefix);
    out.push_back('_');
    for (int digit = 0; digit < 26; ++digit) {
        unsigned value = 0;
        for (int b = 0; b < 5; ++b) {
            const int bit = digit * 5 + b - 2;  // index into the 128 bits, negative = padding
            unsigned set = 0;
            if (bit >= 0) set = (static_cast<unsigned>(bytes[bit / 8]) >> (7 - bit % 8)) & 1U;
            value = (value << 1) | set;
        }
        out.push_back(kCrockford[value]);
    }
    return out;
}

}  // namespace billwright::core
