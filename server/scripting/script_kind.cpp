#include "scripting/script_kind.h"

namespace billwright::scripting {

std::string_view kindName(ScriptKind kind) {
    switch (kind) {
        case ScriptKind::kRate:
            return "rate";
        case ScriptKind::kFees:
            return "fees";
        case ScriptKind::kInvoiceAdjust:
            return "invoice_adjust";
    }
    return "rate";
}

std::optional<ScriptKind> parseKind(std::string_view name) {
    for (ScriptKind kind : {ScriptKind::kRate, ScriptKind::kFees, ScriptKind::kInvoiceAdjust}) {
        if (kindName(kind) == name) return kind;
    }
    return std::nullopt;
}

// The entry function is named after the kind, so a tenant reading either never wonders.
std::string_view entryFunction(ScriptKind kind) { return kindName(kind); }

}  // namespace billwright::scripting
