#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace billwright::core {

// In-process metrics rendered in the Prometheus text exposition format. Label values are
// bounded by construction (route templates, status codes, job names), never raw paths.
class Metrics {
public:
    // Label names and values, e.g. {{"route", route}, {"status", "200"}}; read during the call.
    using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    void increment(std::string_view name, Labels labels, std::int64_t by = 1);
    // Records one observation in a latency histogram (seconds buckets from 1 ms to 10 s).
    void observeMicros(std::string_view name, Labels labels, std::int64_t micros);
    void describe(std::string_view name, std::string_view type, std::string_view help);
    std::string render() const;

    static constexpr std::array<std::int64_t, 11> kBucketMicros{
        1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 2500000, 10000000};

private:
    struct Histogram {
        std::array<std::int64_t, kBucketMicros.size()> buckets{};
        std::int64_t count = 0;
        std::int64_t sum_micros = 0;
    };
    struct Family {
        std::string type = "counter";
        std::string help;
        std::map<std::string, std::int64_t, std::less<>> counters;  // key: rendered label set
        std::map<std::string, Histogram, std::less<>> histograms;
    };
    static void renderLabels(std::string& out, Labels labels);  // {a="b",...}, or empty
    static std::string& scratchKey(Labels labels);
    Family& familyFor(std::string_view name, std::string_view type);  // mutex_ held

    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
};

}  // namespace billwright::core
