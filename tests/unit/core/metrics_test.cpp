#include <string>

#include <boost/test/unit_test.hpp>

#include "core/metrics.h"

using billwright::core::Metrics;

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(label_values_are_escaped_in_the_exposition_format_and_counts_add_up) {
    Metrics m;
    m.describe("requests_total", "counter", "requests");
    m.increment("requests_total", {{"route", "/v1/invoices/{invoice_id}"}, {"status", "200"}});
    m.increment("requests_total", {{"route", "/v1/invoices/{invoice_id}"}, {"status", "200"}}, 2);
    m.increment("requests_total", {{"route", "a\"b\\c\nd"}, {"status", "500"}});
    m.observeMicros("latency", {{"route", "/x"}}, 1500);
    const std::string text = m.render();
    BOOST_CHECK(text.find("# HELP requests_total requests\n# TYPE requests_total counter\n") !=
                std::string::npos);
    BOOST_CHECK(
        text.find("requests_total{route=\"/v1/invoices/{invoice_id}\",status=\"200\"} 3\n") !=
        std::string::npos);
    BOOST_CHECK(text.find("requests_total{route=\"a\\\"b\\\\c\\nd\",status=\"500\"} 1\n") !=
                std::string::npos);
    BOOST_CHECK(text.find("latency_bucket{route=\"/x\",le=\"0.001\"} 0\n") != std::string::npos);
    BOOST_CHECK(text.find("latency_bucket{route=\"/x\",le=\"0.0025\"} 1\n") != std::string::npos);
    BOOST_CHECK(text.find("latency_count{route=\"/x\"} 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
