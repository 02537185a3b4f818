#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <map>
#include <string>

#include <boost/test/unit_test.hpp>

#include "http/server.h"

using billwright::http::parseRequestTarget;

namespace {

// What Poco::URI makes of the target: the oracle parseRequestTarget must agree with.
bool pocoSplit(const std::string& target, std::string& path,
               std::map<std::string, std::string>& query) {
    try {
        const Poco::URI uri(target);
        path = uri.getPath();
        for (const auto& [key, value] : uri.getQueryParameters()) query[key] = value;
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

bool ourSplit(const std::string& target, std::string& path,
              std::map<std::string, std::string>& query) {
    try {
        parseRequestTarget(target, path, query);
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_target)

BOOST_AUTO_TEST_CASE(targets_split_as_poco_uri_splits_them) {
    const char* targets[] = {
        "/",
        "/v1/invoices",
        "/v1/invoices/inv_01h?expand=lines",
        "/v1/x%20y?a=1+2&b=%2B&c&d=&=e&f=a=b&&g=1",
        "/v1/a?x=1#frag",
        "/v1/a#frag?x=1",
        "/p?a=%41&a=2",
        "/a%2Fb",
        "/x?",
        "/x?&",
        "/x?&a=1&",
        "/x?a=1;b=2",
        "/x?from=2026-01-01T00:00:00+01:00&to=2026-02-01T00:00:00%2B01:00",
        "/x?name=%C3%A9t%C3%A9",
        "/x?g=%zz",
        "/x%zz",
        "/x?g=%4",
        "//host/p?q=1",
        "http://h/p?q=2",
        "*",
    };
    for (const std::string target : targets) {
        BOOST_TEST_CONTEXT(target) {
            std::string poco_path, our_path;
            std::map<std::string, std::string> poco_query, our_query;
            const bool poco_ok = pocoSplit(target, poco_path, poco_query);
            const bool our_ok = ourSplit(target, our_path, our_query);
            BOOST_TEST(our_ok == poco_ok);
            if (poco_ok && our_ok) {
                BOOST_TEST(our_path == poco_path);
                BOOST_TEST((our_query == poco_query));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_plus_in_the_query_is_a_space_and_an_escaped_one_a_plus) {
    std::string path;
    std::map<std::string, std::string> query;
    parseRequestTarget("/v1/x?q=a+b&r=a%2Bb&q2", path, query);
    BOOST_TEST(path == "/v1/x");
    BOOST_TEST(query.at("q") == "a b");
    BOOST_TEST(query.at("r") == "a+b");
    BOOST_TEST(query.at("q2") == "");
}

BOOST_AUTO_TEST_SUITE_END()
