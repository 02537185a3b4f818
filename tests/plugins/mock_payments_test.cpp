// Payment processors (ABI 1.1) on the SDK's mock host, as a plugin author tests one out of tree:
// payment_manual, the C++ wrapper's processor entry points (payment_wrapped), the host's
// signature check and random bytes, and real HTTP to a local server.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/codec.hpp>
#include <billwright/mock_host.hpp>

#include "plugins/plugin_fixture.h"

namespace billwright::plugin_tests {
namespace {

const bw_plugin_descriptor* wrapped() {
    static const bw_plugin_descriptor* d = [] {
        std::string error;
        const auto* loaded = mock::loadPlugin(
            std::string(BW_TEST_PROCESSOR_DIR) + "/payment_wrapped" + BW_PLUGIN_SUFFIX, &error);
        BOOST_TEST_REQUIRE(loaded != nullptr, error);
        return loaded;
    }();
    return d;
}

std::string signature(std::string_view secret, std::string_view body) {
    // The mock host's own HMAC, through a throwaway call, keeps the test free of OpenSSL.
    mock::MockHost host;
    std::uint8_t out[64];
    std::size_t len = 0;
    BOOST_REQUIRE(host.api()->hmac(host.call(), BW_HASH_SHA256, secret.data(), secret.size(),
                                   body.data(), body.size(), out, sizeof out, &len) == BW_OK);
    return codec::hexEncode(std::string_view(reinterpret_cast<const char*>(out), len));
}

// A one-shot HTTP server on 127.0.0.1: accepts one connection, reads the request (headers and
// Content-Length bytes), answers `reply` verbatim and closes.
class OneShotServer {
public:
    explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        BOOST_REQUIRE(::listen(fd_, 1) == 0);
        socklen_t len = sizeof addr;
        BOOST_REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~OneShotServer() {
        thread_.join();
        ::close(fd_);
    }
    OneShotServer(const OneShotServer&) = delete;
    OneShotServer& operator=(const OneShotServer&) = delete;

    std::uint16_t port() const { return port_; }
    // What the client sent; read after the call returned.
    const std::string& request() const { return request_; }

private:
    void serve() {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        char buffer[4096];
        for (;;) {
            const std::size_t head = request_.find("\r\n\r\n");
            if (head != std::string::npos) {
                const std::string_view headers = std::string_view(request_).substr(0, head + 2);
                const auto length = codec::headerValue(headers, "content-length");
                const std::size_t want =
                    length ? static_cast<std::size_t>(std::stoul(std::string(*length))) : 0;
                if (request_.size() >= head + 4 + want) break;
            }
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            request_.append(buffer, static_cast<std::size_t>(n));
        }
        ::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        ::close(client);
    }

    std::string reply_;
    std::string request_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_payments)

BOOST_AUTO_TEST_CASE(payment_manual_records_a_cheque_and_names_a_bad_parameter) {
    const bw_plugin_descriptor* manual = plugin("payment_manual");
    BOOST_TEST(manual->kinds == BW_KIND_PAYMENT_PROCESSOR);
    BOOST_TEST(manual->abi_minor == 1);
    BOOST_TEST_REQUIRE(manual->payment_processor != nullptr);
    BOOST_TEST(manual->payment_processor->method_types == BW_METHOD_TYPE_BIT(BW_METHOD_MANUAL));
    BOOST_TEST(manual->payment_processor->flags == (BW_PROCESSOR_RECORDS | BW_PROCESSOR_REFUNDS));
    BOOST_TEST(manual->payment_processor->webhook == nullptr);
    BOOST_TEST(manual->payment_processor->setup_method == nullptr);

    mock::MockHost host;
    host.setNowMs(kT0 * 1000);
    host.setParam("reference", "CHK-1001");
    host.setParam("channel", "cheque");
    host.setParam("received_on", "2026-10-31");
    mock::ChargeRequest charge;
    charge.amount.amount_minor = 125'000;
    mock::PaymentResult paid;
    BOOST_TEST_REQUIRE(host.charge(manual, charge, &paid) == BW_OK, host.lastError());
    BOOST_TEST(paid.status == BW_PAYMENT_SUCCEEDED);
    BOOST_TEST(paid.reference == "cheque:CHK-1001");
    BOOST_TEST(paid.amount_received_minor == 125'000);
    BOOST_TEST(paid.fee_minor == 0);

    host.setParam("channel", "carrier pigeon");
    BOOST_TEST(host.charge(manual, charge, &paid) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(host.lastError().rfind("parameter channel ", 0) == 0U, host.lastError());

    host.setParam("channel", "cash");
    mock::RefundRequest refund;
    refund.payment_reference = "cheque:CHK-1001";
    mock::RefundResult refunded;
    BOOST_TEST_REQUIRE(host.refund(manual, refund, &refunded) == BW_OK, host.lastError());
    BOOST_TEST(refunded.status == BW_REFUND_SUCCEEDED);
    BOOST_TEST(refunded.reference == "cash:CHK-1001");

    BOOST_TEST(host.webhook(manual, mock::WebhookRequest{}, nullptr) == BW_ERR_UNSUPPORTED);
    BOOST_TEST(host.lookup(manual, mock::LookupRequest{}, nullptr) == BW_ERR_UNSUPPORTED);
}

BOOST_AUTO_TEST_CASE(a_billing_plugin_is_not_a_payment_processor_for_the_mock_host) {
    mock::MockHost host;
    BOOST_TEST(host.charge(plugin("billing_flat"), mock::ChargeRequest{}, nullptr) ==
               BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(host.lastError().find("not a payment processor") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_wrapper_exports_the_entry_points_its_flags_promise) {
    const bw_payment_processor_api* api = wrapped()->payment_processor;
    BOOST_TEST_REQUIRE(api != nullptr);
    BOOST_TEST(api->size == sizeof(bw_payment_processor_api));
    BOOST_TEST(api->begin_method != nullptr);
    BOOST_TEST(api->setup_method != nullptr);
    BOOST_TEST(api->charge != nullptr);
    BOOST_TEST(api->lookup != nullptr);
    BOOST_TEST(api->refund == nullptr);
    BOOST_TEST(api->webhook != nullptr);
    mock::MockHost host;
    BOOST_TEST(host.refund(wrapped(), mock::RefundRequest{}, nullptr) == BW_ERR_UNSUPPORTED);
    BOOST_TEST(host.lookup(wrapped(), mock::LookupRequest{}, nullptr) == BW_ERR_UNSUPPORTED);
    BOOST_TEST(host.lastError() == "lookup is not implemented");
}

BOOST_AUTO_TEST_CASE(a_wrapped_charge_fills_the_result_and_an_exception_becomes_a_status) {
    mock::MockHost host;
    mock::ChargeRequest charge;
    charge.idempotency_key = "idem_7";
    charge.amount.amount_minor = 4200;
    mock::PaymentResult paid;
    BOOST_TEST_REQUIRE(host.charge(wrapped(), charge, &paid) == BW_OK, host.lastError());
    BOOST_TEST(paid.status == BW_PAYMENT_SUCCEEDED);
    BOOST_TEST(paid.reference == "pi_idem_7");
    BOOST_TEST(paid.amount_received_minor == 4200);
    BOOST_TEST(paid.fee_minor == -1);

    host.setParam("mode", "decline");
    BOOST_TEST_REQUIRE(host.charge(wrapped(), charge, &paid) == BW_OK);
    BOOST_TEST(paid.status == BW_PAYMENT_FAILED);
    BOOST_TEST(paid.failure_code == "card_declined");
    BOOST_TEST(paid.reference.empty());

    host.setParam("mode", "throw");
    BOOST_TEST(host.charge(wrapped(), charge, &paid) == BW_ERR_INTERNAL);
    BOOST_TEST(host.lastError() == "boom");
}

BOOST_AUTO_TEST_CASE(a_wrapped_method_is_begun_with_random_bytes_and_set_up_over_http) {
    mock::MockHost host;
    host.onRandomBytes([](std::uint8_t* out, std::size_t len) {
        for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<std::uint8_t>(i + 1);
    });
    mock::MethodResult begun;
    BOOST_TEST_REQUIRE(host.beginMethod(wrapped(), mock::MethodRequest{}, &begun) == BW_OK,
                       host.lastError());
    BOOST_TEST(begun.client_token == "ct_0102030405060708");
    BOOST_TEST(begun.client_token_expires_at == 1'767'225'600 + 3600);

    host.allowHttpHost("api.provider.test");
    host.onHttp([](const mock::HttpCall&) {
        mock::HttpReply reply;
        reply.headers = "Content-Type: application/json\r\n";
        reply.body =
            R"({"id":"pm_1","customer":"cus_p","brand":"visa","last4":"4242","status":"active"})";
        return reply;
    });
    mock::MethodRequest request;
    request.token = "tok visa&co";
    mock::MethodResult saved;
    BOOST_TEST_REQUIRE(host.setupMethod(wrapped(), request, &saved) == BW_OK, host.lastError());
    BOOST_TEST(saved.reference == "pm_1");
    BOOST_TEST(saved.provider_customer == "cus_p");
    BOOST_TEST(saved.method_type == BW_METHOD_CARD);
    BOOST_TEST(saved.status == BW_METHOD_ACTIVE);
    BOOST_TEST(saved.label == "visa 4242");
    BOOST_TEST_REQUIRE(host.httpCalls().size() == 1U);
    BOOST_TEST(host.httpCalls()[0].method == "POST");
    BOOST_TEST(host.httpCalls()[0].body ==
               "token=tok+visa%26co&metadata[payer]=cus_test&default=true");

    host.onHttp([](const mock::HttpCall&) {
        mock::HttpReply reply;
        reply.status = 503;
        return reply;
    });
    BOOST_TEST(host.setupMethod(wrapped(), request, &saved) == BW_ERR_UNAVAILABLE);
    BOOST_TEST(host.lastError() == "the provider answered 503");
}

BOOST_AUTO_TEST_CASE(a_wrapped_webhook_is_verified_before_it_is_read) {
    mock::MockHost host;
    host.setSecret("webhook_secret", "whsec_test");
    const std::string body =
        R"({"id":"evt_9","type":"payment.succeeded","payment":{"id":"pi_1","amount":2500,)"
        R"("metadata":{"payment_id":"pay_1"}}})";
    mock::WebhookRequest delivery;
    delivery.body = body;
    delivery.headers =
        "Content-Type: application/json\r\nprovider-SIGNATURE:  " + signature("whsec_test", body) +
        "\r\n";
    mock::WebhookResult result;
    BOOST_TEST_REQUIRE(host.webhook(wrapped(), delivery, &result) == BW_OK, host.lastError());
    BOOST_TEST(result.event == BW_EVENT_PAYMENT);
    BOOST_TEST(result.event_id == "evt_9");
    BOOST_TEST(result.payment_id == "pay_1");
    BOOST_TEST(result.payment.status == BW_PAYMENT_SUCCEEDED);
    BOOST_TEST(result.payment.reference == "pi_1");
    BOOST_TEST(result.payment.amount_received_minor == 2500);

    mock::WebhookRequest forged = delivery;
    forged.body = body.substr(0, body.size() - 1) + " }";
    BOOST_TEST(host.webhook(wrapped(), forged, &result) == BW_ERR_DENIED);
    mock::WebhookRequest unsigned_delivery = delivery;
    unsigned_delivery.headers.clear();
    BOOST_TEST(host.webhook(wrapped(), unsigned_delivery, &result) == BW_ERR_DENIED);

    const std::string other = R"({"id":"evt_10","type":"customer.updated"})";
    delivery.body = other;
    delivery.headers = "Provider-Signature: " + signature("whsec_test", other) + "\r\n";
    BOOST_TEST_REQUIRE(host.webhook(wrapped(), delivery, &result) == BW_OK);
    BOOST_TEST(result.event == BW_EVENT_IGNORED);
}

BOOST_AUTO_TEST_CASE(the_mock_host_verifies_the_plaid_es256_vector) {
    const auto x = codec::base64UrlDecode("aLilZol4EGQG3hs2xvr_BgmDmlYEqJ7uyQMSCc7InfQ");
    const auto y = codec::base64UrlDecode("BP69pA72pONz1jsJ4fIchtAOYBYMCDrm9CnXO8HVSZM");
    const std::string jwt =
        "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cC"
        "I6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJkOTY3MWY1NDQxZTNjNTdl"
        "ZjliODM0ZDJmYjBlMzk5Yzk4NDJiN2MzYzgzMTMyMTgwNTRmYmI5YmE1MDAxNzQwIn0.LBoC_gfgoCm6Ehe3JEP"
        "DT_XWmtFHf2RQCymPCXa226kLHRoH2GEV6u8nZnE4SDO8DysZIUiCwqCeICm3Oj-FbA";
    const std::size_t dot = jwt.rfind('.');
    const auto sig = codec::base64UrlDecode(std::string_view(jwt).substr(dot + 1));
    BOOST_REQUIRE(x && y && sig);
    const std::string key = "\x04" + *x + *y;
    const std::string input = jwt.substr(0, dot);
    mock::MockHost host;
    const auto verify = [&](const std::string& k, const std::string& s) {
        return host.api()->verify(host.call(), BW_VERIFY_ES256, k.data(), k.size(), input.data(),
                                  input.size(), s.data(), s.size());
    };
    BOOST_TEST(verify(key, *sig) == BW_OK);
    std::string flipped = *sig;
    flipped[5] = static_cast<char>(flipped[5] ^ 0x40);
    BOOST_TEST(verify(key, flipped) == BW_ERR_DENIED);
    BOOST_TEST(verify(key.substr(1), *sig) == BW_ERR_INVALID_ARGUMENT);
    std::uint8_t bytes[16] = {};
    BOOST_TEST(host.api()->random_bytes(host.call(), bytes, sizeof bytes) == BW_OK);
}

BOOST_AUTO_TEST_CASE(the_plain_http_handler_talks_to_a_local_server) {
    OneShotServer server(
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: "
        "chunked\r\n\r\n7\r\n{\"ok\":t\r\n4\r\nrue}\r\n0\r\n\r\n");
    mock::HttpCall call;
    call.method = "POST";
    call.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/payment?x=1";
    call.headers = "x-api-key: k1\r\n";
    call.body = R"({"price_amount":39.5})";
    call.timeout_ms = 5000;
    const mock::HttpReply reply = mock::plainHttpHandler()(call);
    BOOST_TEST(reply.failure == BW_OK);
    BOOST_TEST(reply.status == 201);
    BOOST_TEST(reply.body == R"({"ok":true})");
    BOOST_TEST(codec::headerValue(reply.headers, "content-type").value_or("") ==
               "application/json");
    const std::string& sent = server.request();
    BOOST_TEST(sent.rfind("POST /v1/payment?x=1 HTTP/1.1\r\n", 0) == 0U, sent);
    BOOST_TEST(codec::headerValue(sent, "x-api-key").value_or("") == "k1");
    BOOST_TEST(codec::headerValue(sent, "content-length").value_or("") == "21");
    BOOST_TEST(sent.substr(sent.size() - call.body.size()) == call.body);
}

BOOST_AUTO_TEST_CASE(the_plain_http_handler_reports_transport_failures) {
    int port = 0;
    {
        // A port that was just free: nothing listens there.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        socklen_t len = sizeof addr;
        BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port = ntohs(addr.sin_port);
        ::close(fd);
    }
    mock::HttpCall call;
    call.method = "GET";
    call.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    BOOST_TEST(mock::plainHttpHandler()(call).failure == BW_ERR_NETWORK);
    call.url = "https://127.0.0.1/";
    BOOST_TEST(mock::plainHttpHandler()(call).failure == BW_ERR_UNSUPPORTED);
    call.url = "ftp://127.0.0.1/";
    BOOST_TEST(mock::plainHttpHandler()(call).failure == BW_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
