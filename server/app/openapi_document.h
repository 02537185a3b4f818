#pragma once

#include <string_view>

namespace billwright::app {

// docs/openapi.yaml, embedded at build time and served at /v1/openapi.yaml.
std::string_view openapiDocument();

}  // namespace billwright::app
