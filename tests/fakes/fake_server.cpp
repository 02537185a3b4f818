#include "fakes/fake_server.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <istream>
#include <iterator>
#include <limits>
#include <ostream>
#include <stdexcept>

namespace billwright::fakes {

std::string findHeader(const Headers& headers, std::string_view name) {
    const std::string wanted = lowerAscii(name);
    for (const auto& [key, value] : headers) {
        if (lowerAscii(key) == wanted) return value;
    }
    return "";
}

void WebhookDelivery::setHeader(const std::string& name, const std::string& value) {
    const std::string wanted = lowerAscii(name);
    std::erase_if(headers, [&](const auto& h) { return lowerAscii(h.first) == wanted; });
    headers.emplace_back(name, value);
}

HttpReply httpCall(const std::string& method, const std::string& url, const Headers& headers,
                   const std::string& body, std::chrono::milliseconds timeout) {
    HttpReply reply;
    try {
        const Poco::URI uri(url);
        if (uri.getScheme() != "http") {
            reply.error = "only http:// URLs are supported: " + url;
            return reply;
        }
        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(
            Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count()));
        std::string target = uri.getPathEtc();
        if (target.empty()) target = "/";
        Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [name, value] : headers) request.add(name, value);
        if (!body.empty() || method == "POST" || method == "PUT") {
            request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        }
        std::ostream& out = session.sendRequest(request);
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        reply.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        for (const auto& [name, value] : response) reply.headers.emplace_back(name, value);
        reply.status = static_cast<int>(response.getStatus());
    } catch (const Poco::Exception& e) {
        reply = HttpReply{};
        reply.error = e.displayText();
    } catch (const std::exception& e) {
        reply = HttpReply{};
        reply.error = e.what();
    }
    return reply;
}

// ---- The server -------------------------------------------------------------------------------

class FakeServer::Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(FakeServer& fake) : fake_(fake) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        RecordedRequest recorded;
        recorded.received_at = fake_.now();
        recorded.method = request.getMethod();
        const std::string& uri = request.getURI();
        const std::size_t question = uri.find('?');
        recorded.path = uri.substr(0, question);
        if (question != std::string::npos) recorded.query = uri.substr(question + 1);
        for (const auto& [name, value] : request) recorded.headers.emplace_back(name, value);
        recorded.body.assign(std::istreambuf_iterator<char>(request.stream()),
                             std::istreambuf_iterator<char>());

        const std::optional<FakeResponse> answer = fake_.serve(recorded);
        if (!answer) {
            // A dropped response (or a fake that is stopping): close without answering.
            response.setKeepAlive(false);
            return;
        }
        try {
            response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer->status));
            if (!answer->content_type.empty()) response.setContentType(answer->content_type);
            for (const auto& [name, value] : answer->headers) response.add(name, value);
            response.setContentLength64(static_cast<Poco::Int64>(answer->body.size()));
            std::ostream& out = response.send();
            out.write(answer->body.data(), static_cast<std::streamsize>(answer->body.size()));
            out.flush();
        } catch (const Poco::Exception&) {
            // The client went away (it timed out on an injected delay): nobody to tell.
            response.setKeepAlive(false);
        }
    }

private:
    FakeServer& fake_;
};

class FakeServer::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(FakeServer& fake) : fake_(fake) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(fake_);
    }

private:
    FakeServer& fake_;
};

FakeServer::FakeServer(std::string name) : name_(std::move(name)) {}

FakeServer::~FakeServer() { stop(); }

void FakeServer::start() {
    const Poco::Net::SocketAddress address("127.0.0.1", 0);
    Poco::Net::ServerSocket socket(address, 64);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(16);
    params->setMaxQueued(64);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    pool_ = std::make_unique<Poco::ThreadPool>(2, 20);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, socket, params);
    server_->start();
}

void FakeServer::stop() {
    if (!server_) return;
    {
        const std::lock_guard lock(control_mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    server_->stopAll(true);
    pool_->joinAll();
    server_.reset();
}

std::string FakeServer::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::optional<FakeResponse> FakeServer::admit(const RecordedRequest&) { return std::nullopt; }

void FakeServer::finish(const RecordedRequest&) {}

void FakeServer::failNext(int count, int http_status, Headers headers, FaultScope scope) {
    const std::lock_guard lock(control_mutex_);
    for (int i = 0; i < count; ++i) {
        faults_.push_back(Fault{FaultKind::kFail, http_status, headers, {}, scope});
    }
}

void FakeServer::delayNext(std::chrono::milliseconds delay, FaultScope scope) {
    const std::lock_guard lock(control_mutex_);
    faults_.push_back(Fault{FaultKind::kDelayBefore, 0, {}, delay, std::move(scope)});
}

void FakeServer::delayResponseNext(std::chrono::milliseconds delay, FaultScope scope) {
    const std::lock_guard lock(control_mutex_);
    faults_.push_back(Fault{FaultKind::kDelayAfter, 0, {}, delay, std::move(scope)});
}

void FakeServer::dropResponseNext(FaultScope scope) {
    const std::lock_guard lock(control_mutex_);
    faults_.push_back(Fault{FaultKind::kDrop, 0, {}, {}, std::move(scope)});
}

void FakeServer::clearFaults() {
    const std::lock_guard lock(control_mutex_);
    faults_.clear();
}

std::optional<FakeServer::Fault> FakeServer::takeFault(const RecordedRequest& request) {
    const std::lock_guard lock(control_mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!it->scope.method.empty() && it->scope.method != request.method) continue;
        if (!request.path.starts_with(it->scope.path_prefix)) continue;
        Fault fault = std::move(*it);
        faults_.erase(it);
        return fault;
    }
    return std::nullopt;
}

bool FakeServer::wait(std::chrono::milliseconds delay) {
    std::unique_lock lock(control_mutex_);
    stop_cv_.wait_for(lock, delay, [this] { return stopping_; });
    return !stopping_;
}

std::optional<FakeResponse> FakeServer::serve(const RecordedRequest& request) {
    {
        const std::lock_guard lock(control_mutex_);
        log_.push_back(request);
    }
    const std::optional<Fault> fault = takeFault(request);
    if (fault && fault->kind == FaultKind::kFail) {
        FakeResponse answer = failure(fault->status);
        for (const auto& header : fault->headers) answer.headers.push_back(header);
        return answer;
    }
    {
        auto lock = lockState();
        if (std::optional<FakeResponse> early = admit(request)) return early;
    }
    if (fault && fault->kind == FaultKind::kDelayBefore && !wait(fault->delay)) {
        auto lock = lockState();
        finish(request);
        return std::nullopt;
    }
    FakeResponse answer;
    bool failed = false;
    {
        auto lock = lockState();
        try {
            answer = handle(request);
        } catch (const std::exception& e) {
            std::cerr << name_ << ": " << request.method << ' ' << request.path
                      << " failed: " << e.what() << '\n';
            failed = true;
        }
        finish(request);
    }
    if (failed) answer = failure(500);
    if (fault && fault->kind == FaultKind::kDrop) return std::nullopt;
    if (fault && fault->kind == FaultKind::kDelayAfter && !wait(fault->delay)) return std::nullopt;
    return answer;
}

std::vector<RecordedRequest> FakeServer::requests() const {
    const std::lock_guard lock(control_mutex_);
    return log_;
}

std::vector<RecordedRequest> FakeServer::requests(std::string_view method,
                                                  std::string_view path) const {
    const std::lock_guard lock(control_mutex_);
    std::vector<RecordedRequest> out;
    for (const auto& r : log_) {
        if (r.method == method && r.path == path) out.push_back(r);
    }
    return out;
}

void FakeServer::clearRequests() {
    const std::lock_guard lock(control_mutex_);
    log_.clear();
}

void FakeServer::enqueueWebhook(std::string url, std::string content_type, std::string body) {
    webhooks_.push_back(QueuedWebhook{std::move(url), std::move(content_type), std::move(body)});
}

std::vector<WebhookDelivery> FakeServer::pendingWebhooks() const {
    auto lock = lockState();
    std::vector<WebhookDelivery> out;
    for (const auto& w : webhooks_) out.push_back(sign(w));
    return out;
}

std::vector<WebhookDelivery> FakeServer::takeWebhooks() {
    auto lock = lockState();
    std::vector<WebhookDelivery> out;
    for (const auto& w : webhooks_) out.push_back(sign(w));
    webhooks_.clear();
    return out;
}

std::vector<int> FakeServer::deliverWebhooks() {
    auto lock = lockState();
    return flushWebhooks(lock, Send::kNow);
}

std::vector<int> FakeServer::flushWebhooks(std::unique_lock<std::mutex>& lock, Send send) {
    if (send == Send::kQueue) {
        lock.unlock();
        return {};
    }
    std::vector<WebhookDelivery> deliveries;
    for (const auto& w : webhooks_) deliveries.push_back(sign(w));
    webhooks_.clear();
    lock.unlock();
    std::vector<int> statuses;
    for (const auto& d : deliveries) statuses.push_back(deliver(d));
    return statuses;
}

int FakeServer::deliver(const WebhookDelivery& delivery) {
    HttpReply reply = httpCall("POST", delivery.url, delivery.headers, delivery.body);
    const int status = reply.status;
    const std::lock_guard lock(control_mutex_);
    sent_.push_back(SentWebhook{delivery, std::move(reply)});
    return status;
}

WebhookDelivery FakeServer::makeDelivery(const std::string& url, std::string body,
                                         const std::string& content_type) const {
    auto lock = lockState();
    return sign(QueuedWebhook{url, content_type, std::move(body)});
}

int FakeServer::sendWebhook(const std::string& url, std::string body,
                            const std::string& content_type) {
    return deliver(makeDelivery(url, std::move(body), content_type));
}

std::vector<SentWebhook> FakeServer::sentWebhooks() const {
    const std::lock_guard lock(control_mutex_);
    return sent_;
}

// ---- RecordingEndpoint ------------------------------------------------------------------------

RecordingEndpoint::RecordingEndpoint() : FakeServer("recording endpoint") { start(); }

RecordingEndpoint::~RecordingEndpoint() { stop(); }

void RecordingEndpoint::setStatus(int status) {
    auto lock = lockState();
    status_ = status;
}

FakeResponse RecordingEndpoint::handle(const RecordedRequest&) {
    return FakeResponse{status_, "application/json", {}, "{}"};
}

FakeResponse RecordingEndpoint::failure(int http_status) {
    return FakeResponse{http_status, "application/json", {}, "{}"};
}

WebhookDelivery RecordingEndpoint::sign(const QueuedWebhook& webhook) const {
    return WebhookDelivery{webhook.url, {{"Content-Type", webhook.content_type}}, webhook.body};
}

// ---- Helpers ----------------------------------------------------------------------------------

core::JsonValue jsonString(std::string s) { return core::JsonValue::string(std::move(s)); }
core::JsonValue jsonInt(std::int64_t n) { return core::JsonValue::number(n); }
core::JsonValue jsonBool(bool b) { return core::JsonValue::boolean(b); }
core::JsonValue jsonStringOrNull(const std::string& s) {
    return s.empty() ? core::JsonValue::null() : core::JsonValue::string(s);
}

std::optional<core::JsonValue> parseJsonBody(std::string_view text) {
    auto parsed = core::parseJson(text);
    if (!parsed) return std::nullopt;
    return std::move(parsed).value();
}

namespace {

void appendPretty(std::string& out, const core::JsonValue& v, bool sort_keys, int depth) {
    const auto indent = [&](int d) { out.append(static_cast<std::size_t>(d) * 2, ' '); };
    switch (v.type()) {
        case core::JsonValue::Type::kArray: {
            if (v.items().empty()) {
                out += "[]";
                return;
            }
            out += "[\n";
            bool first = true;
            for (const auto& item : v.items()) {
                if (!first) out += ",\n";
                first = false;
                indent(depth + 1);
                appendPretty(out, item, sort_keys, depth + 1);
            }
            out += '\n';
            indent(depth);
            out += ']';
            return;
        }
        case core::JsonValue::Type::kObject: {
            if (v.members().empty()) {
                out += "{}";
                return;
            }
            std::vector<const std::pair<std::string, core::JsonValue>*> members;
            for (const auto& m : v.members()) members.push_back(&m);
            if (sort_keys) {
                std::sort(members.begin(), members.end(),
                          [](const auto* a, const auto* b) { return a->first < b->first; });
            }
            out += "{\n";
            bool first = true;
            for (const auto* m : members) {
                if (!first) out += ",\n";
                first = false;
                indent(depth + 1);
                core::appendJsonString(out, m->first);
                out += ": ";
                appendPretty(out, m->second, sort_keys, depth + 1);
            }
            out += '\n';
            indent(depth);
            out += '}';
            return;
        }
        default:
            out += core::toJson(v);
    }
}

std::string hmacHex(const EVP_MD* md, std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (HMAC(md, key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(),
             &length) == nullptr) {
        throw std::runtime_error("HMAC failed");
    }
    return hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64Value(char c, bool url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

std::optional<std::string> base64DecodeWith(std::string_view text, bool url) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        if (c == '=') break;
        const int value = base64Value(c, url);
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
        }
    }
    return out;
}

bool isUnreserved(unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string prettyJson(const core::JsonValue& value, bool sort_keys) {
    std::string out;
    appendPretty(out, value, sort_keys, 0);
    return out;
}

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string hex(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0x0F]);
    }
    return out;
}

std::string sha256Hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
    return hmacHex(EVP_sha256(), key, data);
}

std::string hmacSha512Hex(std::string_view key, std::string_view data) {
    return hmacHex(EVP_sha512(), key, data);
}

std::string base64UrlEncode(std::string_view bytes) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char ch : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kBase64Url[(buffer >> bits) & 0x3Fu]);
        }
    }
    if (bits > 0) out.push_back(kBase64Url[(buffer << (6 - bits)) & 0x3Fu]);
    return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
    return base64DecodeWith(text, true);
}

std::string base64Decode(std::string_view text) {
    return base64DecodeWith(text, false).value_or("");
}

std::optional<std::string> percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            const auto digit = [](char d) -> int {
                if (d >= '0' && d <= '9') return d - '0';
                if (d >= 'a' && d <= 'f') return d - 'a' + 10;
                if (d >= 'A' && d <= 'F') return d - 'A' + 10;
                return -1;
            };
            if (i + 2 >= s.size()) return std::nullopt;
            const int high = digit(s[i + 1]);
            const int low = digit(s[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string percentEncode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (isUnreserved(c)) {
            out.push_back(ch);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0F]);
        }
    }
    return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view body) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) end = body.size();
        const std::string_view part = body.substr(start, end - start);
        if (!part.empty()) {
            const std::size_t eq = part.find('=');
            auto key = percentDecode(part.substr(0, eq));
            auto value = percentDecode(eq == std::string_view::npos ? std::string_view()
                                                                    : part.substr(eq + 1));
            if (!key || !value) return std::nullopt;
            out.emplace_back(std::move(*key), std::move(*value));
        }
        start = end + 1;
    }
    return out;
}

std::string encodeForm(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [key, value] : fields) {
        if (!out.empty()) out += '&';
        out += percentEncode(key);
        out += '=';
        out += percentEncode(value);
    }
    return out;
}

std::string isoTimestamp(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds t{seconds(unix_seconds)};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.000Z",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buffer;
}

std::optional<std::int64_t> parseIsoTimestamp(std::string_view text) {
    const auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
        if (at + length > text.size()) return std::nullopt;
        int value = 0;
        for (std::size_t i = at; i < at + length; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    const auto y = number(0, 4);
    const auto mo = number(5, 2);
    const auto d = number(8, 2);
    if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)),
                             day(static_cast<unsigned>(*d))};
    if (!ymd.ok()) return std::nullopt;
    std::int64_t seconds_of_day = 0;
    if (text.size() > 10) {
        const auto h = number(11, 2);
        const auto mi = number(14, 2);
        const auto s = number(17, 2);
        if (text[10] != 'T' || !h || !mi || !s || text[13] != ':' || text[16] != ':') {
            return std::nullopt;
        }
        std::size_t at = 19;
        if (at < text.size() && text[at] == '.') {
            ++at;
            while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
        }
        if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
        seconds_of_day = *h * 3600 + *mi * 60 + *s;
    }
    return sys_days(ymd).time_since_epoch().count() * 86400 + seconds_of_day;
}

std::optional<std::int64_t> parseDecimal(std::string_view text, int scale) {
    const std::size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return std::nullopt;
    if (fraction.size() > static_cast<std::size_t>(scale)) return std::nullopt;
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t value = 0;
    const auto push = [&](char c) {
        if (c < '0' || c > '9') return false;
        if (value > (kMax - (c - '0')) / 10) return false;
        value = value * 10 + (c - '0');
        return true;
    };
    for (const char c : whole) {
        if (!push(c)) return std::nullopt;
    }
    for (int i = 0; i < scale; ++i) {
        const char c = static_cast<std::size_t>(i) < fraction.size()
                           ? fraction[static_cast<std::size_t>(i)]
                           : '0';
        if (!push(c)) return std::nullopt;
    }
    return value;
}

std::string formatDecimal(std::int64_t scaled, int scale) {
    std::int64_t divisor = 1;
    for (int i = 0; i < scale; ++i) divisor *= 10;
    std::string out = std::to_string(scaled / divisor);
    std::string fraction = std::to_string(scaled % divisor);
    if (scale > 0) {
        fraction.insert(0, static_cast<std::size_t>(scale) - fraction.size(), '0');
        while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
        if (!fraction.empty()) out += "." + fraction;
    }
    return out;
}

}  // namespace billwright::fakes
