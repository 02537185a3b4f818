#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

namespace billwright::storage {

// A std::string-keyed unordered container that finds by std::string_view without building a
// string (the drivers' statement caches, keyed by SQL text):
//   std::unordered_map<std::string, V, TransparentStringHash, std::equal_to<>>
// SQL texts run to hundreds of bytes (column lists) and are looked up several times a request;
// hashing every byte cost more than the lookup. A long text is hashed by its length and 16
// eight-byte words spread over it: texts alike in all of those share a bucket and are told
// apart by the equality test, so a lookup stays exact.
struct TransparentStringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
        constexpr std::size_t kWords = 16;
        if (s.size() <= kWords * 8) return std::hash<std::string_view>{}(s);
        std::uint64_t h = 0xcbf29ce484222325ULL ^ s.size();
        const std::size_t step = (s.size() - 8) / (kWords - 1);
        for (std::size_t i = 0; i < kWords; ++i) {
            std::uint64_t word = 0;
            std::memcpy(&word, s.data() + i * step, sizeof word);
            h = (h ^ word) * 0x100000001b3ULL;
            h ^= h >> 32;
        }
        return static_cast<std::size_t>(h);
    }
};

}  // namespace billwright::storage
