// The host-services table as a plugin sees it: outbound HTTP through the per-plugin allowlist
// and the call deadline, host-owned responses filled only up to the plugin's struct size; the
// ABI 1.1 signature check (ES256) and random bytes.

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <openssl/err.h>
#include <billwright/codec.hpp>

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

namespace {

// The Plaid webhook-verification vector of /work/shared/reference/payment-providers.md 2.6:
// the JWK's x and y (base64url) and the compact JWT of the Plaid-Verification header.
constexpr std::string_view kJwkX = "aLilZol4EGQG3hs2xvr_BgmDmlYEqJ7uyQMSCc7InfQ";
constexpr std::string_view kJwkY = "BP69pA72pONz1jsJ4fIchtAOYBYMCDrm9CnXO8HVSZM";
constexpr std::string_view kJwt =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6Ik"
    "pXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJkOTY3MWY1NDQxZTNjNTdlZjliODM0"
    "ZDJmYjBlMzk5Yzk4NDJiN2MzYzgzMTMyMTgwNTRmYmI5YmE1MDAxNzQwIn0.LBoC_gfgoCm6Ehe3JEPDT_XWmtFHf2RQ"
    "CymPCXa226kLHRoH2GEV6u8nZnE4SDO8DysZIUiCwqCeICm3Oj-FbA";

struct Es256Vector {
    std::string key;        // 0x04 || X || Y
    std::string input;      // header.payload
    std::string signature;  // r || s
};

Es256Vector plaidVector() {
    namespace codec = billwright::codec;
    Es256Vector v;
    const auto x = codec::base64UrlDecode(kJwkX);
    const auto y = codec::base64UrlDecode(kJwkY);
    const std::size_t last_dot = kJwt.rfind('.');
    const auto signature = codec::base64UrlDecode(kJwt.substr(last_dot + 1));
    BOOST_REQUIRE(x && y && signature);
    BOOST_REQUIRE(x->size() == 32U && y->size() == 32U && signature->size() == 64U);
    v.key = std::string(1, '\x04') + *x + *y;
    v.input = std::string(kJwt.substr(0, last_dot));
    v.signature = *signature;
    return v;
}

bw_status verify(plugins::PluginCall& call, const std::string& key, const std::string& input,
                 const std::string& signature, std::int32_t algorithm = BW_VERIFY_ES256) {
    return call.api()->verify(call.handle(), algorithm, key.data(), key.size(), input.data(),
                              input.size(), signature.data(), signature.size());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(plugin_host_crypto, HostFixture)

BOOST_AUTO_TEST_CASE(the_host_table_has_the_abi_1_1_functions) {
    plugins::PluginCall call(env, plugins::CallScope{});
    const bw_host_api* api = call.api();
    BOOST_TEST(api->abi_minor == 1);
    BOOST_TEST(BW_HAS_FIELD(api, bw_host_api, random_bytes));
    BOOST_TEST(api->verify != nullptr);
    BOOST_TEST(api->random_bytes != nullptr);
}

BOOST_AUTO_TEST_CASE(the_plaid_es256_vector_verifies) {
    const Es256Vector v = plaidVector();
    plugins::PluginCall call(env, plugins::CallScope{});
    BOOST_TEST(verify(call, v.key, v.input, v.signature) == BW_OK);
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_in_the_signature_or_the_data_is_denied) {
    const Es256Vector v = plaidVector();
    plugins::PluginCall call(env, plugins::CallScope{});
    for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{32}, std::size_t{63}}) {
        std::string signature = v.signature;
        signature[at] = static_cast<char>(signature[at] ^ 0x01);
        BOOST_TEST(verify(call, v.key, v.input, signature) == BW_ERR_DENIED, "byte " << at);
    }
    std::string input = v.input;
    input[10] = static_cast<char>(input[10] ^ 0x20);
    BOOST_TEST(verify(call, v.key, input, v.signature) == BW_ERR_DENIED);
    BOOST_TEST(verify(call, v.key, v.input + " ", v.signature) == BW_ERR_DENIED);
    // r = 0 and s = 0 are well-formed lengths but can never verify.
    BOOST_TEST(verify(call, v.key, v.input, std::string(64, '\0')) == BW_ERR_DENIED);
    // Failed checks leave nothing on the thread's OpenSSL error queue.
    BOOST_TEST(ERR_peek_error() == 0UL);
}

BOOST_AUTO_TEST_CASE(a_malformed_key_or_signature_is_an_invalid_argument) {
    const Es256Vector v = plaidVector();
    plugins::PluginCall call(env, plugins::CallScope{});
    std::string off_curve = v.key;
    off_curve[64] = static_cast<char>(off_curve[64] ^ 0x01);
    std::string compressed = v.key;
    compressed[0] = '\x02';
    const std::vector<std::pair<std::string, std::string>> bad_keys = {
        {"off the curve", off_curve},
        {"not uncompressed", compressed},
        {"too short", v.key.substr(0, 64)},
        {"too long", v.key + "\x01"},
        {"empty", ""},
        {"the point at infinity", std::string(1, '\x04') + std::string(64, '\0')},
    };
    for (const auto& [why, key] : bad_keys) {
        BOOST_TEST(verify(call, key, v.input, v.signature) == BW_ERR_INVALID_ARGUMENT, why);
    }
    BOOST_TEST(verify(call, v.key, v.input, v.signature.substr(0, 63)) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(verify(call, v.key, v.input, v.signature + "x") == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(verify(call, v.key, v.input, v.signature, 99) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(call.api()->verify(call.handle(), BW_VERIFY_ES256, nullptr, 65, v.input.data(),
                                  v.input.size(), v.signature.data(),
                                  64) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(ERR_peek_error() == 0UL);
}

BOOST_AUTO_TEST_CASE(random_bytes_fill_the_buffer_and_refuse_nonsense) {
    plugins::PluginCall call(env, plugins::CallScope{});
    std::uint8_t a[32] = {};
    std::uint8_t b[32] = {};
    BOOST_TEST(call.api()->random_bytes(call.handle(), a, sizeof a) == BW_OK);
    BOOST_TEST(call.api()->random_bytes(call.handle(), b, sizeof b) == BW_OK);
    BOOST_TEST(std::string(reinterpret_cast<char*>(a), sizeof a) !=
               std::string(reinterpret_cast<char*>(b), sizeof b));
    BOOST_TEST(call.api()->random_bytes(call.handle(), nullptr, 0) == BW_OK);
    BOOST_TEST(call.api()->random_bytes(call.handle(), nullptr, 8) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(call.api()->random_bytes(call.handle(), a, std::size_t{1} << 30) ==
               BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(call.api()->random_bytes(nullptr, a, 8) == BW_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()
