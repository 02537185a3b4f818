#pragma once

// Wall-clock measurement shared by the benchmarks.

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace bench {

using Steady = std::chrono::steady_clock;

double secondsSince(Steady::time_point t0);

// The seconds of repeated runs of one measurement.
struct Timing {
    std::vector<double> seconds;
    double best() const;
    double median() const;
};

// The value at share p (0..1) of the sorted values, nearest rank; 0 when empty.
double percentile(std::vector<double> values, double p);

// Runs fn(i) for i in [0, n) on `threads` threads (this one included), each taking the next i
// from a shared counter; returns the wall time.
double parallelFor(std::size_t n, std::size_t threads, const std::function<void(std::size_t)>& fn);

}  // namespace bench
