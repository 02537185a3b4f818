#include "scripting/limits.h"

#include <string>

namespace billwright::scripting {
namespace {

template <typename T>
void checkRange(core::Error& error, const char* field, T value, T min, T max) {
    if (value >= min && value <= max) return;
    error.fields.emplace_back(
        std::string("limits.") + field, "out_of_range",
        "must be between " + std::to_string(min) + " and " + std::to_string(max));
}

}  // namespace

core::Result<Limits> validateLimits(const Limits& limits) {
    core::Error error{core::ErrorCode::kValidationFailed, "the request has invalid fields", {}};
    checkRange(error, "instructions", limits.instructions, kMinInstructions, kMaxInstructions);
    checkRange(error, "memory_bytes", limits.memory_bytes, kMinMemoryBytes, kMaxMemoryBytes);
    checkRange(error, "wall_ms", limits.wall_ms, kMinWallMs, kMaxWallMs);
    checkRange(error, "max_call_depth", limits.max_call_depth, kMinCallDepth, kMaxCallDepth);
    checkRange(error, "max_source_bytes", limits.max_source_bytes, kMinSourceBytes,
               kMaxSourceBytes);
    if (!error.fields.empty()) return error;
    return limits;
}

}  // namespace billwright::scripting
