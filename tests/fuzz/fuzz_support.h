#pragma once

// What every fuzz target shares: reading typed values off the fuzzer's bytes, and the one way a
// target reports a broken invariant (a message on stderr, then abort(), which libFuzzer records
// as a crash with its reproducer).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace billwright::fuzz {

// Aborts with `what` (and the offending text, if any) when `ok` is false.
inline void check(bool ok, const char* what, std::string_view detail = {}) {
    if (ok) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    if (!detail.empty())
        std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
    std::abort();
}

// The fuzzer's bytes as a little stream: fixed-size values from the front, text from the rest.
// Past the end, every value reads as zero and every string as empty.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint32_t u32() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
        return v;
    }
    std::uint64_t u64() { return (static_cast<std::uint64_t>(u32()) << 32) | u32(); }
    std::int64_t i64() {
        const std::uint64_t u = u64();
        std::int64_t v = 0;
        std::memcpy(&v, &u, sizeof v);
        return v;
    }
    bool flag() { return (byte() & 1) != 0; }
    // Up to `max` bytes, ended early by a NUL byte (consumed): lets one input hold several
    // strings while staying readable in the corpus.
    std::string text(std::size_t max) {
        std::string out;
        while (pos_ < size_ && out.size() < max) {
            const char c = static_cast<char>(data_[pos_++]);
            if (c == '\0') break;
            out.push_back(c);
        }
        return out;
    }
    // Up to `max` bytes, ended early by a line feed (consumed).
    std::string line(std::size_t max) {
        std::string out;
        while (pos_ < size_ && out.size() < max) {
            const char c = static_cast<char>(data_[pos_++]);
            if (c == '\n') break;
            out.push_back(c);
        }
        return out;
    }
    // Everything not read yet.
    std::string_view rest() {
        const std::string_view out(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
        pos_ = size_;
        return out;
    }
    bool empty() const { return pos_ >= size_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

}  // namespace billwright::fuzz
