#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "domain/api_key.h"

namespace billwright::http {

// A request as handlers see it: already authenticated (for non-public routes), body read
// within the size limit, path parameters extracted. Independent of Poco so the API can be
// driven directly in tests.
struct Request {
    std::string method;
    std::string path;
    std::string route;  // the matched template, e.g. "/v1/tenants/{tenant_id}"
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> params;
    std::string body;
    // The request headers (lower-case names); only for BodyKind::kRaw routes, whose handler
    // passes them on as received (webhook signatures).
    std::map<std::string, std::string> headers;
    std::string content_type;  // media type, lower case, parameters dropped ("text/csv")
    std::string accept;        // the Accept header as sent ("" when absent)
    std::string request_id;
    std::optional<std::string> idempotency_key;
    std::optional<domain::Principal> principal;
    // Billwright-Tenant: the tenant a super key acts in on tenant-scoped routes.
    std::optional<std::string> acting_tenant;

    const std::string& param(const std::string& name) const { return params.at(name); }
    const domain::Principal& caller() const { return *principal; }
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static Response json(int status, const core::JsonValue& value);
    // JSON text written by a core::JsonWriter (representations that skip the tree).
    static Response jsonText(int status, std::string json) {
        return Response{status, "application/json", std::move(json), {}};
    }
    static Response text(int status, std::string content_type, std::string body);
    static Response noContent() { return Response{204, "", "", {}}; }
};

using HandlerResult = core::Result<Response>;

}  // namespace billwright::http
