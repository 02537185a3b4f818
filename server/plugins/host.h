#pragma once

#include <billwright/plugin.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"

namespace billwright::plugins {

struct LoadedPlugin;

// Outbound HTTP as the host performs it for plugins (Poco in production, a fake in tests).
struct HttpExchange {
    std::string method;
    std::string url;
    std::string headers;  // "Name: value\r\n" lines
    std::string body;
};
struct HttpOutcome {
    bw_status status = BW_OK;  // BW_ERR_NETWORK / BW_ERR_TIMEOUT on transport failures
    std::string error;         // for the log when status != BW_OK
    int http_status = 0;
    std::string headers;
    std::string body;
};
class HttpTransport {
public:
    virtual ~HttpTransport() = default;
    virtual HttpOutcome send(const HttpExchange& request, std::int64_t timeout_ms) = 0;
};
// The Poco-based transport (http and https).
std::unique_ptr<HttpTransport> makePocoTransport();

// The process-wide side of the host: logging, metrics, the clock, outbound HTTP and its
// per-plugin allowlist. Shared by every call; read-only after start.
struct HostEnvironment {
    core::Logger& log;
    core::Metrics& metrics;
    const core::Clock& clock;
    HttpTransport* http = nullptr;                                   // nullptr: HTTP refused
    std::map<std::string, std::vector<std::string>> http_allowlist;  // plugin id -> hosts
    std::int64_t http_timeout_ms = 10000;  // default and cap of one outbound request
};

// Where a billing-method call reads telemetry; indexes are the request's equipment indexes.
class TelemetrySource {
public:
    virtual ~TelemetrySource() = default;
    virtual bw_status read(std::uint32_t equipment_index, std::int32_t kind, std::int64_t from,
                           std::int64_t to, std::int64_t* ts, std::int64_t* values,
                           std::uint32_t capacity, std::uint32_t* count) = 0;
    virtual bw_status edge(std::uint32_t equipment_index, std::int32_t kind, std::int64_t at,
                           std::int32_t direction, std::int64_t* ts, std::int64_t* value) = 0;
};

// Where a billing-method call's results go.
class BillingSink {
public:
    virtual ~BillingSink() = default;
    virtual bw_status hours(std::uint32_t equipment_index, std::uint32_t first_hour,
                            std::uint32_t count, const std::int64_t* energy_mwh,
                            const std::int64_t* covered_seconds) = 0;
    virtual bw_status detail(std::uint32_t equipment_index, std::string_view key,
                             std::string_view value) = 0;
    virtual bw_status amount(std::int64_t amount_minor, std::string_view description) = 0;
};

// What one entry-point call may see. The maps hold the calling tenant's resolved plugin
// configuration (stored values over declared defaults) and decrypted secrets.
struct CallScope {
    const LoadedPlugin* plugin = nullptr;
    std::string tenant_id;
    std::map<std::string, std::string> config;
    std::map<std::string, std::string> secrets;
    std::map<std::string, std::string> params;
    std::int64_t deadline_ms = 0;
    TelemetrySource* telemetry = nullptr;  // billing-method calls only
    BillingSink* sink = nullptr;           // billing-method calls only
};

// One entry-point call: owns the bw_call handle the plugin sees and everything the host hands
// out during it (wiped and freed when the PluginCall ends).
class PluginCall {
public:
    PluginCall(const HostEnvironment& env, CallScope scope);
    ~PluginCall();
    PluginCall(const PluginCall&) = delete;
    PluginCall& operator=(const PluginCall&) = delete;

    bw_call* handle();
    const bw_host_api* api() const;
    // The message the plugin set with set_error (empty when none).
    const std::string& errorMessage() const;
    // Turns a plugin status into a readable error message ("status N: message").
    std::string describe(bw_status status) const;

private:
    std::unique_ptr<bw_call> call_;
};

std::string_view statusName(bw_status status);  // "invalid_argument", "timeout", ...

}  // namespace billwright::plugins
