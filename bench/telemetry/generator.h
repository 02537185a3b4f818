#pragma once

// Deterministic, realistic miner telemetry for the ingestion benchmark.
//
// A fleet of `miners` units reports every `interval_seconds` for `hours` hours, time-ordered the
// way a site collector posts it (every unit at one polling round, then the next round). Each
// round a unit sends a PDU energy counter reading (cumulative kWh), a power sample (W) and a
// hashrate sample (TH/s); on top of that:
//   - a status change ("online" first, then "offline"/"online" around occasional outages, during
//     which power drops to standby and hashrate to 0);
//   - occasional counter resets to 0 (a new segment: the counter never "goes back" otherwise);
//   - gaps: stretches of rounds where a unit sends nothing (its counter keeps counting), plus a
//     few single samples lost;
//   - duplicates: a small share of rows is resent one to three rounds later, byte-identical.
// Everything comes from one seeded generator, so the same options give the same rows.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// The server's SampleKind values (server/domain/telemetry.h) and fixed-point scale: 3 decimals.
enum class Kind : std::uint8_t { kEnergy = 1, kPower = 2, kHashrate = 3, kStatus = 4 };
const char* kindName(Kind kind);

struct GeneratorOptions {
    std::size_t miners = 2000;
    std::int64_t hours = 24;
    std::int64_t interval_seconds = 300;
    std::int64_t start = 1790812800;  // 2026-10-01T00:00:00Z
    std::uint64_t seed = 20261001;
    double duplicate_share = 0.01;  // rows resent later
    double drop_share = 0.003;      // single rows lost
    double gap_per_day = 0.5;       // silent stretches per unit per day (3 to 24 rounds)
    double outage_per_day = 0.1;    // offline stretches per unit per day (3 to 36 rounds)
    double reset_per_day = 0.02;    // counter resets per unit per day
    bool energy_by_port = true;     // energy rows name the PDU port, as a PDU meter would
};

struct Miner {
    std::string serial_number;
    std::string model;
    std::string pdu_port;
    std::int64_t hashrate_mth = 0;  // nameplate, TH/s x 1000
    std::int64_t power_mw = 0;      // nameplate, W x 1000
    std::string id;                 // filled in once the server has imported it
    std::int64_t sample_key = 0;    // equipment.sample_key, read from the server's database
};

struct Row {
    std::uint32_t miner = 0;
    Kind kind = Kind::kEnergy;
    bool by_port = false;    // identify the unit by PDU port instead of equipment id
    bool duplicate = false;  // a resend of an earlier row
    std::int64_t ts = 0;     // Unix seconds
    std::int64_t value = 0;  // x 1000 (status: 1 online, 0 offline)
};

struct DatasetStats {
    std::size_t rows[5] = {0, 0, 0, 0, 0};  // by Kind value, duplicates included
    std::size_t duplicates = 0;
    std::size_t dropped = 0;
    std::size_t gap_rounds = 0;  // unit-rounds with nothing sent
    std::size_t outages = 0;
    std::size_t resets = 0;
};

struct Dataset {
    std::vector<Miner> miners;
    std::vector<Row> rows;
    DatasetStats stats;
};

Dataset generate(const GeneratorOptions& options);

// The equipment import body for POST /v1/equipment/import.
std::string equipmentCsv(const std::vector<Miner>& miners);

// Appends one row as an NDJSON line or a CSV line (header: kind,equipment_id,pdu_port,ts,value).
void appendNdjson(std::string& out, const Row& row, const std::vector<Miner>& miners);
void appendCsv(std::string& out, const Row& row, const std::vector<Miner>& miners);
inline constexpr const char* kCsvHeader = "kind,equipment_id,pdu_port,ts,value\n";

// "1234.567", trailing zeros dropped ("3250.5", "0").
void appendFixed3(std::string& out, std::int64_t value);

}  // namespace bench
