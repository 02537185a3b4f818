#pragma once

// Deterministic fleet data shared by the benchmarks (bench/chain, bench/invoice_run).

#include <cstdint>

#include "common/rng.h"

namespace bench {

struct Model {
    const char* name;
    std::int64_t hashrate_ths;
    std::int64_t power_w;
};
constexpr Model kModels[] = {
    {"S19j Pro", 100, 3050}, {"S19 XP", 140, 3010}, {"M30S+", 100, 3400}, {"S21", 200, 3500}};

}  // namespace bench
