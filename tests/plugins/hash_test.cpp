// Golden tests of billing_hash: every hash-derived case of the former
// tests/unit/domain/usage_test.cpp, run through the built plugin and the mock host. Hashrate is
// milli-TH/s, efficiency milli-J/TH, so hashrate x efficiency x seconds / 3'600'000 is mWh.
#include <cstdint>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

#include "plugins/plugin_fixture.h"

namespace billwright::plugin_tests {
namespace {

const bw_plugin_descriptor* hashPlugin() { return plugin("billing_hash"); }

std::uint32_t addUnit(mock::MockHost& host, std::int64_t efficiency_mjth) {
    return host.addEquipment({"eqp_1", "S19", 3'250'000, 130'000, efficiency_mjth});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hash)

BOOST_AUTO_TEST_CASE(no_samples_at_all_emit_every_hour_without_coverage_and_no_average) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 2 * kHour);
    const auto eq = addUnit(host, 25'000);
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    BOOST_TEST(emittedHours(host, eq) == 2u);
    BOOST_TEST(energyMwh(host, eq) == (Column{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "0");
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "(none)");
}

BOOST_AUTO_TEST_CASE(hashrate_holds_until_the_next_sample_or_max_hold_and_coverage_drops_after) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 4 * kHour);
    const auto eq = addUnit(host, 25'000);  // 25 J/TH: 130 TH/s -> 3250 W, 100 TH/s -> 2500 W
    addSamples(host, eq, BW_SAMPLE_HASHRATE,
               {
                   {kT0 - 300, 130'000},    // holds into the period from before the start
                   {kT0 + 3000, 130'000},   // holds for 7200 s, until 10200
                   {kT0 + 11400, 100'000},  // after a gap of [10200, 11400)
               });
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // hour 0, 1: 3250 Wh each; hour 2: [7200, 10200) = 3250 x 3000/3600 = 2708.333 Wh;
    // hour 3: [11400, 14400) = 2500 x 3000/3600 = 2083.333 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{3'250'000, 3'250'000, 2'708'333, 2'083'333}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600, 3000, 3000}),
               boost::test_tools::per_element());
    // 11'291'666 mWh -> 11292 Wh
    BOOST_TEST(totalWh(host, eq) == 11'292);
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "13200");
    // (130'000 x 10200 + 100'000 x 3000) / 13200 = 123'181.8 -> 123'182
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "123182");
}

BOOST_AUTO_TEST_CASE(a_hold_that_starts_before_the_period_covers_only_until_it_expires) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    host.setMaxHoldSeconds(3600);
    const auto eq = addUnit(host, 30'000);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 7200, 999'000}, {kT0 - 3000, 120'000}});
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // [0, 600): 120 TH/s x 30 J/TH = 3600 W for 600 s = 600 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{600'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{600}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "600");
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "120000");
}

BOOST_AUTO_TEST_CASE(a_negative_max_hold_lets_no_sample_stand_for_any_time) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    host.setMaxHoldSeconds(-5);  // treated as 0
    const auto eq = addUnit(host, 30'000);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0, 120'000}, {kT0 + 600, 120'000}});
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    BOOST_TEST(coveredSeconds(host, eq) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "(none)");
}

BOOST_AUTO_TEST_CASE(efficiency_zero_gives_no_hash_coverage_but_hashrate_still_counts) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 0);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 60, 110'000}});
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    BOOST_TEST(emittedHours(host, eq) == 1u);
    BOOST_TEST(energyMwh(host, eq) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "3600");
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "110000");
}

BOOST_AUTO_TEST_CASE(hash_power_keeps_fractions_of_a_milliwatt_until_the_hour_is_rounded) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 21'555);                     // 21.555 J/TH
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0, 1'001}});  // 1.001 TH/s -> 21.576555 W
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // 1001 x 21555 x 3600 / 3'600'000 = 21'576.555 mWh -> 21'577
    BOOST_TEST(energyMwh(host, eq) == (Column{21'577}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(average_hashrate_is_weighted_by_time_not_by_sample_count) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 0);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0, 100'000}, {kT0 + 600, 160'000}});
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // (100'000 x 600 + 160'000 x 3000) / 3600 = 540'000'000 / 3600 = 150'000
    // (the mean of the two samples would be 130'000)
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "150000");
}

BOOST_AUTO_TEST_CASE(a_held_hashrate_counts_as_zero_while_the_status_says_offline) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 25'000);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 + 300, 0}, {kT0 + 900, 120'000}});
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 + 1800, 0}, {kT0 + 2700, 1}});
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // [0, 300) nothing holds; [300, 900) 0 TH/s; [900, 1800) 120 TH/s; [1800, 2700) offline:
    // 0 TH/s despite the held 120; [2700, 3600) 120 TH/s.
    // 120 TH/s x 25 J/TH = 3000 W over 1800 s = 1500 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{1'500'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3300}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "3300");
    // 120'000 x (900 + 900) / 3300 = 65'454.5 -> 65'455
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "65455");
}

BOOST_AUTO_TEST_CASE(a_final_partial_hour_gets_only_its_own_seconds) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour + 900);
    const auto eq = addUnit(host, 25'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 60, 1}});
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 60, 130'000}});  // holds 7200 s
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // 130 TH/s x 25 J/TH = 3250 W; hour 1: 3250 W x 900 s / 3600 = 812.5 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{3'250'000, 812'500}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 900}), boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 4'063);  // 4062.5 rounds half away from zero
}

BOOST_AUTO_TEST_CASE(samples_outside_the_period_beyond_the_edge_ones_change_nothing) {
    const auto run = [](bool padded, mock::MockHost& host) {
        host.setPeriod(kT0, kT0 + 2 * kHour);
        const auto eq = addUnit(host, 25'000);
        if (padded) {
            addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 50'000, 1}, {kT0 + 8000, 500'000}});
            addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 900, 0}, {kT0 + 7200, 1}});
        }
        addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 200, 100'000}, {kT0 + 5000, 0}});
        addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 50, 1}, {kT0 + 6000, 0}});
        BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    };
    mock::MockHost trimmed;
    mock::MockHost padded;
    run(false, trimmed);
    run(true, padded);
    checkSameResult(trimmed, padded, {"hashrate_covered_seconds", "average_hashrate_mth"});
    // 100 TH/s x 25 J/TH = 2500 W: hour 0 2500 Wh; hour 1 [3600, 5000) = 2500 x 1400 / 3600
    // = 972.222 Wh, then 0 TH/s
    BOOST_TEST(energyMwh(padded, 0) == (Column{2'500'000, 972'222}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(padded, 0) == (Column{3600, 3600}), boost::test_tools::per_element());
    // 100'000 x 5000 / 7200 = 69'444.4 -> 69'444
    BOOST_TEST(detailText(padded, 0, "average_hashrate_mth") == "69444");
}

BOOST_AUTO_TEST_CASE(samples_added_out_of_order_give_the_same_result_as_sorted_ones) {
    mock::MockHost sorted;
    sorted.setPeriod(kT0, kT0 + 2 * kHour);
    const auto a = addUnit(sorted, 25'000);
    addSamples(sorted, a, BW_SAMPLE_HASHRATE, {{kT0 - 200, 100'000}, {kT0 + 5000, 0}});
    addSamples(sorted, a, BW_SAMPLE_STATUS, {{kT0 - 50, 1}, {kT0 + 6000, 0}});
    BOOST_TEST_REQUIRE(sorted.bill(hashPlugin()) == BW_OK);

    mock::MockHost shuffled;
    shuffled.setPeriod(kT0, kT0 + 2 * kHour);
    const auto b = addUnit(shuffled, 25'000);
    addSamples(shuffled, b, BW_SAMPLE_HASHRATE, {{kT0 + 5000, 0}, {kT0 - 200, 100'000}});
    addSamples(shuffled, b, BW_SAMPLE_STATUS, {{kT0 + 6000, 0}, {kT0 - 50, 1}});
    BOOST_TEST_REQUIRE(shuffled.bill(hashPlugin()) == BW_OK);

    checkSameResult(sorted, shuffled, {"hashrate_covered_seconds", "average_hashrate_mth"});
    BOOST_TEST(energyMwh(sorted, 0) == (Column{2'500'000, 972'222}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(negative_hashrate_samples_never_give_negative_energy) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 25'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0, 1}});
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0, -100'000}});
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    BOOST_TEST(energyMwh(host, eq) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "0");
}

BOOST_AUTO_TEST_CASE(the_worked_example_in_docs_telemetry_md_gives_the_documented_answer) {
    mock::MockHost host;
    const auto eq = loadWorkedExample(host);
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    // 100 TH/s x 30 J/TH = 3000 W. The 02:00 sample holds to 04:00; nothing holds 04:00-05:00;
    // from the 05:30 offline status the 05:00 sample counts as 0: half of hour 05:00 hashes.
    BOOST_TEST(
        energyMwh(host, eq) == (Column{3'000'000, 3'000'000, 3'000'000, 3'000'000, 0, 1'500'000}),
        boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600, 3600, 3600, 0, 3600}),
               boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 13'500);
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "18000");
    // 4.5 h at 100 TH/s and the offline half hour at 0, over 5 covered hours.
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "90000");
}

BOOST_AUTO_TEST_CASE(a_month_of_minute_samples_at_130_ths_streams_in_batches_and_totals_exactly) {
    constexpr std::int64_t kMinutes = 30 * 24 * 60;  // 43'200
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 30 * kDay);
    const auto eq = addUnit(host, 25'000);
    host.addSample(eq, BW_SAMPLE_STATUS, kT0 - 60, 1);
    for (std::int64_t m = -1; m < kMinutes; ++m) {
        host.addSample(eq, BW_SAMPLE_HASHRATE, kT0 + m * 60, 130'000);  // x 25 J/TH = 3250 W
    }
    BOOST_TEST_REQUIRE(host.bill(hashPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.hours(eq).size() == 720u);
    BOOST_TEST(emittedHours(host, eq) == 720u);
    BOOST_TEST(energyMwh(host, eq) == Column(720, 3'250'000), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == Column(720, 3600), boost::test_tools::per_element());
    // 3.25 kW x 720 h = 2340 kWh
    BOOST_TEST(totalWh(host, eq) == 2'340'000);
    BOOST_TEST(detailText(host, eq, "hashrate_covered_seconds") == "2592000");
    BOOST_TEST(detailText(host, eq, "average_hashrate_mth") == "130000");
    BOOST_TEST(host.telemetryReads() > 1u);
    BOOST_TEST(host.largestReadCapacity() <= 4096u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
