// Golden tests of billing_calculated: every calculated case of the former
// tests/unit/domain/usage_test.cpp, run through the built plugin and the mock host. Power is mW, so
// mW x seconds / 3600 is mWh.
#include <cstdint>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

#include "plugins/plugin_fixture.h"

namespace billwright::plugin_tests {
namespace {

const bw_plugin_descriptor* calculatedPlugin() { return plugin("billing_calculated"); }

std::uint32_t addUnit(mock::MockHost& host, std::int64_t nameplate_mw) {
    return host.addEquipment({"eqp_1", "S19", nameplate_mw, 130'000, 25'000});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(calculated)

BOOST_AUTO_TEST_CASE(hours_are_aligned_to_the_period_start_and_the_last_one_is_cut_at_its_end) {
    mock::MockHost host;
    const std::int64_t start = kT0 + 17;
    host.setPeriod(start, start + 2 * kHour + 900);
    const auto eq = addUnit(host, 3'600'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{start - 1, 1}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // 3600 W: 3600 Wh per full hour, 900 Wh in the 900 s one
    BOOST_TEST(energyMwh(host, eq) == (Column{3'600'000, 3'600'000, 900'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600, 900}),
               boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "online_seconds") == "8100");
}

BOOST_AUTO_TEST_CASE(no_samples_at_all_leave_the_online_state_unknown_despite_a_nameplate) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 2 * kHour);
    const auto eq = addUnit(host, 3'250'000);
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    BOOST_TEST(emittedHours(host, eq) == 2u);
    BOOST_TEST(energyMwh(host, eq) == (Column{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "online_seconds") == "0");
}

BOOST_AUTO_TEST_CASE(status_changes_mid_hour_give_exact_online_seconds_and_energy) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 2 * kHour);
    const auto eq = addUnit(host, 3'250'000);
    addSamples(host, eq, BW_SAMPLE_STATUS,
               {
                   {kT0 - kDay, 1},  // known from before the start
                   {kT0 + 1000, 0},
                   {kT0 + 1600, 1},
                   {kT0 + 5000, 0},
                   {kT0 + 2 * kHour, 1},  // at the end: outside the period
               });
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // hour 0 online [0, 1000) + [1600, 3600) = 3000 s; hour 1 online [3600, 5000) = 1400 s
    // 3250 W x 3000 s / 3600 = 2708.333 Wh; 3250 W x 1400 s / 3600 = 1263.889 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{2'708'333, 1'263'889}),
               boost::test_tools::per_element());
    // Offline time is known, so covered with zero energy.
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600}), boost::test_tools::per_element());
    // 3'972'222 mWh -> 3972 Wh
    BOOST_TEST(totalWh(host, eq) == 3'972);
    BOOST_TEST(detailText(host, eq, "online_seconds") == "4400");
}

BOOST_AUTO_TEST_CASE(before_the_first_status_change_a_held_hashrate_decides_the_online_state) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 3'000'000);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 + 300, 0}, {kT0 + 900, 120'000}});
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 + 1800, 0}, {kT0 + 2700, 1}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // [0, 300) unknown; [300, 900) offline (hashrate 0); [900, 1800) online (hashrate > 0);
    // [1800, 2700) offline by status despite 120 TH/s; [2700, 3600) online
    BOOST_TEST(detailText(host, eq, "online_seconds") == "1800");
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3300}), boost::test_tools::per_element());
    // 3000 W x 1800 s / 3600 = 1500 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{1'500'000}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_expired_hashrate_hold_leaves_the_online_state_unknown_again) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    host.setMaxHoldSeconds(600);
    const auto eq = addUnit(host, 3'600'000);
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 + 1200, 50'000}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // online only during the hold [1200, 1800): 3600 W x 600 s = 600 Wh
    BOOST_TEST(detailText(host, eq, "online_seconds") == "600");
    BOOST_TEST(coveredSeconds(host, eq) == (Column{600}), boost::test_tools::per_element());
    BOOST_TEST(energyMwh(host, eq) == (Column{600'000}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_held_hashrate_without_any_power_figure_is_online_but_not_covered) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 4 * kHour);
    const auto eq = addUnit(host, 0);
    addSamples(host, eq, BW_SAMPLE_HASHRATE,
               {{kT0 - 300, 130'000}, {kT0 + 3000, 130'000}, {kT0 + 11400, 100'000}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // Held hashrate > 0 means online: [0, 10200) and [11400, 14400) = 13200 s, but no power
    // sample and no nameplate, so no hour is covered.
    BOOST_TEST(detailText(host, eq, "online_seconds") == "13200");
    BOOST_TEST(coveredSeconds(host, eq) == (Column{0, 0, 0, 0}), boost::test_tools::per_element());
    BOOST_TEST(emittedHours(host, eq) == 4u);
}

BOOST_AUTO_TEST_CASE(calculated_uses_a_held_power_sample_and_the_nameplate_where_none_holds) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 2 * kHour);
    host.setMaxHoldSeconds(1800);
    const auto eq = addUnit(host, 3'250'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 10, 1}});
    addSamples(host, eq, BW_SAMPLE_POWER,
               {
                   {kT0 - 600, 3'000'000},   // holds until 1200
                   {kT0 + 2400, 3'100'000},  // until the next sample at 3000
                   {kT0 + 3000, 2'900'123},  // holds until 4800
               });
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // hour 0: 3'000'000 x 1200 + 3'250'000 x 1200 + 3'100'000 x 600 + 2'900'123 x 600
    //       = 11'100'073'800 mW s / 3600 = 3'083'353.83 -> 3'083'354 mWh
    // hour 1: 2'900'123 x 1200 + 3'250'000 x 2400 = 11'280'147'600 / 3600 = 3'133'374.33
    BOOST_TEST(energyMwh(host, eq) == (Column{3'083'354, 3'133'374}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600}), boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 6'217);  // 6'216'728 mWh
    BOOST_TEST(detailText(host, eq, "online_seconds") == "7200");
}

BOOST_AUTO_TEST_CASE(online_time_without_any_power_figure_is_not_covered_but_offline_time_is) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    host.setMaxHoldSeconds(600);
    const auto eq = addUnit(host, 0);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 10, 1}, {kT0 + 1800, 0}});
    addSamples(host, eq, BW_SAMPLE_POWER, {{kT0 + 600, 2'000'000}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // covered: [600, 1200) online with a held sample + [1800, 3600) offline = 2400 s
    BOOST_TEST(coveredSeconds(host, eq) == (Column{2400}), boost::test_tools::per_element());
    // 2000 W x 600 s / 3600 = 333.333 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{333'333}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "online_seconds") == "1800");
}

BOOST_AUTO_TEST_CASE(a_held_power_sample_of_zero_while_online_is_covered_with_zero_energy) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 3'250'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0, 1}});
    addSamples(host, eq, BW_SAMPLE_POWER, {{kT0, 0}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(energyMwh(host, eq) == (Column{0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_final_partial_hour_gets_only_its_own_seconds) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour + 900);
    const auto eq = addUnit(host, 3'250'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 60, 1}});
    addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 60, 130'000}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // 3250 W x 900 s / 3600 = 812.5 Wh in the last hour
    BOOST_TEST(energyMwh(host, eq) == (Column{3'250'000, 812'500}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 900}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "online_seconds") == "4500");
    BOOST_TEST(totalWh(host, eq) == 4'063);  // 4062.5 rounds half away from zero
}

BOOST_AUTO_TEST_CASE(samples_outside_the_period_beyond_the_edge_ones_change_nothing) {
    const auto run = [](bool padded, mock::MockHost& host) {
        host.setPeriod(kT0, kT0 + 2 * kHour);
        const auto eq = addUnit(host, 3'000'000);
        if (padded) {
            addSamples(host, eq, BW_SAMPLE_POWER,
                       {{kT0 - 90'000, 9'000'000}, {kT0 + 7200, 7'000'000}});
            addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 50'000, 1}, {kT0 + 8000, 500'000}});
            addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 900, 0}, {kT0 + 7200, 1}});
        }
        addSamples(host, eq, BW_SAMPLE_POWER, {{kT0 - 100, 2'000'000}, {kT0 + 4000, 2'500'000}});
        addSamples(host, eq, BW_SAMPLE_HASHRATE, {{kT0 - 200, 100'000}, {kT0 + 5000, 0}});
        addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 50, 1}, {kT0 + 6000, 0}});
        BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    };
    mock::MockHost trimmed;
    mock::MockHost padded;
    run(false, trimmed);
    run(true, padded);
    checkSameResult(trimmed, padded, {"online_seconds"});
    // status online until 6000; power 2000 W until 4000 (7200 s hold), then 2500 W
    // hour 0: 2000 W x 3600 = 2000 Wh; hour 1: (2000 x 400 + 2500 x 2000) / 3600 = 1611.111 Wh
    BOOST_TEST(energyMwh(padded, 0) == (Column{2'000'000, 1'611'111}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(padded, 0) == (Column{3600, 3600}), boost::test_tools::per_element());
    BOOST_TEST(detailText(padded, 0, "online_seconds") == "6000");  // 3600 + 2400
}

BOOST_AUTO_TEST_CASE(samples_added_out_of_order_give_the_same_result_as_sorted_ones) {
    mock::MockHost sorted;
    sorted.setPeriod(kT0, kT0 + 2 * kHour);
    const auto a = addUnit(sorted, 3'000'000);
    addSamples(sorted, a, BW_SAMPLE_POWER, {{kT0 - 100, 2'000'000}, {kT0 + 4000, 2'500'000}});
    addSamples(sorted, a, BW_SAMPLE_HASHRATE, {{kT0 - 200, 100'000}, {kT0 + 5000, 0}});
    addSamples(sorted, a, BW_SAMPLE_STATUS, {{kT0 - 50, 1}, {kT0 + 6000, 0}});
    BOOST_TEST_REQUIRE(sorted.bill(calculatedPlugin()) == BW_OK);

    mock::MockHost shuffled;
    shuffled.setPeriod(kT0, kT0 + 2 * kHour);
    const auto b = addUnit(shuffled, 3'000'000);
    addSamples(shuffled, b, BW_SAMPLE_POWER, {{kT0 + 4000, 2'500'000}, {kT0 - 100, 2'000'000}});
    addSamples(shuffled, b, BW_SAMPLE_HASHRATE, {{kT0 + 5000, 0}, {kT0 - 200, 100'000}});
    addSamples(shuffled, b, BW_SAMPLE_STATUS, {{kT0 + 6000, 0}, {kT0 - 50, 1}});
    BOOST_TEST_REQUIRE(shuffled.bill(calculatedPlugin()) == BW_OK);

    checkSameResult(sorted, shuffled, {"online_seconds"});
    BOOST_TEST(energyMwh(sorted, 0) == (Column{2'000'000, 1'611'111}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(negative_power_samples_never_give_negative_energy) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 3'250'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0, 1}});
    addSamples(host, eq, BW_SAMPLE_POWER, {{kT0, -5'000'000}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    BOOST_TEST(energyMwh(host, eq) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(status_values_out_of_range_count_as_online_above_zero_and_offline_else) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host, 3'600'000);
    // Only 1 and 0 are stored by the server; anything else a host might pass is read as > 0
    // online, <= 0 offline.
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 10, 2}, {kT0 + 1800, -1}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // online [0, 1800) at 3600 W = 1800 Wh, then known offline
    BOOST_TEST(energyMwh(host, eq) == (Column{1'800'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "online_seconds") == "1800");
}

BOOST_AUTO_TEST_CASE(the_worked_example_in_docs_telemetry_md_gives_the_documented_answer) {
    mock::MockHost host;
    const auto eq = loadWorkedExample(host);
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    // Online by hashrate (nameplate 3000 W) until the 05:30 offline status; unknown
    // 04:00-05:00, when no hashrate sample holds and no status is known.
    BOOST_TEST(
        energyMwh(host, eq) == (Column{3'000'000, 3'000'000, 3'000'000, 3'000'000, 0, 1'500'000}),
        boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600, 3600, 3600, 0, 3600}),
               boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 13'500);
    BOOST_TEST(detailText(host, eq, "online_seconds") == "16200");  // 4.5 h
}

BOOST_AUTO_TEST_CASE(a_month_of_minute_power_samples_streams_in_batches_and_totals_exactly) {
    constexpr std::int64_t kMinutes = 30 * 24 * 60;  // 43'200
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 30 * kDay);
    const auto eq = addUnit(host, 5'000'000);  // never used: a power sample always holds
    host.addSample(eq, BW_SAMPLE_STATUS, kT0 - 60, 1);
    for (std::int64_t m = -1; m < kMinutes; ++m) {
        host.addSample(eq, BW_SAMPLE_POWER, kT0 + m * 60, 3'250'000);
        host.addSample(eq, BW_SAMPLE_HASHRATE, kT0 + m * 60, 130'000);
    }
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.hours(eq).size() == 720u);
    BOOST_TEST(emittedHours(host, eq) == 720u);
    BOOST_TEST(energyMwh(host, eq) == Column(720, 3'250'000), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == Column(720, 3600), boost::test_tools::per_element());
    // 3.25 kW x 720 h = 2340 kWh
    BOOST_TEST(totalWh(host, eq) == 2'340'000);
    BOOST_TEST(detailText(host, eq, "online_seconds") == "2592000");
    BOOST_TEST(host.telemetryReads() > 1u);
    BOOST_TEST(host.largestReadCapacity() <= 4096u);
}

BOOST_AUTO_TEST_CASE(a_period_longer_than_one_emitted_chunk_of_hours_is_emitted_whole) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 32 * kDay + 1800);  // 768 full hours and a 1800 s one
    const auto eq = addUnit(host, 3'600'000);
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 - 1, 1}, {kT0 + 800 * kHour, 0}});
    // Make hour 750 (in the second chunk of 744) differ: offline for its first 900 s.
    addSamples(host, eq, BW_SAMPLE_STATUS, {{kT0 + 750 * kHour, 0}, {kT0 + 750 * kHour + 900, 1}});
    BOOST_TEST_REQUIRE(host.bill(calculatedPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.hours(eq).size() == 769u);
    BOOST_TEST(emittedHours(host, eq) == 769u);
    // 3600 W: 3600 Wh a full hour; hour 750 online 2700 s = 2700 Wh; the last 1800 s = 1800 Wh
    Column expected(769, 3'600'000);
    expected[750] = 2'700'000;
    expected[768] = 1'800'000;
    BOOST_TEST(energyMwh(host, eq) == expected, boost::test_tools::per_element());
    Column covered(769, 3600);
    covered[768] = 1800;
    BOOST_TEST(coveredSeconds(host, eq) == covered, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
