#include "core/random.h"

#include <pthread.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace billwright::core {
namespace {

void fillRandom(unsigned char* out, std::size_t count) {
    std::size_t filled = 0;
    while (filled < count) {
        const ssize_t n = getrandom(out + filled, count - filled, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("getrandom failed");
        }
        filled += static_cast<std::size_t>(n);
    }
}

// Ids take their random bits from a per-thread buffer refilled from getrandom: one system call
// per 25 ids rather than one per id (every request gets an id; bench/README.md, "Load"). The
// bytes are the kernel CSPRNG's all the same, each used once. A forked child drops the buffer it
// inherited, so parent and child never hand out the same bytes.
struct RandomPool {
    unsigned char bytes[256];
    std::size_t used = sizeof bytes;
};
thread_local RandomPool t_pool;

void takePooledRandom(unsigned char* out, std::size_t count) {
    static std::once_flag at_fork;
    std::call_once(at_fork, [] {
        pthread_atfork(nullptr, nullptr, [] { t_pool.used = sizeof t_pool.bytes; });
    });
    if (count > sizeof t_pool.bytes) throw std::logic_error("takePooledRandom: too many bytes");
    if (sizeof t_pool.bytes - t_pool.used < count) {
        fillRandom(t_pool.bytes, sizeof t_pool.bytes);
        t_pool.used = 0;
    }
    std::memcpy(out, t_pool.bytes + t_pool.used, count);
    t_pool.used += count;
}

}  // namespace

std::string randomBytes(std::size_t count) {
    std::string out(count, '\0');
    fillRandom(reinterpret_cast<unsigned char*>(out.data()), count);
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
    // 128 bits: 48 bits of time, then 80 random bits; `high` holds the upper 64.
    unsigned char random[10];
    takePooledRandom(random, sizeof random);
    std::uint64_t high = static_cast<std::uint64_t>(unix_millis) << 16;
    high |= std::uint64_t{random[0]} << 8 | random[1];
    std::uint64_t low = 0;
    for (int i = 2; i < 10; ++i) low = (low << 8) | random[i];
    // 26 base32 digits cover 130 bits: two leading zero bits, then the 128 bits above. Digit k
    // from the right holds bits 5k..5k+4.
    std::string out(prefix.size() + 27, '_');
    std::memcpy(out.data(), prefix.data(), prefix.size());
    for (int k = 0; k < 26; ++k) {
        const int bit = 5 * k;
        std::uint64_t value = 0;
        if (bit >= 64) {
            value = high >> (bit - 64);
        } else if (bit + 5 <= 64) {
            value = low >> bit;
        } else {
            value = (low >> bit) | (high << (64 - bit));
        }
        out[out.size() - 1 - static_cast<std::size_t>(k)] = kCrockford[value & 31U];
    }
    return out;
}

}  // namespace billwright::core
