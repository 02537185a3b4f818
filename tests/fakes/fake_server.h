#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

// Local fakes of the payment providers (Stripe, Plaid, NOWPayments, OpenNode) for tests. Each
// speaks its provider's wire format on 127.0.0.1 (port 0). Test code only: never linked into
// the server.
namespace billwright::fakes {

// Header lists keep the order and spelling they were given in.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The first header named `name` (case-insensitive); "" when absent.
std::string findHeader(const Headers& headers, std::string_view name);

// One request a fake received, exactly as it arrived.
struct RecordedRequest {
    std::int64_t received_at = 0;  // the fake's clock
    std::string method;
    std::string path;   // without the query, not percent-decoded
    std::string query;  // raw, without the '?'
    Headers headers;
    std::string body;

    std::string header(std::string_view name) const { return findHeader(headers, name); }
};

struct FakeResponse {
    int status = 200;
    std::string content_type = "application/json";
    Headers headers;
    std::string body;
};

// A webhook a fake sends (or would send): tests may change any part before delivering it.
struct WebhookDelivery {
    std::string url;
    Headers headers;  // Content-Type and the provider's signature header among them
    std::string body;

    std::string header(std::string_view name) const { return findHeader(headers, name); }
    // Replaces every header of that name (case-insensitive), or appends it.
    void setHeader(const std::string& name, const std::string& value);
};

struct HttpReply {
    int status = 0;  // 0: nothing answered; `error` says why
    Headers headers;
    std::string body;
    std::string error;
};

// One plain-HTTP request (http:// URLs only). Never throws: a connection failure or timeout is
// status 0 with `error` set.
HttpReply httpCall(const std::string& method, const std::string& url, const Headers& headers = {},
                   const std::string& body = "",
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct SentWebhook {
    WebhookDelivery delivery;
    HttpReply reply;
};

// Which requests a fault applies to; empty fields match anything.
struct FaultScope {
    std::string method;
    std::string path_prefix;
};

// Whether a test control sends the webhooks it causes at once or leaves them queued.
enum class Send { kNow, kQueue };

// The common part of every fake: the HTTP server, the clock, fault injection, the request log
// and the webhook queue. A fake's state is guarded by one lock: request handlers run one at a
// time under it (injected delays wait outside it), and webhooks are sent without it, so the
// receiver may call the fake back while handling a delivery.
class FakeServer {
public:
    virtual ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string baseUrl() const;  // "http://127.0.0.1:<port>", no trailing slash

    // The fake's clock (Unix seconds): created timestamps, expiries, webhook signatures. It
    // starts at kDefaultNow and only moves when told to.
    static constexpr std::int64_t kDefaultNow = 1'700'000'000;
    void setNow(std::int64_t unix_seconds) { now_.store(unix_seconds); }
    void advance(std::int64_t seconds) { now_.fetch_add(seconds); }
    std::int64_t now() const { return now_.load(); }

    // Faults apply to the next requests in scope, one fault per request, in the order given.
    // The next `count` requests answer `http_status` with the provider's error object (plus
    // `headers`, e.g. {"Stripe-Should-Retry", "true"}) without being processed.
    void failNext(int count, int http_status, Headers headers = {}, FaultScope scope = {});
    // The next request waits `delay` before the fake looks at it: a slow provider.
    void delayNext(std::chrono::milliseconds delay, FaultScope scope = {});
    // The next request is processed, then its response waits `delay`: the client may time out
    // although the provider acted.
    void delayResponseNext(std::chrono::milliseconds delay, FaultScope scope = {});
    // The next request is processed, then the connection closes without a response.
    void dropResponseNext(FaultScope scope = {});
    void clearFaults();

    // Every request received, faulted ones included, oldest first.
    std::vector<RecordedRequest> requests() const;
    std::vector<RecordedRequest> requests(std::string_view method, std::string_view path) const;
    void clearRequests();

    // Webhooks the fake has queued, signed now (the queue is left as it is).
    std::vector<WebhookDelivery> pendingWebhooks() const;
    // The same, emptying the queue: the test delivers them (or not) itself.
    std::vector<WebhookDelivery> takeWebhooks();
    // Sends the queued webhooks in order; one HTTP status per delivery (0: no answer).
    std::vector<int> deliverWebhooks();
    // POSTs one delivery as it is; the HTTP status, 0 when nothing answered.
    int deliver(const WebhookDelivery& delivery);
    // Any body as this provider would send it to `url`, signed now (the provider's signature
    // header, or for OpenNode nothing: its hashed_order is a body field).
    WebhookDelivery makeDelivery(const std::string& url, std::string body,
                                 const std::string& content_type = "application/json") const;
    // makeDelivery() then deliver(): the HTTP status, 0 when nothing answered.
    int sendWebhook(const std::string& url, std::string body,
                    const std::string& content_type = "application/json");
    std::vector<SentWebhook> sentWebhooks() const;

protected:
    explicit FakeServer(std::string name);

    // Binds 127.0.0.1:0 and serves. A derived constructor calls it last; its destructor calls
    // stop() first, so no handler runs on a half-destroyed object.
    void start();
    // Wakes injected delays, closes connections and joins every handler thread. Idempotent.
    void stop();

    // Answers one request; called with the state lock held.
    virtual FakeResponse handle(const RecordedRequest& request) = 0;
    // Called with the state lock held before any injected delay; a response ends the request
    // there. finish() is called (locked) once the request was handled or abandoned.
    virtual std::optional<FakeResponse> admit(const RecordedRequest& request);
    virtual void finish(const RecordedRequest& request);
    // The provider's answer to an injected failure (failNext) and to an exception in handle();
    // called without the state lock.
    virtual FakeResponse failure(int http_status) = 0;

    struct QueuedWebhook {
        std::string url;
        std::string content_type;
        std::string body;
    };
    // Signs a webhook with the current clock; called with the state lock held.
    virtual WebhookDelivery sign(const QueuedWebhook& webhook) const = 0;

    std::unique_lock<std::mutex> lockState() const { return std::unique_lock(state_mutex_); }
    // State lock held.
    void enqueueWebhook(std::string url, std::string content_type, std::string body);
    // Takes the queue (state lock held by `lock`), releases the lock and sends everything when
    // `send` is kNow. Returns the statuses of what it sent.
    std::vector<int> flushWebhooks(std::unique_lock<std::mutex>& lock, Send send);

private:
    enum class FaultKind { kFail, kDelayBefore, kDelayAfter, kDrop };
    struct Fault {
        FaultKind kind;
        int status = 0;
        Headers headers;
        std::chrono::milliseconds delay{0};
        FaultScope scope;
    };
    class Handler;
    class Factory;

    std::optional<Fault> takeFault(const RecordedRequest& request);
    // Waits unless the fake is stopping; false when it is.
    bool wait(std::chrono::milliseconds delay);
    std::optional<FakeResponse> serve(const RecordedRequest& request);

    std::string name_;
    std::atomic<std::int64_t> now_{kDefaultNow};
    std::uint16_t port_ = 0;

    mutable std::mutex state_mutex_;
    std::deque<QueuedWebhook> webhooks_;  // state lock

    mutable std::mutex control_mutex_;  // faults, the request log, sent webhooks, stopping_
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::deque<Fault> faults_;
    std::vector<RecordedRequest> log_;
    std::vector<SentWebhook> sent_;

    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// A tiny webhook receiver for tests of the fakes themselves: records what it gets and answers
// `status` (200 unless told otherwise).
class RecordingEndpoint final : public FakeServer {
public:
    RecordingEndpoint();
    ~RecordingEndpoint() override;

    std::string url(std::string_view path = "/hooks") const {
        return baseUrl() + std::string(path);
    }
    void setStatus(int status);

private:
    FakeResponse handle(const RecordedRequest& request) override;
    FakeResponse failure(int http_status) override;
    WebhookDelivery sign(const QueuedWebhook& webhook) const override;

    int status_ = 200;
};

// ---- Helpers shared by the fakes (and handy in tests) -------------------------------------

core::JsonValue jsonString(std::string s);
core::JsonValue jsonInt(std::int64_t n);
core::JsonValue jsonBool(bool b);
// A string, or null when `s` is empty.
core::JsonValue jsonStringOrNull(const std::string& s);
// The parsed body, or nullopt when it is not JSON.
std::optional<core::JsonValue> parseJsonBody(std::string_view text);
// Indented by two spaces, ", " never used, ": " after keys (Python's json.dumps(indent=2)).
std::string prettyJson(const core::JsonValue& value, bool sort_keys = false);

std::string lowerAscii(std::string_view s);
std::string hex(std::string_view bytes);
std::string sha256Hex(std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view data);
std::string hmacSha512Hex(std::string_view key, std::string_view data);
std::string base64UrlEncode(std::string_view bytes);  // no padding
std::optional<std::string> base64UrlDecode(std::string_view text);
std::string base64Decode(std::string_view text);  // "" when malformed

// application/x-www-form-urlencoded: '+' is a space; nullopt on a bad %-escape.
std::optional<std::string> percentDecode(std::string_view s);
std::string percentEncode(std::string_view s);  // unreserved kept, ' ' as '+'
// Splits a form or query string into decoded pairs, in order; nullopt on a bad %-escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view body);
std::string encodeForm(const std::vector<std::pair<std::string, std::string>>& fields);

// "2023-11-14T22:13:20.000Z"
std::string isoTimestamp(std::int64_t unix_seconds);
// "2023-11-14" or "2023-11-14T22:13:20(.sss)Z" -> Unix seconds; nullopt otherwise.
std::optional<std::int64_t> parseIsoTimestamp(std::string_view text);

// A non-negative decimal ("12", "0.5", "3999.50") as an integer scaled by 10^scale; nullopt
// for anything else (signs, exponents, more than `scale` fraction digits, overflow).
std::optional<std::int64_t> parseDecimal(std::string_view text, int scale);
// The inverse, without trailing fraction zeros: 150000000 at scale 8 -> "1.5".
std::string formatDecimal(std::int64_t scaled, int scale);

}  // namespace billwright::fakes
