#include "scripting/script_results.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "core/utf8.h"
#include "domain/decimal.h"

namespace billwright::scripting {
namespace {

using core::JsonValue;

core::Error invalid() {
    return core::Error{core::ErrorCode::kValidationFailed, "the script's result is invalid", {}};
}

void add(core::Error& error, std::string field, std::string code, std::string message) {
    error.fields.emplace_back(std::move(field), std::move(code), std::move(message));
}

std::string describe(const JsonValue& value) {
    return std::string(core::jsonTypeName(value.type()));
}

// A number literal in plain decimal notation: "6.5e-05" -> "0.000065", "1e+22" -> "1" and 22
// zeros. Literals without an exponent come back unchanged. nullopt when the exponent is absurd
// for a value that could be in range.
std::optional<std::string> plainDecimal(std::string_view literal) {
    const std::size_t e = literal.find_first_of("eE");
    if (e == std::string_view::npos) return std::string(literal);
    std::string_view mantissa = literal.substr(0, e);
    std::string_view exponent_text = literal.substr(e + 1);
    const bool negative = !mantissa.empty() && mantissa.front() == '-';
    if (negative) mantissa.remove_prefix(1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    int exponent = 0;
    const auto parsed = std::from_chars(exponent_text.data(),
                                        exponent_text.data() + exponent_text.size(), exponent);
    if (parsed.ec != std::errc() || exponent < -400 || exponent > 400) return std::nullopt;
    const std::size_t dot = mantissa.find('.');
    std::string digits(mantissa.substr(0, dot));
    if (dot != std::string_view::npos) digits += mantissa.substr(dot + 1);
    long point = static_cast<long>(dot == std::string_view::npos ? mantissa.size() : dot);
    point += exponent;
    std::string integer_part;
    std::string fraction;
    if (point <= 0) {
        integer_part = "0";
        fraction = std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        integer_part = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        integer_part = digits.substr(0, static_cast<std::size_t>(point));
        fraction = digits.substr(static_cast<std::size_t>(point));
    }
    const std::size_t first = integer_part.find_first_not_of('0');
    integer_part = first == std::string::npos ? "0" : integer_part.substr(first);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    std::string out = negative ? "-" : "";
    out += integer_part;
    if (!fraction.empty()) out += "." + fraction;
    return out;
}

// A JSON number with an integral value (5000, 5000.0 written as "5000", 1e3), or an error.
std::optional<std::int64_t> wholeNumber(const JsonValue& value, const std::string& field,
                                        core::Error& error) {
    if (!value.isNumber()) {
        add(error, field, "wrong_type",
            "must be an integer number of minor units, not a " + describe(value));
        return std::nullopt;
    }
    if (auto integer = value.asInt64()) return integer;
    domain::DecimalParseError why = domain::DecimalParseError::kSyntax;
    const std::optional<std::string> plain = plainDecimal(value.numberText());
    const std::optional<std::int64_t> parsed =
        plain ? domain::parseFixed(*plain, 0, &why) : std::nullopt;
    if (parsed) return parsed;
    if (plain && why == domain::DecimalParseError::kTooManyDecimals) {
        add(error, field, "not_integer",
            "must be a whole number of minor units, not " + value.numberText());
    } else {
        add(error, field, "out_of_range", "is far too large: " + value.numberText());
    }
    return std::nullopt;
}

core::Result<std::int64_t> rateFromText(std::string_view text, bool from_number) {
    domain::DecimalParseError why = domain::DecimalParseError::kSyntax;
    const std::optional<std::int64_t> micros = domain::parseFixed(text, kRateDecimals, &why);
    if (micros) {
        if (*micros < 0 || *micros > kMaxRateMicros) {
            return core::Error::validation(
                "result", "out_of_range",
                "a rate must be from 0 to 1000 per kWh, not " + std::string(text));
        }
        return *micros;
    }
    switch (why) {
        case domain::DecimalParseError::kTooManyDecimals:
            return core::Error::validation(
                "result", "too_many_decimals",
                std::string(text) + " has more than 6 decimals" +
                    (from_number ? "; round it in the script, e.g. string.format(\"%.6f\", x)"
                                 : ""));
        case domain::DecimalParseError::kOutOfRange:
            return core::Error::validation("result", "out_of_range",
                                           "a rate must be from 0 to 1000 per kWh");
        case domain::DecimalParseError::kSyntax:
            break;
    }
    return core::Error::validation(
        "result", "invalid_number",
        "must be a plain decimal string such as \"0.065\", not \"" + std::string(text) + "\"");
}

std::size_t codePoints(std::string_view text, bool& control) {
    std::size_t count = 0;
    std::size_t pos = 0;
    control = false;
    while (pos < text.size()) {
        const auto byte = static_cast<unsigned char>(text[pos]);
        if (byte < 0x20 || byte == 0x7f) control = true;
        const std::size_t length = byte < 0x80 ? 1 : core::utf8SequenceLength(text, pos);
        if (length == 0) {
            control = true;  // not UTF-8: refused like a control character
            return count;
        }
        pos += length;
        ++count;
    }
    return count;
}

}  // namespace

core::Result<std::int64_t> rateResult(const JsonValue& result) {
    if (result.isString()) return rateFromText(result.asString(), false);
    if (result.isNumber()) {
        if (auto integer = result.asInt64()) {
            if (*integer < 0 || *integer > kMaxRateMicros / 1'000'000) {
                return core::Error::validation(
                    "result", "out_of_range",
                    "a rate must be from 0 to 1000 per kWh, not " + result.numberText());
            }
            return *integer * 1'000'000;
        }
        const std::optional<std::string> plain = plainDecimal(result.numberText());
        if (!plain) {
            return core::Error::validation(
                "result", "out_of_range",
                "a rate must be from 0 to 1000 per kWh, not " + result.numberText());
        }
        return rateFromText(*plain, true);
    }
    return core::Error::validation(
        "result", "wrong_type",
        "a rate must be a decimal string such as \"0.065\", an integer or a float, not " +
            describe(result));
}

core::Result<FeeResult> feesResult(const JsonValue& result) {
    FeeResult out;
    if (result.isArray() && result.items().empty()) return out;
    if (!result.isObject()) {
        return core::Error::validation(
            "result", "wrong_type",
            "fees must be a table such as { admin = 5000 }, not " + describe(result));
    }
    core::Error error = invalid();
    for (const auto& [key, value] : result.members()) {
        const std::string field = "result." + key;
        if (std::find(kFeeKeys.begin(), kFeeKeys.end(), key) == kFeeKeys.end()) {
            add(error, field, "unknown_field",
                "is not a fee; the fees are admin, transfer, install, hosting_deposit, "
                "shipping_handling and sales_tax");
            continue;
        }
        if (value.isNull()) continue;
        const std::optional<std::int64_t> amount = wholeNumber(value, field, error);
        if (!amount) continue;
        if (*amount < 0 || *amount > kMaxAmountMinor) {
            add(error, field, "out_of_range",
                "must be from 0 to " + std::to_string(kMaxAmountMinor) + " minor units");
            continue;
        }
        out.fees_minor.emplace(key, *amount);
    }
    if (!error.fields.empty()) return error;
    return out;
}

core::Result<std::vector<AdjustLine>> invoiceAdjustResult(const JsonValue& result) {
    std::vector<AdjustLine> lines;
    if (result.isObject() && result.members().empty()) return lines;
    if (!result.isArray()) {
        return core::Error::validation(
            "result", "wrong_type",
            "adjustments must be a list of lines such as { { kind = \"discount\", ... } }, "
            "not " +
                describe(result));
    }
    if (result.items().size() > kMaxAdjustLines) {
        return core::Error::validation("result", "too_many_items",
                                       "at most " + std::to_string(kMaxAdjustLines) +
                                           " lines, not " + std::to_string(result.items().size()));
    }
    core::Error error = invalid();
    std::size_t index = 0;
    for (const JsonValue& item : result.items()) {
        const std::string path = "result[" + std::to_string(++index) + "]";
        if (!item.isObject()) {
            add(error, path, "wrong_type", "a line must be a table, not " + describe(item));
            continue;
        }
        AdjustLine line;
        bool ok = true;
        for (const auto& [key, value] : item.members()) {
            if (key != "kind" && key != "description" && key != "amount_minor" &&
                key != "taxable") {
                add(error, path + "." + key, "unknown_field",
                    "is not a line field; the fields are kind, description, amount_minor and "
                    "taxable");
                ok = false;
            }
        }
        const JsonValue* kind = item.find("kind");
        if (kind == nullptr || kind->isNull()) {
            add(error, path + ".kind", "required", "discount, credit or surcharge");
            ok = false;
        } else if (!kind->isString() ||
                   (kind->asString() != "discount" && kind->asString() != "credit" &&
                    kind->asString() != "surcharge")) {
            add(error, path + ".kind", "invalid_enum", "must be discount, credit or surcharge");
            ok = false;
        } else {
            line.kind = kind->asString();
        }
        const JsonValue* description = item.find("description");
        if (description == nullptr || description->isNull()) {
            add(error, path + ".description", "required", "1 to 200 characters");
            ok = false;
        } else if (!description->isString()) {
            add(error, path + ".description", "wrong_type",
                "must be a string, not " + describe(*description));
            ok = false;
        } else {
            bool control = false;
            const std::size_t chars = codePoints(description->asString(), control);
            if (control) {
                add(error, path + ".description", "invalid_characters",
                    "must be UTF-8 text without control characters");
                ok = false;
            } else if (chars == 0 || chars > kMaxDescriptionChars) {
                add(error, path + ".description", "out_of_range",
                    "must be 1 to 200 characters, not " + std::to_string(chars));
                ok = false;
            } else {
                line.description = description->asString();
            }
        }
        const JsonValue* amount = item.find("amount_minor");
        if (amount == nullptr || amount->isNull()) {
            add(error, path + ".amount_minor", "required", "an integer number of minor units");
            ok = false;
        } else if (auto value = wholeNumber(*amount, path + ".amount_minor", error)) {
            const bool negative_kind = line.kind == "discount" || line.kind == "credit";
            if (*value > kMaxAmountMinor || *value < -kMaxAmountMinor) {
                add(error, path + ".amount_minor", "out_of_range",
                    "must be within +/-" + std::to_string(kMaxAmountMinor) + " minor units");
                ok = false;
            } else if (!line.kind.empty() && negative_kind && *value >= 0) {
                add(error, path + ".amount_minor", "out_of_range",
                    "a " + line.kind + " must be negative");
                ok = false;
            } else if (line.kind == "surcharge" && *value <= 0) {
                add(error, path + ".amount_minor", "out_of_range", "a surcharge must be positive");
                ok = false;
            } else {
                line.amount_minor = *value;
            }
        } else {
            ok = false;
        }
        const JsonValue* taxable = item.find("taxable");
        if (taxable != nullptr && !taxable->isNull()) {
            if (!taxable->isBool()) {
                add(error, path + ".taxable", "wrong_type",
                    "must be true or false, not " + describe(*taxable));
                ok = false;
            } else {
                line.taxable = taxable->asBool();
            }
        }
        if (ok) lines.push_back(std::move(line));
    }
    if (!error.fields.empty()) return error;
    return lines;
}

ScriptFailure resultFailure(const core::Error& error) {
    std::string message;
    for (const core::FieldError& field : error.fields) {
        if (!message.empty()) message += "; ";
        message += field.field + ": " + field.message;
    }
    if (message.empty()) message = error.detail;
    return ScriptFailure{std::string(failure_code::kBadResult), std::move(message), std::nullopt};
}

}  // namespace billwright::scripting
