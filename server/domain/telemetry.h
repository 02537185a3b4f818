#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace billwright::domain {

// Telemetry kinds. The stored value is a fixed-point integer with 3 decimals of the API unit
// (see domain/decimal.h): energy counter readings are cumulative Wh (kWh x 1000), power samples
// mW (W x 1000), hashrate samples milli-TH/s, status changes 1 = online, 0 = offline.
enum class SampleKind : std::int64_t { kEnergy = 1, kPower = 2, kHashrate = 3, kStatus = 4 };

struct Sample {
    std::int64_t ts = 0;  // Unix seconds, UTC
    std::int64_t value = 0;
};

// One telemetry row as sent to POST /v1/telemetry, before the equipment is resolved.
// NDJSON: one flat JSON object per line:
//   {"kind": "energy", "equipment_id": "eqp_...", "ts": "2026-11-01T00:00:00Z", "value":
//   "1234.567"}
//   {"kind": "status", "pdu_port": "PDU-A1/07", "ts": 1793491200, "value": "online"}
// CSV: a header line naming the columns (any order; kind, ts and value required, and
// equipment_id or pdu_port), then one row per line.
// Exactly one of equipment_id / pdu_port must be non-empty. ts is RFC 3339 (Z or an offset;
// fractional seconds truncated) or integer Unix seconds. value per kind, up to 3 decimals,
// as a JSON string or number: energy = cumulative kWh >= 0, power = W >= 0, hashrate = TH/s
// >= 0; status = "online" or "offline". Stored as SampleKind's fixed-point value.
struct TelemetryRow {
    std::size_t line = 0;  // 1-based line in the body
    SampleKind kind = SampleKind::kEnergy;
    std::string equipment_id;
    std::string pdu_port;
    std::int64_t ts = 0;
    std::int64_t value = 0;
};

struct TelemetryRowError {
    std::size_t line = 0;
    std::string field;  // "kind", "ts", "value", "equipment_id", ... or "" for the whole line
    std::string code;   // "required", "invalid_enum", "invalid_timestamp", "too_many_decimals",
                        // "out_of_range", "invalid_number", "malformed_json", "malformed_csv",
                        // "unknown_field", "ambiguous_equipment", "wrong_type"
    std::string message;
};

enum class TelemetryFormat { kNdjson, kCsv };

struct TelemetryParse {
    std::vector<TelemetryRow> rows;
    std::vector<TelemetryRowError> errors;  // one entry per bad field; lines in order
    std::size_t lines = 0;                  // data rows seen (blank lines excluded)
    // A CSV header problem (missing required column, unknown or repeated column) rejects the
    // whole body: `fatal` is set and `errors` names the header's line.
    bool fatal = false;
};

// Parses the whole body. Blank lines (NDJSON or CSV) are skipped. A row with any error is left
// out of `rows` and reported with every bad field; the other rows are still returned.
TelemetryParse parseTelemetry(std::string_view body, TelemetryFormat format);

// The API unit text for a stored value: "1234.567" (3 decimals) or "online"/"offline".
std::string telemetryValueText(SampleKind kind, std::int64_t value);
std::string_view sampleKindName(SampleKind kind);  // "energy", "power", "hashrate", "status"

}  // namespace billwright::domain
