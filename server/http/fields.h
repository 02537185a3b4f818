#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/error.h"
#include "core/json.h"
#include "storage/repositories.h"

namespace billwright::http {

enum class Presence { kRequired, kOptional };

// Reads the fields of a JSON object body, collecting every problem (missing, wrong type,
// out of range, unknown field) so one 422 names them all. A JSON null counts as absent.
class FieldReader {
public:
    explicit FieldReader(const core::JsonValue& body);

    std::optional<std::string> string(std::string_view name, Presence presence,
                                      std::size_t max_length = 1000);
    std::optional<bool> boolean(std::string_view name, Presence presence);
    // A JSON object, as it is (its members are the caller's to check).
    const core::JsonValue* object(std::string_view name, Presence presence);
    std::optional<std::int64_t> integer(std::string_view name, Presence presence, std::int64_t min,
                                        std::int64_t max);
    // An amount: a JSON string or number, returned as its decimal text for exact parsing.
    std::optional<std::string> amountText(std::string_view name, Presence presence);
    std::optional<core::Date> date(std::string_view name, Presence presence);
    std::optional<std::string> oneOf(std::string_view name, Presence presence,
                                     std::initializer_list<std::string_view> allowed);

    // A JSON array of 0..max_items strings of 1..max_length bytes each.
    std::optional<std::vector<std::string>> strings(std::string_view name, Presence presence,
                                                    std::size_t max_items, std::size_t max_length);

    // A JSON object of 0..max_entries string members of at most max_length bytes each (a
    // processor's call parameters); an entry of another type is an error naming "name.key".
    std::map<std::string, std::string> stringMap(std::string_view name, Presence presence,
                                                 std::size_t max_entries, std::size_t max_length);

    // A JSON array of 0..max_items integers, each in [min, max].
    std::optional<std::vector<std::int64_t>> integers(std::string_view name, Presence presence,
                                                      std::size_t max_items, std::int64_t min,
                                                      std::int64_t max);

    // True when the field is present as JSON null (marks it read): "clear this value".
    bool isNull(std::string_view name);
    // A fixed-point decimal (string or number) with at most `decimals` places in [min, max]
    // (scaled values), e.g. fixed("rate_per_kwh", kOptional, 6, 0, ...).
    std::optional<std::int64_t> fixed(std::string_view name, Presence presence, int decimals,
                                      std::int64_t min, std::int64_t max);

    void addError(std::string field, std::string code, std::string message);
    void addError(const core::Error& error);  // appends the error's field entries
    // The collected problems (unknown fields included) or success.
    core::Status finish();

private:
    const core::JsonValue* take(std::string_view name, Presence presence);
    void wrongType(std::string_view name, std::string_view expected);

    const core::JsonValue& body_;
    std::set<std::string, std::less<>> seen_;
    core::Error error_;
    bool body_is_object_;
};

// Parses a request body as JSON; an empty body reads as {}.
core::Result<core::JsonValue> parseBody(const std::string& body);

// Query parameters of a non-list route: anything not in `allowed` is a 422 naming it.
core::Status onlyParameters(const std::map<std::string, std::string>& query,
                            std::initializer_list<std::string_view> allowed);

// Query parameters: `allowed` lists the accepted names besides limit and starting_after;
// anything else is a 422 naming the parameter.
core::Result<storage::PageRequest> pageRequest(const std::map<std::string, std::string>& query,
                                               std::initializer_list<std::string_view> allowed);

}  // namespace billwright::http
