#include "domain/usage.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace billwright::domain {
namespace {

constexpr std::int64_t kT0 = 1793491200;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

UsageInput periodOf(std::int64_t from, std::int64_t to) {
    UsageInput in;
    in.from = from;
    in.to = to;
    return in;
}

using Column = std::vector<std::int64_t>;

std::string averageText(const UsageResult& r) {
    return r.average_hashrate_mth ? std::to_string(*r.average_hashrate_mth) : "(none)";
}

Column meteredMwh(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.metered.energy_mwh);
    return out;
}

Column meteredCovered(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.metered.covered_seconds);
    return out;
}

Column hashMwh(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.hash.energy_mwh);
    return out;
}

Column hashCovered(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.hash.covered_seconds);
    return out;
}

Column calculatedMwh(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.calculated.energy_mwh);
    return out;
}

Column calculatedCovered(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.calculated.covered_seconds);
    return out;
}

Column onlineSeconds(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.online_seconds);
    return out;
}

Column hashrateCovered(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.hashrate_covered_seconds);
    return out;
}

Column hashrateMthSeconds(const UsageResult& r) {
    Column out;
    for (const HourUsage& h : r.hours) out.push_back(h.hashrate_mth_seconds);
    return out;
}

// Every per-hour and total field, so two inputs can be shown to give the same answer.
void checkSameResult(const UsageResult& a, const UsageResult& b) {
    BOOST_TEST(meteredMwh(a) == meteredMwh(b), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(a) == meteredCovered(b), boost::test_tools::per_element());
    BOOST_TEST(hashMwh(a) == hashMwh(b), boost::test_tools::per_element());
    BOOST_TEST(hashCovered(a) == hashCovered(b), boost::test_tools::per_element());
    BOOST_TEST(calculatedMwh(a) == calculatedMwh(b), boost::test_tools::per_element());
    BOOST_TEST(calculatedCovered(a) == calculatedCovered(b), boost::test_tools::per_element());
    BOOST_TEST(onlineSeconds(a) == onlineSeconds(b), boost::test_tools::per_element());
    BOOST_TEST(hashrateCovered(a) == hashrateCovered(b), boost::test_tools::per_element());
    BOOST_TEST(hashrateMthSeconds(a) == hashrateMthSeconds(b), boost::test_tools::per_element());
    BOOST_TEST(a.metered_wh == b.metered_wh);
    BOOST_TEST(a.hash_wh == b.hash_wh);
    BOOST_TEST(a.calculated_wh == b.calculated_wh);
    BOOST_TEST(a.has_metered == b.has_metered);
    BOOST_TEST(a.has_hash == b.has_hash);
    BOOST_TEST(a.has_calculated == b.has_calculated);
    BOOST_TEST(a.online_seconds == b.online_seconds);
    BOOST_TEST(averageText(a) == averageText(b));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(usage)

BOOST_AUTO_TEST_CASE(hours_are_aligned_to_from_and_the_last_one_is_cut_at_to) {
    // 2 h 15 min: two full hours and a 900 s one.
    const UsageResult r = computeUsage(periodOf(kT0 + 17, kT0 + 17 + 2 * kHour + 900));
    BOOST_TEST_REQUIRE(r.hours.size() == 3u);
    BOOST_TEST(r.hours[0].start == kT0 + 17);
    BOOST_TEST(r.hours[1].start == kT0 + 17 + kHour);
    BOOST_TEST(r.hours[2].start == kT0 + 17 + 2 * kHour);
    BOOST_TEST(r.hours[0].seconds == 3600);
    BOOST_TEST(r.hours[1].seconds == 3600);
    BOOST_TEST(r.hours[2].seconds == 900);
}

BOOST_AUTO_TEST_CASE(no_samples_at_all_gives_empty_hours_and_no_coverage) {
    UsageInput in = periodOf(kT0, kT0 + 2 * kHour);
    in.nameplate_power_mw = 3'250'000;  // a power figure, but the online state is never known
    in.efficiency_mjth = 25'000;
    const UsageResult r = computeUsage(in);
    BOOST_TEST_REQUIRE(r.hours.size() == 2u);
    for (const HourUsage& h : r.hours) {
        BOOST_TEST(h.metered.energy_mwh == 0);
        BOOST_TEST(h.metered.covered_seconds == 0);
        BOOST_TEST(h.hash.energy_mwh == 0);
        BOOST_TEST(h.hash.covered_seconds == 0);
        BOOST_TEST(h.calculated.energy_mwh == 0);
        BOOST_TEST(h.calculated.covered_seconds == 0);
        BOOST_TEST(h.online_seconds == 0);
        BOOST_TEST(h.hashrate_covered_seconds == 0);
        BOOST_TEST(h.hashrate_mth_seconds == 0);
        BOOST_TEST(!h.fullyCovered(h.metered));
    }
    BOOST_TEST(r.metered_wh == 0);
    BOOST_TEST(r.hash_wh == 0);
    BOOST_TEST(r.calculated_wh == 0);
    BOOST_TEST(!r.has_metered);
    BOOST_TEST(!r.has_hash);
    BOOST_TEST(!r.has_calculated);
    BOOST_TEST(r.online_seconds == 0);
    BOOST_TEST(averageText(r) == "(none)");
}

BOOST_AUTO_TEST_CASE(a_period_that_does_not_run_forward_has_no_hours) {
    UsageInput in = periodOf(kT0, kT0);
    in.energy = {{kT0 - 60, 0}, {kT0 + 60, 100}};
    BOOST_TEST(computeUsage(in).hours.empty());
    in.to = kT0 - kHour;
    const UsageResult r = computeUsage(in);
    BOOST_TEST(r.hours.empty());
    BOOST_TEST(r.metered_wh == 0);
    BOOST_TEST(!r.has_metered);
}

BOOST_AUTO_TEST_CASE(steady_hourly_counter_readings_over_a_day_give_each_hour_its_own_delta) {
    UsageInput in = periodOf(kT0, kT0 + kDay);
    // Hour k uses 3000 + 10k Wh; readings on the hour from `from` to `to` inclusive.
    std::int64_t value = 5'000'000;
    for (std::int64_t k = 0; k <= 24; ++k) {
        in.energy.push_back({kT0 + k * kHour, value});
        value += 3000 + 10 * k;
    }
    const UsageResult r = computeUsage(in);
    BOOST_TEST_REQUIRE(r.hours.size() == 24u);
    Column expected_mwh;
    for (std::int64_t k = 0; k < 24; ++k) expected_mwh.push_back((3000 + 10 * k) * 1000);
    BOOST_TEST(meteredMwh(r) == expected_mwh, boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == Column(24, 3600), boost::test_tools::per_element());
    for (const HourUsage& h : r.hours) BOOST_TEST(h.fullyCovered(h.metered));
    // sum of 3000 + 10k for k = 0..23 = 24 x 3000 + 10 x 276 = 74760 Wh
    BOOST_TEST(r.metered_wh == 74'760);
    BOOST_TEST(r.has_metered);
    BOOST_TEST(!r.has_hash);
    BOOST_TEST(!r.has_calculated);
}

BOOST_AUTO_TEST_CASE(readings_at_unaligned_times_are_split_across_hours_in_proportion_to_time) {
    UsageInput in = periodOf(kT0, kT0 + 3 * kHour);
    in.energy = {
        {kT0 - 600, 10'000},
        {kT0 + 1800, 12'400},   // 2400 Wh over [-600, 1800): 1 Wh/s
        {kT0 + 5400, 13'401},   // 1001 Wh over [1800, 5400)
        {kT0 + 12000, 13'408},  // 7 Wh over [5400, 12000), 6600 s
    };
    const UsageResult r = computeUsage(in);
    // hour 0: [0, 1800) at 1 Wh/s = 1800 Wh; [1800, 3600) = 1001 x 1800/3600 = 500.5 Wh
    //         -> 2'300'500 mWh
    // hour 1: [3600, 5400) = 500.5 Wh; [5400, 7200) = 7 x 1800/6600 = 1.909090.. Wh
    //         -> 502'409.09 mWh -> 502'409
    // hour 2: [7200, 10800) = 7 x 3600/6600 = 3.818181.. Wh -> 3818 mWh
    // [10800, 12000) is after `to`.
    BOOST_TEST(meteredMwh(r) == (Column{2'300'500, 502'409, 3'818}),
               boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600, 3600, 3600}), boost::test_tools::per_element());
    // 2'806'727 mWh -> 2807 Wh
    BOOST_TEST(r.metered_wh == 2'807);
}

BOOST_AUTO_TEST_CASE(a_counter_interval_straddling_from_or_to_counts_only_its_share_inside) {
    UsageInput in = periodOf(kT0, kT0 + 2 * kHour);
    in.energy = {
        {kT0 - 1800, 0},
        {kT0 + 1800, 3600},  // 1 Wh/s, half of it before `from`
        {kT0 + 9000, 5040},  // 1440 Wh over 7200 s: 0.2 Wh/s, a quarter of it after `to`
    };
    const UsageResult r = computeUsage(in);
    // hour 0: 1800 s x 1 Wh/s + 1800 s x 0.2 Wh/s = 1800 + 360 = 2160 Wh
    // hour 1: 3600 s x 0.2 Wh/s = 720 Wh
    BOOST_TEST(meteredMwh(r) == (Column{2'160'000, 720'000}), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600, 3600}), boost::test_tools::per_element());
    BOOST_TEST(r.metered_wh == 2'880);
}

BOOST_AUTO_TEST_CASE(readings_exactly_at_from_and_to_need_nothing_from_outside) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.energy = {{kT0 - kHour, 0}, {kT0, 1000}, {kT0 + kHour, 4250}, {kT0 + 2 * kHour, 9999}};
    const UsageResult r = computeUsage(in);
    BOOST_TEST(meteredMwh(r) == (Column{3'250'000}), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(r.metered_wh == 3250);
}

BOOST_AUTO_TEST_CASE(a_long_counter_interval_within_one_segment_is_covered_however_long) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    // Five days between readings: 432'000 Wh over 432'000 s is 1 Wh/s.
    in.energy = {{kT0 - 3 * kDay, 100}, {kT0 + 2 * kDay, 432'100}};
    const UsageResult r = computeUsage(in);
    BOOST_TEST(meteredMwh(r) == (Column{3'600'000}), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_counter_reset_leaves_the_interval_before_it_uncovered_and_starts_anew) {
    UsageInput in = periodOf(kT0, kT0 + 3 * kHour);
    in.energy = {
        {kT0, 50'000},        {kT0 + 3600, 53'000},  // 3000 Wh in hour 0
        {kT0 + 5400, 120},     // reset: [3600, 5400) has no data, never -52'880 Wh
        {kT0 + 7200, 1'020},   // 900 Wh over [5400, 7200)
        {kT0 + 10800, 3'020},  // 2000 Wh in hour 2
    };
    const UsageResult r = computeUsage(in);
    BOOST_TEST(meteredMwh(r) == (Column{3'000'000, 900'000, 2'000'000}),
               boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600, 1800, 3600}), boost::test_tools::per_element());
    BOOST_TEST(!r.hours[1].fullyCovered(r.hours[1].metered));
    BOOST_TEST(r.metered_wh == 5'900);
}

BOOST_AUTO_TEST_CASE(a_reset_just_before_from_keeps_the_whole_period_in_the_new_segment) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.energy = {{kT0 - 600, 900'000}, {kT0 - 300, 10}, {kT0 + 300, 610}, {kT0 + 3900, 4210}};
    const UsageResult r = computeUsage(in);
    // [-300, 300): 600 Wh at 1 Wh/s, 300 Wh inside; [300, 3900): 3600 Wh at 1 Wh/s, 3300 inside
    BOOST_TEST(meteredMwh(r) == (Column{3'600'000}), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_hours_metered_energy_is_rounded_once_not_per_interval) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.energy = {
        {kT0 - 1, 0},
        {kT0 + 2, 1},     // 1 Wh over 3 s, 2 s inside: 666.67 mWh
        {kT0 + 3598, 6},  // 5 Wh, all inside
        {kT0 + 3601, 7},  // 1 Wh over 3 s, 2 s inside: 666.67 mWh
    };
    const UsageResult r = computeUsage(in);
    // 5000 + 2000/3 + 2000/3 = 6333.33 -> 6333 (rounding each share first would give 6334)
    BOOST_TEST(meteredMwh(r) == (Column{6'333}), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(r.metered_wh == 6);
}

BOOST_AUTO_TEST_CASE(hashrate_holds_until_the_next_sample_or_max_hold_and_coverage_drops_after) {
    UsageInput in = periodOf(kT0, kT0 + 4 * kHour);
    in.efficiency_mjth = 25'000;  // 25 J/TH: 130 TH/s -> 3250 W, 100 TH/s -> 2500 W
    in.hashrate = {
        {kT0 - 300, 130'000},    // holds into the period from before `from`
        {kT0 + 3000, 130'000},   // holds for 7200 s, until 10200
        {kT0 + 11400, 100'000},  // after a gap of [10200, 11400)
    };
    const UsageResult r = computeUsage(in);
    // hour 0, 1: 3250 Wh each; hour 2: [7200, 10200) = 3250 x 3000/3600 = 2708.333 Wh;
    // hour 3: [11400, 14400) = 2500 x 3000/3600 = 2083.333 Wh
    BOOST_TEST(hashMwh(r) == (Column{3'250'000, 3'250'000, 2'708'333, 2'083'333}),
               boost::test_tools::per_element());
    BOOST_TEST(hashCovered(r) == (Column{3600, 3600, 3000, 3000}),
               boost::test_tools::per_element());
    BOOST_TEST(hashrateCovered(r) == (Column{3600, 3600, 3000, 3000}),
               boost::test_tools::per_element());
    BOOST_TEST(
        hashrateMthSeconds(r) == (Column{468'000'000, 468'000'000, 390'000'000, 300'000'000}),
        boost::test_tools::per_element());
    // 11'291'666 mWh -> 11292 Wh
    BOOST_TEST(r.hash_wh == 11'292);
    BOOST_TEST(r.has_hash);
    // No status: a held hashrate > 0 means online.
    BOOST_TEST(onlineSeconds(r) == (Column{3600, 3600, 3000, 3000}),
               boost::test_tools::per_element());
    BOOST_TEST(r.online_seconds == 13'200);
    // (130'000 x 10200 + 100'000 x 3000) / 13200 = 123'181.8 -> 123'182
    BOOST_TEST(averageText(r) == "123182");
}

BOOST_AUTO_TEST_CASE(a_hold_that_starts_before_from_covers_only_until_it_expires) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.efficiency_mjth = 30'000;
    in.max_hold_seconds = 3600;
    in.hashrate = {{kT0 - 7200, 999'000}, {kT0 - 3000, 120'000}};
    const UsageResult r = computeUsage(in);
    // [0, 600): 120 TH/s x 30 J/TH = 3600 W for 600 s = 600 Wh
    BOOST_TEST(hashMwh(r) == (Column{600'000}), boost::test_tools::per_element());
    BOOST_TEST(hashCovered(r) == (Column{600}), boost::test_tools::per_element());
    BOOST_TEST(averageText(r) == "120000");
}

BOOST_AUTO_TEST_CASE(efficiency_zero_gives_no_hash_coverage_but_hashrate_still_counts) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.efficiency_mjth = 0;
    in.hashrate = {{kT0 - 60, 110'000}};
    const UsageResult r = computeUsage(in);
    BOOST_TEST(hashMwh(r) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(hashCovered(r) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(!r.has_hash);
    BOOST_TEST(r.hash_wh == 0);
    BOOST_TEST(hashrateCovered(r) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(hashrateMthSeconds(r) == (Column{396'000'000}), boost::test_tools::per_element());
    BOOST_TEST(averageText(r) == "110000");
    BOOST_TEST(r.online_seconds == 3600);
}

BOOST_AUTO_TEST_CASE(hash_power_keeps_fractions_of_a_milliwatt_until_the_hour_is_rounded) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.efficiency_mjth = 21'555;   // 21.555 J/TH
    in.hashrate = {{kT0, 1'001}};  // 1.001 TH/s -> 21.576555 W, not a whole mW
    const UsageResult r = computeUsage(in);
    // 1001 x 21555 x 3600 / 3'600'000 = 21'576.555 mWh -> 21'577
    BOOST_TEST(hashMwh(r) == (Column{21'577}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(average_hashrate_is_weighted_by_time_not_by_sample_count) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.hashrate = {{kT0, 100'000}, {kT0 + 600, 160'000}};
    const UsageResult r = computeUsage(in);
    // (100'000 x 600 + 160'000 x 3000) / 3600 = 540'000'000 / 3600 = 150'000
    // (the mean of the two samples would be 130'000)
    BOOST_TEST(hashrateMthSeconds(r) == (Column{540'000'000}), boost::test_tools::per_element());
    BOOST_TEST(averageText(r) == "150000");
}

BOOST_AUTO_TEST_CASE(status_changes_mid_hour_give_exact_online_seconds_and_calculated_energy) {
    UsageInput in = periodOf(kT0, kT0 + 2 * kHour);
    in.nameplate_power_mw = 3'250'000;
    in.status = {
        {kT0 - kDay, 1},  // known from before `from`
        {kT0 + 1000, 0}, {kT0 + 1600, 1},
        {kT0 + 5000, 0}, {kT0 + 2 * kHour, 1},  // at `to`: outside the period
    };
    const UsageResult r = computeUsage(in);
    // hour 0 online [0, 1000) + [1600, 3600) = 3000 s; hour 1 online [3600, 5000) = 1400 s
    BOOST_TEST(onlineSeconds(r) == (Column{3000, 1400}), boost::test_tools::per_element());
    BOOST_TEST(r.online_seconds == 4400);
    // 3250 W x 3000 s / 3600 = 2708.333 Wh; 3250 W x 1400 s / 3600 = 1263.889 Wh
    BOOST_TEST(calculatedMwh(r) == (Column{2'708'333, 1'263'889}),
               boost::test_tools::per_element());
    // Offline time is known, so covered with zero energy.
    BOOST_TEST(calculatedCovered(r) == (Column{3600, 3600}), boost::test_tools::per_element());
    // 3'972'222 mWh -> 3972 Wh
    BOOST_TEST(r.calculated_wh == 3'972);
    BOOST_TEST(r.has_calculated);
    BOOST_TEST(averageText(r) == "(none)");
}

BOOST_AUTO_TEST_CASE(before_the_first_status_change_a_held_hashrate_decides_the_online_state) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.nameplate_power_mw = 3'000'000;
    in.hashrate = {{kT0 + 300, 0}, {kT0 + 900, 120'000}};
    in.status = {{kT0 + 1800, 0}, {kT0 + 2700, 1}};
    const UsageResult r = computeUsage(in);
    // [0, 300) unknown; [300, 900) offline (hashrate 0); [900, 1800) online (hashrate > 0);
    // [1800, 2700) offline by status despite 120 TH/s; [2700, 3600) online
    BOOST_TEST(onlineSeconds(r) == (Column{1800}), boost::test_tools::per_element());
    BOOST_TEST(calculatedCovered(r) == (Column{3300}), boost::test_tools::per_element());
    // 3000 W x 1800 s / 3600 = 1500 Wh
    BOOST_TEST(calculatedMwh(r) == (Column{1'500'000}), boost::test_tools::per_element());
    BOOST_TEST(hashrateCovered(r) == (Column{3300}), boost::test_tools::per_element());
    // The held 120 TH/s counts as 0 while the status says offline:
    // 120'000 x (900 + 900) / 3300 = 65'454.5 -> 65'455
    BOOST_TEST(averageText(r) == "65455");
}

BOOST_AUTO_TEST_CASE(an_expired_hashrate_hold_leaves_the_online_state_unknown_again) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.nameplate_power_mw = 3'600'000;
    in.max_hold_seconds = 600;
    in.hashrate = {{kT0 + 1200, 50'000}};
    const UsageResult r = computeUsage(in);
    // online only during the hold [1200, 1800): 3600 W x 600 s = 600 Wh
    BOOST_TEST(onlineSeconds(r) == (Column{600}), boost::test_tools::per_element());
    BOOST_TEST(calculatedCovered(r) == (Column{600}), boost::test_tools::per_element());
    BOOST_TEST(calculatedMwh(r) == (Column{600'000}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(calculated_uses_a_held_power_sample_and_the_nameplate_where_none_holds) {
    UsageInput in = periodOf(kT0, kT0 + 2 * kHour);
    in.nameplate_power_mw = 3'250'000;
    in.max_hold_seconds = 1800;
    in.status = {{kT0 - 10, 1}};
    in.power = {
        {kT0 - 600, 3'000'000},   // holds until 1200
        {kT0 + 2400, 3'100'000},  // until the next sample at 3000
        {kT0 + 3000, 2'900'123},  // holds until 4800
    };
    const UsageResult r = computeUsage(in);
    // hour 0: 3'000'000 x 1200 + 3'250'000 x 1200 + 3'100'000 x 600 + 2'900'123 x 600
    //       = 11'100'073'800 mW s / 3600 = 3'083'353.83 -> 3'083'354 mWh
    // hour 1: 2'900'123 x 1200 + 3'250'000 x 2400 = 11'280'147'600 / 3600 = 3'133'374.33
    BOOST_TEST(calculatedMwh(r) == (Column{3'083'354, 3'133'374}),
               boost::test_tools::per_element());
    BOOST_TEST(calculatedCovered(r) == (Column{3600, 3600}), boost::test_tools::per_element());
    BOOST_TEST(r.calculated_wh == 6'217);  // 6'216'728 mWh
    BOOST_TEST(r.online_seconds == 7200);
}

BOOST_AUTO_TEST_CASE(online_time_without_any_power_figure_is_not_covered_but_offline_time_is) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.nameplate_power_mw = 0;
    in.max_hold_seconds = 600;
    in.status = {{kT0 - 10, 1}, {kT0 + 1800, 0}};
    in.power = {{kT0 + 600, 2'000'000}};
    const UsageResult r = computeUsage(in);
    // covered: [600, 1200) online with a held sample + [1800, 3600) offline = 2400 s
    BOOST_TEST(calculatedCovered(r) == (Column{2400}), boost::test_tools::per_element());
    // 2000 W x 600 s / 3600 = 333.333 Wh
    BOOST_TEST(calculatedMwh(r) == (Column{333'333}), boost::test_tools::per_element());
    BOOST_TEST(onlineSeconds(r) == (Column{1800}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_held_power_sample_of_zero_while_online_is_covered_with_zero_energy) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.nameplate_power_mw = 3'250'000;
    in.status = {{kT0, 1}};
    in.power = {{kT0, 0}};
    const UsageResult r = computeUsage(in);
    BOOST_TEST(calculatedCovered(r) == (Column{3600}), boost::test_tools::per_element());
    BOOST_TEST(calculatedMwh(r) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(r.has_calculated);
}

BOOST_AUTO_TEST_CASE(a_final_partial_hour_gets_only_its_own_seconds) {
    UsageInput in = periodOf(kT0, kT0 + kHour + 900);
    in.nameplate_power_mw = 3'250'000;
    in.efficiency_mjth = 25'000;
    in.status = {{kT0 - 60, 1}};
    in.hashrate = {{kT0 - 60, 130'000}};
    in.energy = {{kT0, 0}, {kT0 + 5400, 5400}};  // 1 Wh/s, the last 900 s after `to`
    const UsageResult r = computeUsage(in);
    BOOST_TEST_REQUIRE(r.hours.size() == 2u);
    BOOST_TEST(r.hours[1].seconds == 900);
    BOOST_TEST(meteredMwh(r) == (Column{3'600'000, 900'000}), boost::test_tools::per_element());
    // 3250 W x 900 s / 3600 = 812.5 Wh for both hash and calculated
    BOOST_TEST(hashMwh(r) == (Column{3'250'000, 812'500}), boost::test_tools::per_element());
    BOOST_TEST(calculatedMwh(r) == (Column{3'250'000, 812'500}), boost::test_tools::per_element());
    const HourUsage& last = r.hours[1];
    BOOST_TEST(last.metered.covered_seconds == 900);
    BOOST_TEST(last.fullyCovered(last.metered));
    BOOST_TEST(last.fullyCovered(last.hash));
    BOOST_TEST(last.fullyCovered(last.calculated));
    BOOST_TEST(last.online_seconds == 900);
    BOOST_TEST(r.metered_wh == 4'500);
    BOOST_TEST(r.hash_wh == 4'063);  // 4062.5 rounds half away from zero
    BOOST_TEST(r.calculated_wh == 4'063);
}

BOOST_AUTO_TEST_CASE(samples_outside_the_period_beyond_the_documented_ones_change_nothing) {
    UsageInput trimmed = periodOf(kT0, kT0 + 2 * kHour);
    trimmed.nameplate_power_mw = 3'000'000;
    trimmed.efficiency_mjth = 25'000;
    trimmed.energy = {{kT0 - 300, 1000}, {kT0 + 3600, 5000}, {kT0 + 7500, 9000}};
    trimmed.power = {{kT0 - 100, 2'000'000}, {kT0 + 4000, 2'500'000}};
    trimmed.hashrate = {{kT0 - 200, 100'000}, {kT0 + 5000, 0}};
    trimmed.status = {{kT0 - 50, 1}, {kT0 + 6000, 0}};

    UsageInput padded = trimmed;
    padded.energy = {{kT0 - 9000, 0},    {kT0 - 5000, 700},  {kT0 - 300, 1000},
                     {kT0 + 3600, 5000}, {kT0 + 7500, 9000}, {kT0 + 9000, 12'000},
                     {kT0 + 10'000, 3}};
    padded.power = {{kT0 - 90'000, 9'000'000},
                    {kT0 - 100, 2'000'000},
                    {kT0 + 4000, 2'500'000},
                    {kT0 + 7200, 7'000'000}};
    padded.hashrate = {
        {kT0 - 50'000, 1}, {kT0 - 200, 100'000}, {kT0 + 5000, 0}, {kT0 + 8000, 500'000}};
    padded.status = {{kT0 - 900, 0}, {kT0 - 50, 1}, {kT0 + 6000, 0}, {kT0 + 7200, 1}};

    const UsageResult a = computeUsage(trimmed);
    const UsageResult b = computeUsage(padded);
    checkSameResult(a, b);
    // hour 0: 4000 Wh over [-300, 3600), 3600 s inside: 4000 x 3600 / 3900 = 3692.307 Wh
    // hour 1: 4000 Wh over [3600, 7500), 3600 s inside: 4000 x 3600 / 3900 = 3692.307 Wh
    BOOST_TEST(meteredMwh(b) == (Column{3'692'308, 3'692'308}), boost::test_tools::per_element());
    // status online until 6000; power 2000 W until 4000 (7200 s hold), then 2500 W
    // hour 0: 2000 W x 3600 = 2000 Wh; hour 1: (2000 x 400 + 2500 x 2000) / 3600 = 1611.111 Wh
    BOOST_TEST(calculatedMwh(b) == (Column{2'000'000, 1'611'111}),
               boost::test_tools::per_element());
    BOOST_TEST(onlineSeconds(b) == (Column{3600, 2400}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unsorted_lists_give_the_same_result_as_sorted_ones) {
    UsageInput sorted = periodOf(kT0, kT0 + 2 * kHour);
    sorted.nameplate_power_mw = 3'000'000;
    sorted.efficiency_mjth = 25'000;
    sorted.energy = {{kT0 - 300, 1000}, {kT0 + 1000, 2000}, {kT0 + 3600, 500}, {kT0 + 7200, 900}};
    sorted.power = {{kT0 - 100, 2'000'000}, {kT0 + 4000, 2'500'000}};
    sorted.hashrate = {{kT0 - 200, 100'000}, {kT0 + 5000, 0}};
    sorted.status = {{kT0 - 50, 1}, {kT0 + 6000, 0}};

    UsageInput shuffled = sorted;
    shuffled.energy = {{kT0 + 3600, 500}, {kT0 - 300, 1000}, {kT0 + 7200, 900}, {kT0 + 1000, 2000}};
    shuffled.power = {{kT0 + 4000, 2'500'000}, {kT0 - 100, 2'000'000}};
    shuffled.hashrate = {{kT0 + 5000, 0}, {kT0 - 200, 100'000}};
    shuffled.status = {{kT0 + 6000, 0}, {kT0 - 50, 1}};

    const UsageResult a = computeUsage(sorted);
    checkSameResult(a, computeUsage(shuffled));
    // [-300, 1000): 1000 Wh over 1300 s, 1000 s inside = 769.231 Wh; [1000, 3600): 2000 -> 500
    // is a reset, so uncovered; [3600, 7200): 400 Wh
    BOOST_TEST(meteredMwh(a) == (Column{769'231, 400'000}), boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(a) == (Column{1000, 3600}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(negative_power_and_hashrate_samples_never_give_negative_energy) {
    UsageInput in = periodOf(kT0, kT0 + kHour);
    in.efficiency_mjth = 25'000;
    in.status = {{kT0, 1}};
    in.power = {{kT0, -5'000'000}};
    in.hashrate = {{kT0, -100'000}};
    const UsageResult r = computeUsage(in);
    BOOST_TEST(calculatedMwh(r) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(hashMwh(r) == (Column{0}), boost::test_tools::per_element());
    BOOST_TEST(averageText(r) == "0");
}

BOOST_AUTO_TEST_CASE(the_worked_example_in_docs_telemetry_md_gives_the_documented_answer) {
    constexpr std::int64_t kHalf = 1800;
    UsageInput in = periodOf(kT0, kT0 + 6 * kHour);
    in.nameplate_power_mw = 3'000'000;
    in.efficiency_mjth = 30'000;
    in.energy = {
        {kT0 - kHalf, 1'000'000},      // Oct 31 23:30
        {kT0 + kHalf, 1'003'000},      // 00:30
        {kT0 + 3 * kHalf, 1'006'000},  // 01:30
        {kT0 + 5 * kHalf, 2'000},      // 02:30 reset
        {kT0 + 7 * kHalf, 5'000},      // 03:30 (none at 04:30)
        {kT0 + 11 * kHalf, 11'000},    // 05:30
        {kT0 + 13 * kHalf, 14'000},    // 06:30, after `to`
    };
    in.hashrate = {{kT0, 100'000},
                   {kT0 + kHour, 100'000},
                   {kT0 + 2 * kHour, 100'000},
                   {kT0 + 5 * kHour, 100'000}};
    in.status = {{kT0 + 11 * kHalf, 0}};
    const UsageResult r = computeUsage(in);
    BOOST_TEST(
        meteredMwh(r) == (Column{3'000'000, 1'500'000, 1'500'000, 3'000'000, 3'000'000, 3'000'000}),
        boost::test_tools::per_element());
    BOOST_TEST(meteredCovered(r) == (Column{3600, 1800, 1800, 3600, 3600, 3600}),
               boost::test_tools::per_element());
    // The 02:00 hashrate holds to 04:00; nothing holds 04:00-05:00; from the 05:30 offline
    // status the 05:00 sample no longer counts: half of hour 05:00 hashes, the rest is zero.
    BOOST_TEST(hashMwh(r) == (Column{3'000'000, 3'000'000, 3'000'000, 3'000'000, 0, 1'500'000}),
               boost::test_tools::per_element());
    BOOST_TEST(hashCovered(r) == (Column{3600, 3600, 3600, 3600, 0, 3600}),
               boost::test_tools::per_element());
    // Online by hashrate until the 05:30 offline status; unknown 04:00-05:00.
    BOOST_TEST(
        calculatedMwh(r) == (Column{3'000'000, 3'000'000, 3'000'000, 3'000'000, 0, 1'500'000}),
        boost::test_tools::per_element());
    BOOST_TEST(calculatedCovered(r) == (Column{3600, 3600, 3600, 3600, 0, 3600}),
               boost::test_tools::per_element());
    BOOST_TEST(onlineSeconds(r) == (Column{3600, 3600, 3600, 3600, 0, 1800}),
               boost::test_tools::per_element());
    BOOST_TEST(r.metered_wh == 15'000);
    BOOST_TEST(r.hash_wh == 13'500);
    BOOST_TEST(r.calculated_wh == 13'500);
    BOOST_TEST(r.online_seconds == 16'200);  // 4.5 h
    // 4.5 h at 100 TH/s and the offline half hour at 0, over 5 covered hours.
    BOOST_TEST(averageText(r) == "90000");
}

BOOST_AUTO_TEST_CASE(a_month_of_minute_samples_at_a_constant_3250_w_totals_exactly) {
    constexpr std::int64_t kMinutes = 30 * 24 * 60;  // 43'200
    UsageInput in = periodOf(kT0, kT0 + 30 * kDay);
    in.nameplate_power_mw = 5'000'000;  // never used: a power sample always holds
    in.efficiency_mjth = 25'000;
    in.status = {{kT0 - 60, 1}};
    in.energy.reserve(kMinutes + 2);
    in.power.reserve(kMinutes + 1);
    in.hashrate.reserve(kMinutes + 1);
    in.energy.push_back({kT0 - 60, 999'900});
    for (std::int64_t m = 0; m <= kMinutes; ++m) {
        // A whole-Wh counter at 3250 W: 54.1666 Wh a minute, exact on each hour.
        in.energy.push_back({kT0 + m * 60, 1'000'000 + 3250 * m / 60});
    }
    for (std::int64_t m = -1; m < kMinutes; ++m) {
        in.power.push_back({kT0 + m * 60, 3'250'000});
        in.hashrate.push_back({kT0 + m * 60, 130'000});  // 130 TH/s x 25 J/TH = 3250 W
    }
    const UsageResult r = computeUsage(in);
    BOOST_TEST_REQUIRE(r.hours.size() == 720u);
    std::size_t exact_hours = 0;
    for (const HourUsage& h : r.hours) {
        if (h.metered.energy_mwh == 3'250'000 && h.hash.energy_mwh == 3'250'000 &&
            h.calculated.energy_mwh == 3'250'000 && h.fullyCovered(h.metered) &&
            h.fullyCovered(h.hash) && h.fullyCovered(h.calculated) && h.online_seconds == 3600) {
            ++exact_hours;
        }
    }
    BOOST_TEST(exact_hours == 720u);
    // 3.25 kW x 720 h = 2340 kWh
    BOOST_TEST(r.metered_wh == 2'340'000);
    BOOST_TEST(r.hash_wh == 2'340'000);
    BOOST_TEST(r.calculated_wh == 2'340'000);
    BOOST_TEST(r.online_seconds == 30 * kDay);
    BOOST_TEST(averageText(r) == "130000");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
