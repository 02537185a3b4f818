#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <istream>
#include <limits>
#include <memory>

#include "jobs/webhook_sender.h"

namespace billwright::jobs {

SendResult HttpWebhookSender::post(const WebhookRequest& request) {
    try {
        const Poco::URI uri(request.url);
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        if (uri.getScheme() == "https") {
            Poco::Net::Context::Ptr tls =
                new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                       Poco::Net::Context::VERIFY_RELAXED, 9, true);
            tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
            session =
                std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
        } else {
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        }
        const Poco::Timespan timeout(std::chrono::microseconds(timeout_).count());
        session->setTimeout(timeout, timeout, timeout);
        Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_POST,
                                    uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
                                    Poco::Net::HTTPMessage::HTTP_1_1);
        http.setContentType("application/json");
        http.set("User-Agent", "Billwright-Webhooks/1");
        for (const auto& [name, value] : request.headers) http.set(name, value);
        http.setContentLength(static_cast<std::streamsize>(request.body.size()));
        session->sendRequest(http) << request.body;
        Poco::Net::HTTPResponse response;
        std::istream& answer = session->receiveResponse(response);
        answer.ignore(std::numeric_limits<std::streamsize>::max());  // drained, not kept
        const int status = static_cast<int>(response.getStatus());
        if (status >= 200 && status < 300) return {};
        return SendResult::failure("the webhook endpoint answered HTTP " + std::to_string(status));
    } catch (const Poco::TimeoutException&) {
        return SendResult::failure("the webhook endpoint did not answer in time");
    } catch (const Poco::Exception& e) {
        return SendResult::failure("webhook not delivered: " + e.displayText());
    } catch (const std::exception& e) {
        return SendResult::failure(std::string("webhook not delivered: ") + e.what());
    }
}

}  // namespace billwright::jobs
