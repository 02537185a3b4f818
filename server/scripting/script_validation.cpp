#include "scripting/script_validation.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "core/json.h"
#include "domain/decimal.h"
#include "scripting/program.h"
#include "scripting/script_results.h"

namespace billwright::scripting {
namespace {

using core::JsonValue;

ScriptFailure problem(std::string_view code, std::string message) {
    return ScriptFailure{std::string(code), std::move(message), std::nullopt};
}

std::string describeFees(const FeeResult& fees) {
    JsonValue object = JsonValue::object();
    for (const auto& [key, amount] : fees.fees_minor) object.set(key, JsonValue::number(amount));
    return core::toJson(object);
}

std::string describeLines(const std::vector<AdjustLine>& lines) {
    JsonValue array = JsonValue::array();
    for (const AdjustLine& line : lines) {
        JsonValue item = JsonValue::object();
        item.set("kind", JsonValue::string(line.kind));
        item.set("description", JsonValue::string(line.description));
        item.set("amount_minor", JsonValue::number(line.amount_minor));
        item.set("taxable", JsonValue::boolean(line.taxable));
        array.push(std::move(item));
    }
    return core::toJson(array);
}

// Parses the result and the expectation with the kind's parser and compares them.
template <typename T, typename Parse, typename Describe>
std::optional<ScriptFailure> compare(const std::string& label, const JsonValue& result,
                                     const JsonValue& expect, Parse parse, Describe describe) {
    core::Result<T> wanted = parse(expect);
    if (!wanted.ok()) {
        ScriptFailure failure = resultFailure(wanted.error());
        failure.code = std::string(failure_code::kExampleFailed);
        failure.message = label + ".expect is not a valid result: " + failure.message;
        return failure;
    }
    core::Result<T> got = parse(result);
    if (!got.ok()) {
        ScriptFailure failure = resultFailure(got.error());
        failure.message = label + ": " + failure.message;
        return failure;
    }
    if (*got == *wanted) return std::nullopt;
    return problem(failure_code::kExampleFailed,
                   label + ": expected " + describe(*wanted) + ", got " + describe(*got));
}

std::optional<ScriptFailure> checkResult(ScriptKind kind, const std::string& label,
                                         const JsonValue& result, const JsonValue& expect) {
    switch (kind) {
        case ScriptKind::kRate:
            return compare<std::int64_t>(label, result, expect, rateResult, [](std::int64_t v) {
                return domain::formatFixed(v, kRateDecimals);
            });
        case ScriptKind::kFees:
            return compare<FeeResult>(label, result, expect, feesResult, describeFees);
        case ScriptKind::kInvoiceAdjust:
            return compare<std::vector<AdjustLine>>(label, result, expect, invoiceAdjustResult,
                                                    describeLines);
    }
    return std::nullopt;
}

void runExamples(ScriptKind kind, Program& program, ValidationReport& report,
                 std::chrono::milliseconds budget) {
    auto read = program.global("examples", kMaxExampleValues);
    if (auto* failure = std::get_if<ScriptFailure>(&read)) {
        if (failure->code == failure_code::kBadResult) {
            failure->code = std::string(failure_code::kExampleFailed);
        }
        report.problems.push_back(std::move(*failure));
        return;
    }
    const JsonValue& examples = std::get<JsonValue>(read);
    if (examples.isNull() || (examples.isObject() && examples.members().empty())) return;
    if (!examples.isArray()) {
        report.problems.push_back(
            problem(failure_code::kExampleFailed,
                    "examples must be a list of { context = {...}, expect = ... } tables"));
        return;
    }
    if (examples.items().size() > kMaxExamples) {
        report.problems.push_back(
            problem(failure_code::kExampleFailed, "at most " + std::to_string(kMaxExamples) +
                                                      " examples, not " +
                                                      std::to_string(examples.items().size())));
        return;
    }
    const std::string_view entry = entryFunction(kind);
    const auto started = std::chrono::steady_clock::now();
    std::size_t index = 0;
    for (const JsonValue& example : examples.items()) {
        if (index > 0 && std::chrono::steady_clock::now() - started >= budget) {
            report.problems.push_back(problem(
                failure_code::kDeadline, "the examples took longer than " +
                                             std::to_string(budget.count()) +
                                             " ms together; examples[" + std::to_string(index + 1) +
                                             "] and later did not run"));
            return;
        }
        std::string label = "examples[" + std::to_string(++index) + "]";
        const JsonValue* context = example.isObject() ? example.find("context") : nullptr;
        const JsonValue* expect = example.isObject() ? example.find("expect") : nullptr;
        if (const JsonValue* name = example.isObject() ? example.find("name") : nullptr;
            name != nullptr && name->isString()) {
            label += " (" + name->asString() + ")";
        }
        if (context == nullptr || expect == nullptr) {
            report.problems.push_back(
                problem(failure_code::kExampleFailed, label + " needs a context and an expect"));
            continue;
        }
        ++report.examples_run;
        auto called = program.call(entry, *context, ContextNumbers::kFloats);
        if (auto* failure = std::get_if<ScriptFailure>(&called)) {
            failure->message = label + ": " + failure->message;
            report.problems.push_back(std::move(*failure));
            if (program.tripped()) return;
            continue;
        }
        if (auto mismatch = checkResult(kind, label, std::get<JsonValue>(called), *expect)) {
            report.problems.push_back(std::move(*mismatch));
        }
    }
}

}  // namespace

ValidationReport validateScript(ScriptKind kind, std::string_view source, const Limits& limits,
                                std::optional<std::chrono::milliseconds> examples_budget) {
    ValidationReport report;
    auto loaded = Program::load(source, kindName(kind), limits);
    if (auto* failure = std::get_if<ScriptFailure>(&loaded)) {
        report.problems.push_back(std::move(*failure));
        return report;
    }
    Program& program = *std::get<std::unique_ptr<Program>>(loaded);
    if (!program.hasFunction(entryFunction(kind))) {
        report.problems.push_back(problem(
            failure_code::kMissingFunction,
            "the script must define a global function '" + std::string(entryFunction(kind)) + "'"));
        return report;
    }
    runExamples(kind, program, report,
                examples_budget.value_or(
                    std::chrono::milliseconds(limits.wall_ms * kExamplesWallMultiple)));
    return report;
}

}  // namespace billwright::scripting
