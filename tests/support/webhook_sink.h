#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace billwright::testing {

// One POST the sink received, and the status it answered.
struct ReceivedWebhook {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    int answered = 0;

    std::string header(const std::string& name) const;  // lower-case name; "" when missing
};

// A local HTTP receiver for webhook tests (Poco::Net::HTTPServer on 127.0.0.1, a free port).
// It answers the scripted statuses in order, then 200 to everything; it records every request.
class WebhookSink {
public:
    explicit WebhookSink(std::vector<int> script = {});
    ~WebhookSink();
    WebhookSink(const WebhookSink&) = delete;
    WebhookSink& operator=(const WebhookSink&) = delete;

    std::uint16_t port() const;
    // http://127.0.0.1:<port>/hooks/revenue-guard
    std::string url() const;
    std::vector<ReceivedWebhook> requests() const;
    // Polls until `count` requests have arrived; fails the test at the deadline.
    std::vector<ReceivedWebhook> waitForRequests(
        std::size_t count, std::chrono::seconds deadline = std::chrono::seconds(20)) const;

    struct State;

private:
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

}  // namespace billwright::testing
