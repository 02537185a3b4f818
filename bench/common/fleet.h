#pragma once

// Deterministic fleet data shared by the benchmarks (bench/chain, bench/invoice_run).

#include <cstdint>

namespace bench {

struct Rng {  // splitmix64: deterministic and fast
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
        return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
};

struct Model {
    const char* name;
    std::int64_t hashrate_ths;
    std::int64_t power_w;
};
constexpr Model kModels[] = {
    {"S19j Pro", 100, 3050}, {"S19 XP", 140, 3010}, {"M30S+", 100, 3400}, {"S21", 200, 3500}};

}  // namespace bench
