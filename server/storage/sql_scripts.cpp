#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;

constexpr std::string_view kScriptColumns =
    "tenant_id, name, kind, latest_version, active_version, active_kind, previous_version, "
    "failures, quarantined_at, last_failure_code, last_failure_message, last_failure_line, "
    "last_failure_at, created_at, updated_at";

SqlParams scriptValues(const ScriptRecord& s) {
    // active_kind is the kind while a version is active and NULL otherwise: the unique key
    // (tenant_id, active_kind) allows one active script per kind.
    return {s.tenant_id,
            s.name,
            s.kind,
            s.latest_version,
            sqlOptional(s.active_version),
            s.active_version ? SqlValue{s.kind} : sqlNull(),
            sqlOptional(s.previous_version),
            s.failures,
            optionalTime(s.quarantined_at),
            sqlOptional(s.last_failure_code),
            sqlOptional(s.last_failure_message),
            sqlOptional(s.last_failure_line),
            optionalTime(s.last_failure_at),
            unix(s.created_at),
            unix(s.updated_at)};
}

ScriptRecord scriptFrom(const SqlRow& r) {
    ScriptRecord s;
    s.tenant_id = r.getString(0);
    s.name = r.getString(1);
    s.kind = r.getString(2);
    s.latest_version = r.getInt(3);
    s.active_version = r.getOptionalInt(4);
    s.previous_version = r.getOptionalInt(6);
    s.failures = r.getInt(7);
    s.quarantined_at = timeFrom(r.getOptionalInt(8));
    s.last_failure_code = r.getOptionalString(9);
    s.last_failure_message = r.getOptionalString(10);
    s.last_failure_line = r.getOptionalInt(11);
    s.last_failure_at = timeFrom(r.getOptionalInt(12));
    s.created_at = fromUnix(r.getInt(13));
    s.updated_at = fromUnix(r.getInt(14));
    return s;
}

class SqlScripts final : public ScriptRepository {
public:
    explicit SqlScripts(Connection& c) : c_(c) {}

    std::optional<ScriptRecord> find(std::string_view tenant_id, std::string_view name) override {
        const auto rows = c_.query(
            "SELECT " + text(kScriptColumns) + " FROM scripts WHERE tenant_id = ? AND name = ?",
            {text(tenant_id), text(name)});
        if (rows.empty()) return std::nullopt;
        return scriptFrom(rows[0]);
    }

    std::vector<ScriptRecord> list(std::string_view tenant_id) override {
        std::vector<ScriptRecord> out;
        for (const auto& r : c_.query("SELECT " + text(kScriptColumns) +
                                          " FROM scripts WHERE tenant_id = ? ORDER BY name",
                                      {text(tenant_id)}))
            out.push_back(scriptFrom(r));
        return out;
    }

    std::vector<ScriptRecord> active(std::string_view tenant_id) override {
        std::vector<ScriptRecord> out;
        for (const auto& r : c_.query("SELECT " + text(kScriptColumns) +
                                          " FROM scripts WHERE tenant_id = ? AND active_kind IS "
                                          "NOT NULL ORDER BY active_kind",
                                      {text(tenant_id)}))
            out.push_back(scriptFrom(r));
        return out;
    }

    void insert(const ScriptRecord& s) override {
        insertRow(c_, "scripts", kScriptColumns, scriptValues(s));
    }

    void update(const ScriptRecord& s) override {
        auto values = scriptValues(s);
        values.erase(values.begin(), values.begin() + 2);
        updateRow(c_, "scripts", kScriptColumns, std::move(values), s.tenant_id, s.name);
    }

    void insertVersion(const ScriptVersion& v) override {
        c_.execute(
            "INSERT INTO script_versions (tenant_id, name, version, kind, source, sha256, author, "
            "examples_run, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {v.tenant_id, v.name, v.version, v.kind, v.source, v.sha256, v.author, v.examples_run,
             unix(v.created_at)});
    }

    std::optional<ScriptVersion> version(std::string_view tenant_id, std::string_view name,
                                         std::int64_t version) override {
        const auto rows = c_.query(
            "SELECT tenant_id, name, version, kind, sha256, author, examples_run, created_at, "
            "source FROM script_versions WHERE tenant_id = ? AND name = ? AND version = ?",
            {text(tenant_id), text(name), version});
        if (rows.empty()) return std::nullopt;
        auto v = versionFrom(rows[0]);
        v.source = rows[0].getString(8);
        return v;
    }

    std::vector<ScriptVersion> versions(std::string_view tenant_id,
                                        std::string_view name) override {
        std::vector<ScriptVersion> out;
        for (const auto& r :
             c_.query("SELECT tenant_id, name, version, kind, sha256, author, examples_run, "
                      "created_at FROM script_versions WHERE tenant_id = ? AND name = ? ORDER BY "
                      "version DESC",
                      {text(tenant_id), text(name)}))
            out.push_back(versionFrom(r));
        return out;
    }

    std::optional<ScriptLimitsRow> limits(std::string_view tenant_id) override {
        const auto rows = c_.query(
            "SELECT tenant_id, instructions, memory_bytes, wall_ms, max_call_depth, "
            "max_source_bytes, quarantine_after, updated_at FROM script_limits WHERE tenant_id = ?",
            {text(tenant_id)});
        if (rows.empty()) return std::nullopt;
        const auto& r = rows[0];
        ScriptLimitsRow l;
        l.tenant_id = r.getString(0);
        l.instructions = r.getInt(1);
        l.memory_bytes = r.getInt(2);
        l.wall_ms = r.getInt(3);
        l.max_call_depth = r.getInt(4);
        l.max_source_bytes = r.getInt(5);
        l.quarantine_after = r.getInt(6);
        l.updated_at = fromUnix(r.getInt(7));
        return l;
    }

    void putLimits(const ScriptLimitsRow& l) override {
        c_.execute("DELETE FROM script_limits WHERE tenant_id = ?", {l.tenant_id});
        c_.execute(
            "INSERT INTO script_limits (tenant_id, instructions, memory_bytes, wall_ms, "
            "max_call_depth, max_source_bytes, quarantine_after, updated_at) VALUES (?, ?, ?, ?, "
            "?, ?, ?, ?)",
            {l.tenant_id, l.instructions, l.memory_bytes, l.wall_ms, l.max_call_depth,
             l.max_source_bytes, l.quarantine_after, unix(l.updated_at)});
    }

    void clearLimits(std::string_view tenant_id) override {
        c_.execute("DELETE FROM script_limits WHERE tenant_id = ?", {text(tenant_id)});
    }

private:
    static ScriptVersion versionFrom(const SqlRow& r) {
        ScriptVersion v;
        v.tenant_id = r.getString(0);
        v.name = r.getString(1);
        v.version = r.getInt(2);
        v.kind = r.getString(3);
        v.sha256 = r.getString(4);
        v.author = r.getString(5);
        v.examples_run = r.getInt(6);
        v.created_at = fromUnix(r.getInt(7));
        return v;
    }

    Connection& c_;
};

}  // namespace

std::unique_ptr<ScriptRepository> makeSqlScripts(Connection& c) {
    return std::make_unique<SqlScripts>(c);
}

}  // namespace billwright::storage
