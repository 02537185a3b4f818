#include "support/webhook_sink.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <thread>

namespace billwright::testing {

struct WebhookSink::State {
    mutable std::mutex mutex;
    std::vector<int> script;
    std::vector<ReceivedWebhook> received;
};

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(std::shared_ptr<WebhookSink::State> state) : state_(std::move(state)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        ReceivedWebhook r;
        r.method = request.getMethod();
        r.path = request.getURI();
        for (const auto& [name, value] : request) r.headers[lower(name)] = value;
        Poco::StreamCopier::copyToString(request.stream(), r.body);
        {
            std::lock_guard lock(state_->mutex);
            r.answered = 200;
            if (!state_->script.empty()) {
                r.answered = state_->script.front();
                state_->script.erase(state_->script.begin());
            }
            state_->received.push_back(r);
        }
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.answered));
        response.setContentType("text/plain");
        response.send() << "ok";
    }

private:
    std::shared_ptr<WebhookSink::State> state_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(std::shared_ptr<WebhookSink::State> state) : state_(std::move(state)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(state_);
    }

private:
    std::shared_ptr<WebhookSink::State> state_;
};

}  // namespace

struct WebhookSink::Server {
    Poco::Net::ServerSocket socket;
    std::unique_ptr<Poco::Net::HTTPServer> http;
};

std::string ReceivedWebhook::header(const std::string& name) const {
    const auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

WebhookSink::WebhookSink(std::vector<int> script)
    : state_(std::make_shared<State>()), server_(std::make_unique<Server>()) {
    state_->script = std::move(script);
    server_->socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    server_->socket.listen();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setKeepAlive(false);
    server_->http =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), server_->socket, params);
    server_->http->start();
}

WebhookSink::~WebhookSink() { server_->http->stopAll(true); }

std::uint16_t WebhookSink::port() const { return server_->socket.address().port(); }

std::string WebhookSink::url() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/hooks/revenue-guard";
}

std::vector<ReceivedWebhook> WebhookSink::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->received;
}

std::vector<ReceivedWebhook> WebhookSink::waitForRequests(std::size_t count,
                                                          std::chrono::seconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (true) {
        auto got = requests();
        if (got.size() >= count) return got;
        if (std::chrono::steady_clock::now() >= until) {
            BOOST_FAIL("the webhook sink received " + std::to_string(got.size()) + " of " +
                       std::to_string(count) + " requests");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace billwright::testing
