#pragma once

#include <optional>
#include <string_view>

namespace billwright::scripting {

// What a tenant script is for. Each kind has one entry function the script must define as a
// global, and one result contract (script_results.h).
enum class ScriptKind { kRate, kFees, kInvoiceAdjust };

// "rate", "fees", "invoice_adjust": the name in the API and in storage.
std::string_view kindName(ScriptKind kind);
std::optional<ScriptKind> parseKind(std::string_view name);

// The global function the script must define: "rate", "fees", "invoice_adjust".
std::string_view entryFunction(ScriptKind kind);

}  // namespace billwright::scripting
