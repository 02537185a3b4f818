#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

namespace billwright::plugin_tests {

constexpr std::int64_t kT0 = 1793491200;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

// The descriptor of a built plugin module (BW_PLUGIN_DIR/<id><suffix>), loaded once per
// process; the calling test fails when it cannot be loaded.
const bw_plugin_descriptor* plugin(const std::string& id);

struct At {
    std::int64_t ts = 0;
    std::int64_t value = 0;
};

// Adds the samples in the order given.
void addSamples(mock::MockHost& host, std::uint32_t equipment, std::int32_t kind,
                std::initializer_list<At> samples);

using Column = std::vector<std::int64_t>;

Column energyMwh(const mock::MockHost& host, std::uint32_t equipment);
Column coveredSeconds(const mock::MockHost& host, std::uint32_t equipment);
// Hours the plugin emitted, of hours(equipment).size().
std::size_t emittedHours(const mock::MockHost& host, std::uint32_t equipment);
// The sum of the hours' mWh rounded once to whole Wh, as the usage totals are.
std::int64_t totalWh(const mock::MockHost& host, std::uint32_t equipment);
// A detail's value, or "(none)".
std::string detailText(const mock::MockHost& host, std::uint32_t equipment, const std::string& key);

// The unit and every sample of the worked example in docs/telemetry.md (period 00:00-06:00
// from kT0, nameplate 3000 W, 100 TH/s, 30 J/TH); returns the unit's index.
std::uint32_t loadWorkedExample(mock::MockHost& host);

// Checks that two hosts billed the same hours and details for equipment 0.
void checkSameResult(const mock::MockHost& a, const mock::MockHost& b,
                     std::initializer_list<const char*> detail_keys);

}  // namespace billwright::plugin_tests
