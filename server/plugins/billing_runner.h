#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "plugins/host.h"
#include "plugins/registry.h"

namespace billwright::plugins {

// One unit of equipment as a billing method sees it.
struct BillingEquipment {
    std::string id;
    std::string model;
    std::int64_t power_mw = 0;
    std::int64_t hashrate_mth = 0;
    std::int64_t efficiency_mjth = 0;
};

// What is being billed: the same for every method of a chain.
struct BillingSubject {
    std::string tenant_id;
    std::string contract_id;  // "" when not a contract
    std::string customer_id;  // "" when not a customer
    std::string currency;
    int currency_exponent = 2;
    std::int64_t period_start = 0;  // Unix seconds, [start, end)
    std::int64_t period_end = 0;
    std::int64_t max_hold_seconds = 7200;
    std::map<std::string, std::string> params;  // call parameters (bw_host_api::param_get)
};

// Number of hours aligned to period_start (the last may be short) and the length of each.
std::uint32_t hourCount(std::int64_t period_start, std::int64_t period_end);
std::int64_t hourSeconds(std::int64_t period_start, std::int64_t period_end, std::uint32_t hour);

// One equipment's result from one method.
struct EquipmentHours {
    std::vector<std::int64_t> energy_mwh;       // hour_count entries (0 where not emitted)
    std::vector<std::int64_t> covered_seconds;  // hour_count entries (0 where not emitted)
    std::vector<std::pair<std::string, std::string>> details;
};

struct AmountLine {
    std::int64_t amount_minor = 0;
    std::string description;
};

struct MethodRun {
    std::vector<EquipmentHours> equipment;  // one per equipment passed in, same order
    std::vector<AmountLine> amounts;
};

// The tenant's resolved configuration of one plugin (stored values over defaults, secrets
// decrypted), for CallScope.
struct PluginSettings {
    std::map<std::string, std::string> config;
    std::map<std::string, std::string> secrets;
};

// Runs `plugin`'s billing method over `equipment` (indexes of `telemetry` are indexes into
// it), in calls of at most `chunk` units so memory stays bounded. A plugin error is an
// Error (kPluginFailed) naming the plugin and carrying its message; the results of a failed
// run are discarded. Hours a plugin reports beyond the period, or for an unknown equipment
// index, fail the run too (a plugin bug must not bill the wrong thing).
core::Result<MethodRun> runBillingMethod(const HostEnvironment& env, const LoadedPlugin& plugin,
                                         const PluginSettings& settings,
                                         const BillingSubject& subject,
                                         const std::vector<BillingEquipment>& equipment,
                                         TelemetrySource* telemetry, std::int64_t deadline_ms);

}  // namespace billwright::plugins
