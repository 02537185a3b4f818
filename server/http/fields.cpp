#include "http/fields.h"

#include <charconv>

#include "domain/decimal.h"

namespace billwright::http {

using core::Error;
using core::ErrorCode;
using core::JsonValue;

FieldReader::FieldReader(const JsonValue& body)
    : body_(body),
      error_{ErrorCode::kValidationFailed, "the request has invalid fields", {}},
      body_is_object_(body.isObject()) {
    if (!body_is_object_) addError("", "wrong_type", "the body must be a JSON object");
}

bool FieldReader::isNull(std::string_view name) {
    const JsonValue* v = body_is_object_ ? body_.find(name) : nullptr;
    if (v == nullptr || !v->isNull()) return false;
    seen_.emplace(name);
    return true;
}

std::optional<std::int64_t> FieldReader::fixed(std::string_view name, Presence presence,
                                               int decimals, std::int64_t min, std::int64_t max) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (!v->isString() && !v->isNumber()) {
        wrongType(name, "a decimal number such as \"12.5\"");
        return std::nullopt;
    }
    auto value = domain::parseFixedField(name, v->isString() ? v->asString() : v->numberText(),
                                         decimals, min, max);
    if (!value.ok()) {
        addError(value.error());
        return std::nullopt;
    }
    return value.value();
}

void FieldReader::addError(const core::Error& error) {
    for (const auto& f : error.fields) error_.fields.push_back(f);
}

void FieldReader::addError(std::string field, std::string code, std::string message) {
    error_.fields.push_back({std::move(field), std::move(code), std::move(message)});
}

void FieldReader::wrongType(std::string_view name, std::string_view expected) {
    addError(std::string(name), "wrong_type", "must be " + std::string(expected));
}

const JsonValue* FieldReader::take(std::string_view name, Presence presence) {
    seen_.emplace(name);
    const JsonValue* v = body_is_object_ ? body_.find(name) : nullptr;
    if (v != nullptr && v->isNull()) v = nullptr;
    if (v == nullptr && presence == Presence::kRequired && body_is_object_) {
        addError(std::string(name), "required", "is required");
    }
    return v;
}

std::optional<std::vector<std::string>> FieldReader::strings(std::string_view name,
                                                             Presence presence,
                                                             std::size_t max_items,
                                                             std::size_t max_length) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (!v->isArray()) {
        wrongType(name, "an array of strings");
        return std::nullopt;
    }
    if (v->items().size() > max_items) {
        addError(std::string(name), "out_of_range",
                 "at most " + std::to_string(max_items) + " entries");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : v->items()) {
        if (!item.isString()) {
            wrongType(name, "an array of strings");
            return std::nullopt;
        }
        if (item.asString().empty() || item.asString().size() > max_length) {
            addError(std::string(name), "out_of_range",
                     "each entry must be 1 to " + std::to_string(max_length) + " bytes");
            return std::nullopt;
        }
        out.push_back(item.asString());
    }
    return out;
}

std::map<std::string, std::string> FieldReader::stringMap(std::string_view name, Presence presence,
                                                          std::size_t max_entries,
                                                          std::size_t max_length) {
    std::map<std::string, std::string> out;
    const JsonValue* v = object(name, presence);
    if (v == nullptr) return out;
    if (v->members().size() > max_entries)
        addError(std::string(name), "out_of_range",
                 "at most " + std::to_string(max_entries) + " entries");
    for (const auto& [key, value] : v->members()) {
        if (!value.isString() || value.asString().size() > max_length) {
            addError(std::string(name) + "." + key, "wrong_type",
                     "must be a string of at most " + std::to_string(max_length) + " bytes");
            continue;
        }
        out[key] = value.asString();
    }
    return out;
}

std::optional<std::vector<std::int64_t>> FieldReader::integers(std::string_view name,
                                                               Presence presence,
                                                               std::size_t max_items,
                                                               std::int64_t min, std::int64_t max) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (!v->isArray()) {
        wrongType(name, "an array of integers");
        return std::nullopt;
    }
    if (v->items().size() > max_items) {
        addError(std::string(name), "out_of_range",
                 "at most " + std::to_string(max_items) + " entries");
        return std::nullopt;
    }
    std::vector<std::int64_t> out;
    for (const auto& item : v->items()) {
        const auto n = item.asInt64();
        if (!n) {
            wrongType(name, "an array of integers");
            return std::nullopt;
        }
        if (*n < min || *n > max) {
            addError(std::string(name), "out_of_range",
                     "each entry must be " + std::to_string(min) + " to " + std::to_string(max));
            return std::nullopt;
        }
        out.push_back(*n);
    }
    return out;
}

std::optional<std::string> FieldReader::string(std::string_view name, Presence presence,
                                               std::size_t max_length) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (!v->isString()) {
        wrongType(name, "a string");
        return std::nullopt;
    }
    if (v->asString().size() > max_length) {
        addError(std::string(name), "out_of_range",
                 "must be at most " + std::to_string(max_length) + " bytes");
        return std::nullopt;
    }
    return v->asString();
}

const JsonValue* FieldReader::object(std::string_view name, Presence presence) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return nullptr;
    if (!v->isObject()) {
        wrongType(name, "an object");
        return nullptr;
    }
    return v;
}

std::optional<bool> FieldReader::boolean(std::string_view name, Presence presence) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (!v->isBool()) {
        wrongType(name, "true or false");
        return std::nullopt;
    }
    return v->asBool();
}

std::optional<std::int64_t> FieldReader::integer(std::string_view name, Presence presence,
                                                 std::int64_t min, std::int64_t max) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    const auto n = v->isNumber() ? v->asInt64() : std::nullopt;
    if (!n) {
        wrongType(name, "an integer");
        return std::nullopt;
    }
    if (*n < min || *n > max) {
        addError(std::string(name), "out_of_range",
                 "must be " + std::to_string(min) + " to " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<std::string> FieldReader::amountText(std::string_view name, Presence presence) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (v->isString()) return v->asString();
    if (v->isNumber()) return v->numberText();
    wrongType(name, "a decimal amount such as \"1500.00\"");
    return std::nullopt;
}

std::optional<core::Date> FieldReader::date(std::string_view name, Presence presence) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    if (!v->isString()) {
        wrongType(name, "a date string YYYY-MM-DD");
        return std::nullopt;
    }
    const auto d = core::parseIsoDate(v->asString());
    if (!d) {
        addError(std::string(name), "invalid_date", "must be a real date YYYY-MM-DD");
        return std::nullopt;
    }
    return d;
}

std::optional<std::string> FieldReader::oneOf(std::string_view name, Presence presence,
                                              std::initializer_list<std::string_view> allowed) {
    const JsonValue* v = take(name, presence);
    if (v == nullptr) return std::nullopt;
    std::string list;
    for (const auto a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
    }
    if (!v->isString()) {
        wrongType(name, "one of " + list);
        return std::nullopt;
    }
    for (const auto a : allowed) {
        if (a == v->asString()) return v->asString();
    }
    addError(std::string(name), "invalid_enum", "must be one of " + list);
    return std::nullopt;
}

core::Status FieldReader::finish() {
    if (body_is_object_) {
        for (const auto& [key, value] : body_.members()) {
            if (seen_.find(key) == seen_.end())
                addError(key, "unknown_field", "is not a known field");
        }
    }
    if (!error_.fields.empty()) return error_;
    return {};
}

core::Result<JsonValue> parseBody(const std::string& body) {
    bool blank = true;
    for (const char c : body) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') blank = false;
    }
    if (blank) return JsonValue::object();
    return core::parseJson(body);
}

core::Status onlyParameters(const std::map<std::string, std::string>& query,
                            std::initializer_list<std::string_view> allowed) {
    Error error{ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    for (const auto& [name, value] : query) {
        bool known = false;
        for (const auto a : allowed) known = known || a == name;
        if (!known) error.fields.push_back({name, "unknown_parameter", "is not a known parameter"});
    }
    if (!error.fields.empty()) return error;
    return {};
}

core::Result<storage::PageRequest> pageRequest(const std::map<std::string, std::string>& query,
                                               std::initializer_list<std::string_view> allowed) {
    constexpr std::size_t kMaxLimit = 100;
    Error error{ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    storage::PageRequest page;
    for (const auto& [name, value] : query) {
        if (name == "limit") {
            std::size_t n = 0;
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc{} || ptr != value.data() + value.size() || n < 1 || n > kMaxLimit) {
                error.fields.push_back(
                    {"limit", "out_of_range", "must be an integer from 1 to 100"});
            } else {
                page.limit = n;
            }
        } else if (name == "starting_after") {
            if (value.empty() || value.size() > 64) {
                error.fields.push_back(
                    {"starting_after", "invalid_cursor", "must be an object id"});
            } else {
                page.starting_after = value;
            }
        } else {
            bool known = false;
            for (const auto a : allowed) known = known || a == name;
            if (!known)
                error.fields.push_back({name, "unknown_parameter", "is not a known parameter"});
        }
    }
    if (!error.fields.empty()) return error;
    return page;
}

}  // namespace billwright::http
