// Golden tests of billing_metered: every metered case of the former
// tests/unit/domain/usage_test.cpp, run through the built plugin and the mock host. Counter
// readings are cumulative Wh; hours are mWh.
#include <cstdint>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

#include "plugins/plugin_fixture.h"

namespace billwright::plugin_tests {
namespace {

const bw_plugin_descriptor* meteredPlugin() { return plugin("billing_metered"); }

std::uint32_t addUnit(mock::MockHost& host) {
    return host.addEquipment({"eqp_1", "S19", 3'250'000, 130'000, 25'000});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metered)

BOOST_AUTO_TEST_CASE(hours_are_aligned_to_the_period_start_and_the_last_one_is_cut_at_its_end) {
    mock::MockHost host;
    const std::int64_t start = kT0 + 17;
    host.setPeriod(start, start + 2 * kHour + 900);  // two full hours and a 900 s one
    const auto eq = addUnit(host);
    // 9100 Wh over 9100 s: 1 Wh/s from 100 s before the start to 900 s after the end.
    addSamples(host, eq, BW_SAMPLE_ENERGY, {{start - 100, 0}, {start + 9000, 9100}});
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.hours(eq).size() == 3u);
    BOOST_TEST(emittedHours(host, eq) == 3u);
    BOOST_TEST(energyMwh(host, eq) == (Column{3'600'000, 3'600'000, 900'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600, 900}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_readings_at_all_emit_every_hour_without_coverage) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 2 * kHour);
    const auto eq = addUnit(host);
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST(emittedHours(host, eq) == 2u);
    BOOST_TEST(energyMwh(host, eq) == (Column{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, eq, "readings") == "0");
    BOOST_TEST(detailText(host, eq, "resets") == "0");
    BOOST_TEST(detailText(host, eq, "covered_seconds") == "0");
}

BOOST_AUTO_TEST_CASE(a_period_that_does_not_run_forward_has_no_hours_and_no_details) {
    for (const std::int64_t end : {kT0, kT0 - kHour}) {
        mock::MockHost host;
        host.setPeriod(kT0, end);
        const auto eq = addUnit(host);
        addSamples(host, eq, BW_SAMPLE_ENERGY, {{kT0 - 60, 0}, {kT0 + 60, 100}});
        BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
        BOOST_TEST(host.hours(eq).empty());
        BOOST_TEST(detailText(host, eq, "readings") == "(none)");
        BOOST_TEST(host.telemetryReads() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(steady_hourly_counter_readings_over_a_day_give_each_hour_its_own_delta) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kDay);
    const auto eq = addUnit(host);
    // Hour k uses 3000 + 10k Wh; readings on the hour from the start to the end inclusive.
    std::int64_t value = 5'000'000;
    for (std::int64_t k = 0; k <= 24; ++k) {
        host.addSample(eq, BW_SAMPLE_ENERGY, kT0 + k * kHour, value);
        value += 3000 + 10 * k;
    }
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    Column expected;
    for (std::int64_t k = 0; k < 24; ++k) expected.push_back((3000 + 10 * k) * 1000);
    BOOST_TEST(energyMwh(host, eq) == expected, boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == Column(24, 3600), boost::test_tools::per_element());
    // sum of 3000 + 10k for k = 0..23 = 24 x 3000 + 10 x 276 = 74760 Wh
    BOOST_TEST(totalWh(host, eq) == 74'760);
    // 24 readings inside the period and the one at its end
    BOOST_TEST(detailText(host, eq, "readings") == "25");
    BOOST_TEST(detailText(host, eq, "resets") == "0");
    BOOST_TEST(detailText(host, eq, "covered_seconds") == "86400");
}

BOOST_AUTO_TEST_CASE(readings_at_unaligned_times_are_split_across_hours_in_proportion_to_time) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 3 * kHour);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {
                   {kT0 - 600, 10'000},
                   {kT0 + 1800, 12'400},   // 2400 Wh over [-600, 1800): 1 Wh/s
                   {kT0 + 5400, 13'401},   // 1001 Wh over [1800, 5400)
                   {kT0 + 12000, 13'408},  // 7 Wh over [5400, 12000), 6600 s
               });
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    // hour 0: [0, 1800) at 1 Wh/s = 1800 Wh; [1800, 3600) = 1001 x 1800/3600 = 500.5 Wh
    //         -> 2'300'500 mWh
    // hour 1: [3600, 5400) = 500.5 Wh; [5400, 7200) = 7 x 1800/6600 = 1.909090.. Wh
    //         -> 502'409.09 mWh -> 502'409
    // hour 2: [7200, 10800) = 7 x 3600/6600 = 3.818181.. Wh -> 3818 mWh
    // [10800, 12000) is after the end.
    BOOST_TEST(energyMwh(host, eq) == (Column{2'300'500, 502'409, 3'818}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600, 3600}),
               boost::test_tools::per_element());
    // 2'806'727 mWh -> 2807 Wh
    BOOST_TEST(totalWh(host, eq) == 2'807);
}

BOOST_AUTO_TEST_CASE(a_counter_interval_straddling_an_edge_counts_only_its_share_inside) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 2 * kHour);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {
                   {kT0 - 1800, 0},
                   {kT0 + 1800, 3600},  // 1 Wh/s, half of it before the start
                   {kT0 + 9000, 5040},  // 1440 Wh over 7200 s: 0.2 Wh/s, a quarter after the end
               });
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    // hour 0: 1800 s x 1 Wh/s + 1800 s x 0.2 Wh/s = 1800 + 360 = 2160 Wh
    // hour 1: 3600 s x 0.2 Wh/s = 720 Wh
    BOOST_TEST(energyMwh(host, eq) == (Column{2'160'000, 720'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 3600}), boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 2'880);
}

BOOST_AUTO_TEST_CASE(readings_exactly_at_the_start_and_the_end_need_nothing_from_outside) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {{kT0 - kHour, 0}, {kT0, 1000}, {kT0 + kHour, 4250}, {kT0 + 2 * kHour, 9999}});
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    // 4250 - 1000 = 3250 Wh over exactly the hour
    BOOST_TEST(energyMwh(host, eq) == (Column{3'250'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 3250);
    // the edge reading before the start, the one at the start and the one at the end
    BOOST_TEST(detailText(host, eq, "readings") == "3");
}

BOOST_AUTO_TEST_CASE(a_long_counter_interval_within_one_segment_is_covered_however_long) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host);
    // Five days between readings: 432'000 Wh over 432'000 s is 1 Wh/s.
    addSamples(host, eq, BW_SAMPLE_ENERGY, {{kT0 - 3 * kDay, 100}, {kT0 + 2 * kDay, 432'100}});
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST(energyMwh(host, eq) == (Column{3'600'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_counter_reset_leaves_the_interval_before_it_uncovered_and_starts_anew) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 3 * kHour);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {
                   {kT0, 50'000},
                   {kT0 + 3600, 53'000},  // 3000 Wh in hour 0
                   {kT0 + 5400, 120},     // reset: [3600, 5400) has no data, never -52'880 Wh
                   {kT0 + 7200, 1'020},   // 900 Wh over [5400, 7200)
                   {kT0 + 10800, 3'020},  // 2000 Wh in hour 2
               });
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST(energyMwh(host, eq) == (Column{3'000'000, 900'000, 2'000'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 1800, 3600}),
               boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 5'900);
    BOOST_TEST(detailText(host, eq, "readings") == "5");
    BOOST_TEST(detailText(host, eq, "resets") == "1");
    BOOST_TEST(detailText(host, eq, "covered_seconds") == "9000");
}

BOOST_AUTO_TEST_CASE(a_reset_just_before_the_start_keeps_the_whole_period_in_the_new_segment) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {{kT0 - 600, 900'000}, {kT0 - 300, 10}, {kT0 + 300, 610}, {kT0 + 3900, 4210}});
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    // [-300, 300): 600 Wh at 1 Wh/s, 300 Wh inside; [300, 3900): 3600 Wh at 1 Wh/s, 3300 inside
    BOOST_TEST(energyMwh(host, eq) == (Column{3'600'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
    // The reset lies wholly before the period.
    BOOST_TEST(detailText(host, eq, "resets") == "0");
}

BOOST_AUTO_TEST_CASE(an_hours_metered_energy_is_rounded_once_not_per_interval) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY,
               {
                   {kT0 - 1, 0},
                   {kT0 + 2, 1},     // 1 Wh over 3 s, 2 s inside: 666.67 mWh
                   {kT0 + 3598, 6},  // 5 Wh, all inside
                   {kT0 + 3601, 7},  // 1 Wh over 3 s, 2 s inside: 666.67 mWh
               });
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    // 5000 + 2000/3 + 2000/3 = 6333.33 -> 6333 (rounding each share first would give 6334)
    BOOST_TEST(energyMwh(host, eq) == (Column{6'333}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 6);
}

BOOST_AUTO_TEST_CASE(a_final_partial_hour_gets_only_its_own_seconds) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour + 900);
    const auto eq = addUnit(host);
    addSamples(host, eq, BW_SAMPLE_ENERGY, {{kT0, 0}, {kT0 + 5400, 5400}});  // 1 Wh/s
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.hours(eq).size() == 2u);
    // hour 1 is 900 s long; the last 900 s of the interval lie after the end
    BOOST_TEST(energyMwh(host, eq) == (Column{3'600'000, 900'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 900}), boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 4'500);
}

BOOST_AUTO_TEST_CASE(readings_outside_the_period_beyond_the_edge_ones_change_nothing) {
    const auto run = [](bool padded, mock::MockHost& host) {
        host.setPeriod(kT0, kT0 + 2 * kHour);
        const auto eq = addUnit(host);
        if (padded) addSamples(host, eq, BW_SAMPLE_ENERGY, {{kT0 - 9000, 0}, {kT0 - 5000, 700}});
        addSamples(host, eq, BW_SAMPLE_ENERGY,
                   {{kT0 - 300, 1000}, {kT0 + 3600, 5000}, {kT0 + 7500, 9000}});
        if (padded)
            addSamples(host, eq, BW_SAMPLE_ENERGY, {{kT0 + 9000, 12'000}, {kT0 + 10'000, 3}});
        BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    };
    mock::MockHost trimmed;
    mock::MockHost padded;
    run(false, trimmed);
    run(true, padded);
    checkSameResult(trimmed, padded, {"readings", "resets", "covered_seconds"});
    // hour 0: 4000 Wh over [-300, 3600), 3600 s inside: 4000 x 3600 / 3900 = 3692.307 Wh
    // hour 1: 4000 Wh over [3600, 7500), 3600 s inside: 4000 x 3600 / 3900 = 3692.307 Wh
    BOOST_TEST(energyMwh(padded, 0) == (Column{3'692'308, 3'692'308}),
               boost::test_tools::per_element());
    BOOST_TEST(detailText(padded, 0, "readings") == "3");
}

BOOST_AUTO_TEST_CASE(readings_added_out_of_order_or_twice_give_the_same_result_as_sorted_ones) {
    mock::MockHost sorted;
    sorted.setPeriod(kT0, kT0 + 2 * kHour);
    addSamples(sorted, addUnit(sorted), BW_SAMPLE_ENERGY,
               {{kT0 - 300, 1000}, {kT0 + 1000, 2000}, {kT0 + 3600, 500}, {kT0 + 7200, 900}});
    BOOST_TEST_REQUIRE(sorted.bill(meteredPlugin()) == BW_OK);

    mock::MockHost shuffled;
    shuffled.setPeriod(kT0, kT0 + 2 * kHour);
    // The host keeps one sample per ts, the one stored last: 7777 is replaced by 2000.
    addSamples(shuffled, addUnit(shuffled), BW_SAMPLE_ENERGY,
               {{kT0 + 1000, 7777},
                {kT0 + 3600, 500},
                {kT0 - 300, 1000},
                {kT0 + 7200, 900},
                {kT0 + 1000, 2000}});
    BOOST_TEST_REQUIRE(shuffled.bill(meteredPlugin()) == BW_OK);

    checkSameResult(sorted, shuffled, {"readings", "resets", "covered_seconds"});
    // [-300, 1000): 1000 Wh over 1300 s, 1000 s inside = 769.231 Wh; [1000, 3600): 2000 -> 500
    // is a reset, so uncovered; [3600, 7200): 400 Wh
    BOOST_TEST(energyMwh(sorted, 0) == (Column{769'231, 400'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(sorted, 0) == (Column{1000, 3600}), boost::test_tools::per_element());
    BOOST_TEST(detailText(sorted, 0, "resets") == "1");
}

BOOST_AUTO_TEST_CASE(each_equipment_is_billed_from_its_own_readings) {
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + kHour);
    const auto first = addUnit(host);
    const auto second = host.addEquipment({"eqp_2", "S21", 3'500'000, 200'000, 17'500});
    const auto third = host.addEquipment({"eqp_3", "", 0, 0, 0});
    addSamples(host, first, BW_SAMPLE_ENERGY, {{kT0, 100}, {kT0 + kHour, 1100}});
    addSamples(host, third, BW_SAMPLE_ENERGY, {{kT0, 0}, {kT0 + kHour, 3500}});
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST(energyMwh(host, first) == (Column{1'000'000}), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, second) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(emittedHours(host, second) == 1u);
    BOOST_TEST(energyMwh(host, third) == (Column{3'500'000}), boost::test_tools::per_element());
    BOOST_TEST(detailText(host, second, "readings") == "0");
    BOOST_TEST(detailText(host, third, "readings") == "2");
}

BOOST_AUTO_TEST_CASE(the_worked_example_in_docs_telemetry_md_gives_the_documented_answer) {
    mock::MockHost host;
    const auto eq = loadWorkedExample(host);
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    // 00:00 half of 23:30-00:30 + half of 00:30-01:30 = 1.5 + 1.5 kWh; 01:00 only 01:00-01:30
    // (the next interval ends in the reset); 02:00 only 02:30-03:00; 03:00 1.5 + a quarter of
    // 03:30-05:30 (6 kWh over 2 h); 04:00 bridged: 3 kWh; 05:00 1.5 + half of 05:30-06:30.
    BOOST_TEST(energyMwh(host, eq) ==
                   (Column{3'000'000, 1'500'000, 1'500'000, 3'000'000, 3'000'000, 3'000'000}),
               boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == (Column{3600, 1800, 1800, 3600, 3600, 3600}),
               boost::test_tools::per_element());
    BOOST_TEST(totalWh(host, eq) == 15'000);
    BOOST_TEST(detailText(host, eq, "readings") == "7");
    BOOST_TEST(detailText(host, eq, "resets") == "1");
    BOOST_TEST(detailText(host, eq, "covered_seconds") == "18000");
}

BOOST_AUTO_TEST_CASE(a_month_of_minute_readings_at_3250_w_streams_in_batches_and_totals_exactly) {
    constexpr std::int64_t kMinutes = 30 * 24 * 60;  // 43'200
    mock::MockHost host;
    host.setPeriod(kT0, kT0 + 30 * kDay);
    const auto eq = addUnit(host);
    host.addSample(eq, BW_SAMPLE_ENERGY, kT0 - 60, 999'900);
    for (std::int64_t m = 0; m <= kMinutes; ++m) {
        // A whole-Wh counter at 3250 W: 54.1666 Wh a minute, exact on each hour.
        host.addSample(eq, BW_SAMPLE_ENERGY, kT0 + m * 60, 1'000'000 + 3250 * m / 60);
    }
    BOOST_TEST_REQUIRE(host.bill(meteredPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.hours(eq).size() == 720u);
    BOOST_TEST(emittedHours(host, eq) == 720u);
    BOOST_TEST(energyMwh(host, eq) == Column(720, 3'250'000), boost::test_tools::per_element());
    BOOST_TEST(coveredSeconds(host, eq) == Column(720, 3600), boost::test_tools::per_element());
    // 3.25 kW x 720 h = 2340 kWh
    BOOST_TEST(totalWh(host, eq) == 2'340'000);
    BOOST_TEST(detailText(host, eq, "readings") == "43202");  // 43'200 inside and two edges
    BOOST_TEST(host.telemetryReads() > 1u);
    BOOST_TEST(host.largestReadCapacity() <= 4096u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
