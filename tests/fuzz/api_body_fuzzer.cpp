// API request bodies, every resource: the fuzzed body goes to one of the POST / PUT / PATCH
// routes of the in-process API (FuzzApp: the real services over a temporary SQLite database with
// a tenant, its records and keys made at start). Input: a first line naming the route
// ("POST /v1/customers"; any other line picks a route by its hash, so mutations still reach
// every route), a flags byte (media type, key, Idempotency-Key), then the body.
//
// Invariants: no request is answered 5xx (an unexpected exception, a broken invariant in a
// service); every 4xx is valid problem+json with the response's status; a 2xx JSON answer is
// JSON; an idempotent replay of the same request answers the same status and body.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_app.h"
#include "fuzz_support.h"

using billwright::fuzz::check;
using billwright::fuzz::checkResponse;
using billwright::fuzz::FuzzApp;

namespace {

struct Target {
    std::string method;
    std::string pattern;
    std::string path;  // the pattern with the records made at start
    bool bulk = false;
};

FuzzApp* app = nullptr;
std::vector<Target> targets;

std::string fillPath(const std::string& pattern) {
    std::string out;
    for (std::size_t pos = 0; pos < pattern.size();) {
        const std::size_t open = pattern.find('{', pos);
        if (open == std::string::npos) {
            out += pattern.substr(pos);
            break;
        }
        const std::size_t close = pattern.find('}', open);
        out += pattern.substr(pos, open - pos);
        const std::string name = pattern.substr(open + 1, close - open - 1);
        const auto it = app->ids().find(name);
        if (it != app->ids().end()) {
            out += it->second;
        } else if (name == "plugin_id") {
            out += "payment_stripe";
        } else if (name == "name") {
            out += "rate";
        } else if (name == "source") {
            out += "hashrate_index";
        } else if (name == "day") {
            out += "2026-11-01";
        } else if (name == "version") {
            out += "1";
        } else {
            out += "zzz_unknown";
        }
        pos = close + 1;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    app = new FuzzApp;
    for (const auto& route : app->api().router().routes()) {
        if (route.method != "POST" && route.method != "PUT" && route.method != "PATCH") continue;
        targets.push_back({route.method, route.pattern, fillPath(route.pattern),
                           route.body == billwright::http::BodyKind::kBulk});
    }
    check(targets.size() > 30, "the API has its write routes");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    const std::string route = in.line(120);
    const Target* chosen = nullptr;
    for (const auto& t : targets) {
        if (route == t.method + " " + t.pattern) chosen = &t;
    }
    if (chosen == nullptr) chosen = &targets[std::hash<std::string>{}(route) % targets.size()];
    const Target& target = *chosen;
    const std::uint8_t flags = in.byte();
    const std::string body(in.rest());

    std::map<std::string, std::string> headers;
    if (target.bulk) {
        constexpr const char* kTypes[] = {"application/json", "application/x-ndjson", "text/csv"};
        headers["content-type"] = kTypes[(flags >> 2) % 3];
    }
    const bool tenant_route = target.pattern.rfind("/v1/tenants", 0) != 0 &&
                              target.pattern.rfind("/v1/api-keys", 0) != 0 &&
                              target.pattern.rfind("/v1/plugins", 0) != 0;
    std::string role = "tenant_admin";
    if ((flags & 1) != 0 || !tenant_route) {
        role = "super";
        if (tenant_route) headers["billwright-tenant"] = app->tenantId();
    }
    const bool idempotent = (flags & 2) != 0;
    if (idempotent)
        headers["idempotency-key"] =
            "fuzz-" + std::to_string(flags) + "-" + std::to_string(body.size());

    const std::string what = target.method + " " + target.pattern;
    const auto first = app->send(target.method, target.path, body, role, headers);
    checkResponse(first, what);
    if (idempotent && first.status < 300) {
        const auto replay = app->send(target.method, target.path, body, role, headers);
        check(replay.status == first.status && replay.body == first.body,
              "an idempotent replay answers the first response", what);
    }
    return 0;
}
