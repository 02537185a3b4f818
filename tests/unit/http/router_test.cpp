// The router: literal and captured segments, the first registered route wins, 405 with the
// allowed methods, and paths that match nothing (empty segments collapse; too deep a path).

#include <string>

#include <boost/test/unit_test.hpp>

#include "http/router.h"

namespace billwright::http {
namespace {

Route route(std::string method, std::string pattern, BodyKind body = BodyKind::kJson) {
    Route r;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    r.body = body;
    return r;
}

Router sample() {
    Router router;
    router.add(route("GET", "/v1/invoices"));
    router.add(route("POST", "/v1/invoices"));
    router.add(route("GET", "/v1/invoices/{invoice_id}"));
    router.add(route("GET", "/v1/invoices/preview"));  // shadowed by the capture above
    router.add(route("POST", "/v1/telemetry", BodyKind::kBulk));
    router.add(route("GET", "/v1/tenants/{tenant_id}/invoices/{invoice_id}"));
    return router;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(literal_routes_match_by_method_and_path) {
    const Router router = sample();
    const RouteMatch get = router.match("GET", "/v1/invoices");
    BOOST_REQUIRE(get.route != nullptr);
    BOOST_TEST(get.route->method == "GET");
    BOOST_TEST(get.params.empty());
    const RouteMatch post = router.match("POST", "/v1/invoices");
    BOOST_REQUIRE(post.route != nullptr);
    BOOST_TEST(post.route->method == "POST");
}

BOOST_AUTO_TEST_CASE(captures_are_named_and_the_first_registered_route_wins) {
    const Router router = sample();
    const RouteMatch one = router.match("GET", "/v1/tenants/ten_1/invoices/inv_2");
    BOOST_REQUIRE(one.route != nullptr);
    BOOST_TEST(one.route->pattern == "/v1/tenants/{tenant_id}/invoices/{invoice_id}");
    BOOST_TEST(one.params.at("tenant_id") == "ten_1");
    BOOST_TEST(one.params.at("invoice_id") == "inv_2");
    const RouteMatch preview = router.match("GET", "/v1/invoices/preview");
    BOOST_REQUIRE(preview.route != nullptr);
    BOOST_TEST(preview.route->pattern == "/v1/invoices/{invoice_id}");
    BOOST_TEST(preview.params.at("invoice_id") == "preview");
}

BOOST_AUTO_TEST_CASE(a_known_path_with_another_method_lists_the_allowed_ones) {
    const Router router = sample();
    const RouteMatch m = router.match("DELETE", "/v1/invoices");
    BOOST_TEST(m.route == nullptr);
    BOOST_TEST(m.path_known);
    BOOST_TEST(m.allowed_methods == (std::vector<std::string>{"GET", "POST"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_segments_collapse_and_unknown_or_deep_paths_match_nothing) {
    const Router router = sample();
    BOOST_TEST(router.match("GET", "//v1///invoices/").route != nullptr);
    const RouteMatch none = router.match("GET", "/v1/nothing");
    BOOST_TEST(none.route == nullptr);
    BOOST_TEST(!none.path_known);
    BOOST_TEST(router.match("GET", "/v1/invoices/a/b").route == nullptr);
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "/x";
    BOOST_TEST(router.match("GET", deep).route == nullptr);
    BOOST_TEST(router.match("GET", "").route == nullptr);
}

BOOST_AUTO_TEST_CASE(the_body_kind_follows_the_route) {
    const Router router = sample();
    BOOST_TEST((router.bodyKind("POST", "/v1/telemetry") == BodyKind::kBulk));
    BOOST_TEST((router.bodyKind("POST", "/v1/invoices") == BodyKind::kJson));
    BOOST_TEST((router.bodyKind("PUT", "/v1/nowhere") == BodyKind::kJson));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::http
