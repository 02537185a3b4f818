#include "services/telemetry.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "core/random.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {

using core::Error;
using core::ErrorCode;

Telemetry::Telemetry(storage::Store& store, const core::Clock& clock, TelemetryOptions options)
    : store_(store), clock_(clock), options_(options) {}

core::Result<IngestReport> Telemetry::ingest(const Actor& actor, const std::string& tenant_id,
                                             std::string_view body,
                                             domain::TelemetryFormat format) {
    domain::TelemetryParse parsed = domain::parseTelemetry(body, format);
    IngestReport report;
    report.received = parsed.lines;
    const auto reject_all = [&](std::string detail, std::vector<domain::TelemetryRowError> rows) {
        Error e{ErrorCode::kValidationFailed, std::move(detail), {}};
        for (auto& r : rows) e.fields.push_back({r.field, r.code, r.message, r.line});
        return e;
    };
    if (parsed.fatal)
        return reject_all("the CSV header is unusable; nothing was stored", parsed.errors);
    if (parsed.lines > options_.max_rows) {
        return Error::validation("body", "too_many_rows",
                                 "a request takes at most " + std::to_string(options_.max_rows) +
                                     " rows; split the upload");
    }

    std::vector<domain::TelemetryRowError>& rejected = parsed.errors;
    const std::int64_t latest_allowed =
        clock_.nowSeconds().time_since_epoch().count() + options_.future_tolerance_seconds;

    std::size_t stored = 0;
    std::size_t duplicates = 0;
    auto written = store_.write([&](storage::UnitOfWork& uow) -> core::Status {
        // Resolve equipment ids and PDU ports against the tenant's equipment, once per batch.
        const auto refs = uow.equipment().refs(tenant_id);
        std::unordered_map<std::string_view, const storage::EquipmentRef*> by_id;
        std::unordered_map<std::string_view, const storage::EquipmentRef*> by_port;
        by_id.reserve(refs.size());
        for (const auto& ref : refs) {
            by_id.emplace(ref.id, &ref);
            if (ref.pdu_port) by_port.emplace(*ref.pdu_port, &ref);
        }
        std::vector<storage::SampleRow> rows;
        std::unordered_map<std::int64_t, const std::string*> ids_by_key;
        std::vector<std::size_t> lines;
        rows.reserve(parsed.rows.size());
        lines.reserve(parsed.rows.size());
        for (const auto& row : parsed.rows) {
            const storage::EquipmentRef* unit = nullptr;
            if (!row.equipment_id.empty()) {
                const auto it = by_id.find(row.equipment_id);
                if (it == by_id.end()) {
                    rejected.push_back({row.line, "equipment_id", "unknown_equipment",
                                        "no equipment with this id"});
                    continue;
                }
                unit = it->second;
            } else {
                const auto it = by_port.find(row.pdu_port);
                if (it == by_port.end()) {
                    rejected.push_back({row.line, "pdu_port", "unknown_equipment",
                                        "no equipment on this PDU port"});
                    continue;
                }
                unit = it->second;
            }
            if (row.ts > latest_allowed) {
                rejected.push_back({row.line, "ts", "in_future",
                                    "is more than " +
                                        std::to_string(options_.future_tolerance_seconds) +
                                        " seconds ahead of the server's clock"});
                continue;
            }
            rows.push_back({unit->sample_key, row.kind, row.ts, row.value});
            ids_by_key.emplace(unit->sample_key, &unit->id);
            lines.push_back(row.line);
        }
        if (rows.empty()) return Error{ErrorCode::kValidationFailed, "no rows to store", {}};

        std::vector<storage::SampleOutcome> outcomes;
        uow.telemetry().insertBatch(rows, outcomes);
        // The newest status change per unit in this batch may move the unit's status.
        std::unordered_map<std::int64_t, const storage::SampleRow*> newest_status;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            switch (outcomes[i]) {
                case storage::SampleOutcome::kStored:
                    ++stored;
                    if (rows[i].kind == domain::SampleKind::kStatus) {
                        auto& slot = newest_status[rows[i].equipment_key];
                        if (slot == nullptr || slot->ts < rows[i].ts) slot = &rows[i];
                    }
                    break;
                case storage::SampleOutcome::kDuplicate:
                    ++duplicates;
                    break;
                case storage::SampleOutcome::kConflict:
                    rejected.push_back({lines[i], "value", "conflicts_with_stored",
                                        "a different value is stored for this equipment, kind "
                                        "and timestamp; the stored value stays"});
                    break;
            }
        }
        const auto now = clock_.nowSeconds();
        for (const auto& [key, row] : newest_status) {
            const auto latest = uow.telemetry().latest(key, domain::SampleKind::kStatus);
            const std::string& equipment_id = *ids_by_key.at(key);
            if (!latest || latest->ts != row->ts) continue;  // an older change arrived late
            const auto unit = uow.equipment().find(tenant_id, equipment_id);
            if (!unit || unit->status == domain::EquipmentStatus::kMaintenance ||
                unit->status == domain::EquipmentStatus::kRetired) {
                continue;  // set by staff; telemetry does not override it
            }
            const auto status = row->value != 0 ? domain::EquipmentStatus::kOnline
                                                : domain::EquipmentStatus::kOffline;
            if (unit->status == status) continue;
            uow.equipment().setStatus(tenant_id, equipment_id, status, now);
            auto changed = *unit;
            changed.status = status;
            changed.updated_at = now;
            recordAudit(uow, actor, clock_, tenant_id, "equipment.status_reported", "equipment",
                        unit->id, toJson(*unit, std::nullopt), toJson(changed, std::nullopt));
        }
        core::JsonValue after = core::JsonValue::object();
        after.set("received", core::JsonValue::number(static_cast<std::int64_t>(report.received)))
            .set("stored", core::JsonValue::number(static_cast<std::int64_t>(stored)))
            .set("duplicates", core::JsonValue::number(static_cast<std::int64_t>(duplicates)));
        recordAudit(uow, actor, clock_, tenant_id, "telemetry.ingested", "telemetry_batch",
                    core::newId("tlm", unixMillis(clock_)), std::nullopt, std::move(after));
        return {};
    });

    std::stable_sort(rejected.begin(), rejected.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    std::size_t rejected_rows = 0;
    for (std::size_t i = 0; i < rejected.size(); ++i) {
        if (i == 0 || rejected[i].line != rejected[i - 1].line) ++rejected_rows;
    }
    if (!written.ok()) {
        if (written.error().code != ErrorCode::kValidationFailed) return std::move(written).error();
        return reject_all(report.received == 0 ? "the body has no telemetry rows"
                                               : "every row was rejected; nothing was stored",
                          std::move(rejected));
    }
    report.stored = stored;
    report.duplicates = duplicates;
    report.rejected_rows = rejected_rows;
    report.rejected = std::move(rejected);
    return report;
}

UncontractedReport Telemetry::uncontracted(const std::string& tenant_id,
                                           std::int64_t window_seconds, std::size_t limit) {
    const std::int64_t since = clock_.nowSeconds().time_since_epoch().count() - window_seconds;
    return store_
        .read([&](storage::UnitOfWork& uow) {
            UncontractedReport r;
            r.count = uow.equipment().countUncontracted(tenant_id, since);
            r.items = uow.equipment().listUncontracted(tenant_id, since, limit);
            return core::Result<UncontractedReport>(std::move(r));
        })
        .value();
}

}  // namespace billwright::services
