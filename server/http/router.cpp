#include "http/router.h"

#include <array>

namespace billwright::http {
namespace {

// Non-empty segments between slashes ("//" and a trailing "/" add none). Paths longer than any
// route (kMaxSegments) match nothing: `count` is then kMaxSegments + 1.
constexpr std::size_t kMaxSegments = 16;
struct Segments {
    std::array<std::string_view, kMaxSegments> parts;
    std::size_t count = 0;
};

Segments split(std::string_view path) {
    Segments out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) {
            if (out.count == kMaxSegments) {
                out.count = kMaxSegments + 1;
                return out;
            }
            out.parts[out.count++] = path.substr(start, slash - start);
        }
        start = slash + 1;
    }
    return out;
}

}  // namespace

void Router::add(Route route) {
    const Segments parts = split(route.pattern);
    std::vector<Segment> pattern;
    for (std::size_t i = 0; i < parts.count && i < kMaxSegments; ++i) {
        const std::string_view p = parts.parts[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            pattern.push_back({std::string(p.substr(1, p.size() - 2)), true});
        } else {
            pattern.push_back({std::string(p), false});
        }
    }
    patterns_.push_back(std::move(pattern));
    routes_.push_back(std::move(route));
}

// The path is split once; each route compares its pre-split pattern without allocating, and
// only the route that answers copies its captures.
RouteMatch Router::match(std::string_view method, std::string_view path) const {
    RouteMatch result;
    const Segments got = split(path);
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const std::vector<Segment>& want = patterns_[r];
        if (want.size() != got.count) continue;
        bool same = true;
        for (std::size_t i = 0; i < want.size() && same; ++i) {
            same = want[i].capture || want[i].text == got.parts[i];
        }
        if (!same) continue;
        const Route& route = routes_[r];
        if (route.method == method) {
            result.route = &route;
            for (std::size_t i = 0; i < want.size(); ++i) {
                if (want[i].capture) result.params.emplace(want[i].text, got.parts[i]);
            }
            return result;
        }
        result.path_known = true;
        result.allowed_methods.push_back(route.method);
    }
    return result;
}

BodyKind Router::bodyKind(std::string_view method, std::string_view path) const {
    const RouteMatch m = match(method, path);
    return m.route == nullptr ? BodyKind::kJson : m.route->body;
}

}  // namespace billwright::http
