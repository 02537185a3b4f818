#include "http/router.h"

namespace billwright::http {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

bool matchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
    const auto want = segments(pattern);
    const auto got = segments(path);
    if (want.size() != got.size()) return false;
    std::map<std::string, std::string> captured;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
            captured.emplace(std::string(want[i].substr(1, want[i].size() - 2)),
                             std::string(got[i]));
        } else if (want[i] != got[i]) {
            return false;
        }
    }
    params = std::move(captured);
    return true;
}

}  // namespace

void Router::add(Route route) { routes_.push_back(std::move(route)); }

RouteMatch Router::match(std::string_view method, std::string_view path) const {
    RouteMatch result;
    for (const Route& r : routes_) {
        std::map<std::string, std::string> params;
        if (!matchPattern(r.pattern, path, params)) continue;
        if (r.method == method) {
            result.route = &r;
            result.params = std::move(params);
            return result;
        }
        result.path_known = true;
        result.allowed_methods.push_back(r.method);
    }
    return result;
}

BodyKind Router::bodyKind(std::string_view method, std::string_view path) const {
    const RouteMatch m = match(method, path);
    return m.route == nullptr ? BodyKind::kJson : m.route->body;
}

}  // namespace billwright::http
