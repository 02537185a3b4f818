#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "core/metrics.h"
#include "scripting/limits.h"
#include "scripting/script_failure.h"
#include "scripting/script_kind.h"
#include "services/actor.h"
#include "storage/repositories.h"

namespace billwright::services {

// The operator's defaults for tenants without limits of their own (`scripts.*` settings).
struct ScriptDefaults {
    scripting::Limits limits;
    // Failures of an active script before it is quarantined (not used until activated again).
    std::int64_t quarantine_after = 5;
};

struct TenantScriptLimits {
    scripting::Limits limits;
    std::int64_t quarantine_after = 0;
    bool custom = false;  // set for this tenant rather than the operator's defaults
};

// One script with its versions (newest first, without sources).
struct ScriptView {
    storage::ScriptRecord script;
    std::vector<storage::ScriptVersion> versions;
};

// A version of a tenant script, ready to load into a scripting::Program.
struct RunnableScript {
    std::string name;
    std::int64_t version = 0;
    scripting::ScriptKind kind = scripting::ScriptKind::kRate;
    std::string source;
    scripting::Limits limits;
    bool quarantined = false;
};

struct ActiveScripts {
    std::optional<RunnableScript> rate;
    std::optional<RunnableScript> adjust;
};

// A script failure met while computing an invoice, kept until the invoice is written.
struct ScriptFailureRecord {
    std::string name;
    std::int64_t version = 0;
    scripting::ScriptKind kind = scripting::ScriptKind::kRate;
    scripting::ScriptFailure failure;
    std::optional<std::string> contract_id;
};

// Tenant Lua scripts: upload (validated: compiles, defines the kind's function, passes its
// declared examples), versions, activation (one active script per kind), rollback, limits,
// supplied-context dry runs, and the failure record that quarantines a script that keeps
// failing. Each failure counts in the metric billwright_script_failures_total{kind,code}.
class Scripts {
public:
    Scripts(storage::Store& store, const core::Clock& clock, core::Metrics& metrics,
            ScriptDefaults defaults);

    // A new version of `name` (created on its first upload). `kind` must match the script's
    // kind once it exists. Refused with a 422 listing every validation problem (field
    // "source", code = the failure code, with its line); nothing is stored then.
    core::Result<ScriptView> upload(const Actor& actor, const std::string& tenant_id,
                                    const std::string& name, const std::string& kind,
                                    const std::string& source);
    core::Result<ScriptView> get(const std::string& tenant_id, const std::string& name);
    std::vector<storage::ScriptRecord> list(const std::string& tenant_id);
    // With its source.
    core::Result<storage::ScriptVersion> version(const std::string& tenant_id,
                                                 const std::string& name, std::int64_t version);
    // Makes `version` (default: the latest) the active one, clears the failure count and any
    // quarantine; another active script of the same kind is deactivated.
    core::Result<ScriptView> activate(const Actor& actor, const std::string& tenant_id,
                                      const std::string& name, std::optional<std::int64_t> version);
    // Activates `version`, or by default the version active before the current one.
    core::Result<ScriptView> rollback(const Actor& actor, const std::string& tenant_id,
                                      const std::string& name, std::optional<std::int64_t> version);
    core::Result<ScriptView> deactivate(const Actor& actor, const std::string& tenant_id,
                                        const std::string& name);

    core::Result<TenantScriptLimits> limits(const std::string& tenant_id);
    // A patch of instructions, memory_bytes, wall_ms, max_call_depth, max_source_bytes,
    // quarantine_after (super-admins only; checked by the handler). null resets to defaults.
    core::Result<TenantScriptLimits> setLimits(const Actor& actor, const std::string& tenant_id,
                                               const core::JsonValue& patch);

    // `version` (default: the active one, else the latest) of `name`, ready to run.
    core::Result<RunnableScript> runnable(storage::UnitOfWork& uow, const std::string& tenant_id,
                                          const std::string& name,
                                          std::optional<std::int64_t> version);
    // The tenant's active scripts the invoice engine uses (quarantined ones included, marked).
    ActiveScripts active(storage::UnitOfWork& uow, const std::string& tenant_id);

    // Runs `script`'s entry function with a supplied context and parses the result by kind:
    // {"result": ..., "raw": ..., "instructions": n} or a 422 naming the failure (field
    // "source" for script failures with their line, "result..." for result contract errors).
    core::Result<core::JsonValue> dryRunContext(const RunnableScript& script,
                                                const core::JsonValue& context);

    // Counts each failure in the metric, records it on the script (audit event
    // "script.failed" naming `object_type`/`object_id` the failure happened for), and
    // quarantines the script once it reaches the tenant's threshold. Inside the caller's
    // write transaction.
    void recordFailures(storage::UnitOfWork& uow, const Actor& actor, const std::string& tenant_id,
                        const std::vector<ScriptFailureRecord>& failures,
                        const std::string& object_type, const std::string& object_id);
    void countFailure(scripting::ScriptKind kind, const scripting::ScriptFailure& failure);
    // The audit event "script.dry_run_failed" for a dry run refused with `problem` (a script
    // failure: field "source" or "result..."); other problems are not the script's.
    void auditDryRunFailure(const Actor& actor, const std::string& tenant_id,
                            const RunnableScript& script, const core::Error& problem);

private:
    TenantScriptLimits limitsIn(storage::UnitOfWork& uow, const std::string& tenant_id);
    core::Result<ScriptView> viewOf(storage::UnitOfWork& uow, const std::string& tenant_id,
                                    const std::string& name);
    // No version active any more (the failure count and quarantine go with it); audited.
    void deactivateIn(storage::UnitOfWork& uow, const Actor& actor, storage::ScriptRecord& script);
    core::Result<ScriptView> activateIn(storage::UnitOfWork& uow, const Actor& actor,
                                        const std::string& tenant_id, const std::string& name,
                                        std::int64_t version, const std::string& action);

    storage::Store& store_;
    const core::Clock& clock_;
    core::Metrics& metrics_;
    ScriptDefaults defaults_;
};

core::JsonValue toJson(const storage::ScriptRecord& script);
core::JsonValue toJson(const ScriptView& view);
// With the source when it is set.
core::JsonValue toJson(const storage::ScriptVersion& version);
core::JsonValue toJson(const TenantScriptLimits& limits);
// A failure as a problem's field error: field "source", code = failure code, line.
core::Error scriptProblem(const scripting::ScriptFailure& failure, std::string detail);

}  // namespace billwright::services
