#include "common/provider_client.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/provider_http.h"

namespace billwright::common {

ProviderClient::ProviderClient(const sdk::Call& call, std::string provider, std::string base_url,
                               std::string auth_headers, std::uint32_t timeout_ms)
    : call_(call),
      provider_(std::move(provider)),
      base_url_(std::move(base_url)),
      auth_headers_(std::move(auth_headers)),
      timeout_ms_(timeout_ms) {}

ProviderReply ProviderClient::get(std::string_view path, std::string_view extra_headers) const {
    return send("GET", path, {}, extra_headers);
}

ProviderReply ProviderClient::post(std::string_view path, const codec::JsonValue& body,
                                   std::string_view extra_headers) const {
    return send("POST", path, codec::writeJson(body), extra_headers);
}

ProviderReply ProviderClient::send(const char* method, std::string_view path, std::string_view body,
                                   std::string_view extra_headers) const {
    std::string headers = auth_headers_;
    headers += "Accept: application/json\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    headers += extra_headers;
    const std::string what =
        provider_ + " " + method + " " + std::string(path.substr(0, path.find('?')));
    const sdk::HttpResponse response = common::send(call_, method, base_url_ + std::string(path),
                                                    headers, body, timeout_ms_, what);
    ProviderReply reply;
    reply.status = response.status;
    reply.json = codec::parseJson(response.body, nullptr);
    if (reply.json && reply.json->isObject()) {
        if (const auto message = reply.json->getString("message")) {
            reply.message = printable(*message, 300);
        }
    }
    return reply;
}

void ProviderClient::fail(const ProviderReply& reply, std::string_view what) const {
    const std::string text = provider_ + " " + std::string(what) + ": HTTP " +
                             std::to_string(reply.status) +
                             (reply.message.empty() ? std::string() : " " + reply.message);
    if (reply.status == 401 || reply.status == 403)
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, text + " (check the configured credentials)");
    if (reply.status == 404) throw sdk::Error(BW_ERR_NOT_FOUND, text);
    if (reply.status == 429 || reply.status >= 500) throw sdk::Error(BW_ERR_UNAVAILABLE, text);
    throw sdk::Error(BW_ERR_INTERNAL, text);
}

const codec::JsonValue& ProviderClient::object(const ProviderReply& reply,
                                               std::string_view what) const {
    if (reply.status < 200 || reply.status > 299) fail(reply, what);
    if (!reply.json || !reply.json->isObject())
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         provider_ + " " + std::string(what) + ": the answer is not a JSON object");
    return *reply.json;
}

}  // namespace billwright::common
