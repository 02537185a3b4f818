#include <charconv>

#include "core/date.h"
#include "core/time_zone.h"
#include "domain/decimal.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;
using core::JsonValue;

JsonValue count(std::size_t n) { return JsonValue::number(static_cast<std::int64_t>(n)); }

HandlerResult postTelemetry(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    // NDJSON is the default (application/json bodies are read as NDJSON too: one object is
    // one line).
    const auto format = r.content_type == "text/csv" ? domain::TelemetryFormat::kCsv
                                                     : domain::TelemetryFormat::kNdjson;
    auto report = ctx.telemetry.ingest(actorOf(r), *tenant, r.body, format);
    if (!report.ok()) return std::move(report).error();
    const auto counted = [&](const char* outcome, std::size_t n) {
        ctx.metrics.increment("billwright_telemetry_rows_total", {{"outcome", outcome}},
                              static_cast<std::int64_t>(n));
    };
    counted("stored", report->stored);
    counted("duplicate", report->duplicates);
    counted("rejected", report->rejected_rows);
    JsonValue errors = JsonValue::array();
    for (const auto& e : report->rejected) {
        JsonValue item = JsonValue::object();
        item.set("line", count(e.line))
            .set("field", JsonValue::string(e.field))
            .set("code", JsonValue::string(e.code))
            .set("message", JsonValue::string(e.message));
        errors.push(std::move(item));
    }
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("telemetry_ingest"))
        .set("received", count(report->received))
        .set("stored", count(report->stored))
        .set("duplicates", count(report->duplicates))
        .set("rejected", count(report->rejected_rows))
        .set("errors", std::move(errors));
    return Response::json(200, out);
}

// A query bound: RFC 3339 ("2026-11-01T00:00:00Z") or a date, meaning the start of that day
// in the tenant's time zone.
std::optional<std::int64_t> bound(const std::string& text, const core::TimeZone& zone) {
    if (const auto d = core::parseIsoDate(text))
        return zone.startOfDay(*d).time_since_epoch().count();
    if (const auto t = core::parseTimestamp(text)) return t->time_since_epoch().count();
    return std::nullopt;
}

JsonValue kwh(std::int64_t wh) { return services::fixedJson(wh, 3); }

// Hours fully covered by a method, and the spans it has no (or only partial) data for.
JsonValue coverage(const services::UnitUsageReport& report, const services::MethodUnitUsage& m) {
    std::int64_t full = 0;
    JsonValue missing = JsonValue::array();
    std::optional<std::int64_t> gap_start;
    const auto at = [](std::int64_t t) {
        return services::timestampJson(core::SysSeconds{std::chrono::seconds{t}});
    };
    const auto close = [&](std::int64_t end) {
        if (!gap_start) return;
        JsonValue gap = JsonValue::object();
        gap.set("from", at(*gap_start)).set("to", at(end));
        missing.push(std::move(gap));
        gap_start.reset();
    };
    std::int64_t start = report.from;
    for (std::size_t h = 0; h < report.hour_seconds.size(); ++h) {
        if (m.covered_seconds[h] == report.hour_seconds[h]) {
            ++full;
            close(start);
        } else if (!gap_start) {
            gap_start = start;
        }
        start += report.hour_seconds[h];
    }
    close(report.to);
    JsonValue o = JsonValue::object();
    o.set("hours_with_data", JsonValue::number(full)).set("missing", std::move(missing));
    return o;
}

HandlerResult getUsage(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {"from", "to", "detail"}); !s.ok())
        return std::move(s).error();
    auto t = ctx.billing.getTenant(*tenant);
    if (!t.ok()) return std::move(t).error();
    const auto zone = core::TimeZone::load(t->timezone);
    if (!zone.ok()) return std::move(zone).error();
    Error error{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
    for (const auto* name : {"from", "to"}) {
        const auto it = r.query.find(name);
        auto& out = std::string_view(name) == "from" ? from : to;
        if (it == r.query.end()) {
            error.fields.push_back({name, "required", "is required (RFC 3339 or YYYY-MM-DD)"});
        } else if (!(out = bound(it->second, *zone))) {
            error.fields.push_back(
                {name, "invalid_timestamp", "must be RFC 3339 or a date YYYY-MM-DD"});
        }
    }
    bool hourly = false;
    if (const auto it = r.query.find("detail"); it != r.query.end()) {
        if (it->second == "hourly") {
            hourly = true;
        } else if (it->second != "summary") {
            error.fields.push_back({"detail", "invalid_enum", "must be summary or hourly"});
        }
    }
    if (!error.fields.empty()) return error;
    auto report = ctx.chain.unitUsage(*tenant, r.param("equipment_id"), *from, *to);
    if (!report.ok()) return std::move(report).error();
    const auto at = [](std::int64_t unix_seconds) {
        return services::timestampJson(core::SysSeconds{std::chrono::seconds{unix_seconds}});
    };
    const auto detailNumber = [](const std::optional<std::string>& text) {
        std::int64_t value = 0;
        if (!text) return std::optional<std::int64_t>{};
        const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec != std::errc{} || ptr != text->data() + text->size())
            return std::optional<std::int64_t>{};
        return std::optional<std::int64_t>{value};
    };
    JsonValue cov = JsonValue::object();
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("equipment_usage"))
        .set("equipment_id", JsonValue::string(report->equipment_id))
        .set("from", at(*from))
        .set("to", at(*to))
        .set("hours", count(report->hour_seconds.size()));
    std::optional<std::int64_t> online_seconds;
    std::optional<std::int64_t> average_hashrate;
    JsonValue details = JsonValue::object();
    for (const auto& m : report->methods) {
        out.set(m.method + "_kwh", m.hasData() ? kwh(m.wh()) : JsonValue::null());
        cov.set(m.method, coverage(*report, m));
        JsonValue d = JsonValue::object();
        for (const auto& [k, v] : m.details) d.set(k, JsonValue::string(v));
        details.set(m.method, std::move(d));
        if (m.method == "calculated") online_seconds = detailNumber(m.detail("online_seconds"));
        if (m.method == "hash") average_hashrate = detailNumber(m.detail("average_hashrate_mth"));
    }
    out.set("hours_online",
            online_seconds ? services::fixedJson(
                                 domain::mulDivRound(*online_seconds, 1000, 3600).value_or(0), 3)
                           : JsonValue::null())
        .set("average_hashrate_ths", services::optionalFixed(average_hashrate, 3))
        .set("coverage", std::move(cov))
        .set("details", std::move(details));
    if (hourly) {
        JsonValue hours = JsonValue::array();
        std::int64_t start = report->from;
        for (std::size_t h = 0; h < report->hour_seconds.size(); ++h) {
            JsonValue item = JsonValue::object();
            item.set("start", at(start)).set("seconds", JsonValue::number(report->hour_seconds[h]));
            for (const auto& m : report->methods) {
                item.set(m.method + "_kwh",
                         m.covered_seconds[h] > 0
                             ? kwh(domain::mulDivRound(m.energy_mwh[h], 1, 1000).value_or(0))
                             : JsonValue::null());
            }
            hours.push(std::move(item));
            start += report->hour_seconds[h];
        }
        out.set("hourly", std::move(hours));
    }
    return Response::json(200, out);
}

}  // namespace

void registerTelemetryRoutes(Router& router, ApiContext& ctx) {
    ctx.metrics.describe("billwright_telemetry_rows_total", "counter",
                         "telemetry rows by outcome: stored, duplicate, rejected");
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add(
        {"POST", "/v1/telemetry", Access::kAuthenticated, bind(postTelemetry), BodyKind::kBulk});
    router.add(
        {"GET", "/v1/equipment/{equipment_id}/usage", Access::kAuthenticated, bind(getUsage)});
}

}  // namespace billwright::http
