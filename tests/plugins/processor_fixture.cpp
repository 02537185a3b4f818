#include "plugins/processor_fixture.h"

#include <chrono>
#include <map>
#include <string>
#include <utility>

#include <boost/test/unit_test.hpp>

namespace billwright::plugin_tests {

ProcessorFixture::ProcessorFixture()
    : sink(std::tmpfile()),
      log(core::LogLevel::kInfo, core::LogFormat::kJson, sink),
      clock(std::chrono::system_clock::time_point(std::chrono::seconds(kNowSeconds))),
      env{log, metrics, clock, nullptr, {}, 10000},
      registry(env) {}

ProcessorFixture::~ProcessorFixture() { std::fclose(sink); }

std::string ProcessorFixture::firstParty(const std::string& id) {
    return std::string(BW_PLUGIN_DIR) + "/" + id + BW_PLUGIN_SUFFIX;
}

std::string ProcessorFixture::testModule(const std::string& id) {
    return std::string(BW_TEST_PROCESSOR_DIR) + "/" + id + BW_PLUGIN_SUFFIX;
}

plugins::PaymentProcessor ProcessorFixture::processor(const std::string& path) {
    const plugins::PluginInfo& info = registry.loadFile(path);
    BOOST_TEST_REQUIRE(info.loaded, path << ": " << info.reason);
    const plugins::LoadedPlugin* loaded = registry.paymentProcessor(info.id);
    BOOST_TEST_REQUIRE(loaded != nullptr, path << " is not a payment processor");
    auto facade = plugins::PaymentProcessor::of(env, *loaded);
    BOOST_TEST_REQUIRE(facade.ok());
    return std::move(facade).value();
}

plugins::PaymentCallContext ProcessorFixture::context(
    std::map<std::string, std::string> params) const {
    plugins::PaymentCallContext c;
    c.tenant_id = "ten_test";
    c.params = std::move(params);
    c.deadline_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
            .count() +
        60000;
    return c;
}

void ProcessorFixture::setNow(std::int64_t unix_seconds) {
    clock.set(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

}  // namespace billwright::plugin_tests
