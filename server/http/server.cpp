#include "http/server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>

namespace billwright::http {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Reads up to `want` bytes of `in` into `body`, through a stack buffer, so the string grows with
// what arrives: a bodiless request (every GET) costs one empty read, and nothing is zeroed ahead
// of data (sizing the string to the limit zeroed 1 MiB a request; even a 16 KiB first block was
// 5% of an invoice read).
void readBody(std::istream& in, std::size_t want, std::string& body) {
    char block[16 * 1024];
    body.clear();
    while (body.size() < want) {
        const std::size_t wanted = std::min(want - body.size(), sizeof block);
        in.read(block, static_cast<std::streamsize>(wanted));
        const auto got = static_cast<std::size_t>(in.gcount());
        body.append(block, got);
        if (got < wanted) break;
    }
}

}  // namespace

void parseRequestTarget(const std::string& target, std::string& path,
                        std::map<std::string, std::string>& query) {
    if (target.empty() || target[0] != '/') {
        const Poco::URI uri(target);
        path = uri.getPath();
        for (const auto& [key, value] : uri.getQueryParameters()) query[key] = value;
        return;
    }
    std::string_view rest(target);
    rest = rest.substr(0, rest.find('#'));
    const std::size_t mark = rest.find('?');
    path.clear();
    Poco::URI::decode(std::string(rest.substr(0, mark)), path);
    if (mark == std::string_view::npos) return;
    const std::string_view raw = rest.substr(mark + 1);
    std::size_t at = 0;
    while (at < raw.size()) {
        std::size_t amp = raw.find('&', at);
        if (amp == std::string_view::npos) amp = raw.size();
        const std::string_view part = raw.substr(at, amp - at);
        const std::size_t eq = part.find('=');
        // An unencoded '+' is a space (form encoding); "%2B" is the plus.
        const auto decoded = [](std::string_view text) {
            std::string spaced(text);
            std::replace(spaced.begin(), spaced.end(), '+', ' ');
            std::string out;
            Poco::URI::decode(spaced, out);
            return out;
        };
        query[decoded(part.substr(0, eq))] =
            eq == std::string_view::npos ? std::string() : decoded(part.substr(eq + 1));
        at = amp + 1;
    }
}

namespace {

class ApiRequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit ApiRequestHandler(Api& api) : api_(api) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        RawRequest raw;
        raw.method = request.getMethod();
        try {
            parseRequestTarget(request.getURI(), raw.path, raw.query);
        } catch (const Poco::Exception&) {
            raw.bad_uri = true;
        }
        for (const auto& [name, value] : request) raw.headers[lower(name)] = value;

        // A request with neither Content-Length nor chunked encoding has no body (RFC 9112,
        // 6.3): nearly every GET, read without matching its route a second time for the limit.
        const bool has_body = request.hasContentLength() || request.getChunkedTransferEncoding();
        const std::size_t max_body =
            raw.bad_uri || !has_body ? 0 : api_.bodyLimit(raw.method, raw.path);
        if (has_body && request.hasContentLength() &&
            request.getContentLength64() > static_cast<Poco::Int64>(max_body)) {
            raw.body_too_large = true;
        } else if (has_body) {
            // Read at most one byte past the limit, so a chunked body cannot exhaust memory.
            // Without a Content-Length (a chunked body) the buffer grows as data comes, from
            // 16 KiB: sizing it to the limit up front zeroed a megabyte for every request.
            const std::size_t want = std::min<std::size_t>(
                max_body + 1, request.hasContentLength()
                                  ? static_cast<std::size_t>(request.getContentLength64()) + 1
                                  : max_body + 1);
            readBody(request.stream(), want, raw.body);
            if (raw.body.size() > max_body) {
                raw.body_too_large = true;
                raw.body.clear();
            }
        }
        const Response r = api_.handle(raw);
        if (raw.body_too_large) {
            // Read and discard what the client is still sending (up to a bound), so it gets to
            // read the 413 instead of a connection reset; the connection closes either way.
            drain(request.stream(), kDrainBytes);
            response.setKeepAlive(false);
        }
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
        if (!r.content_type.empty()) response.setContentType(r.content_type);
        for (const auto& [name, value] : r.headers) response.set(name, value);
        // Header and body in one buffered write (no body for HEAD), with Content-Length: send()
        // wrote the header twice, once only to count it.
        response.sendBuffer(r.body.data(), r.body.size());
    }

private:
    static constexpr std::size_t kDrainBytes = 64 * 1024 * 1024;

    static void drain(std::istream& in, std::size_t limit) {
        char buffer[64 * 1024];
        std::size_t total = 0;
        while (total < limit && in.read(buffer, sizeof buffer)) total += sizeof buffer;
    }

    Api& api_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(Api& api) : api_(api) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new ApiRequestHandler(api_);
    }

private:
    Api& api_;
};

}  // namespace

Server::Server(Api& api, const ServerOptions& options) : api_(api), options_(options) {}

Server::~Server() {
    if (server_) stop();
}

void Server::start() {
    const Poco::Net::SocketAddress address(options_.host, options_.port);
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (!options_.tls_certificate.empty() && !options_.tls_private_key.empty()) {
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, options_.tls_private_key,
                                   options_.tls_certificate, "", Poco::Net::Context::VERIFY_NONE);
        context->disableProtocols(
            Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
            Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        socket = std::make_unique<Poco::Net::SecureServerSocket>(address, 128, context);
        tls_ = true;
    } else {
        socket = std::make_unique<Poco::Net::ServerSocket>(address, 128);
    }
    port_ = socket->address().port();

    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options_.threads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1000);
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    pool_ = std::make_unique<Poco::ThreadPool>(2, options_.threads + 4);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(api_), *pool_, *socket, params);
    server_->start();
}

void Server::stop() {
    if (!server_) return;
    server_->stopAll(false);
    pool_->joinAll();
    server_.reset();
}

}  // namespace billwright::http
