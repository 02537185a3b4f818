#include "generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "common/rng.h"

namespace bench {
namespace {

struct Model {
    const char* name;
    std::int64_t hashrate_mth;
    std::int64_t power_mw;
};

// Nameplates average ~3.25 kW, so a counter rises ~3.25 kWh per hour.
constexpr std::array<Model, 4> kModels = {{
    {"Antminer S19j Pro", 104000, 3068000},
    {"Antminer S19 XP", 141000, 3010000},
    {"Whatsminer M50S", 126000, 3276000},
    {"Antminer S21", 200000, 3650000},
}};

struct UnitState {
    std::int64_t offset = 0;       // seconds after the round's start this unit reports
    std::int64_t energy_mwh = 0;   // counter, mWh (reported as Wh = kWh x 1000)
    std::int64_t power_mw = 0;     // draw over the current interval
    std::int64_t gap_left = 0;     // silent rounds still to come
    std::int64_t outage_left = 0;  // offline rounds still to come
    bool online = true;
};

std::int64_t roundTo(double value, std::int64_t step) {
    return static_cast<std::int64_t>(std::llround(value / static_cast<double>(step))) * step;
}

}  // namespace

const char* kindName(Kind kind) {
    switch (kind) {
        case Kind::kEnergy:
            return "energy";
        case Kind::kPower:
            return "power";
        case Kind::kHashrate:
            return "hashrate";
        case Kind::kStatus:
            return "status";
    }
    return "?";
}

Dataset generate(const GeneratorOptions& o) {
    Dataset d;
    Rng rng(o.seed);
    const auto rounds = o.hours * 3600 / o.interval_seconds;
    const double per_round = static_cast<double>(o.interval_seconds) / 86400.0;

    d.miners.reserve(o.miners);
    std::vector<UnitState> units(o.miners);
    for (std::size_t m = 0; m < o.miners; ++m) {
        const Model& model = kModels[static_cast<std::size_t>(rng.next() % kModels.size())];
        Miner miner;
        char text[64];
        std::snprintf(text, sizeof text, "BNC%07zu", m + 1);
        miner.serial_number = text;
        std::snprintf(text, sizeof text, "PDU-%03zu/%02zu", m / 24 + 1, m % 24 + 1);
        miner.pdu_port = text;
        miner.model = model.name;
        miner.hashrate_mth = model.hashrate_mth;
        miner.power_mw = model.power_mw;
        d.miners.push_back(std::move(miner));
        UnitState& u = units[m];
        u.offset = rng.between(0, std::min<std::int64_t>(59, o.interval_seconds - 1));
        u.energy_mwh = rng.between(0, 50'000'000'000);  // up to 50,000 kWh already counted
        u.power_mw = model.power_mw;
    }

    // Resends land 1 to 3 rounds after the original, after that round's fresh rows.
    std::array<std::vector<Row>, 4> resend;
    d.rows.reserve(static_cast<std::size_t>(rounds) * o.miners * 3 +
                   static_cast<std::size_t>(static_cast<double>(o.miners) * 3.0 *
                                            static_cast<double>(rounds) * o.duplicate_share) +
                   o.miners * 2);

    const auto resendDue = [&](std::int64_t round) {
        auto& due = resend[static_cast<std::size_t>(round % 4)];
        for (const Row& r : due) {
            d.rows.push_back(r);
            ++d.stats.rows[static_cast<int>(r.kind)];
            ++d.stats.duplicates;
        }
        due.clear();
    };
    const auto emit = [&](std::int64_t round, Row row) {
        if (row.kind != Kind::kStatus && rng.chance(o.drop_share)) {
            ++d.stats.dropped;
            return;
        }
        d.rows.push_back(row);
        ++d.stats.rows[static_cast<int>(row.kind)];
        if (rng.chance(o.duplicate_share)) {
            const auto later = rng.between(1, 3);
            row.duplicate = true;
            resend[static_cast<std::size_t>((round + later) % 4)].push_back(row);
        }
    };

    for (std::int64_t k = 0; k < rounds; ++k) {
        for (std::uint32_t m = 0; m < o.miners; ++m) {
            UnitState& u = units[m];
            const Miner& miner = d.miners[m];
            const std::int64_t ts = o.start + k * o.interval_seconds + u.offset;
            if (k > 0) {
                // The counter keeps counting through gaps; it just is not heard.
                u.energy_mwh += u.power_mw * o.interval_seconds / 3600;
                if (rng.chance(o.reset_per_day * per_round)) {
                    u.energy_mwh = 0;  // PDU replaced or counter cleared: a new segment
                    ++d.stats.resets;
                }
            }
            if (u.gap_left > 0) {
                --u.gap_left;
                ++d.stats.gap_rounds;
                continue;
            }
            if (k > 0 && rng.chance(o.gap_per_day * per_round)) {
                u.gap_left = rng.between(3, 24) - 1;
                ++d.stats.gap_rounds;
                continue;
            }
            bool status_change = k == 0;
            if (u.online && k > 0 && rng.chance(o.outage_per_day * per_round)) {
                u.online = false;
                u.outage_left = rng.between(3, 36);
                status_change = true;
                ++d.stats.outages;
            } else if (!u.online && --u.outage_left <= 0) {
                u.online = true;
                status_change = true;
            }

            // Power: nameplate +-2% in 0.1 W steps online, 8-15 W standby offline.
            u.power_mw =
                u.online
                    ? roundTo(static_cast<double>(miner.power_mw) * (1.0 + rng.noise(0.02)), 100)
                    : rng.between(80, 150) * 100;
            const std::int64_t hashrate =
                u.online
                    ? roundTo(static_cast<double>(miner.hashrate_mth) * (1.0 + rng.noise(0.03)), 10)
                    : 0;
            if (status_change) emit(k, Row{m, Kind::kStatus, false, false, ts, u.online ? 1 : 0});
            emit(k, Row{m, Kind::kEnergy, o.energy_by_port, false, ts, u.energy_mwh / 1000});
            emit(k, Row{m, Kind::kPower, false, false, ts, u.power_mw});
            emit(k, Row{m, Kind::kHashrate, false, false, ts, hashrate});
        }
        resendDue(k);
    }
    for (std::int64_t k = rounds; k < rounds + 4; ++k) resendDue(k);
    return d;
}

std::string equipmentCsv(const std::vector<Miner>& miners) {
    std::string out = "serial_number,model,hashrate_ths,power_w,pdu_port\n";
    for (const Miner& m : miners) {
        out += m.serial_number;
        out += ',';
        out += m.model;
        out += ',';
        appendFixed3(out, m.hashrate_mth);
        out += ',';
        appendFixed3(out, m.power_mw);
        out += ',';
        out += m.pdu_port;
        out += '\n';
    }
    return out;
}

void appendFixed3(std::string& out, std::int64_t value) {
    char text[32];
    const std::int64_t whole = value / 1000;
    std::int64_t frac = value % 1000;
    int len = std::snprintf(text, sizeof text, "%lld", static_cast<long long>(whole));
    if (frac != 0) {
        int digits = 3;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        len += std::snprintf(text + len, sizeof text - static_cast<std::size_t>(len), ".%0*lld",
                             digits, static_cast<long long>(frac));
    }
    out.append(text, static_cast<std::size_t>(len));
}

namespace {

void appendValue(std::string& out, const Row& row) {
    if (row.kind == Kind::kStatus) {
        out += row.value != 0 ? "online" : "offline";
    } else {
        appendFixed3(out, row.value);
    }
}

void appendInt(std::string& out, std::int64_t v) {
    char text[24];
    const int len = std::snprintf(text, sizeof text, "%lld", static_cast<long long>(v));
    out.append(text, static_cast<std::size_t>(len));
}

}  // namespace

void appendNdjson(std::string& out, const Row& row, const std::vector<Miner>& miners) {
    const Miner& m = miners[row.miner];
    out += "{\"kind\":\"";
    out += kindName(row.kind);
    if (row.by_port) {
        out += "\",\"pdu_port\":\"";
        out += m.pdu_port;
    } else {
        out += "\",\"equipment_id\":\"";
        out += m.id;
    }
    out += "\",\"ts\":";
    appendInt(out, row.ts);
    out += ",\"value\":\"";
    appendValue(out, row);
    out += "\"}\n";
}

void appendCsv(std::string& out, const Row& row, const std::vector<Miner>& miners) {
    const Miner& m = miners[row.miner];
    out += kindName(row.kind);
    out += ',';
    if (!row.by_port) out += m.id;
    out += ',';
    if (row.by_port) out += m.pdu_port;
    out += ',';
    appendInt(out, row.ts);
    out += ',';
    appendValue(out, row);
    out += '\n';
}

}  // namespace bench
