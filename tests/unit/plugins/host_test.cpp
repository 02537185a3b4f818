// The host-services table as a plugin sees it: outbound HTTP through the per-plugin allowlist
// and the call deadline, host-owned responses filled only up to the plugin's struct size.

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "plugins/host.h"
#include "plugins/registry.h"

using namespace billwright;

namespace {

class RecordingTransport final : public plugins::HttpTransport {
public:
    plugins::HttpOutcome send(const plugins::HttpExchange& request,
                              std::int64_t timeout_ms) override {
        sent.push_back(request);
        timeouts.push_back(timeout_ms);
        plugins::HttpOutcome out;
        out.http_status = 201;
        out.headers = "Content-Type: application/json\r\n";
        out.body = R"({"ok":true})";
        return out;
    }
    std::vector<plugins::HttpExchange> sent;
    std::vector<std::int64_t> timeouts;
};

struct HostFixture {
    std::FILE* sink = std::tmpfile();
    core::Logger log{core::LogLevel::kInfo, core::LogFormat::kText, sink};
    core::Metrics metrics;
    core::ManualClock clock{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}};
    RecordingTransport transport;
    plugins::HostEnvironment env{
        log, metrics, clock, &transport, {{"payments_test", {"api.example.com"}}}, 10000};
    plugins::LoadedPlugin plugin;

    HostFixture() { plugin.info.id = "payments_test"; }
    ~HostFixture() { std::fclose(sink); }

    std::int64_t nowMs() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
            .count();
    }

    bw_status get(plugins::PluginCall& call, const char* url, bw_http_response& response) {
        bw_http_request request{};
        request.size = sizeof request;
        request.method = "GET";
        request.url = url;
        response = bw_http_response{};
        response.size = sizeof response;
        return call.api()->http_request(call.handle(), &request, &response);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(plugin_host, HostFixture)

BOOST_AUTO_TEST_CASE(only_hosts_on_the_plugins_allowlist_are_reached) {
    plugins::CallScope scope;
    scope.plugin = &plugin;
    scope.deadline_ms = nowMs() + 60000;
    plugins::PluginCall call(env, scope);
    bw_http_response response{};
    BOOST_TEST(get(call, "https://api.example.com/v1/charges", response) == BW_OK);
    BOOST_TEST(response.status == 201);
    BOOST_TEST(std::string(response.body.data, response.body.len) == R"({"ok":true})");
    BOOST_TEST(get(call, "https://evil.example.net/steal", response) == BW_ERR_DENIED);
    BOOST_TEST(get(call, "ftp://api.example.com/file", response) == BW_ERR_INVALID_ARGUMENT);
    BOOST_REQUIRE(transport.sent.size() == 1U);  // the refused calls never left the host
    BOOST_TEST(transport.sent[0].url == "https://api.example.com/v1/charges");
    const std::string text = metrics.render();
    BOOST_TEST(
        text.find(
            R"(billwright_plugin_http_requests_total{plugin="payments_test",outcome="denied"} 1)") !=
        std::string::npos);

    // Another plugin has no allowlist entry: nothing is allowed.
    plugins::LoadedPlugin other;
    other.info.id = "billing_other";
    plugins::CallScope other_scope;
    other_scope.plugin = &other;
    plugins::PluginCall other_call(env, other_scope);
    BOOST_TEST(get(other_call, "https://api.example.com/v1/charges", response) == BW_ERR_DENIED);
    BOOST_TEST(transport.sent.size() == 1U);
}

BOOST_AUTO_TEST_CASE(the_timeout_never_reaches_past_the_call_deadline) {
    plugins::CallScope scope;
    scope.plugin = &plugin;
    scope.deadline_ms = nowMs() + 2500;  // less than the host's 10 s default
    plugins::PluginCall call(env, scope);
    bw_http_response response{};
    BOOST_TEST(get(call, "https://api.example.com/a", response) == BW_OK);
    BOOST_REQUIRE(transport.timeouts.size() == 1U);
    BOOST_TEST(transport.timeouts[0] == 2500);

    clock.advance(std::chrono::seconds{3});  // past the deadline
    BOOST_TEST(get(call, "https://api.example.com/b", response) == BW_ERR_TIMEOUT);
    BOOST_TEST(transport.sent.size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_response_struct_from_an_older_plugin_is_filled_only_up_to_its_size) {
    plugins::CallScope scope;
    scope.plugin = &plugin;
    plugins::PluginCall call(env, scope);
    bw_http_request request{};
    request.size = sizeof request;
    request.method = "GET";
    request.url = "https://api.example.com/a";
    // A response struct too small to hold the body is refused, not overrun.
    bw_http_response response{};
    response.size = static_cast<std::uint32_t>(offsetof(bw_http_response, body));
    BOOST_TEST(call.api()->http_request(call.handle(), &request, &response) ==
               BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(response.body.data == nullptr);
    BOOST_TEST(transport.sent.empty());
}

BOOST_AUTO_TEST_SUITE_END()
