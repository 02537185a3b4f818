#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "storage/repositories.h"

namespace billwright::services {

struct IdempotencyDecision {
    enum class Kind {
        kProceed,   // first time: run the request, then finish()
        kReplay,    // seen before with the same request: answer status + body again
        kMismatch,  // seen before with a different request: 409
        kInFlight,  // the first request with this key is still running: 409
    };
    Kind kind = Kind::kProceed;
    int status = 0;
    std::string body;
};

// Idempotency-Key handling for POST: keys are scoped to the calling API key and kept for
// `retention`. A response with a 5xx status is not kept, so the client may retry.
class Idempotency {
public:
    Idempotency(storage::Store& store, const core::Clock& clock,
                std::chrono::seconds retention = std::chrono::hours(24));
    IdempotencyDecision begin(std::string_view principal, std::string_view key,
                              std::string_view request_hash);
    void finish(std::string_view principal, std::string_view key, int status,
                std::string_view body);
    std::int64_t purgeExpired();

    static constexpr std::size_t kMaxKeyLength = 255;

private:
    storage::Store& store_;
    const core::Clock& clock_;
    std::chrono::seconds retention_;
};

}  // namespace billwright::services
