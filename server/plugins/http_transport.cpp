#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <istream>
#include <memory>
#include <sstream>

#include "plugins/host.h"

namespace billwright::plugins {
namespace {

constexpr std::size_t kMaxResponseBytes = std::size_t{16} << 20;

// "Name: value\r\n" lines into the request; malformed lines are skipped.
void addHeaders(Poco::Net::HTTPRequest& request, const std::string& block) {
    std::istringstream in(block);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) continue;
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(value.begin());
        request.set(line.substr(0, colon), value);
    }
}

class PocoTransport final : public HttpTransport {
public:
    HttpOutcome send(const HttpExchange& exchange, std::int64_t timeout_ms) override {
        HttpOutcome out;
        try {
            const Poco::URI uri(exchange.url);
            std::unique_ptr<Poco::Net::HTTPClientSession> session;
            if (uri.getScheme() == "https") {
                session =
                    std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort());
            } else {
                session =
                    std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
            }
            const Poco::Timespan timeout(timeout_ms * 1000);
            session->setTimeout(timeout, timeout, timeout);
            std::string target = uri.getPathEtc();
            if (target.empty()) target = "/";
            Poco::Net::HTTPRequest request(exchange.method, target,
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            addHeaders(request, exchange.headers);
            if (!exchange.body.empty() || exchange.method == "POST" || exchange.method == "PUT")
                request.setContentLength(static_cast<std::streamsize>(exchange.body.size()));
            session->sendRequest(request) << exchange.body;
            Poco::Net::HTTPResponse response;
            std::istream& body = session->receiveResponse(response);
            out.http_status = static_cast<int>(response.getStatus());
            for (const auto& [name, value] : response) out.headers += name + ": " + value + "\r\n";
            char buffer[16384];
            while (body.read(buffer, sizeof buffer) || body.gcount() > 0) {
                out.body.append(buffer, static_cast<std::size_t>(body.gcount()));
                if (out.body.size() > kMaxResponseBytes) {
                    out.status = BW_ERR_NETWORK;
                    out.error = "response body larger than 16 MiB";
                    out.body.clear();
                    return out;
                }
            }
        } catch (const Poco::TimeoutException& e) {
            out.status = BW_ERR_TIMEOUT;
            out.error = e.displayText();
        } catch (const Poco::Exception& e) {
            out.status = BW_ERR_NETWORK;
            out.error = e.displayText();
        } catch (const std::exception& e) {
            out.status = BW_ERR_NETWORK;
            out.error = e.what();
        }
        return out;
    }
};

}  // namespace

std::unique_ptr<HttpTransport> makePocoTransport() { return std::make_unique<PocoTransport>(); }

}  // namespace billwright::plugins
