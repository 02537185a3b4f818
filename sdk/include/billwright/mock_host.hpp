// Billwright plugin SDK: a mock host for unit-testing a plugin without the server.
// Link libbillwright_mock_host (CMake target BillwrightSDK::mock_host, pkg-config
// billwright-mock-host). Not thread-safe: one MockHost per test.
//
//   billwright::mock::MockHost host;
//   host.setPeriod(1767225600, 1767225600 + 24 * 3600);
//   const auto eq = host.addEquipment({"eqp_1", "S19", 3'250'000, 95'000, 34'210});
//   host.addSample(eq, BW_SAMPLE_ENERGY, 1767225600, 1000);
//   BOOST_TEST(host.bill(billwright_plugin_descriptor()) == BW_OK);
//   BOOST_TEST(host.hours(eq)[0].energy_mwh == ...);
#ifndef BILLWRIGHT_MOCK_HOST_HPP
#define BILLWRIGHT_MOCK_HOST_HPP

#include <billwright/plugin.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace billwright::mock {

struct MockEquipment {
    std::string id;
    std::string model;
    std::int64_t power_mw = 0;
    std::int64_t hashrate_mth = 0;
    std::int64_t efficiency_mjth = 0;
};

struct HourResult {
    bool emitted = false;  // false: the plugin said nothing about this hour (no data)
    std::int64_t energy_mwh = 0;
    std::int64_t covered_seconds = 0;
};

struct AmountLine {
    std::int64_t amount_minor = 0;
    std::string description;
};

struct LogLine {
    std::int32_t level = 0;
    std::string message;
};

struct HttpCall {
    std::string method;
    std::string url;
    std::string headers;
    std::string body;
    std::uint32_t timeout_ms = 0;
};

struct HttpReply {
    int status = 200;
    std::string headers;
    std::string body;
    bw_status failure = BW_OK;  // e.g. BW_ERR_NETWORK to simulate a transport failure
};

class MockHost {
public:
    MockHost();
    ~MockHost();
    MockHost(const MockHost&) = delete;
    MockHost& operator=(const MockHost&) = delete;

    // The request. Defaults: tenant "ten_test", contract "ctr_test", customer "cus_test",
    // USD with exponent 2, max_hold_seconds 7200, empty period.
    void setPeriod(std::int64_t start, std::int64_t end);
    void setTenant(std::string tenant_id);
    void setContract(std::string contract_id, std::string customer_id);
    void setCurrency(std::string currency, std::int32_t exponent);
    void setMaxHoldSeconds(std::int64_t seconds);
    std::uint32_t addEquipment(MockEquipment equipment);  // returns its index

    // What the host serves the plugin.
    void setConfig(const std::string& key, std::string value);
    void setSecret(const std::string& key, std::string value);
    void setParam(const std::string& key, std::string value);
    void addSample(std::uint32_t equipment_index, std::int32_t kind, std::int64_t ts,
                   std::int64_t value);
    void setNowMs(std::int64_t now_ms);
    void setDeadlineMs(std::int64_t deadline_ms);
    // Hosts the plugin may call; any other host answers BW_ERR_DENIED. Empty: all allowed.
    void allowHttpHost(std::string host);
    void onHttp(std::function<HttpReply(const HttpCall&)> handler);

    // Runs the plugin's init (when it has one), then its billing method on the request.
    // Results of an earlier bill() are cleared first.
    bw_status bill(const bw_plugin_descriptor* plugin);

    // Results.
    const std::vector<HourResult>& hours(std::uint32_t equipment_index) const;  // hour_count
    std::optional<std::string> detail(std::uint32_t equipment_index, const std::string& key) const;
    const std::vector<AmountLine>& amounts() const;
    const std::string& lastError() const;  // the message set with set_error
    const std::vector<LogLine>& logs() const;
    const std::vector<HttpCall>& httpCalls() const;
    // How many telemetry_read calls the plugin made, and the largest capacity it asked for.
    std::size_t telemetryReads() const;
    std::uint32_t largestReadCapacity() const;

    // The host table and a call handle for driving a plugin's entry points by hand.
    const bw_host_api* api() const;
    bw_call* call();

    struct State;

private:
    std::unique_ptr<State> state_;
};

// dlopen()s a plugin file and returns its descriptor (nullptr with a message in `error`).
// The library stays loaded for the life of the process.
const bw_plugin_descriptor* loadPlugin(const std::string& path, std::string* error);

}  // namespace billwright::mock

#endif  // BILLWRIGHT_MOCK_HOST_HPP
