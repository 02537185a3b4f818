#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "jobs/mailer.h"

namespace billwright::jobs {

// One signed webhook as a WebhookSender posts it: plain values, no storage or transport types.
struct WebhookRequest {
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
    std::string body;                                          // application/json
};

// Posts one webhook. A 2xx answer is a success (SendResult ok); any other status, a refused
// connection or a timeout is a failure whose error names what happened (never a header value:
// it becomes the outbox message's last_error). Called from one worker thread at a time; must
// not throw.
class WebhookSender {
public:
    virtual ~WebhookSender() = default;
    virtual SendResult post(const WebhookRequest& request) = 0;
};

// WebhookSender over Poco::Net's HTTPClientSession / HTTPSClientSession (certificates verified
// against the system's CA store), one connection per post, `timeout` for connect, send and
// receive each.
class HttpWebhookSender final : public WebhookSender {
public:
    explicit HttpWebhookSender(std::chrono::milliseconds timeout) : timeout_(timeout) {}
    SendResult post(const WebhookRequest& request) override;

private:
    std::chrono::milliseconds timeout_;
};

}  // namespace billwright::jobs
