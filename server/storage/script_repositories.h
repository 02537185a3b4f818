#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace billwright::storage {

// Tenant Lua scripts (issue 6): a named script of one kind, every uploaded version, and the
// tenant's sandbox limits. Kinds and limits are plain values here; services/scripts.cpp owns
// their meaning.

struct ScriptRecord {
    std::string tenant_id;
    std::string name;
    std::string kind;  // "rate", "fees", "invoice_adjust"
    std::int64_t latest_version = 0;
    std::optional<std::int64_t> active_version;
    // The version active before the last activation: what a rollback goes back to.
    std::optional<std::int64_t> previous_version;
    // Failures of the active version since it was activated; at the tenant's threshold the
    // script is quarantined (not used) until activated again.
    std::int64_t failures = 0;
    std::optional<core::SysSeconds> quarantined_at;
    std::optional<std::string> last_failure_code;
    std::optional<std::string> last_failure_message;
    std::optional<std::int64_t> last_failure_line;
    std::optional<core::SysSeconds> last_failure_at;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

struct ScriptVersion {
    std::string tenant_id;
    std::string name;
    std::int64_t version = 0;
    std::string kind;
    std::string source;
    std::string sha256;  // hex, of the source
    std::string author;  // the key's actor name
    std::int64_t examples_run = 0;
    core::SysSeconds created_at{};
};

struct ScriptLimitsRow {
    std::string tenant_id;
    std::int64_t instructions = 0;
    std::int64_t memory_bytes = 0;
    std::int64_t wall_ms = 0;
    std::int64_t max_call_depth = 0;
    std::int64_t max_source_bytes = 0;
    std::int64_t quarantine_after = 0;
    core::SysSeconds updated_at{};
};

class ScriptRepository {
public:
    virtual ~ScriptRepository() = default;
    virtual std::optional<ScriptRecord> find(std::string_view tenant_id, std::string_view name) = 0;
    virtual std::vector<ScriptRecord> list(std::string_view tenant_id) = 0;
    // The scripts with an active version, quarantined or not: at most one per kind (a unique
    // key enforces it).
    virtual std::vector<ScriptRecord> active(std::string_view tenant_id) = 0;
    virtual void insert(const ScriptRecord& script) = 0;
    // Every column after the key. A second active script of one kind throws a DbError of kind
    // kUniqueViolation.
    virtual void update(const ScriptRecord& script) = 0;
    virtual void insertVersion(const ScriptVersion& version) = 0;
    virtual std::optional<ScriptVersion> version(std::string_view tenant_id, std::string_view name,
                                                 std::int64_t version) = 0;
    // Newest first, without their sources.
    virtual std::vector<ScriptVersion> versions(std::string_view tenant_id,
                                                std::string_view name) = 0;
    virtual std::optional<ScriptLimitsRow> limits(std::string_view tenant_id) = 0;
    virtual void putLimits(const ScriptLimitsRow& limits) = 0;
    // Back to the operator's defaults.
    virtual void clearLimits(std::string_view tenant_id) = 0;
};

}  // namespace billwright::storage
