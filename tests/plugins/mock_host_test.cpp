// Tests of the SDK's mock host where the billing plugins do not exercise it (HTTP, digests,
// configuration and secrets, argument checks), and of plugin calls it must refuse.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>
#include <billwright/plugin.hpp>

#include "plugins/plugin_fixture.h"

namespace billwright::plugin_tests {
namespace {

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += kDigits[b >> 4];
        out += kDigits[b & 0xf];
    }
    return out;
}

std::string text(const bw_str& s) { return std::string(s.data, s.len); }

bw_http_request request(const char* method, const char* url) {
    bw_http_request r{};
    r.size = sizeof r;
    r.method = method;
    r.url = url;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_host)

BOOST_AUTO_TEST_CASE(each_first_party_plugin_loads_with_its_id_version_and_method) {
    struct Expected {
        const char* id;
        const char* method;
        std::uint32_t output;
    };
    for (const Expected& e :
         {Expected{"billing_metered", "metered", BW_BILLING_OUTPUT_ENERGY},
          Expected{"billing_hash", "hash", BW_BILLING_OUTPUT_ENERGY},
          Expected{"billing_calculated", "calculated", BW_BILLING_OUTPUT_ENERGY},
          Expected{"billing_flat", "flat", BW_BILLING_OUTPUT_AMOUNT}}) {
        const bw_plugin_descriptor* d = plugin(e.id);
        BOOST_TEST(std::string(d->id) == e.id);
        BOOST_TEST(std::string(d->version) == "1.0.0");
        BOOST_TEST(std::strlen(d->description) > 0u);
        BOOST_TEST(d->kinds == BW_KIND_BILLING_METHOD);
        BOOST_TEST_REQUIRE(d->billing_method != nullptr);
        BOOST_TEST(std::string(d->billing_method->method) == e.method);
        BOOST_TEST(d->billing_method->output == e.output);
    }
    const bw_plugin_descriptor* flat = plugin("billing_flat");
    BOOST_TEST_REQUIRE(flat->config_key_count == 1u);
    BOOST_TEST(std::string(flat->config_keys[0]->name) == "line_description");
    BOOST_TEST(std::string(flat->config_keys[0]->default_value) == "Flat fee");
}

BOOST_AUTO_TEST_CASE(load_plugin_reports_a_missing_file_and_a_library_without_the_entry_point) {
    std::string error;
    BOOST_TEST(mock::loadPlugin(std::string(BW_PLUGIN_DIR) + "/no_such_plugin.so", &error) ==
               nullptr);
    BOOST_TEST(!error.empty());
    error.clear();
    BOOST_TEST(mock::loadPlugin("libm.so.6", &error) == nullptr);
    BOOST_TEST(error.find(BW_PLUGIN_ENTRY_NAME) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bill_refuses_a_descriptor_with_a_bad_magic_or_without_a_billing_method) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    bw_plugin_descriptor bad = *plugin("billing_metered");
    bad.magic = 0;
    BOOST_TEST(host.bill(&bad) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(!host.lastError().empty());
    bad = *plugin("billing_metered");
    bad.billing_method = nullptr;
    BOOST_TEST(host.bill(&bad) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(host.bill(nullptr) == BW_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(http_to_a_host_outside_the_allowlist_is_denied_and_never_sent) {
    mock::MockHost host;
    host.allowHttpHost("API.example.com");
    int handled = 0;
    host.onHttp([&](const mock::HttpCall&) {
        ++handled;
        return mock::HttpReply{200, "Content-Type: application/json\r\n", "{\"ok\":true}"};
    });
    const bw_host_api* api = host.api();
    for (const char* url :
         {"https://evil.example.net/steal", "https://api.example.com.evil.net/",
          "http://api.example.com@evil.example.net/x", "https://sub.api.example.com/"}) {
        const bw_http_request r = request("GET", url);
        bw_http_response response{};
        response.size = sizeof response;
        BOOST_TEST(api->http_request(host.call(), &r, &response) == BW_ERR_DENIED, url);
    }
    BOOST_TEST(handled == 0);
    BOOST_TEST(host.httpCalls().empty());

    // The allowed host, whatever its case, port or user info.
    sdk::Call call(host.call(), api);
    const sdk::HttpResponse reply = call.http("POST", "https://user@Api.Example.com:8443/v1?q=1",
                                              "X-Sig: abc\r\n", "payload", 2500);
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(reply.body == "{\"ok\":true}");
    BOOST_TEST(reply.headers == "Content-Type: application/json\r\n");
    BOOST_TEST_REQUIRE(host.httpCalls().size() == 1u);
    const mock::HttpCall& sent = host.httpCalls()[0];
    BOOST_TEST(sent.method == "POST");
    BOOST_TEST(sent.url == "https://user@Api.Example.com:8443/v1?q=1");
    BOOST_TEST(sent.headers == "X-Sig: abc\r\n");
    BOOST_TEST(sent.body == "payload");
    BOOST_TEST(sent.timeout_ms == 2500u);
    BOOST_TEST(handled == 1);
}

BOOST_AUTO_TEST_CASE(http_fills_the_response_only_as_far_as_the_plugins_struct_reaches) {
    mock::MockHost host;
    host.onHttp([](const mock::HttpCall&) { return mock::HttpReply{201, "A: b\r\n", "created"}; });
    const bw_http_request r = request("GET", "http://example.com/");
    bw_http_response response{};
    const char sentinel[] = "untouched";
    response.headers = {sentinel, 9};
    response.body = {sentinel, 9};
    // A plugin built when the response ended after `status`.
    response.size = static_cast<std::uint32_t>(offsetof(bw_http_response, headers));
    BOOST_TEST_REQUIRE(host.api()->http_request(host.call(), &r, &response) == BW_OK);
    BOOST_TEST(response.status == 201);
    BOOST_TEST(response.headers.data == sentinel);
    BOOST_TEST(response.body.data == sentinel);
    BOOST_TEST(response.body.len == 9u);

    response.size = sizeof response;
    BOOST_TEST_REQUIRE(host.api()->http_request(host.call(), &r, &response) == BW_OK);
    BOOST_TEST(text(response.body) == "created");
    BOOST_TEST(text(response.headers) == "A: b\r\n");
}

BOOST_AUTO_TEST_CASE(http_reports_bad_urls_transport_failures_and_a_passed_deadline) {
    mock::MockHost host;
    const bw_host_api* api = host.api();
    bw_http_response response{};
    response.size = sizeof response;
    for (const char* url : {"ftp://example.com/", "https://", "https://example.com:port/",
                            "example.com/path", "https://[::1/"}) {
        const bw_http_request r = request("GET", url);
        BOOST_TEST(api->http_request(host.call(), &r, &response) == BW_ERR_INVALID_ARGUMENT, url);
    }
    const bw_http_request r = request("GET", "https://example.com/");
    BOOST_TEST(api->http_request(host.call(), &r, &response) == BW_ERR_NETWORK);  // no handler
    host.onHttp([](const mock::HttpCall&) {
        mock::HttpReply reply;
        reply.failure = BW_ERR_TIMEOUT;
        return reply;
    });
    BOOST_TEST(api->http_request(host.call(), &r, &response) == BW_ERR_TIMEOUT);
    host.onHttp([](const mock::HttpCall&) { return mock::HttpReply{}; });
    BOOST_TEST(api->http_request(host.call(), &r, &response) == BW_OK);
    host.setNowMs(1'000'000);
    host.setDeadlineMs(999'999);
    BOOST_TEST(api->now_ms(host.call()) == 1'000'000);
    BOOST_TEST(api->deadline_ms(host.call()) == 999'999);
    BOOST_TEST(api->http_request(host.call(), &r, &response) == BW_ERR_TIMEOUT);
}

BOOST_AUTO_TEST_CASE(hmac_and_hash_match_published_test_vectors) {
    mock::MockHost host;
    sdk::Call call(host.call(), host.api());
    // RFC 4231, test case 2
    BOOST_TEST(hex(call.hmac(BW_HASH_SHA256, "Jefe", "what do ya want for nothing?")) ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(hex(call.hmac(BW_HASH_SHA512, "Jefe", "what do ya want for nothing?")) ==
               "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
               "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    // FIPS 180-2 "abc"
    BOOST_TEST(hex(call.hash(BW_HASH_SHA256, "abc")) ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(hex(call.hash(BW_HASH_SHA1, "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    // HMAC with an empty key and empty data is still defined.
    BOOST_TEST(hex(call.hmac(BW_HASH_SHA256, "", "")) ==
               "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");

    std::uint8_t small[16];
    std::size_t len = 0;
    BOOST_TEST(host.api()->hmac(host.call(), BW_HASH_SHA256, "k", 1, "d", 1, small, sizeof small,
                                &len) == BW_ERR_BUFFER_TOO_SMALL);
    BOOST_TEST(len == 32u);
    std::uint8_t out[64];
    BOOST_TEST(host.api()->hash(host.call(), 99, "d", 1, out, sizeof out, &len) ==
               BW_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(a_secret_is_denied_through_config_and_served_through_secret_get) {
    mock::MockHost host;
    host.setSecret("api_key", "s3cr3t");
    host.setConfig("region", "eu-west");
    host.setParam("invoice_id", "inv_1");
    const bw_host_api* api = host.api();
    bw_str out{};
    BOOST_TEST(api->config_get(host.call(), "api_key", &out) == BW_ERR_DENIED);
    BOOST_TEST(out.data == nullptr);
    BOOST_TEST_REQUIRE(api->secret_get(host.call(), "api_key", &out) == BW_OK);
    BOOST_TEST(text(out) == "s3cr3t");
    BOOST_TEST_REQUIRE(api->config_get(host.call(), "region", &out) == BW_OK);
    BOOST_TEST(text(out) == "eu-west");
    BOOST_TEST(out.data[out.len] == '\0');
    BOOST_TEST(api->secret_get(host.call(), "region", &out) == BW_ERR_NOT_FOUND);
    BOOST_TEST(api->config_get(host.call(), "missing", &out) == BW_ERR_NOT_FOUND);
    BOOST_TEST_REQUIRE(api->param_get(host.call(), "invoice_id", &out) == BW_OK);
    BOOST_TEST(text(out) == "inv_1");
    BOOST_TEST(api->param_get(host.call(), "region", &out) == BW_ERR_NOT_FOUND);

    sdk::Call call(host.call(), api);
    BOOST_CHECK_EXCEPTION(call.config("api_key"), sdk::Error,
                          [](const sdk::Error& e) { return e.status() == BW_ERR_DENIED; });
    BOOST_TEST(!call.config("missing").has_value());
}

BOOST_AUTO_TEST_CASE(telemetry_reads_honour_the_range_and_the_capacity_and_edges_find_neighbours) {
    mock::MockHost host;
    const auto eq = host.addEquipment({"eqp_1", "", 0, 0, 0});
    addSamples(host, eq, BW_SAMPLE_POWER, {{40, 4}, {10, 1}, {30, 3}, {20, 2}, {50, 5}, {30, 33}});
    const bw_host_api* api = host.api();
    std::int64_t ts[8] = {};
    std::int64_t values[8] = {};
    std::uint32_t count = 99;
    BOOST_TEST_REQUIRE(api->telemetry_read(host.call(), eq, BW_SAMPLE_POWER, 20, 50, ts, values, 2,
                                           &count) == BW_OK);
    BOOST_TEST(count == 2u);
    BOOST_TEST(ts[0] == 20);
    BOOST_TEST(ts[1] == 30);
    BOOST_TEST(values[1] == 33);  // of two samples at one ts the one added last
    BOOST_TEST_REQUIRE(api->telemetry_read(host.call(), eq, BW_SAMPLE_POWER, 31, 50, ts, values, 8,
                                           &count) == BW_OK);
    BOOST_TEST(count == 1u);  // 40; 50 is not before `to`
    BOOST_TEST(ts[0] == 40);
    BOOST_TEST_REQUIRE(api->telemetry_read(host.call(), eq, BW_SAMPLE_ENERGY, 0, 100, ts, values, 8,
                                           &count) == BW_OK);
    BOOST_TEST(count == 0u);
    BOOST_TEST(host.telemetryReads() == 3u);
    BOOST_TEST(host.largestReadCapacity() == 8u);

    BOOST_TEST(api->telemetry_read(host.call(), eq + 1, BW_SAMPLE_POWER, 0, 100, ts, values, 8,
                                   &count) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(api->telemetry_read(host.call(), eq, 9, 0, 100, ts, values, 8, &count) ==
               BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(api->telemetry_read(host.call(), eq, BW_SAMPLE_POWER, 0, 100, ts, values, 0,
                                   &count) == BW_ERR_INVALID_ARGUMENT);

    sdk::Call call(host.call(), api);
    const auto before = call.edge(eq, BW_SAMPLE_POWER, 30, BW_EDGE_BEFORE);
    BOOST_TEST_REQUIRE(before.has_value());
    BOOST_TEST(before->ts == 20);
    const auto at = call.edge(eq, BW_SAMPLE_POWER, 30, BW_EDGE_AT_OR_AFTER);
    BOOST_TEST_REQUIRE(at.has_value());
    BOOST_TEST(at->ts == 30);
    BOOST_TEST(at->value == 33);
    BOOST_TEST(!call.edge(eq, BW_SAMPLE_POWER, 10, BW_EDGE_BEFORE).has_value());
    BOOST_TEST(!call.edge(eq, BW_SAMPLE_POWER, 51, BW_EDGE_AT_OR_AFTER).has_value());
    std::int64_t t = 0;
    std::int64_t v = 0;
    BOOST_TEST(api->telemetry_edge(host.call(), eq, BW_SAMPLE_POWER, 30, 7, &t, &v) ==
               BW_ERR_INVALID_ARGUMENT);

    host.setNowMs(10);
    host.setDeadlineMs(9);
    BOOST_TEST(api->telemetry_read(host.call(), eq, BW_SAMPLE_POWER, 0, 100, ts, values, 8,
                                   &count) == BW_ERR_TIMEOUT);
}

BOOST_AUTO_TEST_CASE(emits_for_an_equipment_or_hour_out_of_range_are_refused_and_change_nothing) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour + 600);  // hours of 3600 and 600 s
    const auto eq = host.addEquipment({"eqp_1", "", 0, 0, 0});
    const bw_host_api* api = host.api();
    const std::int64_t energy[] = {5, 6, 7};
    const std::int64_t covered[] = {3600, 600, 0};
    BOOST_TEST(api->emit_hours(host.call(), eq + 1, 0, 2, energy, covered) ==
               BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(api->emit_hours(host.call(), eq, 1, 2, energy, covered) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(api->emit_hours(host.call(), eq, 0xffffffffu, 2, energy, covered) ==
               BW_ERR_INVALID_ARGUMENT);
    const std::int64_t too_long[] = {3600, 601};  // the second hour has only 600 s
    BOOST_TEST(api->emit_hours(host.call(), eq, 0, 2, energy, too_long) == BW_ERR_INVALID_ARGUMENT);
    const std::int64_t negative[] = {1, -1};
    BOOST_TEST(api->emit_hours(host.call(), eq, 0, 2, negative, covered) ==
               BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(api->emit_detail(host.call(), eq + 1, "k", "v") == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(emittedHours(host, eq) == 0u);
    BOOST_TEST(!host.detail(eq, "k").has_value());

    BOOST_TEST_REQUIRE(api->emit_hours(host.call(), eq, 1, 1, energy, covered + 1) == BW_OK);
    BOOST_TEST(emittedHours(host, eq) == 1u);
    BOOST_TEST(!host.hours(eq)[0].emitted);
    BOOST_TEST(host.hours(eq)[1].energy_mwh == 5);
    BOOST_TEST(host.hours(eq)[1].covered_seconds == 600);
    BOOST_TEST_REQUIRE(api->emit_detail(host.call(), eq, "k", "v") == BW_OK);
    BOOST_TEST(host.detail(eq, "k").value_or("") == "v");
}

BOOST_AUTO_TEST_CASE(alloc_hands_out_zeroed_memory_and_refuses_what_is_beyond_its_limit) {
    mock::MockHost host;
    const bw_host_api* api = host.api();
    auto* p = static_cast<unsigned char*>(api->alloc(host.call(), 64));
    BOOST_TEST_REQUIRE(p != nullptr);
    bool zeroed = true;
    for (int i = 0; i < 64; ++i) zeroed = zeroed && p[i] == 0;
    BOOST_TEST(zeroed);
    BOOST_TEST(api->alloc(host.call(), std::size_t{1} << 40) == nullptr);
    sdk::Call call(host.call(), api);
    BOOST_TEST(std::string(call.hostString("kept")) == "kept");
}

BOOST_AUTO_TEST_SUITE_END()

// Plugin calls with a request that does not fit the host's state.
BOOST_AUTO_TEST_SUITE(out_of_range_requests)

BOOST_AUTO_TEST_CASE(energy_plugins_refuse_an_hour_count_that_does_not_match_the_period) {
    for (const char* id : {"billing_metered", "billing_hash", "billing_calculated"}) {
        mock::MockHost host;
        host.setPeriod(kT0, kT0 + kHour);
        host.addEquipment({"eqp_1", "", 3'000'000, 100'000, 30'000});
        host.addSample(0, BW_SAMPLE_STATUS, kT0 - 1, 1);
        const bw_equipment equipment{sizeof(bw_equipment), "eqp_1", "", 3'000'000, 100'000, 30'000};
        const bw_equipment* list[] = {&equipment};
        bw_billing_request request{};
        request.size = sizeof request;
        request.tenant_id = "ten_test";
        request.contract_id = "";
        request.customer_id = "";
        request.currency = "USD";
        request.currency_exponent = 2;
        request.period_start = kT0;
        request.period_end = kT0 + kHour;
        request.hour_count = 5;  // the period has one hour
        request.equipment_count = 1;
        request.equipment = list;
        request.max_hold_seconds = 7200;
        const bw_plugin_descriptor* d = plugin(id);
        BOOST_TEST(
            d->billing_method->bill(host.call(), host.api(), &request) == BW_ERR_INVALID_ARGUMENT,
            id);
        BOOST_TEST(!host.lastError().empty(), id);
        BOOST_TEST(emittedHours(host, 0) == 0u, id);
        BOOST_TEST(host.telemetryReads() == 0u, id);
    }
}

BOOST_AUTO_TEST_CASE(a_request_naming_equipment_the_host_does_not_have_fails_the_call) {
    for (const char* id : {"billing_metered", "billing_hash", "billing_calculated"}) {
        mock::MockHost host;
        host.setPeriod(kT0, kT0 + kHour);
        host.addEquipment({"eqp_1", "", 3'000'000, 100'000, 30'000});
        const bw_equipment equipment{sizeof(bw_equipment), "eqp_1", "", 3'000'000, 100'000, 30'000};
        const bw_equipment* list[] = {&equipment, &equipment};  // index 1 is out of range
        bw_billing_request request{};
        request.size = sizeof request;
        request.tenant_id = "ten_test";
        request.contract_id = "";
        request.customer_id = "";
        request.currency = "USD";
        request.period_start = kT0;
        request.period_end = kT0 + kHour;
        request.hour_count = 1;
        request.equipment_count = 2;
        request.equipment = list;
        const bw_plugin_descriptor* d = plugin(id);
        BOOST_TEST(
            d->billing_method->bill(host.call(), host.api(), &request) == BW_ERR_INVALID_ARGUMENT,
            id);
        BOOST_TEST(!host.lastError().empty(), id);
        BOOST_TEST(emittedHours(host, 0) == 1u, id);  // equipment 0 was billed before
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
