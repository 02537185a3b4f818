#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace billwright::http {

using Handler = std::function<HandlerResult(Request&)>;

enum class Access {
    kPublic,         // no key needed (health, metrics, the API description)
    kAuthenticated,  // any valid key; the handler checks the role and tenant
};

// What a route's body may be: a JSON document within http.max_body_bytes, a bulk upload
// (JSON, NDJSON or CSV) within http.max_bulk_body_bytes, or a provider's webhook delivery
// within http.max_body_bytes in whatever media type the provider sends (its plugin reads it).
enum class BodyKind { kJson, kBulk, kRaw };

struct Route {
    std::string method;
    std::string pattern;  // "/v1/tenants/{tenant_id}/invoices"
    Access access = Access::kAuthenticated;
    Handler handler;
    BodyKind body = BodyKind::kJson;
};

struct RouteMatch {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    bool path_known = false;  // some route has this path with another method (405)
    std::vector<std::string> allowed_methods;
};

// Explicit registration, matched segment by segment; "{name}" captures one segment.
class Router {
public:
    void add(Route route);
    RouteMatch match(std::string_view method, std::string_view path) const;
    // The body kind of the route a request would reach (kJson when none matches).
    BodyKind bodyKind(std::string_view method, std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    // A route's pattern split once, at add(): each segment a literal or a "{name}" capture.
    struct Segment {
        std::string text;  // the literal, or the capture's name
        bool capture = false;
    };
    std::vector<Route> routes_;
    std::vector<std::vector<Segment>> patterns_;  // parallel to routes_
};

}  // namespace billwright::http
