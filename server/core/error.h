#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace billwright::core {

// Stable error codes. The HTTP layer maps each one to a status, problem type and title in one
// table (http/problem.cpp); clients and tests match on the code, never on message text.
enum class ErrorCode {
    kValidationFailed,      // a field is wrong: unknown, wrong type, bad enum, out of range
    kMalformedRequest,      // the body is not parseable JSON, or a query string is unusable
    kUnauthenticated,       // no key, or a key that does not exist or was revoked
    kForbidden,             // the key's role may not do this
    kTenantSuspended,       // the key belongs to a suspended tenant
    kNotFound,              // no such object (or it belongs to another tenant)
    kRouteNotFound,         // no such path
    kMethodNotAllowed,      // the path exists, the method does not
    kConflict,              // a uniqueness rule or a concurrent change
    kInvalidTransition,     // a status change the state machine forbids
    kIdempotencyKeyReused,  // same Idempotency-Key, different request
    kIdempotencyKeyInFlight,
    kPayloadTooLarge,
    kUnsupportedMediaType,
    kUnavailable,       // a dependency (the database) is not reachable
    kPluginFailed,      // a plugin returned an error status (its id and message in the detail)
    kInvalidSignature,  // a webhook delivery whose signature or timestamp did not verify
    kInternal,
};

std::string_view errorCodeName(ErrorCode code);

struct FieldError {
    FieldError(std::string field_name, std::string field_code, std::string text,
               std::optional<std::size_t> line_number = std::nullopt)
        : field(std::move(field_name)),
          code(std::move(field_code)),
          message(std::move(text)),
          line(line_number) {}

    std::string field;  // JSON path of the offending field, e.g. "billing_day_of_month"
    std::string code;   // stable, e.g. "out_of_range", "unknown_field", "wrong_type"
    std::string message;
    // For uploads (CSV imports, telemetry): the 1-based line of the body the problem is on.
    std::optional<std::size_t> line;
};

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string detail;
    std::vector<FieldError> fields;

    static Error validation(std::string field, std::string field_code, std::string message);
    static Error notFound(std::string what);
    static Error conflict(std::string detail);
    static Error internal(std::string detail);
};

// A must-check result. Expected failures travel in it; exceptions are for programmer errors
// and infrastructure faults caught once per request or job run.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& { return std::get<1>(state_); }
    Error&& error() && { return std::get<1>(std::move(state_)); }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

// The greppable way to drop a result on purpose.
template <typename T>
void ignoreResult(const Result<T>&) {}

}  // namespace billwright::core
