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
//
// A payment processor (ABI 1.1) is driven the same way, one entry point per call:
//
//   host.setParam("reference", "CHK-1001");
//   billwright::mock::ChargeRequest charge;
//   charge.amount.amount_minor = 125'000;
//   billwright::mock::PaymentResult paid;
//   BOOST_TEST(host.charge(plugin, charge, &paid) == BW_OK);
#ifndef BILLWRIGHT_MOCK_HOST_HPP
#define BILLWRIGHT_MOCK_HOST_HPP

#include <billwright/plugin.h>

#include <cstddef>
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

// ---- Payment processors (ABI 1.1) ----------------------------------------------------------
// Requests as the host would send them (defaults make a valid request) and results copied out of
// the plugin's answer; see bw_payment_processor_api.

struct Payer {
    std::string kind = "customer";
    std::string id = "cus_test";
    std::string name = "Test Customer";
    std::string email = "billing@example.com";
    std::string provider_customer;
};

struct Money {
    std::int64_t amount_minor = 10'000;
    std::string currency = "USD";
    std::int32_t exponent = 2;
};

struct MethodRequest {
    Payer payer;
    std::string token;
};

struct MethodResult {
    std::string provider_customer;
    std::string reference;
    std::int32_t method_type = 0;
    std::int32_t status = 0;
    std::string label;
    std::string client_token;
    std::int64_t client_token_expires_at = 0;
};

struct ChargeRequest {
    Payer payer;
    std::string payment_id = "pay_test";
    std::string invoice_id = "inv_test";
    std::string idempotency_key = "idem_test";
    Money amount;
    std::int64_t surcharge_minor = 0;
    std::string method_reference;
    bool off_session = false;
    std::string description = "Invoice inv_test";
    std::string return_url;
};

struct PaymentResult {
    std::int32_t status = 0;
    std::string reference;
    std::int64_t amount_received_minor = 0;
    std::int64_t fee_minor = 0;
    std::string failure_code;
    std::string failure_message;
    std::string action_url;
    std::int64_t expires_at = 0;
};

struct LookupRequest {
    Payer payer;
    std::string payment_id = "pay_test";
    std::string reference;
    Money amount;
};

struct RefundRequest {
    Payer payer;
    std::string refund_id = "rfd_test";
    std::string idempotency_key = "idem_refund_test";
    std::string payment_reference;
    Money amount;
    std::string reason = "requested_by_customer";
};

struct RefundResult {
    std::int32_t status = 0;
    std::string reference;
    std::string failure_code;
};

struct WebhookRequest {
    std::string headers;  // "Name: value\r\n" lines
    std::string body;
    std::int64_t received_at = 0;  // 0: the mock host's clock (setNowMs), in seconds
};

struct WebhookResult {
    std::int32_t event = 0;
    std::string event_id;
    std::int64_t occurred_at = 0;
    std::string payment_id;
    PaymentResult payment;  // BW_EVENT_PAYMENT
    std::string refund_reference;
    std::int32_t refund_status = 0;
    std::string method_reference;
    std::int32_t method_status = 0;
    std::string method_failure_code;
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
    // What random_bytes hands out; unset: the operating system's CSPRNG.
    void onRandomBytes(std::function<void(std::uint8_t* out, std::size_t len)> fill);

    // Runs the plugin's init (when it has one), then its billing method on the request.
    // Results of an earlier bill() are cleared first.
    bw_status bill(const bw_plugin_descriptor* plugin);

    // Payment-processor entry points (ABI 1.1): each runs the plugin's init (when it has one),
    // then the entry point, with the configuration, secrets, parameters, clock and HTTP set up
    // above, and copies the result into `result` (may be nullptr) when the status is BW_OK. A
    // NULL entry point answers BW_ERR_UNSUPPORTED. Logs, HTTP calls and the error message of
    // an earlier call are cleared first.
    bw_status beginMethod(const bw_plugin_descriptor* plugin, const MethodRequest& request,
                          MethodResult* result);
    bw_status setupMethod(const bw_plugin_descriptor* plugin, const MethodRequest& request,
                          MethodResult* result);
    bw_status charge(const bw_plugin_descriptor* plugin, const ChargeRequest& request,
                     PaymentResult* result);
    bw_status lookup(const bw_plugin_descriptor* plugin, const LookupRequest& request,
                     PaymentResult* result);
    bw_status refund(const bw_plugin_descriptor* plugin, const RefundRequest& request,
                     RefundResult* result);
    bw_status webhook(const bw_plugin_descriptor* plugin, const WebhookRequest& request,
                      WebhookResult* result);

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

// An onHttp handler that really sends each call, for tests against a local fake of a provider:
// plain http:// only (https:// answers BW_ERR_UNSUPPORTED), HTTP/1.1, one connection per call,
// the call's timeout_ms (0: 10 s) for connecting and for the whole answer. A refused or reset
// connection is BW_ERR_NETWORK, a timeout BW_ERR_TIMEOUT.
std::function<HttpReply(const HttpCall&)> plainHttpHandler();

}  // namespace billwright::mock

#endif  // BILLWRIGHT_MOCK_HOST_HPP
