#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "plugins/host.h"
#include "plugins/payment_runner.h"
#include "plugins/registry.h"

namespace billwright::plugin_tests {

constexpr std::int64_t kNowSeconds = 1793491200;  // 2026-11-01T00:00:00Z

// The error of a result for a test message; "" when it is ok.
template <typename T>
std::string problem(const plugins::ProcessorResult<T>& r) {
    return r.ok() ? std::string() : r.error().describe();
}

// The server's plugin host for one test: an environment on a manual clock (kNowSeconds), a
// log written to a temporary file, and a registry that loads real modules.
struct ProcessorFixture {
    ProcessorFixture();
    ~ProcessorFixture();
    ProcessorFixture(const ProcessorFixture&) = delete;
    ProcessorFixture& operator=(const ProcessorFixture&) = delete;

    // A first-party module (BW_PLUGIN_DIR) or a test module (BW_TEST_PROCESSOR_DIR).
    static std::string firstParty(const std::string& id);
    static std::string testModule(const std::string& id);

    // Loads `path` and returns its facade; the test fails when it does not load or is not a
    // payment processor.
    plugins::PaymentProcessor processor(const std::string& path);
    // The call context of tenant ten_test with these parameters and a minute's deadline.
    plugins::PaymentCallContext context(std::map<std::string, std::string> params = {}) const;
    void setNow(std::int64_t unix_seconds);

    std::FILE* sink;
    core::Logger log;
    core::Metrics metrics;
    core::ManualClock clock;
    plugins::HostEnvironment env;
    plugins::Registry registry;
};

}  // namespace billwright::plugin_tests
