#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace billwright::core {

using SysSeconds = std::chrono::sys_seconds;

// All time comes from a Clock so tests and the scheduler can travel in time.
class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
    SysSeconds nowSeconds() const {
        return std::chrono::time_point_cast<std::chrono::seconds>(now());
    }
};

class SystemClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now();
    }
};

// A clock that only moves when told to; thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::chrono::system_clock::time_point start) : micros_(toMicros(start)) {}
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::time_point(std::chrono::microseconds(micros_.load()));
    }
    void set(std::chrono::system_clock::time_point t) { micros_.store(toMicros(t)); }
    void advance(std::chrono::microseconds d) { micros_.fetch_add(d.count()); }

private:
    static std::int64_t toMicros(std::chrono::system_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    }
    std::atomic<std::int64_t> micros_;
};

}  // namespace billwright::core
