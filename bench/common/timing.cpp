#include "common/timing.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace bench {

double secondsSince(Steady::time_point t0) {
    return std::chrono::duration<double>(Steady::now() - t0).count();
}

double Timing::best() const { return *std::min_element(seconds.begin(), seconds.end()); }

double Timing::median() const {
    auto s = seconds;
    std::sort(s.begin(), s.end());
    return s.size() % 2 == 1 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(i, values.size() - 1)];
}

double parallelFor(std::size_t n, std::size_t threads, const std::function<void(std::size_t)>& fn) {
    const auto t = Steady::now();
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < n; i = next++) fn(i);
    };
    std::vector<std::thread> pool;
    for (std::size_t w = 1; w < threads; ++w) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    return secondsSince(t);
}

}  // namespace bench
