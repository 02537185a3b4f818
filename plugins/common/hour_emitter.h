#pragma once

#include <cstdint>
#include <vector>

#include <billwright/plugin.hpp>

namespace billwright::common {

// Hands one equipment's hours to the host in order, in chunks of at most kChunkHours, so a
// plugin keeps at most one chunk of results in memory.
class HourEmitter {
public:
    static constexpr std::uint32_t kChunkHours = 744;  // 31 days

    // `call` must outlive the emitter.
    HourEmitter(const sdk::Call& call, std::uint32_t equipment_index, std::uint32_t hour_count);

    // The next hour's result (hour 0 first). covered_seconds 0 means no data.
    void push(std::int64_t energy_mwh, std::int64_t covered_seconds);
    // Emits what is still buffered; every hour must have been pushed.
    void finish();

private:
    void flush();

    const sdk::Call& call_;
    std::uint32_t equipment_;
    std::uint32_t hour_count_;
    std::uint32_t next_hour_ = 0;   // the hour the next push() is for
    std::uint32_t first_hour_ = 0;  // the hour buffered first
    std::vector<std::int64_t> energy_mwh_;
    std::vector<std::int64_t> covered_seconds_;
};

}  // namespace billwright::common
