#include "services/scripts.h"

#include <algorithm>
#include <cctype>
#include <variant>

#include "domain/decimal.h"
#include "scripting/program.h"
#include "scripting/script_results.h"
#include "scripting/script_validation.h"
#include "services/audit.h"
#include "services/crypto.h"

namespace billwright::services {

using core::Error;
using core::JsonValue;
using scripting::ScriptKind;

namespace {

constexpr std::size_t kMaxNameChars = 64;

bool validName(const std::string& name) {
    if (name.empty() || name.size() > kMaxNameChars) return false;
    if (!std::islower(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return std::islower(c) || std::isdigit(c) || c == '_' || c == '-';
    });
}

Error notFound() { return Error::notFound("script"); }

JsonValue optionalTime(const std::optional<core::SysSeconds>& t) {
    return t ? JsonValue::string(core::formatTimestamp(*t)) : JsonValue::null();
}

// The limits as stored for a tenant, or the defaults.
TenantScriptLimits fromRow(const storage::ScriptLimitsRow& row) {
    TenantScriptLimits out;
    out.custom = true;
    out.limits.instructions = row.instructions;
    out.limits.memory_bytes = static_cast<std::size_t>(row.memory_bytes);
    out.limits.wall_ms = row.wall_ms;
    out.limits.max_call_depth = static_cast<int>(row.max_call_depth);
    out.limits.max_source_bytes = static_cast<std::size_t>(row.max_source_bytes);
    out.quarantine_after = row.quarantine_after;
    return out;
}

}  // namespace

Error scriptProblem(const scripting::ScriptFailure& failure, std::string detail) {
    Error e = Error::validation("source", failure.code, failure.message);
    e.fields.back().line = failure.line
                               ? std::optional<std::size_t>(static_cast<std::size_t>(*failure.line))
                               : std::nullopt;
    e.detail = std::move(detail);
    return e;
}

Scripts::Scripts(storage::Store& store, const core::Clock& clock, core::Metrics& metrics,
                 ScriptDefaults defaults)
    : store_(store), clock_(clock), metrics_(metrics), defaults_(std::move(defaults)) {
    metrics_.describe("billwright_script_failures_total", "counter",
                      "Tenant script calls that failed, by script kind and failure code");
}

TenantScriptLimits Scripts::limitsIn(storage::UnitOfWork& uow, const std::string& tenant_id) {
    if (const auto row = uow.scripts().limits(tenant_id)) return fromRow(*row);
    TenantScriptLimits out;
    out.limits = defaults_.limits;
    out.quarantine_after = defaults_.quarantine_after;
    return out;
}

core::Result<ScriptView> Scripts::viewOf(storage::UnitOfWork& uow, const std::string& tenant_id,
                                         const std::string& name) {
    auto script = uow.scripts().find(tenant_id, name);
    if (!script) return notFound();
    return ScriptView{std::move(*script), uow.scripts().versions(tenant_id, name)};
}

core::Result<ScriptView> Scripts::upload(const Actor& actor, const std::string& tenant_id,
                                         const std::string& name, const std::string& kind_text,
                                         const std::string& source) {
    if (!validName(name))
        return Error::validation("name", "invalid_format",
                                 "a script name is 1-64 characters: a-z first, then a-z, 0-9, _ "
                                 "or -");
    const auto kind = scripting::parseKind(kind_text);
    if (!kind)
        return Error::validation("kind", "invalid_enum",
                                 "must be one of rate, fees, invoice_adjust");
    const auto limits =
        store_.read([&](storage::UnitOfWork& uow) { return limitsIn(uow, tenant_id); });
    // Validated outside any transaction: the script runs under the tenant's limits.
    const auto report = scripting::validateScript(*kind, source, limits.limits);
    if (!report.ok()) {
        Error e = scriptProblem(report.problems.front(), "the script did not pass validation");
        for (std::size_t i = 1; i < report.problems.size(); ++i) {
            const auto& p = report.problems[i];
            e.fields.emplace_back(
                "source", p.code, p.message,
                p.line ? std::optional<std::size_t>(static_cast<std::size_t>(*p.line))
                       : std::nullopt);
        }
        return e;
    }
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ScriptView> {
        if (!uow.tenants().find(tenant_id)) return Error::notFound("tenant");
        const auto now = clock_.nowSeconds();
        auto existing = uow.scripts().find(tenant_id, name);
        storage::ScriptRecord script;
        if (existing) {
            if (existing->kind != scripting::kindName(*kind))
                return Error::validation("kind", "kind_mismatch",
                                         "script " + name + " is a " + existing->kind +
                                             " script; upload under another name for another "
                                             "kind");
            script = *existing;
        } else {
            script.tenant_id = tenant_id;
            script.name = name;
            script.kind = std::string(scripting::kindName(*kind));
            script.created_at = now;
        }
        script.latest_version += 1;
        script.updated_at = now;
        if (existing) {
            uow.scripts().update(script);
        } else {
            uow.scripts().insert(script);
        }
        storage::ScriptVersion v;
        v.tenant_id = tenant_id;
        v.name = name;
        v.version = script.latest_version;
        v.kind = script.kind;
        v.source = source;
        v.sha256 = sha256Hex(source);
        v.author = actor.id;
        v.examples_run = report.examples_run;
        v.created_at = now;
        uow.scripts().insertVersion(v);
        JsonValue after = toJson(v);
        recordAudit(uow, actor, clock_, tenant_id, "script.uploaded", "script", name, std::nullopt,
                    after);
        return viewOf(uow, tenant_id, name);
    });
}

core::Result<ScriptView> Scripts::get(const std::string& tenant_id, const std::string& name) {
    return store_.read([&](storage::UnitOfWork& uow) { return viewOf(uow, tenant_id, name); });
}

std::vector<storage::ScriptRecord> Scripts::list(const std::string& tenant_id) {
    return store_.read([&](storage::UnitOfWork& uow) { return uow.scripts().list(tenant_id); });
}

core::Result<storage::ScriptVersion> Scripts::version(const std::string& tenant_id,
                                                      const std::string& name,
                                                      std::int64_t version) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<storage::ScriptVersion> {
        auto v = uow.scripts().version(tenant_id, name, version);
        if (!v) return Error::notFound("script version");
        return std::move(*v);
    });
}

core::Result<ScriptView> Scripts::activateIn(storage::UnitOfWork& uow, const Actor& actor,
                                             const std::string& tenant_id, const std::string& name,
                                             std::int64_t version, const std::string& action) {
    auto script = uow.scripts().find(tenant_id, name);
    if (!script) return notFound();
    if (!uow.scripts().version(tenant_id, name, version))
        return Error::validation("version", "not_found",
                                 "script " + name + " has no version " + std::to_string(version));
    const auto before = toJson(*script);
    const auto now = clock_.nowSeconds();
    // One active script per kind: the one active now steps aside (audited).
    for (auto& other : uow.scripts().active(tenant_id)) {
        if (other.kind == script->kind && other.name != name) deactivateIn(uow, actor, other);
    }
    if (script->active_version != version) script->previous_version = script->active_version;
    script->active_version = version;
    script->failures = 0;
    script->quarantined_at.reset();
    script->updated_at = now;
    uow.scripts().update(*script);
    recordAudit(uow, actor, clock_, tenant_id, action, "script", name, before, toJson(*script));
    return viewOf(uow, tenant_id, name);
}

core::Result<ScriptView> Scripts::activate(const Actor& actor, const std::string& tenant_id,
                                           const std::string& name,
                                           std::optional<std::int64_t> version) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ScriptView> {
        const auto script = uow.scripts().find(tenant_id, name);
        if (!script) return notFound();
        return activateIn(uow, actor, tenant_id, name, version.value_or(script->latest_version),
                          "script.activated");
    });
}

core::Result<ScriptView> Scripts::rollback(const Actor& actor, const std::string& tenant_id,
                                           const std::string& name,
                                           std::optional<std::int64_t> version) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ScriptView> {
        const auto script = uow.scripts().find(tenant_id, name);
        if (!script) return notFound();
        std::optional<std::int64_t> target = version;
        if (!target) target = script->previous_version;
        if (!target && script->active_version && *script->active_version > 1)
            target = *script->active_version - 1;
        if (!target)
            return Error::validation(
                "version", "nothing_to_roll_back",
                "script " + name + " has no earlier version to roll back to; name one");
        if (script->active_version && *target == *script->active_version)
            return Error::validation("version", "already_active",
                                     "version " + std::to_string(*target) + " is active");
        return activateIn(uow, actor, tenant_id, name, *target, "script.rolled_back");
    });
}

void Scripts::deactivateIn(storage::UnitOfWork& uow, const Actor& actor,
                           storage::ScriptRecord& script) {
    const auto before = toJson(script);
    script.previous_version = script.active_version;
    script.active_version.reset();
    script.failures = 0;
    script.quarantined_at.reset();
    script.updated_at = clock_.nowSeconds();
    uow.scripts().update(script);
    recordAudit(uow, actor, clock_, script.tenant_id, "script.deactivated", "script", script.name,
                before, toJson(script));
}

core::Result<ScriptView> Scripts::deactivate(const Actor& actor, const std::string& tenant_id,
                                             const std::string& name) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ScriptView> {
        auto script = uow.scripts().find(tenant_id, name);
        if (!script) return notFound();
        if (script->active_version) deactivateIn(uow, actor, *script);
        return viewOf(uow, tenant_id, name);
    });
}

core::Result<TenantScriptLimits> Scripts::limits(const std::string& tenant_id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<TenantScriptLimits> {
        if (!uow.tenants().find(tenant_id)) return Error::notFound("tenant");
        return limitsIn(uow, tenant_id);
    });
}

core::Result<TenantScriptLimits> Scripts::setLimits(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const JsonValue& patch) {
    if (!patch.isObject() && !patch.isNull())
        return Error::validation("", "wrong_type", "the body must be an object or null");
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<TenantScriptLimits> {
        if (!uow.tenants().find(tenant_id)) return Error::notFound("tenant");
        const auto before = limitsIn(uow, tenant_id);
        TenantScriptLimits next = before;
        Error problems{
            core::ErrorCode::kValidationFailed, "the script limits were not changed", {}};
        if (patch.isObject()) {
            for (const auto& [key, value] : patch.members()) {
                const auto n = value.asInt64();
                if (!n) {
                    problems.fields.emplace_back(key, "wrong_type", "must be an integer");
                    continue;
                }
                if (key == "instructions") {
                    next.limits.instructions = *n;
                } else if (key == "memory_bytes") {
                    next.limits.memory_bytes =
                        static_cast<std::size_t>(std::max<std::int64_t>(0, *n));
                } else if (key == "wall_ms") {
                    next.limits.wall_ms = *n;
                } else if (key == "max_call_depth") {
                    next.limits.max_call_depth =
                        static_cast<int>(std::clamp<std::int64_t>(*n, -1, 1'000'000));
                } else if (key == "max_source_bytes") {
                    next.limits.max_source_bytes =
                        static_cast<std::size_t>(std::max<std::int64_t>(0, *n));
                } else if (key == "quarantine_after") {
                    if (*n < 1 || *n > 1000)
                        problems.fields.emplace_back(key, "out_of_range", "must be 1 to 1000");
                    next.quarantine_after = *n;
                } else {
                    problems.fields.emplace_back(key, "unknown_field", "not a script limit");
                }
            }
            if (auto checked = scripting::validateLimits(next.limits); !checked.ok()) {
                for (auto f : checked.error().fields) {
                    if (f.field.rfind("limits.", 0) == 0) f.field = f.field.substr(7);
                    problems.fields.push_back(std::move(f));
                }
            }
        }
        if (!problems.fields.empty()) return problems;
        if (patch.isNull()) {
            // Back to the operator's defaults.
            next.limits = defaults_.limits;
            next.quarantine_after = defaults_.quarantine_after;
            next.custom = false;
        } else {
            next.custom = true;
        }
        storage::ScriptLimitsRow row;
        row.tenant_id = tenant_id;
        row.instructions = next.limits.instructions;
        row.memory_bytes = static_cast<std::int64_t>(next.limits.memory_bytes);
        row.wall_ms = next.limits.wall_ms;
        row.max_call_depth = next.limits.max_call_depth;
        row.max_source_bytes = static_cast<std::int64_t>(next.limits.max_source_bytes);
        row.quarantine_after = next.quarantine_after;
        row.updated_at = clock_.nowSeconds();
        if (next.custom) {
            uow.scripts().putLimits(row);
        } else {
            uow.scripts().clearLimits(tenant_id);
        }
        recordAudit(uow, actor, clock_, tenant_id, "script_limits.updated", "tenant", tenant_id,
                    toJson(before), toJson(next));
        return next;
    });
}

core::Result<RunnableScript> Scripts::runnable(storage::UnitOfWork& uow,
                                               const std::string& tenant_id,
                                               const std::string& name,
                                               std::optional<std::int64_t> version) {
    const auto script = uow.scripts().find(tenant_id, name);
    if (!script) return notFound();
    const std::int64_t wanted =
        version.value_or(script->active_version.value_or(script->latest_version));
    auto v = uow.scripts().version(tenant_id, name, wanted);
    if (!v)
        return Error::validation("version", "not_found",
                                 "script " + name + " has no version " + std::to_string(wanted));
    RunnableScript out;
    out.name = name;
    out.version = wanted;
    out.kind = scripting::parseKind(script->kind).value_or(ScriptKind::kRate);
    out.source = std::move(v->source);
    out.limits = limitsIn(uow, tenant_id).limits;
    out.quarantined = script->quarantined_at.has_value() && script->active_version == wanted;
    return out;
}

ActiveScripts Scripts::active(storage::UnitOfWork& uow, const std::string& tenant_id) {
    ActiveScripts out;
    const auto scripts = uow.scripts().active(tenant_id);
    if (scripts.empty()) return out;
    const auto limits = limitsIn(uow, tenant_id);
    for (const auto& s : scripts) {
        const auto kind = scripting::parseKind(s.kind);
        auto v = uow.scripts().version(tenant_id, s.name, *s.active_version);
        if (!kind || !v) continue;
        RunnableScript r{s.name,        v->version,
                         *kind,         std::move(v->source),
                         limits.limits, s.quarantined_at.has_value()};
        if (*kind == ScriptKind::kRate) out.rate = std::move(r);
        if (*kind == ScriptKind::kInvoiceAdjust) out.adjust = std::move(r);
    }
    return out;
}

core::Result<JsonValue> Scripts::dryRunContext(const RunnableScript& script,
                                               const JsonValue& context) {
    if (!context.isObject()) return Error::validation("context", "wrong_type", "must be an object");
    auto loaded = scripting::Program::load(script.source, script.name, script.limits);
    if (auto* f = std::get_if<scripting::ScriptFailure>(&loaded)) {
        countFailure(script.kind, *f);
        return scriptProblem(*f, "the script failed to load");
    }
    auto& program = *std::get<std::unique_ptr<scripting::Program>>(loaded);
    auto called = program.call(scripting::entryFunction(script.kind), context,
                               scripting::ContextNumbers::kFloats);
    if (auto* f = std::get_if<scripting::ScriptFailure>(&called)) {
        countFailure(script.kind, *f);
        return scriptProblem(*f, "the script failed");
    }
    const JsonValue& raw = std::get<JsonValue>(called);
    JsonValue parsed;
    switch (script.kind) {
        case ScriptKind::kRate: {
            auto rate = scripting::rateResult(raw);
            if (!rate) {
                const auto f = scripting::resultFailure(rate.error());
                countFailure(script.kind, f);
                return scriptProblem(f, "the script's result was refused");
            }
            parsed = JsonValue::string(domain::formatFixed(*rate, 6));
            break;
        }
        case ScriptKind::kFees: {
            auto fees = scripting::feesResult(raw);
            if (!fees) {
                const auto f = scripting::resultFailure(fees.error());
                countFailure(script.kind, f);
                return scriptProblem(f, "the script's result was refused");
            }
            parsed = JsonValue::object();
            for (const auto& [k, v] : fees->fees_minor) parsed.set(k, JsonValue::number(v));
            break;
        }
        case ScriptKind::kInvoiceAdjust: {
            auto lines = scripting::invoiceAdjustResult(raw);
            if (!lines) {
                const auto f = scripting::resultFailure(lines.error());
                countFailure(script.kind, f);
                return scriptProblem(f, "the script's result was refused");
            }
            parsed = JsonValue::array();
            for (const auto& l : *lines) {
                JsonValue o = JsonValue::object();
                o.set("kind", JsonValue::string(l.kind));
                o.set("description", JsonValue::string(l.description));
                o.set("amount_minor", JsonValue::number(l.amount_minor));
                o.set("taxable", JsonValue::boolean(l.taxable));
                parsed.push(std::move(o));
            }
            break;
        }
    }
    JsonValue out = JsonValue::object();
    out.set("script", JsonValue::string(script.name));
    out.set("version", JsonValue::number(script.version));
    out.set("kind", JsonValue::string(std::string(scripting::kindName(script.kind))));
    out.set("result", std::move(parsed));
    out.set("raw", raw);
    out.set("instructions", JsonValue::number(program.instructionsUsed()));
    out.set("memory_bytes", JsonValue::number(static_cast<std::int64_t>(program.memoryInUse())));
    return out;
}

void Scripts::countFailure(ScriptKind kind, const scripting::ScriptFailure& failure) {
    metrics_.increment("billwright_script_failures_total",
                       {{"kind", std::string(scripting::kindName(kind))}, {"code", failure.code}});
}

void Scripts::recordFailures(storage::UnitOfWork& uow, const Actor& actor,
                             const std::string& tenant_id,
                             const std::vector<ScriptFailureRecord>& failures,
                             const std::string& object_type, const std::string& object_id) {
    if (failures.empty()) return;
    const auto threshold = limitsIn(uow, tenant_id).quarantine_after;
    const auto now = clock_.nowSeconds();
    // One invoice counts once towards a script's quarantine, however many of its contracts
    // the failure stopped (a tripped limit stays tripped for the rest of the invoice).
    std::vector<std::pair<std::string, std::int64_t>> counted;
    for (const auto& f : failures) {
        countFailure(f.kind, f.failure);
        const std::pair<std::string, std::int64_t> key{f.name, f.version};
        const bool seen = std::find(counted.begin(), counted.end(), key) != counted.end();
        if (!seen) counted.push_back(key);
        JsonValue detail = JsonValue::object();
        detail.set("script", JsonValue::string(f.name));
        detail.set("version", JsonValue::number(f.version));
        detail.set("code", JsonValue::string(f.failure.code));
        detail.set("message", JsonValue::string(f.failure.message));
        if (f.failure.line) detail.set("line", JsonValue::number(*f.failure.line));
        if (f.contract_id) detail.set("contract_id", JsonValue::string(*f.contract_id));
        detail.set(object_type + "_id", JsonValue::string(object_id));
        auto script = uow.scripts().find(tenant_id, f.name);
        if (!seen && script && script->active_version == f.version) {
            script->failures += 1;
            script->last_failure_code = f.failure.code;
            script->last_failure_message = f.failure.message.substr(0, 1000);
            script->last_failure_line =
                f.failure.line ? std::optional<std::int64_t>(*f.failure.line) : std::nullopt;
            script->last_failure_at = now;
            const bool quarantine = !script->quarantined_at && script->failures >= threshold;
            if (quarantine) script->quarantined_at = now;
            script->updated_at = now;
            uow.scripts().update(*script);
            if (quarantine) {
                recordAudit(uow, actor, clock_, tenant_id, "script.quarantined", "script", f.name,
                            std::nullopt, toJson(*script));
            }
        }
        recordAudit(uow, actor, clock_, tenant_id, "script.failed", "script", f.name, std::nullopt,
                    detail);
    }
}

void Scripts::auditDryRunFailure(const Actor& actor, const std::string& tenant_id,
                                 const RunnableScript& script, const Error& problem) {
    if (problem.fields.empty() || problem.fields.front().field != "source") return;
    const auto& f = problem.fields.front();
    JsonValue detail = JsonValue::object();
    detail.set("script", JsonValue::string(script.name));
    detail.set("version", JsonValue::number(script.version));
    detail.set("code", JsonValue::string(f.code));
    detail.set("message", JsonValue::string(f.message.substr(0, 1000)));
    if (f.line) detail.set("line", JsonValue::number(static_cast<std::int64_t>(*f.line)));
    static_cast<void>(store_.write([&](storage::UnitOfWork& uow) -> core::Status {
        recordAudit(uow, actor, clock_, tenant_id, "script.dry_run_failed", "script", script.name,
                    std::nullopt, detail);
        return {};
    }));
}

JsonValue toJson(const storage::ScriptRecord& s) {
    JsonValue o = JsonValue::object();
    o.set("name", JsonValue::string(s.name));
    o.set("kind", JsonValue::string(s.kind));
    o.set("latest_version", JsonValue::number(s.latest_version));
    o.set("active_version",
          s.active_version ? JsonValue::number(*s.active_version) : JsonValue::null());
    o.set("previous_version",
          s.previous_version ? JsonValue::number(*s.previous_version) : JsonValue::null());
    o.set("status", JsonValue::string(!s.active_version  ? "inactive"
                                      : s.quarantined_at ? "quarantined"
                                                         : "active"));
    o.set("failures", JsonValue::number(s.failures));
    o.set("quarantined_at", optionalTime(s.quarantined_at));
    if (s.last_failure_code) {
        JsonValue f = JsonValue::object();
        f.set("code", JsonValue::string(*s.last_failure_code));
        f.set("message", JsonValue::string(s.last_failure_message.value_or("")));
        f.set("line",
              s.last_failure_line ? JsonValue::number(*s.last_failure_line) : JsonValue::null());
        f.set("at", optionalTime(s.last_failure_at));
        o.set("last_failure", std::move(f));
    } else {
        o.set("last_failure", JsonValue::null());
    }
    o.set("created_at", JsonValue::string(core::formatTimestamp(s.created_at)));
    o.set("updated_at", JsonValue::string(core::formatTimestamp(s.updated_at)));
    return o;
}

JsonValue toJson(const ScriptView& view) {
    JsonValue o = toJson(view.script);
    JsonValue versions = JsonValue::array();
    for (const auto& v : view.versions) versions.push(toJson(v));
    o.set("versions", std::move(versions));
    return o;
}

JsonValue toJson(const storage::ScriptVersion& v) {
    JsonValue o = JsonValue::object();
    o.set("name", JsonValue::string(v.name));
    o.set("version", JsonValue::number(v.version));
    o.set("kind", JsonValue::string(v.kind));
    o.set("sha256", JsonValue::string(v.sha256));
    o.set("author", JsonValue::string(v.author));
    o.set("examples_run", JsonValue::number(v.examples_run));
    o.set("created_at", JsonValue::string(core::formatTimestamp(v.created_at)));
    if (!v.source.empty()) o.set("source", JsonValue::string(v.source));
    return o;
}

JsonValue toJson(const TenantScriptLimits& l) {
    JsonValue o = JsonValue::object();
    o.set("instructions", JsonValue::number(l.limits.instructions));
    o.set("memory_bytes", JsonValue::number(static_cast<std::int64_t>(l.limits.memory_bytes)));
    o.set("wall_ms", JsonValue::number(l.limits.wall_ms));
    o.set("max_call_depth", JsonValue::number(l.limits.max_call_depth));
    o.set("max_source_bytes",
          JsonValue::number(static_cast<std::int64_t>(l.limits.max_source_bytes)));
    o.set("quarantine_after", JsonValue::number(l.quarantine_after));
    o.set("custom", JsonValue::boolean(l.custom));
    return o;
}

}  // namespace billwright::services
