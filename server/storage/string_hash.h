#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace billwright::storage {

// A std::string-keyed unordered container that finds by std::string_view without building a
// string (the drivers' statement caches, keyed by SQL text):
//   std::unordered_map<std::string, V, TransparentStringHash, std::equal_to<>>
struct TransparentStringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace billwright::storage
