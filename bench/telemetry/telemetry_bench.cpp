// Telemetry ingestion benchmark: POST /v1/telemetry against a running billwrightd, next to a raw
// sqlite3 prepared-statement insert of the same rows, measured in the same run.
// bench/telemetry/run drives it; see bench/README.md ("Telemetry ingestion").
//
//   telemetry_bench --url=http://127.0.0.1:PORT --key-file=super.key --server-db=bw.db
//                   --raw-db=raw.db [--service-db=svc.db] [--concurrency=2] [--batch=10000]
//                   [--format=ndjson|csv] [--miners=2000] [--hours=24] [--interval=300]
//                   [--seed=N] [--duplicates=0.01] [--http-only]
//
// Phases:
//   1. set-up through the API: a tenant (super key) and its equipment (CSV import);
//   2. generate the telemetry (generator.h) and pre-render it into request bodies;
//   3. API: post every body over `concurrency` keep-alive connections; wall time, rows/s, and
//      every response checked (200, received == rows, stored + duplicates == rows, no rejects);
//      the server's own latency histogram for the route is read from /metrics before and after;
//   4. raw: the same rows, the same batches, into raw.db (migrated by `billwrightd --migrate`)
//      through one sqlite3 connection with the server's pragmas, one BEGIN IMMEDIATE transaction
//      and one prepared INSERT OR IGNORE per batch, rows in key order as the server puts them,
//      tenant and equipment rows (with their sample_key) copied from the server's database first;
//      with --raw-variants, also the same insert under other settings (page cache, checkpoint
//      threshold, several bodies per transaction, arrival order) on fresh copies;
//   5. check that the server's table and the raw table hold the same rows (count and sums);
//   6. optional breakdown (--service-db): parse-only, HTTP-only (bodies sent with a bad key, so
//      they are read and answered 401 without parsing), and the server's ingest service called
//      in-process (no HTTP) on a third database.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <sqlite3.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "domain/telemetry.h"
#include "generator.h"
#include "services/actor.h"
#include "services/telemetry.h"
#include "storage/repositories.h"

#include "common/args.h"
#include "common/environment.h"
#include "common/format.h"
#include "common/sqlite.h"
#include "common/timing.h"

namespace {

using bench::percentile;
using bench::secondsSince;
using bench::Sqlite;
using bench::Steady;

// CPU seconds (user + system) of a process, from /proc/PID/stat; -1 when unreadable.
double processCpuSeconds(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!in || !std::getline(in, stat)) return -1;
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double selfCpuSeconds() {  // this process, all threads
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double threadCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Options {
    std::string url = "http://127.0.0.1:8080";
    std::string key_file;
    std::string server_db;
    std::string raw_db;
    std::string service_db;  // empty: no in-process breakdown
    std::size_t concurrency = 2;
    std::size_t batch = 10000;
    std::string format = "ndjson";
    bool http_only = false;     // also time bodies answered 401 (transport + body read only)
    long server_pid = 0;        // to read the server's CPU time from /proc
    bool raw_variants = false;  // also time "what if" raw inserts (cache, sorting, grouping)
    bench::GeneratorOptions gen;
};

Options parseOptions(int argc, char** argv) {
    const bench::Args args("telemetry_bench",
                           "--url=URL --key-file=PATH --server-db=PATH "
                           "--raw-db=PATH [--service-db=PATH] [--concurrency=N] [--batch=N] "
                           "[--format=ndjson|csv] [--miners=N] [--hours=N] [--interval=SECONDS] "
                           "[--start=UNIX] [--seed=N] [--duplicates=SHARE] [--energy-by-port=0|1] "
                           "[--server-pid=PID] [--http-only] [--raw-variants]");
    Options o;
    args.parse(argc, argv, [&](const std::string& name, const std::string& value) {
        const auto number = [&]() -> long long {
            try {
                std::size_t used = 0;
                const long long v = std::stoll(value, &used);
                if (used != value.size() || v < 0) throw std::invalid_argument(value);
                return v;
            } catch (const std::exception&) {
                args.usage(name + " needs a non-negative integer");
            }
        };
        if (name == "--url") {
            o.url = value;
        } else if (name == "--key-file") {
            o.key_file = value;
        } else if (name == "--server-db") {
            o.server_db = value;
        } else if (name == "--raw-db") {
            o.raw_db = value;
        } else if (name == "--service-db") {
            o.service_db = value;
        } else if (name == "--concurrency") {
            o.concurrency = static_cast<std::size_t>(number());
        } else if (name == "--batch") {
            o.batch = static_cast<std::size_t>(number());
        } else if (name == "--format") {
            o.format = value;
        } else if (name == "--server-pid") {
            o.server_pid = static_cast<long>(number());
        } else if (name == "--raw-variants") {
            o.raw_variants = true;
        } else if (name == "--http-only") {
            o.http_only = true;
        } else if (name == "--miners") {
            o.gen.miners = static_cast<std::size_t>(number());
        } else if (name == "--hours") {
            o.gen.hours = number();
        } else if (name == "--interval") {
            o.gen.interval_seconds = number();
        } else if (name == "--start") {
            o.gen.start = number();
        } else if (name == "--seed") {
            o.gen.seed = static_cast<std::uint64_t>(number());
        } else if (name == "--duplicates") {
            o.gen.duplicate_share = std::stod(value);
        } else if (name == "--energy-by-port") {
            o.gen.energy_by_port = value != "0" && value != "false";
        } else {
            return false;
        }
        return true;
    });
    if (o.key_file.empty() || o.server_db.empty() || o.raw_db.empty())
        args.usage("--key-file, --server-db and --raw-db are required");
    if (o.concurrency < 1 || o.batch < 1 || o.gen.miners < 1 || o.gen.hours < 1 ||
        o.gen.interval_seconds < 1)
        args.usage("counts must be at least 1");
    if (o.format != "ndjson" && o.format != "csv") args.usage("--format is ndjson or csv");
    return o;
}

std::string readKey(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string key;
    std::getline(in, key);
    while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
    return key;
}

// ---------------------------------------------------------------------------------------------
// HTTP

struct HttpResult {
    int status = 0;
    std::string body;
    double send_seconds = 0;  // request line, headers and body written
    double wait_seconds = 0;  // until the response headers arrived
};

class HttpClient {
public:
    HttpClient(const std::string& host, std::uint16_t port) : session_(host, port) {
        session_.setKeepAlive(true);
        session_.setTimeout(Poco::Timespan(600, 0));
    }
    HttpResult request(const std::string& method, const std::string& path,
                       const std::map<std::string, std::string>& headers, const std::string* body,
                       const std::string& content_type = "application/json") {
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setKeepAlive(true);
        for (const auto& [k, v] : headers) req.set(k, v);
        HttpResult out;
        const auto t0 = Steady::now();
        if (body != nullptr) {
            req.setContentType(content_type);
            req.setContentLength64(static_cast<Poco::Int64>(body->size()));
            std::ostream& os = session_.sendRequest(req);
            os.write(body->data(), static_cast<std::streamsize>(body->size()));
            os.flush();
        } else {
            session_.sendRequest(req);
        }
        const auto t1 = Steady::now();
        Poco::Net::HTTPResponse res;
        std::istream& in = session_.receiveResponse(res);
        out.send_seconds = std::chrono::duration<double>(t1 - t0).count();
        out.wait_seconds = secondsSince(t1);
        Poco::StreamCopier::copyToString(in, out.body);
        out.status = static_cast<int>(res.getStatus());
        return out;
    }

private:
    Poco::Net::HTTPClientSession session_;
};

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::size_t jsonCount(const Poco::JSON::Object::Ptr& o, const std::string& name) {
    return static_cast<std::size_t>(o->getValue<Poco::Int64>(name));
}

// The server's latency histogram for POST /v1/telemetry: (sum seconds, count).
std::pair<double, std::size_t> serverLatency(HttpClient& http) {
    const auto res = http.request("GET", "/metrics", {}, nullptr);
    double sum = 0;
    std::size_t count = 0;
    std::istringstream lines(res.body);
    std::string line;
    const std::string family = "billwright_http_request_duration_seconds";
    while (std::getline(lines, line)) {
        if (line.find("route=\"/v1/telemetry\"") == std::string::npos ||
            line.find("method=\"POST\"") == std::string::npos)
            continue;
        const auto space = line.rfind(' ');
        if (line.rfind(family + "_sum{", 0) == 0) sum = std::stod(line.substr(space + 1));
        if (line.rfind(family + "_count{", 0) == 0)
            count = static_cast<std::size_t>(std::stoll(line.substr(space + 1)));
    }
    return {sum, count};
}

// ---------------------------------------------------------------------------------------------
// Work

struct Batch {
    std::size_t first = 0;  // index into Dataset::rows
    std::size_t count = 0;
    std::string body;
};

struct RunStats {
    double wall_seconds = 0;
    std::size_t requests = 0;
    std::size_t rows = 0;
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::size_t failures = 0;
    std::vector<double> latencies;  // per request, seconds
    double send_seconds = 0;        // summed over requests
    double wait_seconds = 0;
    std::string first_failure;
    double rowsPerSecond() const { return static_cast<double>(rows) / wall_seconds; }
};

// Posts every batch over `concurrency` keep-alive connections. With `expect_status` 200 each
// response must account for every row; any other status is only counted.
RunStats postAll(const std::vector<Batch>& batches, const Poco::URI& uri, std::size_t concurrency,
                 const std::map<std::string, std::string>& headers, const std::string& content_type,
                 int expect_status) {
    RunStats stats;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::vector<std::thread> threads;
    const auto t0 = Steady::now();
    for (std::size_t c = 0; c < concurrency; ++c) {
        threads.emplace_back([&] {
            auto http = std::make_unique<HttpClient>(uri.getHost(), uri.getPort());
            for (std::size_t i = next++; i < batches.size(); i = next++) {
                const Batch& b = batches[i];
                const auto started = Steady::now();
                std::string problem;
                std::size_t stored = 0;
                std::size_t duplicates = 0;
                HttpResult res;
                try {
                    res = http->request("POST", "/v1/telemetry", headers, &b.body, content_type);
                    if (res.status != expect_status) {
                        problem =
                            "status " + std::to_string(res.status) + ": " + res.body.substr(0, 400);
                    } else if (expect_status == 200) {
                        const auto o = parseJson(res.body);
                        stored = jsonCount(o, "stored");
                        duplicates = jsonCount(o, "duplicates");
                        if (jsonCount(o, "received") != b.count || stored + duplicates != b.count ||
                            jsonCount(o, "rejected") != 0) {
                            problem = "batch " + std::to_string(i) + " of " +
                                      std::to_string(b.count) + " rows: " + res.body.substr(0, 400);
                        }
                    }
                } catch (const std::exception& e) {
                    problem = std::string("request failed: ") + e.what();
                    http = std::make_unique<HttpClient>(uri.getHost(), uri.getPort());
                }
                const double latency = secondsSince(started);
                std::lock_guard lock(mutex);
                ++stats.requests;
                stats.rows += b.count;
                stats.stored += stored;
                stats.duplicates += duplicates;
                stats.latencies.push_back(latency);
                stats.send_seconds += res.send_seconds;
                stats.wait_seconds += res.wait_seconds;
                if (!problem.empty()) {
                    if (stats.failures++ == 0) stats.first_failure = problem;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    stats.wall_seconds = secondsSince(t0);
    return stats;
}

// ---------------------------------------------------------------------------------------------
// SQLite, through the C API

struct Digest {
    std::int64_t rows = 0, ts = 0, value = 0, kind = 0;
    bool operator==(const Digest&) const = default;
};

// Count and sums of the tenant's samples in the database attached as `schema`.
Digest digest(Sqlite& db, const std::string& schema, const std::string& tenant_id) {
    sqlite3_stmt* s = db.prepare("SELECT count(*), total(ts), total(value), total(kind) FROM " +
                                 schema + ".telemetry_samples WHERE equipment_key IN (SELECT " +
                                 "sample_key FROM " + schema + ".equipment WHERE tenant_id = ?)");
    sqlite3_bind_text(s, 1, tenant_id.data(), static_cast<int>(tenant_id.size()), SQLITE_TRANSIENT);
    Digest d;
    if (sqlite3_step(s) == SQLITE_ROW) {
        d.rows = sqlite3_column_int64(s, 0);
        d.ts = static_cast<std::int64_t>(sqlite3_column_double(s, 1));
        d.value = static_cast<std::int64_t>(sqlite3_column_double(s, 2));
        d.kind = static_cast<std::int64_t>(sqlite3_column_double(s, 3));
    }
    sqlite3_finalize(s);
    return d;
}

// equipment id -> sample_key, for the tenant's units.
std::map<std::string, std::int64_t> sampleKeys(Sqlite& db, const std::string& tenant_id) {
    sqlite3_stmt* s = db.prepare("SELECT id, sample_key FROM equipment WHERE tenant_id = ?");
    sqlite3_bind_text(s, 1, tenant_id.data(), static_cast<int>(tenant_id.size()), SQLITE_TRANSIENT);
    std::map<std::string, std::int64_t> keys;
    while (sqlite3_step(s) == SQLITE_ROW) {
        keys[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return keys;
}

// Copies the tenant and its equipment from the server's database (the telemetry FK needs
// them): the same rows the server holds, untimed.
void copyTenantFrom(Sqlite& db, const std::string& server_db, const std::string& tenant_id) {
    db.exec("ATTACH DATABASE '" + server_db + "' AS srv");
    db.exec("BEGIN IMMEDIATE");
    for (const char* table : {"tenants", "equipment"}) {
        const std::string column = std::string(table) == "tenants" ? "id" : "tenant_id";
        sqlite3_stmt* s = db.prepare("INSERT INTO main." + std::string(table) +
                                     " SELECT * FROM srv." + table + " WHERE " + column + " = ?");
        sqlite3_bind_text(s, 1, tenant_id.data(), static_cast<int>(tenant_id.size()),
                          SQLITE_TRANSIENT);
        const int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        db.check(rc, table);
    }
    db.exec("COMMIT");
    db.exec("DETACH DATABASE srv");
}

struct RawStats {
    double wall_seconds = 0;
    double cpu_seconds = 0;
    std::size_t rows = 0;
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::size_t conflicts = 0;
};

// How the raw insert is run. The defaults are the server's way; the other settings are the
// "what if" variants (--raw-variants) that show which change to the server would pay off.
struct RawVariant {
    const char* name = "server's way";
    bool sorted = true;     // rows sorted by primary key within each transaction (as the server)
    std::size_t group = 1;  // request bodies per transaction (group commit)
};

// What the server's SqlTelemetry::insertBatch does per request, minus everything around it:
// BEGIN IMMEDIATE; the rows put in key order (equipment_key, kind, ts, then arrival); prepare
// INSERT OR IGNORE (persistent); per row bind equipment_key, kind, ts, value, step, reset, read
// changes(); a row that changed nothing is looked up to tell a duplicate from a conflict;
// finalize; COMMIT.
RawStats rawInsert(Sqlite& db, const std::vector<Batch>& batches, const bench::Dataset& data,
                   const RawVariant& variant = {}) {
    RawStats stats;
    sqlite3* h = db.handle();
    std::vector<std::uint32_t> order;
    const double cpu0 = threadCpuSeconds();
    const auto t0 = Steady::now();
    for (std::size_t g = 0; g < batches.size(); g += variant.group) {
        const std::size_t first = batches[g].first;
        const Batch& last = batches[std::min(g + variant.group, batches.size()) - 1];
        const std::size_t end = last.first + last.count;
        order.resize(end - first);
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = static_cast<std::uint32_t>(first + i);
        if (variant.sorted) {
            std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
                const bench::Row& x = data.rows[a];
                const bench::Row& y = data.rows[b];
                const auto kx = data.miners[x.miner].sample_key;
                const auto ky = data.miners[y.miner].sample_key;
                if (kx != ky) return kx < ky;
                if (x.kind != y.kind) return x.kind < y.kind;
                if (x.ts != y.ts) return x.ts < y.ts;
                return a < b;
            });
        }
        db.exec("BEGIN IMMEDIATE");
        sqlite3_stmt* insert = db.prepare(
            "INSERT OR IGNORE INTO telemetry_samples (equipment_key, kind, ts, value) "
            "VALUES (?, ?, ?, ?)",
            SQLITE_PREPARE_PERSISTENT);
        sqlite3_stmt* existing = nullptr;
        for (const std::uint32_t i : order) {
            const bench::Row& row = data.rows[i];
            const std::int64_t key = data.miners[row.miner].sample_key;
            db.check(sqlite3_bind_int64(insert, 1, key), "bind");
            db.check(sqlite3_bind_int64(insert, 2, static_cast<sqlite3_int64>(row.kind)), "bind");
            db.check(sqlite3_bind_int64(insert, 3, row.ts), "bind");
            db.check(sqlite3_bind_int64(insert, 4, row.value), "bind");
            const int rc = sqlite3_step(insert);
            sqlite3_reset(insert);
            db.check(rc, "insert");
            if (sqlite3_changes(h) == 1) {
                ++stats.stored;
                continue;
            }
            if (existing == nullptr) {
                existing = db.prepare(
                    "SELECT value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? "
                    "AND ts = ?",
                    SQLITE_PREPARE_PERSISTENT);
            }
            sqlite3_bind_int64(existing, 1, key);
            sqlite3_bind_int64(existing, 2, static_cast<sqlite3_int64>(row.kind));
            sqlite3_bind_int64(existing, 3, row.ts);
            const bool same = sqlite3_step(existing) == SQLITE_ROW &&
                              sqlite3_column_int64(existing, 0) == row.value;
            sqlite3_reset(existing);
            sqlite3_clear_bindings(existing);
            ++(same ? stats.duplicates : stats.conflicts);
        }
        sqlite3_finalize(existing);
        sqlite3_finalize(insert);
        db.exec("COMMIT");
        stats.rows += order.size();
    }
    stats.wall_seconds = secondsSince(t0);
    stats.cpu_seconds = threadCpuSeconds() - cpu0;
    return stats;
}

// ---------------------------------------------------------------------------------------------

void printRun(const char* label, const RunStats& s) {
    std::printf(
        "%-28s %9zu rows  %7.3f s  %11s rows/s   %zu requests, latency p50 %.1f ms, p95 %.1f ms, "
        "max %.1f ms\n",
        label, s.rows, s.wall_seconds, bench::roundedThousands(s.rowsPerSecond()).c_str(),
        s.requests, percentile(s.latencies, 0.5) * 1e3, percentile(s.latencies, 0.95) * 1e3,
        percentile(s.latencies, 1.0) * 1e3);
}

int run(const Options& o) {
    const Poco::URI uri(o.url);
    HttpClient http(uri.getHost(), uri.getPort());
    const std::string key = readKey(o.key_file);
    std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};

    std::printf(
        "sqlite %s; %zu miners, %lld h at %lld s, seed %llu; batch %zu rows; %s; "
        "%zu connection(s)\n",
        sqlite3_libversion(), o.gen.miners, static_cast<long long>(o.gen.hours),
        static_cast<long long>(o.gen.interval_seconds), static_cast<unsigned long long>(o.gen.seed),
        o.batch, o.format.c_str(), o.concurrency);

    // 1. Data and set-up.
    auto t = Steady::now();
    bench::Dataset data = bench::generate(o.gen);
    const double generate_seconds = secondsSince(t);

    const std::string tenant_body =
        R"({"name":"Telemetry bench","timezone":"UTC","default_currency":"USD"})";
    auto res = http.request("POST", "/v1/tenants", auth, &tenant_body);
    if (res.status != 201) throw std::runtime_error("create tenant: " + res.body);
    const std::string tenant_id = parseJson(res.body)->getValue<std::string>("id");
    auth["Billwright-Tenant"] = tenant_id;

    const std::string csv = bench::equipmentCsv(data.miners);
    res = http.request("POST", "/v1/equipment/import", auth, &csv, "text/csv");
    if (res.status != 201) throw std::runtime_error("import equipment: " + res.body.substr(0, 600));
    {
        std::map<std::string, std::string> ids;
        const auto list = parseJson(res.body)->getArray("data");
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto e = list->getObject(static_cast<unsigned>(i));
            ids[e->getValue<std::string>("serial_number")] = e->getValue<std::string>("id");
        }
        for (auto& m : data.miners) {
            const auto it = ids.find(m.serial_number);
            if (it == ids.end()) throw std::runtime_error("not imported: " + m.serial_number);
            m.id = it->second;
        }
    }

    // 2. Bodies.
    t = Steady::now();
    const bool csv_format = o.format == "csv";
    std::vector<Batch> batches;
    std::size_t body_bytes = 0;
    for (std::size_t first = 0; first < data.rows.size(); first += o.batch) {
        Batch b;
        b.first = first;
        b.count = std::min(o.batch, data.rows.size() - first);
        b.body.reserve(b.count * 96);
        if (csv_format) b.body = bench::kCsvHeader;
        for (std::size_t i = first; i < first + b.count; ++i) {
            if (csv_format) {
                bench::appendCsv(b.body, data.rows[i], data.miners);
            } else {
                bench::appendNdjson(b.body, data.rows[i], data.miners);
            }
        }
        body_bytes += b.body.size();
        batches.push_back(std::move(b));
    }
    const double render_seconds = secondsSince(t);
    const auto& st = data.stats;
    std::printf(
        "rows %zu: energy %zu, power %zu, hashrate %zu, status %zu; of which %zu resent "
        "duplicates;\n  %zu dropped single rows, %zu silent unit-rounds (gaps), %zu outages, "
        "%zu counter resets\n",
        data.rows.size(), st.rows[1], st.rows[2], st.rows[3], st.rows[4], st.duplicates, st.dropped,
        st.gap_rounds, st.outages, st.resets);
    std::printf("%zu bodies, %.1f MiB (%.0f bytes/row); generated in %.2f s, rendered in %.2f s\n",
                batches.size(), static_cast<double>(body_bytes) / 1048576.0,
                static_cast<double>(body_bytes) / static_cast<double>(data.rows.size()),
                generate_seconds, render_seconds);
    {
        const std::string& body = batches.front().body;
        const auto end = body.find('\n', csv_format ? body.find('\n') + 1 : 0);
        std::printf("first body starts:\n%s\n", body.substr(0, end).c_str());
    }

    // 3. Through the API.
    const std::string content_type = csv_format ? "text/csv" : "application/x-ndjson";
    const auto before = serverLatency(http);
    const double server_cpu0 = o.server_pid ? processCpuSeconds(o.server_pid) : -1;
    const double client_cpu0 = selfCpuSeconds();
    const RunStats api = postAll(batches, uri, o.concurrency, auth, content_type, 200);
    const double client_cpu = selfCpuSeconds() - client_cpu0;
    const double server_cpu = server_cpu0 >= 0 ? processCpuSeconds(o.server_pid) - server_cpu0 : -1;
    const auto after = serverLatency(http);
    std::printf("\n");
    printRun("API POST /v1/telemetry", api);
    const std::size_t server_requests = after.second - before.second;
    const double server_seconds = after.first - before.first;
    std::printf(
        "  client: mean send %.1f ms, mean wait for response %.1f ms; server (/metrics): %zu "
        "requests, mean %.1f ms handling, %.0f%% of wall x connections\n",
        api.send_seconds / static_cast<double>(api.requests) * 1e3,
        api.wait_seconds / static_cast<double>(api.requests) * 1e3, server_requests,
        server_requests ? server_seconds / static_cast<double>(server_requests) * 1e3 : 0.0,
        server_seconds / (api.wall_seconds * static_cast<double>(o.concurrency)) * 100.0);
    if (server_cpu >= 0) {
        std::printf(
            "  CPU: server %.2f s (%s rows per server CPU-second, %.2f cores busy), "
            "this client %.2f s\n",
            server_cpu, bench::roundedThousands(static_cast<double>(api.rows) / server_cpu).c_str(),
            server_cpu / api.wall_seconds, client_cpu);
    }
    if (api.failures != 0) {
        std::printf("FAILED: %zu of %zu requests; first: %s\n", api.failures, api.requests,
                    api.first_failure.c_str());
        return 1;
    }
    std::printf("  stored %zu, duplicates %zu (stored + duplicates == rows sent: %s)\n", api.stored,
                api.duplicates, api.stored + api.duplicates == data.rows.size() ? "yes" : "NO");

    // 4. Raw insert of the same rows.
    Sqlite raw(o.raw_db);
    copyTenantFrom(raw, o.server_db, tenant_id);
    {
        const auto keys = sampleKeys(raw, tenant_id);
        for (auto& m : data.miners) {
            const auto it = keys.find(m.id);
            if (it == keys.end()) throw std::runtime_error("no sample_key for " + m.id);
            m.sample_key = it->second;
        }
    }
    const std::string template_db = o.raw_db + ".template";
    if (o.raw_variants) {
        std::filesystem::remove(template_db);
        raw.exec("VACUUM INTO '" + template_db + "'");  // schema, tenant, equipment; no samples
    }
    const RawStats r = rawInsert(raw, batches, data);
    const double raw_rate = static_cast<double>(r.rows) / r.wall_seconds;
    std::printf(
        "%-28s %9zu rows  %7.3f s  %11s rows/s   %zu transactions; stored %zu, "
        "duplicates %zu, conflicts %zu\n",
        "raw sqlite3 prepared insert", r.rows, r.wall_seconds,
        bench::roundedThousands(raw_rate).c_str(), batches.size(), r.stored, r.duplicates,
        r.conflicts);
    std::printf("  CPU: %.2f s (%s rows per CPU-second)\n", r.cpu_seconds,
                bench::roundedThousands(static_cast<double>(r.rows) / r.cpu_seconds).c_str());

    // 5. Same rows on both sides.
    raw.exec("ATTACH DATABASE '" + o.server_db + "' AS srv");
    const auto server_digest = digest(raw, "srv", tenant_id);
    const auto raw_digest = digest(raw, "main", tenant_id);
    raw.exec("DETACH DATABASE srv");
    const bool same = server_digest == raw_digest && r.stored == api.stored &&
                      r.duplicates == api.duplicates && r.conflicts == 0;
    std::printf("tables match (count %lld, sum(ts), sum(value), sum(kind)): %s\n",
                static_cast<long long>(server_digest.rows), same ? "yes" : "NO");

    if (o.raw_variants) {
        struct Setup {
            RawVariant variant;
            std::vector<std::string> pragmas;
        };
        const std::string cache = "PRAGMA cache_size = -262144";  // 256 MiB
        const std::string checkpoint = "PRAGMA wal_autocheckpoint = 20000";
        const std::vector<Setup> setups = {
            {{"unsorted (arrival order)", false, 1}, {}},
            {{"5 bodies per transaction", true, 5}, {}},
            {{"256 MiB page cache", true, 1}, {cache}},
            {{"cache + ckpt 20000", true, 1}, {cache, checkpoint}},
            {{"cache + 5 bodies/tx", true, 5}, {cache}},
            {{"cache + ckpt + 5 bodies/tx", true, 5}, {cache, checkpoint}},
        };
        std::printf("\nraw variants (same rows, fresh database each; server pragmas plus):\n");
        for (const Setup& setup : setups) {
            const std::string path = o.raw_db + ".variant";
            for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
            std::filesystem::copy_file(template_db, path);
            RawStats v;
            {
                Sqlite db(path);
                for (const auto& pragma : setup.pragmas) db.exec(pragma);
                v = rawInsert(db, batches, data, setup.variant);
            }
            for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
            std::printf(
                "%-32s %9zu rows  %7.3f s  %11s rows/s   CPU %.2f s (%s rows/CPU-s)%s\n",
                setup.variant.name, v.rows, v.wall_seconds,
                bench::roundedThousands(static_cast<double>(v.rows) / v.wall_seconds).c_str(),
                v.cpu_seconds,
                bench::roundedThousands(static_cast<double>(v.rows) / v.cpu_seconds).c_str(),
                v.stored == r.stored && v.duplicates == r.duplicates ? "" : "  MISMATCH");
        }
        std::filesystem::remove(template_db);
    }

    const double ratio = api.rowsPerSecond() / raw_rate;
    std::printf("\nAPI / raw = %.2f  (targets: API >= 200,000 rows/s: %s; API >= 0.5 x raw: %s)\n",
                ratio, api.rowsPerSecond() >= 200000 ? "met" : "NOT met",
                ratio >= 0.5 ? "met" : "NOT met");

    // 6. Breakdown.
    double parse_rate = 0;
    double http_only_rate = 0;
    double service_rate = 0;
    if (o.http_only || !o.service_db.empty()) {
        std::printf("\nbreakdown:\n");
        // Transport only: the server reads each body, then answers 401 without parsing it.
        const RunStats bare = postAll(batches, uri, o.concurrency,
                                      {{"Authorization", "Bearer invalid"}}, content_type, 401);
        http_only_rate = bare.rowsPerSecond();
        printRun("HTTP only (401, unparsed)", bare);
        if (bare.failures != 0) std::printf("  unexpected: %s\n", bare.first_failure.c_str());
    }
    if (!o.service_db.empty()) {
        namespace domain = billwright::domain;
        const auto format =
            csv_format ? domain::TelemetryFormat::kCsv : domain::TelemetryFormat::kNdjson;
        // Parse only, one thread: the server's own parser on the same bodies.
        t = Steady::now();
        std::size_t parsed_rows = 0;
        for (const Batch& b : batches)
            parsed_rows += domain::parseTelemetry(b.body, format).rows.size();
        const double parse_seconds = secondsSince(t);
        parse_rate = static_cast<double>(parsed_rows) / parse_seconds;
        std::printf("%-28s %9zu rows  %7.3f s  %11s rows/s   (1 thread, %.1f ms per body)\n",
                    "parse only (in-process)", parsed_rows, parse_seconds,
                    bench::roundedThousands(parse_rate).c_str(),
                    parse_seconds / static_cast<double>(batches.size()) * 1e3);

        // The ingest service in-process: parse + resolve + insert + audit, no HTTP.
        const bench::SqlStore service = bench::openSqlStore(o.service_db);
        {
            Sqlite copy(o.service_db);
            copyTenantFrom(copy, o.server_db, tenant_id);
        }
        auto& store = service.store;
        billwright::core::SystemClock clock;
        billwright::services::Telemetry telemetry(*store, clock, {});
        const billwright::services::Actor actor{"key_bench", "super", std::nullopt};

        // The per-request equipment lookup on its own.
        t = Steady::now();
        constexpr int kRefRuns = 20;
        for (int i = 0; i < kRefRuns; ++i) {
            const auto found = store->read([&](billwright::storage::UnitOfWork& uow) {
                return billwright::core::Result<std::size_t>(
                    uow.equipment().refs(tenant_id).size());
            });
            if (!found.ok() || *found != data.miners.size())
                throw std::runtime_error("equipment refs lookup found the wrong units");
        }
        std::printf("  equipment refs lookup (per request): %.2f ms for %zu units\n",
                    secondsSince(t) / kRefRuns * 1e3, data.miners.size());

        std::atomic<std::size_t> accounted{0};
        std::atomic<std::size_t> failures{0};
        const double service_seconds =
            bench::parallelFor(batches.size(), o.concurrency, [&](std::size_t i) {
                auto report = telemetry.ingest(actor, tenant_id, batches[i].body, format);
                if (!report.ok() || !report->rejected.empty()) {
                    ++failures;
                    return;
                }
                accounted += report->stored + report->duplicates;
            });
        service_rate = static_cast<double>(data.rows.size()) / service_seconds;
        std::printf("%-28s %9zu rows  %7.3f s  %11s rows/s   (%zu threads; %zu failures)\n",
                    "ingest service (in-process)", accounted.load(), service_seconds,
                    bench::roundedThousands(service_rate).c_str(), o.concurrency, failures.load());
    }

    std::printf(
        "\nRESULT format=%s concurrency=%zu batch=%zu rows=%zu api_rows_per_s=%.0f "
        "raw_rows_per_s=%.0f ratio=%.2f parse_rows_per_s=%.0f http_only_rows_per_s=%.0f "
        "service_rows_per_s=%.0f server_ms_per_request=%.1f api_rows_per_server_cpu_s=%.0f "
        "raw_rows_per_cpu_s=%.0f check=%s\n",
        o.format.c_str(), o.concurrency, o.batch, data.rows.size(), api.rowsPerSecond(), raw_rate,
        ratio, parse_rate, http_only_rate, service_rate,
        server_requests ? server_seconds / static_cast<double>(server_requests) * 1e3 : 0.0,
        server_cpu > 0 ? static_cast<double>(api.rows) / server_cpu : 0.0,
        static_cast<double>(r.rows) / r.cpu_seconds, same ? "ok" : "mismatch");
    return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parseOptions(argc, argv));
    } catch (const std::exception& e) {
        std::cerr << "telemetry_bench: " << e.what() << "\n";
        return 1;
    }
}
