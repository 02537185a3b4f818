#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "domain/telemetry.h"
#include "services/actor.h"
#include "storage/repositories.h"

namespace billwright::services {

struct TelemetryOptions {
    std::int64_t future_tolerance_seconds = 300;  // later timestamps are rejected
    std::int64_t max_hold_seconds = 7200;         // passed to billing methods
    std::size_t max_rows = 500000;                // per request
};

// The outcome of one POST /v1/telemetry. Each row is judged on its own: good rows are stored
// even when others are rejected (a device resending a batch is safe, since duplicates are
// stored once), and every rejected row is reported with its line.
struct IngestReport {
    std::size_t received = 0;    // data rows in the body
    std::size_t stored = 0;      // new samples
    std::size_t duplicates = 0;  // identical to a stored sample (or repeated in the batch)
    std::vector<domain::TelemetryRowError> rejected;  // one entry per bad field, by line
    std::size_t rejected_rows = 0;
};

struct UncontractedReport {
    std::int64_t count = 0;                             // all of them, for the dashboard badge
    std::vector<storage::UncontractedEquipment> items;  // the first `limit`, by id
};

class Telemetry {
public:
    Telemetry(storage::Store& store, const core::Clock& clock, TelemetryOptions options);

    // The body is NDJSON or CSV (domain/telemetry.h). A CSV header problem, or a body where
    // every row is rejected, is a 422 listing the rows; nothing is stored then.
    core::Result<IngestReport> ingest(const Actor& actor, const std::string& tenant_id,
                                      std::string_view body, domain::TelemetryFormat format);

    // Equipment that hashed (a hashrate sample > 0 at or after now - window) and is in no active
    // contract, not retired.
    UncontractedReport uncontracted(const std::string& tenant_id, std::int64_t window_seconds,
                                    std::size_t limit);

    const TelemetryOptions& options() const { return options_; }

private:
    storage::Store& store_;
    const core::Clock& clock_;
    TelemetryOptions options_;
};

}  // namespace billwright::services
