#pragma once

// The benchmarks' one random source. Every generated figure in bench/README.md comes from it, so
// its sequence must not change: splitmix64, the same numbers on every platform (unlike the std
// distributions).

#include <cstdint>

namespace bench {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    bool chance(double p) { return unit() < p; }
    std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
        return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    double noise(double spread) { return (unit() * 2.0 - 1.0) * spread; }  // uniform +-spread

private:
    std::uint64_t state_;
};

}  // namespace bench
