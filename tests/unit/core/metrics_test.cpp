#include <string>
#include <thread>
#include <vector>

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

// Each thread renders its label sets into a buffer of its own; series from many threads, each
// with labels of its own, must add up and none may take another's labels.
BOOST_AUTO_TEST_CASE(series_from_many_threads_keep_their_own_labels_and_counts) {
    Metrics m;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&m, t] {
            const std::string route = "/r" + std::to_string(t);
            for (int i = 0; i < 1000; ++i) {
                m.increment("hits_total", {{"route", route}, {"method", "GET"}});
                m.observeMicros("took", {{"route", route}}, 2000);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    const std::string text = m.render();
    for (int t = 0; t < 4; ++t) {
        const std::string route = "/r" + std::to_string(t);
        BOOST_TEST(text.find("hits_total{route=\"" + route + "\",method=\"GET\"} 1000\n") !=
                   std::string::npos);
        BOOST_TEST(text.find("took_count{route=\"" + route + "\"} 1000\n") != std::string::npos);
    }
    BOOST_TEST(text.find("# TYPE hits_total counter\n") != std::string::npos);
    BOOST_TEST(text.find("# TYPE took histogram\n") != std::string::npos);
    // A series without labels renders bare.
    m.increment("plain_total", {});
    BOOST_TEST(m.render().find("plain_total 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
