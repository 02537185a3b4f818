#include "common/hour_emitter.h"

#include <algorithm>
#include <cstdint>

#include <billwright/plugin.hpp>

namespace billwright::common {

HourEmitter::HourEmitter(const sdk::Call& call, std::uint32_t equipment_index,
                         std::uint32_t hour_count)
    : call_(call), equipment_(equipment_index), hour_count_(hour_count) {
    energy_mwh_.reserve(std::min(hour_count, kChunkHours));
    covered_seconds_.reserve(std::min(hour_count, kChunkHours));
}

void HourEmitter::push(std::int64_t energy_mwh, std::int64_t covered_seconds) {
    if (next_hour_ >= hour_count_) throw sdk::Error(BW_ERR_INTERNAL, "an hour past the period");
    energy_mwh_.push_back(energy_mwh);
    covered_seconds_.push_back(covered_seconds);
    ++next_hour_;
    if (energy_mwh_.size() == kChunkHours) flush();
}

void HourEmitter::finish() {
    if (next_hour_ != hour_count_) throw sdk::Error(BW_ERR_INTERNAL, "hours left unbilled");
    flush();
}

void HourEmitter::flush() {
    if (energy_mwh_.empty()) return;
    call_.emitHours(equipment_, first_hour_, energy_mwh_, covered_seconds_);
    first_hour_ = next_hour_;
    energy_mwh_.clear();
    covered_seconds_.clear();
}

}  // namespace billwright::common
