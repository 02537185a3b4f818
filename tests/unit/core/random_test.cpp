#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/random.h"

using billwright::core::newId;

namespace {

constexpr std::string_view kCrockford = "0123456789abcdefghjkmnpqrstvwxyz";

// The number the first `digits` base32 characters after the prefix spell.
std::uint64_t leadingValue(const std::string& id, std::size_t prefix_size, int digits) {
    std::uint64_t value = 0;
    for (int i = 0; i < digits; ++i) {
        const auto at = kCrockford.find(id[prefix_size + 1 + static_cast<std::size_t>(i)]);
        BOOST_REQUIRE(at != std::string_view::npos);
        value = value * 32 + at;
    }
    return value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ids)

BOOST_AUTO_TEST_CASE(an_id_is_the_prefix_then_26_crockford_digits_starting_with_the_time) {
    for (const std::int64_t millis : {std::int64_t{0}, std::int64_t{1}, std::int64_t{1700000000123},
                                      (std::int64_t{1} << 48) - 1}) {
        const std::string id = newId("inv", millis);
        BOOST_REQUIRE_EQUAL(id.size(), 3U + 1U + 26U);
        BOOST_CHECK_EQUAL(id.substr(0, 4), "inv_");
        for (std::size_t i = 4; i < id.size(); ++i)
            BOOST_CHECK(kCrockford.find(id[i]) != std::string_view::npos);
        // Ten digits are 50 bits: two zero bits, then the 48 bits of time.
        BOOST_CHECK_EQUAL(leadingValue(id, 3, 10), static_cast<std::uint64_t>(millis));
    }
}

BOOST_AUTO_TEST_CASE(ids_sort_by_time_and_never_repeat_across_threads) {
    BOOST_CHECK_LT(newId("c", 1700000000000), newId("c", 1700000000001));
    BOOST_CHECK_LT(newId("c", 999), newId("c", 1000));
    // Same millisecond, four threads, each drawing from its own buffer of random bytes.
    std::vector<std::vector<std::string>> made(4);
    std::vector<std::thread> threads;
    for (auto& out : made) {
        threads.emplace_back([&out] {
            for (int i = 0; i < 5000; ++i) out.push_back(newId("req", 1700000000000));
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::string> distinct;
    std::set<std::string> random_tails;
    for (const auto& out : made) {
        for (const auto& id : out) {
            distinct.insert(id);
            random_tails.insert(id.substr(4 + 10));
        }
    }
    BOOST_CHECK_EQUAL(distinct.size(), 20000U);
    BOOST_CHECK_EQUAL(random_tails.size(), 20000U);  // the 80 random bits differ every time
}

BOOST_AUTO_TEST_SUITE_END()
