#include "plugins/plugin_fixture.h"

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

namespace billwright::plugin_tests {

const bw_plugin_descriptor* plugin(const std::string& id) {
    static std::map<std::string, const bw_plugin_descriptor*> loaded;
    const auto it = loaded.find(id);
    if (it != loaded.end()) return it->second;
    std::string error;
    const bw_plugin_descriptor* descriptor =
        mock::loadPlugin(std::string(BW_PLUGIN_DIR) + "/" + id + BW_PLUGIN_SUFFIX, &error);
    BOOST_TEST_REQUIRE(descriptor != nullptr, "cannot load plugin " << id << ": " << error);
    loaded.emplace(id, descriptor);
    return descriptor;
}

void addSamples(mock::MockHost& host, std::uint32_t equipment, std::int32_t kind,
                std::initializer_list<At> samples) {
    for (const At& s : samples) host.addSample(equipment, kind, s.ts, s.value);
}

Column energyMwh(const mock::MockHost& host, std::uint32_t equipment) {
    Column out;
    for (const mock::HourResult& h : host.hours(equipment)) out.push_back(h.energy_mwh);
    return out;
}

Column coveredSeconds(const mock::MockHost& host, std::uint32_t equipment) {
    Column out;
    for (const mock::HourResult& h : host.hours(equipment)) out.push_back(h.covered_seconds);
    return out;
}

std::size_t emittedHours(const mock::MockHost& host, std::uint32_t equipment) {
    std::size_t n = 0;
    for (const mock::HourResult& h : host.hours(equipment)) n += h.emitted ? 1 : 0;
    return n;
}

std::int64_t totalWh(const mock::MockHost& host, std::uint32_t equipment) {
    std::int64_t mwh = 0;
    for (const mock::HourResult& h : host.hours(equipment)) mwh += h.energy_mwh;
    return (mwh + 500) / 1000;  // energy is never negative: half up is half away from zero
}

std::string detailText(const mock::MockHost& host, std::uint32_t equipment,
                       const std::string& key) {
    return host.detail(equipment, key).value_or("(none)");
}

std::uint32_t loadWorkedExample(mock::MockHost& host) {
    constexpr std::int64_t kHalf = 1800;
    host.setPeriod(kT0, kT0 + 6 * kHour);
    const auto eq = host.addEquipment({"eqp_1", "", 3'000'000, 100'000, 30'000});
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {
                   {kT0 - kHalf, 1'000'000},      // Oct 31 23:30
                   {kT0 + kHalf, 1'003'000},      // 00:30
                   {kT0 + 3 * kHalf, 1'006'000},  // 01:30
                   {kT0 + 5 * kHalf, 2'000},      // 02:30 reset
                   {kT0 + 7 * kHalf, 5'000},      // 03:30 (none at 04:30)
                   {kT0 + 11 * kHalf, 11'000},    // 05:30
                   {kT0 + 13 * kHalf, 14'000},    // 06:30, after the end
               });
    addSamples(host, eq, BW_SAMPLE_HASHRATE,
               {{kT0, 100'000},
                {kT0 + kHour, 100'000},
                {kT0 + 2 * kHour, 100'000},
                {kT0 + 5 * kHour, 100'000}});
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 + 11 * kHalf, 0}});
    return eq;
}

void checkSameResult(const mock::MockHost& a, const mock::MockHost& b,
                     std::initializer_list<const char*> detail_keys) {
    BOOST_TEST(energyMwh(a, 0) == energyMwh(b, 0), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(a, 0) == coveredSeconds(b, 0), boost::test_tools::per_element());
    BOOST_TEST(emittedHours(a, 0) == emittedHours(b, 0));
    for (const char* key : detail_keys) {
        BOOST_TEST(detailText(a, 0, key) == detailText(b, 0, key), key);
    }
}

}  // namespace billwright::plugin_tests
