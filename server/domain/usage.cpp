#include "domain/usage.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace billwright::domain {
namespace {

// GCC and Clang extension; 128 bits hold every product below (value x value x seconds).
__extension__ using Int128 = __int128;

constexpr std::int64_t kHourSeconds = 3600;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

std::int64_t saturate(Int128 v) {
    if (v > kInt64Max) return kInt64Max;
    if (v < kInt64Min) return kInt64Min;
    return static_cast<std::int64_t>(v);
}

std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
    return saturate(static_cast<Int128>(a) + b);
}

// num / den rounded half away from zero; den > 0.
Int128 roundDiv(Int128 num, Int128 den) {
    Int128 q = num / den;
    const Int128 r = num % den;
    const Int128 abs_r = r < 0 ? -r : r;
    if (2 * abs_r >= den) q += num < 0 ? -1 : 1;
    return q;
}

Int128 gcd(Int128 a, Int128 b) {
    while (b != 0) {
        const Int128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

// An exact non-negative sum of fractions: whole + rem / den with 0 <= rem < den. An hour gets
// at most two fractional shares of counter intervals (the ones straddling its start and its
// end), so den stays below the product of two int64 interval lengths.
class ExactSum {
public:
    // Adds num / d; num >= 0, d > 0.
    void add(Int128 num, Int128 d) {
        whole_ += num / d;
        Int128 r = num % d;
        if (r == 0) return;
        const Int128 g = gcd(r, d);
        r /= g;
        d /= g;
        const Int128 common = gcd(den_, d);
        Int128 rem = rem_ * (d / common) + r * (den_ / common);
        Int128 den = den_ / common * d;
        whole_ += rem / den;
        rem %= den;
        const Int128 reduce = rem == 0 ? den : gcd(rem, den);
        rem_ = rem / reduce;
        den_ = den / reduce;
    }

    Int128 rounded() const { return whole_ + (2 * rem_ >= den_ ? 1 : 0); }

private:
    Int128 whole_ = 0;
    Int128 rem_ = 0;
    Int128 den_ = 1;
};

// The lists are documented as sorted with unique timestamps; anything else is put in that shape
// (stable by ts, the last of equal timestamps wins) rather than trusted.
const std::vector<Sample>& ordered(const std::vector<Sample>& samples,
                                   std::vector<Sample>& scratch) {
    bool strictly_sorted = true;
    const Sample* const data = samples.data();
    for (std::size_t i = 1; i < samples.size(); ++i) {
        if (data[i - 1].ts >= data[i].ts) {
            strictly_sorted = false;
            break;
        }
    }
    if (strictly_sorted) return samples;
    std::vector<Sample> sorted = samples;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Sample& a, const Sample& b) { return a.ts < b.ts; });
    scratch.clear();
    for (const Sample& s : sorted) {
        if (!scratch.empty() && scratch.back().ts == s.ts) {
            scratch.back() = s;
        } else {
            scratch.push_back(s);
        }
    }
    return scratch;
}

constexpr std::int64_t kNoHoldLimit = -1;

// The value a sorted list puts in force, walked forward in time. A sample is in force from its
// ts until the next sample and, with a hold limit, for at most that many seconds. Plain fields
// rather than accessors: this runs once per piece of time and must stay cheap in debug builds.
struct Step {
    Step(const std::vector<Sample>& samples, std::int64_t hold_limit)
        : first(samples.data()),
          next(samples.data()),
          end(samples.data() + samples.size()),
          hold(hold_limit) {}

    // Sets has_value, value and until for the moment t; t never decreases between calls.
    void moveTo(std::int64_t t) {
        while (next != end && next->ts <= t) ++next;
        has_value = false;
        until = next != end ? next->ts : kInt64Max;
        if (next == first) return;
        const Sample& last = next[-1];
        const std::int64_t expiry = hold == kNoHoldLimit ? kInt64Max : saturatingAdd(last.ts, hold);
        if (t >= expiry) return;
        has_value = true;
        value = last.value;
        if (expiry < until) until = expiry;
    }

    const Sample* first;
    const Sample* next;  // the first sample after the moment last moved to
    const Sample* end;
    std::int64_t hold;
    bool has_value = false;
    std::int64_t value = 0;
    std::int64_t until = kInt64Min;  // the state found by moveTo(t) holds over [t, until)
};

std::int64_t nonNegative(std::int64_t v) { return v < 0 ? 0 : v; }

void addMetered(const UsageInput& in, const std::vector<Sample>& energy,
                std::vector<HourUsage>& hours, std::vector<ExactSum>& exact) {
    const Sample* const data = energy.data();
    for (std::size_t i = 1; i < energy.size(); ++i) {
        const Sample& a = data[i - 1];
        const Sample& b = data[i];
        if (b.value < a.value) continue;  // counter reset: this interval has no data
        std::int64_t start = a.ts < in.from ? in.from : a.ts;
        const std::int64_t end = b.ts < in.to ? b.ts : in.to;
        if (start >= end) continue;
        const Int128 delta_mwh = (static_cast<Int128>(b.value) - a.value) * 1000;
        const Int128 length = static_cast<Int128>(b.ts) - a.ts;
        while (start < end) {
            const auto k = static_cast<std::size_t>((start - in.from) / kHourSeconds);
            HourUsage& hour = hours[k];
            const std::int64_t hour_end = hour.start + hour.seconds;
            const std::int64_t piece_end = end < hour_end ? end : hour_end;
            const std::int64_t seconds = piece_end - start;
            exact[k].add(delta_mwh * seconds, length);
            hour.metered.covered_seconds += seconds;
            start = piece_end;
        }
    }
}

struct HourSums {
    Int128 hash_mw_seconds_x1000 = 0;  // milli-TH/s x milli-J/TH x s = mW x s x 1000
    Int128 calculated_mw_seconds = 0;
    Int128 hashrate_mth_seconds = 0;
};

// One piece of time inside one hour over which the held hashrate, held power and status are
// constant.
void addPiece(const UsageInput& in, const Step& hashrate, const Step& power, const Step& status,
              std::int64_t seconds, HourUsage& hour, HourSums& sums) {
    // A unit reported offline hashes nothing, whatever hashrate sample still holds.
    const bool reported_offline = status.has_value && status.value <= 0;
    if (hashrate.has_value) {
        const std::int64_t mth = reported_offline ? 0 : nonNegative(hashrate.value);
        hour.hashrate_covered_seconds += seconds;
        sums.hashrate_mth_seconds += static_cast<Int128>(mth) * seconds;
        if (in.efficiency_mjth > 0) {
            hour.hash.covered_seconds += seconds;
            sums.hash_mw_seconds_x1000 += static_cast<Int128>(mth) * in.efficiency_mjth * seconds;
        }
    }

    bool online = false;
    if (status.has_value) {
        online = status.value > 0;
    } else if (hashrate.has_value) {
        online = hashrate.value > 0;
    } else {
        return;  // online state unknown
    }
    if (!online) {
        hour.calculated.covered_seconds += seconds;
        return;
    }
    hour.online_seconds += seconds;
    std::int64_t power_mw = 0;
    if (power.has_value) {
        power_mw = nonNegative(power.value);
    } else if (in.nameplate_power_mw > 0) {
        power_mw = in.nameplate_power_mw;
    } else {
        return;  // online, but no power figure
    }
    hour.calculated.covered_seconds += seconds;
    sums.calculated_mw_seconds += static_cast<Int128>(power_mw) * seconds;
}

}  // namespace

UsageResult computeUsage(const UsageInput& input) {
    UsageResult result;
    if (input.to <= input.from) return result;

    const Int128 span = static_cast<Int128>(input.to) - input.from;
    const auto hour_count = static_cast<std::size_t>((span + kHourSeconds - 1) / kHourSeconds);
    result.hours.resize(hour_count);
    for (std::size_t k = 0; k < hour_count; ++k) {
        HourUsage& hour = result.hours[k];
        hour.start = input.from + static_cast<std::int64_t>(k) * kHourSeconds;
        hour.seconds = std::min(kHourSeconds, input.to - hour.start);
    }

    std::vector<Sample> energy_scratch;
    std::vector<Sample> power_scratch;
    std::vector<Sample> hashrate_scratch;
    std::vector<Sample> status_scratch;
    const std::vector<Sample>& energy = ordered(input.energy, energy_scratch);
    const std::vector<Sample>& power = ordered(input.power, power_scratch);
    const std::vector<Sample>& hashrate = ordered(input.hashrate, hashrate_scratch);
    const std::vector<Sample>& status = ordered(input.status, status_scratch);

    std::vector<ExactSum> metered_exact(hour_count);
    addMetered(input, energy, result.hours, metered_exact);

    // One sweep over pieces of time that lie inside one hour and over which the held hashrate,
    // held power and status do not change.
    const std::int64_t hold = nonNegative(input.max_hold_seconds);
    Step hashrate_step(hashrate, hold);
    Step power_step(power, hold);
    Step status_step(status, kNoHoldLimit);
    Int128 metered_mwh = 0;
    Int128 hash_mwh = 0;
    Int128 calculated_mwh = 0;
    Int128 hashrate_mth_seconds = 0;
    std::int64_t hashrate_seconds = 0;
    std::int64_t t = input.from;
    for (std::size_t k = 0; k < hour_count; ++k) {
        HourUsage& hour = result.hours[k];
        const std::int64_t hour_end = hour.start + hour.seconds;
        HourSums sums;
        while (t < hour_end) {
            if (t >= hashrate_step.until) hashrate_step.moveTo(t);
            if (t >= power_step.until) power_step.moveTo(t);
            if (t >= status_step.until) status_step.moveTo(t);
            std::int64_t next = hour_end;
            if (hashrate_step.until < next) next = hashrate_step.until;
            if (power_step.until < next) next = power_step.until;
            if (status_step.until < next) next = status_step.until;
            addPiece(input, hashrate_step, power_step, status_step, next - t, hour, sums);
            t = next;
        }

        hour.metered.energy_mwh = saturate(metered_exact[k].rounded());
        hour.hash.energy_mwh = saturate(roundDiv(sums.hash_mw_seconds_x1000, 1000 * kHourSeconds));
        hour.calculated.energy_mwh = saturate(roundDiv(sums.calculated_mw_seconds, kHourSeconds));
        hour.hashrate_mth_seconds = saturate(sums.hashrate_mth_seconds);

        metered_mwh += hour.metered.energy_mwh;
        hash_mwh += hour.hash.energy_mwh;
        calculated_mwh += hour.calculated.energy_mwh;
        hashrate_mth_seconds += sums.hashrate_mth_seconds;
        hashrate_seconds += hour.hashrate_covered_seconds;
        result.has_metered = result.has_metered || hour.metered.covered_seconds > 0;
        result.has_hash = result.has_hash || hour.hash.covered_seconds > 0;
        result.has_calculated = result.has_calculated || hour.calculated.covered_seconds > 0;
        result.online_seconds += hour.online_seconds;
    }

    result.metered_wh = saturate(roundDiv(metered_mwh, 1000));
    result.hash_wh = saturate(roundDiv(hash_mwh, 1000));
    result.calculated_wh = saturate(roundDiv(calculated_mwh, 1000));
    if (hashrate_seconds > 0) {
        result.average_hashrate_mth = saturate(roundDiv(hashrate_mth_seconds, hashrate_seconds));
    }
    return result;
}

}  // namespace billwright::domain
