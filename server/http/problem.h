#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "http/request.h"

namespace billwright::http {

struct ProblemKind {
    int status;
    std::string_view title;
};

// The one table from error code to HTTP status and title.
ProblemKind problemKind(core::ErrorCode code);

// An RFC 9457 application/problem+json response:
// {"type", "title", "status", "code", "detail", "request_id", "errors":
// [{"field","code","message"}]}
Response problemResponse(const core::Error& error, const std::string& request_id);

}  // namespace billwright::http
