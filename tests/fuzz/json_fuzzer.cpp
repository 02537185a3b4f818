// The JSON codec (core::parseJson, core::toJson): every API request body is parsed by it, and
// every response and stored document written by it. Input: the text.
//
// Invariants: a parsed document serialises to JSON that parses to an equal document and
// serialises to the same bytes (toJson is a fixed point after one round); nesting never exceeds
// the depth limit; a refused document is a malformed_request error that names an offset; integer
// literals that fit int64 read back through asInt64 as the same text.

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "fuzz_support.h"

using billwright::fuzz::check;
namespace core = billwright::core;

namespace {

std::size_t depth(const core::JsonValue& root) {
    std::size_t deepest = 0;
    std::vector<std::pair<const core::JsonValue*, std::size_t>> stack{{&root, 0}};
    while (!stack.empty()) {
        const auto [v, d] = stack.back();
        stack.pop_back();
        deepest = std::max(deepest, d);
        if (v->isArray()) {
            for (const auto& item : v->items()) stack.emplace_back(&item, d + 1);
        } else if (v->isObject()) {
            for (const auto& member : v->members()) stack.emplace_back(&member.second, d + 1);
        } else if (v->isNumber()) {
            if (const auto n = v->asInt64()) {
                check(std::to_string(*n) == v->numberText() || v->numberText() == "-0",
                      "an int64 literal reads back as its text", v->numberText());
            }
        }
    }
    return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    core::JsonParseOptions options;
    options.max_depth = 16;
    const auto parsed = core::parseJson(text, options);
    if (!parsed.ok()) {
        check(parsed.error().code == core::ErrorCode::kMalformedRequest,
              "a refused document is malformed_request");
        check(parsed.error().detail.find("offset") != std::string::npos,
              "a refused document's detail names the offset", parsed.error().detail);
        return 0;
    }
    check(depth(parsed.value()) <= options.max_depth, "nesting stays within max_depth");
    const std::string once = core::toJson(parsed.value());
    const auto again = core::parseJson(once, options);
    check(again.ok(), "toJson writes JSON the parser accepts", once);
    check(again.value() == parsed.value(), "the round trip keeps the document", once);
    check(core::toJson(again.value()) == once, "toJson is stable after one round", once);
    return 0;
}
