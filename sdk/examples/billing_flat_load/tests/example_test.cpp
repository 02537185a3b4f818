// Unit test of billing_flat_load against the SDK's mock host. It loads the built module (the path
// is the first argument) the way the server does, so it also checks that the entry point is
// exported. Plain checks and a nonzero exit on failure: no test framework is needed to build it.
#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace {

int failures = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

using billwright::mock::HourResult;
using billwright::mock::MockHost;

constexpr std::int64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kS19PowerMw = 3'250'000;  // 3250 W

// A host billing one equipment of `power_mw` over [kJan1, kJan1 + seconds); load_percent is
// left at its default when `load` is nullptr.
std::uint32_t setUp(MockHost& host, std::int64_t power_mw, std::int64_t seconds, const char* load) {
    host.setPeriod(kJan1, kJan1 + seconds);
    if (load != nullptr) host.setConfig("load_percent", load);
    return host.addEquipment({"eqp_1", "S19", power_mw, 95'000, 34'210});
}

// The energy of hour `hour` when it was emitted and fully covered, else -1.
std::int64_t coveredEnergy(const MockHost& host, std::uint32_t eq, std::size_t hour,
                           std::int64_t hour_seconds = kHour) {
    const auto& hours = host.hours(eq);
    if (hour >= hours.size()) return -1;
    const HourResult& h = hours[hour];
    if (!h.emitted || h.covered_seconds != hour_seconds) return -1;
    return h.energy_mwh;
}

// The energy of the first hour of one equipment billed for `seconds` (at most an hour).
std::int64_t firstHour(const bw_plugin_descriptor* plugin, std::int64_t power_mw,
                       std::int64_t seconds, const char* load) {
    MockHost host;
    const auto eq = setUp(host, power_mw, seconds, load);
    if (host.bill(plugin) != BW_OK) return -1;
    return coveredEnergy(host, eq, 0, seconds);
}

void descriptorDeclaresTheMethodAndItsKeys(const bw_plugin_descriptor* d) {
    CHECK(d->magic == BW_PLUGIN_MAGIC);
    CHECK(d->abi_major == BW_ABI_MAJOR);
    CHECK(std::strcmp(d->id, "billing_flat_load") == 0);
    CHECK(d->kinds == BW_KIND_BILLING_METHOD);
    CHECK(d->billing_method != nullptr);
    CHECK(std::strcmp(d->billing_method->method, "flat_load") == 0);
    CHECK(d->billing_method->output == BW_BILLING_OUTPUT_ENERGY);
    CHECK(d->config_key_count == 2);
    CHECK(std::strcmp(d->config_keys[0]->name, "load_percent") == 0);
    CHECK(d->config_keys[0]->type == BW_CONFIG_INTEGER);
    CHECK(d->config_keys[0]->flags == 0);
    CHECK(d->config_keys[0]->default_value != nullptr &&
          std::strcmp(d->config_keys[0]->default_value, "100") == 0);
    CHECK(std::strcmp(d->config_keys[1]->name, "meter_api_token") == 0);
    CHECK(d->config_keys[1]->type == BW_CONFIG_STRING);
    CHECK(d->config_keys[1]->flags == BW_CONFIG_SECRET);
    CHECK(d->config_keys[1]->default_value == nullptr);
}

void aDayAtHalfLoadCoversEveryHour(const bw_plugin_descriptor* d) {
    MockHost host;
    const auto eq = setUp(host, kS19PowerMw, kDay, "50");
    CHECK(host.bill(d) == BW_OK);
    CHECK(host.hours(eq).size() == 24);
    // 3,250,000 mW x 50 % = 1,625,000 mW for a whole hour = 1,625,000 mWh (1.625 kWh); the day
    // is 24 x 1.625 = 39 kWh.
    std::int64_t day_mwh = 0;
    for (std::size_t h = 0; h < host.hours(eq).size(); ++h) {
        CHECK(coveredEnergy(host, eq, h) == 1'625'000);
        day_mwh += host.hours(eq)[h].energy_mwh;
    }
    CHECK(day_mwh == 39'000'000);
    CHECK(host.detail(eq, "load_percent") == std::optional<std::string>("50"));
    CHECK(host.detail(eq, "meter_api_token") == std::optional<std::string>("not set"));
    CHECK(host.amounts().empty());
}

void theDefaultLoadIsTheFullNameplatePower(const bw_plugin_descriptor* d) {
    MockHost host;
    const auto eq = setUp(host, kS19PowerMw, 2 * kHour, nullptr);
    CHECK(host.bill(d) == BW_OK);
    CHECK(coveredEnergy(host, eq, 0) == 3'250'000);  // 3250 W for an hour
    CHECK(coveredEnergy(host, eq, 1) == 3'250'000);
    CHECK(host.detail(eq, "load_percent") == std::optional<std::string>("100"));
}

void aShortLastHourIsCoveredForItsLength(const bw_plugin_descriptor* d) {
    MockHost host;
    const auto eq = setUp(host, kS19PowerMw, kHour + kHour / 2, "100");
    CHECK(host.bill(d) == BW_OK);
    CHECK(host.hours(eq).size() == 2);
    CHECK(coveredEnergy(host, eq, 0) == 3'250'000);
    // The last hour is [01:00, 01:30): 3250 W for half an hour = 1625 Wh = 1,625,000 mWh.
    CHECK(coveredEnergy(host, eq, 1, kHour / 2) == 1'625'000);
}

void eachHourIsRoundedOnceHalfUp(const bw_plugin_descriptor* d) {
    // 1,234,567 mW x 37 % = 456,789.79 mW for an hour: 456,790 mWh.
    CHECK(firstHour(d, 1'234'567, kHour, "37") == 456'790);
    // 1 mW x 50 % for an hour = 0.5 mWh, rounded up; 49 % = 0.49 mWh, rounded down.
    CHECK(firstHour(d, 1, kHour, "50") == 1);
    CHECK(firstHour(d, 1, kHour, "49") == 0);
    // 1 mW for 1800 s = 0.5 mWh; for 1799 s just under.
    CHECK(firstHour(d, 1, 1800, "100") == 1);
    CHECK(firstHour(d, 1, 1799, "100") == 0);
    CHECK(firstHour(d, kS19PowerMw, kHour, "0") == 0);  // no load: covered, zero energy
}

void equipmentWithoutNameplatePowerIsCoveredWithZeroEnergy(const bw_plugin_descriptor* d) {
    MockHost host;
    host.setPeriod(kJan1, kJan1 + 3 * kHour);
    host.setConfig("load_percent", "80");
    const auto unknown = host.addEquipment({"eqp_0", "", 0, 0, 0});
    const auto s19 = host.addEquipment({"eqp_1", "S19", kS19PowerMw, 95'000, 34'210});
    CHECK(host.bill(d) == BW_OK);
    for (std::size_t h = 0; h < 3; ++h) {
        CHECK(coveredEnergy(host, unknown, h) == 0);
        CHECK(coveredEnergy(host, s19, h) == 2'600'000);  // 3,250,000 mW x 80 %
    }
}

void aLongPeriodIsEmittedInBatchesAndStillWhole(const bw_plugin_descriptor* d) {
    MockHost host;
    const auto eq = setUp(host, kS19PowerMw, 31 * kDay, "50");  // 744 hours: three batches
    CHECK(host.bill(d) == BW_OK);
    CHECK(host.hours(eq).size() == 744);
    for (const std::size_t h : {std::size_t{0}, std::size_t{255}, std::size_t{256},
                                std::size_t{511}, std::size_t{512}, std::size_t{743}})
        CHECK(coveredEnergy(host, eq, h) == 1'625'000);
}

void theSecretIsReadButNeverLoggedOrShown(const bw_plugin_descriptor* d) {
    MockHost host;
    const auto eq = setUp(host, kS19PowerMw, kHour, nullptr);
    host.setSecret("meter_api_token", "tok-very-secret");
    CHECK(host.bill(d) == BW_OK);
    CHECK(host.detail(eq, "meter_api_token") == std::optional<std::string>("set"));
    for (const auto& line : host.logs())
        CHECK(line.message.find("tok-very-secret") == std::string::npos);
    for (const char* key : {"load_percent", "meter_api_token"}) {
        const auto value = host.detail(eq, key);
        CHECK(value && value->find("tok-very-secret") == std::string::npos);
    }
}

void badInputIsAnInvalidArgumentWithAMessage(const bw_plugin_descriptor* d) {
    const char* const kRange = "load_percent must be an integer from 0 to 100";
    const struct {
        std::int64_t power_mw;
        const char* load;
        const char* message;
    } cases[] = {
        {kS19PowerMw, "101", kRange},
        {kS19PowerMw, "-1", kRange},
        {kS19PowerMw, "12.5", kRange},
        {kS19PowerMw, "", kRange},
        {-1, "100", "equipment eqp_1 has a nameplate power out of range"},
        {INT64_MAX, "100", "equipment eqp_1 has a nameplate power out of range"},
    };
    for (const auto& c : cases) {
        MockHost host;
        const auto eq = setUp(host, c.power_mw, kHour, c.load);
        CHECK(host.bill(d) == BW_ERR_INVALID_ARGUMENT);
        CHECK(host.lastError() == c.message);
        CHECK(!host.hours(eq).at(0).emitted);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <path to billing_flat_load.so>\n", argv[0]);
        return 2;
    }
    std::string error;
    const bw_plugin_descriptor* plugin = billwright::mock::loadPlugin(argv[1], &error);
    if (plugin == nullptr) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], error.c_str());
        return 1;
    }
    descriptorDeclaresTheMethodAndItsKeys(plugin);
    aDayAtHalfLoadCoversEveryHour(plugin);
    theDefaultLoadIsTheFullNameplatePower(plugin);
    aShortLastHourIsCoveredForItsLength(plugin);
    eachHourIsRoundedOnceHalfUp(plugin);
    equipmentWithoutNameplatePowerIsCoveredWithZeroEnergy(plugin);
    aLongPeriodIsEmittedInBatchesAndStillWhole(plugin);
    theSecretIsReadButNeverLoggedOrShown(plugin);
    badInputIsAnInvalidArgumentWithAMessage(plugin);
    if (failures != 0) {
        std::fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("all checks passed\n");
    return 0;
}
