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

JsonValue coverage(const services::UsageReport& report,
                   const domain::MethodUsage domain::HourUsage::*method) {
    std::int64_t full = 0;
    JsonValue missing = JsonValue::array();
    std::optional<std::int64_t> gap_start;
    const auto close = [&](std::int64_t end) {
        if (!gap_start) return;
        JsonValue gap = JsonValue::object();
        gap.set("from", services::timestampJson(core::SysSeconds{std::chrono::seconds{*gap_start}}))
            .set("to", services::timestampJson(core::SysSeconds{std::chrono::seconds{end}}));
        missing.push(std::move(gap));
        gap_start.reset();
    };
    for (const auto& h : report.usage.hours) {
        if (h.fullyCovered(h.*method)) {
            ++full;
            close(h.start);
        } else if (!gap_start) {
            gap_start = h.start;
        }
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
    auto report = ctx.telemetry.usage(*tenant, r.param("equipment_id"), *from, *to);
    if (!report.ok()) return std::move(report).error();
    const auto& u = report->usage;
    const auto orNull = [](bool has, std::int64_t wh) { return has ? kwh(wh) : JsonValue::null(); };
    JsonValue cov = JsonValue::object();
    cov.set("metered", coverage(*report, &domain::HourUsage::metered))
        .set("hash", coverage(*report, &domain::HourUsage::hash))
        .set("calculated", coverage(*report, &domain::HourUsage::calculated));
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("equipment_usage"))
        .set("equipment_id", JsonValue::string(report->equipment_id))
        .set("from", services::timestampJson(core::SysSeconds{std::chrono::seconds{*from}}))
        .set("to", services::timestampJson(core::SysSeconds{std::chrono::seconds{*to}}))
        .set("hours", count(u.hours.size()))
        .set("metered_kwh", orNull(u.has_metered, u.metered_wh))
        .set("hash_kwh", orNull(u.has_hash, u.hash_wh))
        .set("calculated_kwh", orNull(u.has_calculated, u.calculated_wh))
        .set("hours_online",
             services::fixedJson(domain::mulDivRound(u.online_seconds, 1000, 3600).value_or(0), 3))
        .set("average_hashrate_ths", services::optionalFixed(u.average_hashrate_mth, 3))
        .set("coverage", std::move(cov));
    if (hourly) {
        JsonValue hours = JsonValue::array();
        const auto mwhText = [](const domain::MethodUsage& m) {
            return m.covered_seconds > 0
                       ? services::fixedJson(domain::mulDivRound(m.energy_mwh, 1, 1000).value_or(0),
                                             3)
                       : JsonValue::null();
        };
        for (const auto& h : u.hours) {
            JsonValue item = JsonValue::object();
            item.set("start",
                     services::timestampJson(core::SysSeconds{std::chrono::seconds{h.start}}))
                .set("seconds", JsonValue::number(h.seconds))
                .set("metered_kwh", mwhText(h.metered))
                .set("hash_kwh", mwhText(h.hash))
                .set("calculated_kwh", mwhText(h.calculated))
                .set("online_seconds", JsonValue::number(h.online_seconds));
            hours.push(std::move(item));
        }
        out.set("hourly", std::move(hours));
    }
    return Response::json(200, out);
}

HandlerResult getUncontracted(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"within_minutes"});
    if (!page.ok()) return std::move(page).error();
    std::int64_t minutes = 60;
    if (const auto it = r.query.find("within_minutes"); it != r.query.end()) {
        const auto& v = it->second;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), minutes);
        if (ec != std::errc{} || ptr != v.data() + v.size() || minutes < 1 || minutes > 10080)
            return Error::validation("within_minutes", "out_of_range",
                                     "must be an integer from 1 to 10080");
    }
    const std::size_t limit = r.query.count("limit") != 0 ? page->limit : 100;
    const auto report = ctx.telemetry.uncontracted(*tenant, minutes * 60, limit);
    JsonValue data = JsonValue::array();
    for (const auto& item : report.items) {
        JsonValue e = services::toJson(item.equipment, std::nullopt);
        e.set("last_hashrate_ths", services::fixedJson(item.last_hashrate_mth, 3))
            .set("last_hashrate_at", services::timestampJson(core::SysSeconds{
                                         std::chrono::seconds{item.last_hashrate_ts}}));
        data.push(std::move(e));
    }
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("uncontracted_equipment"))
        .set("count", JsonValue::number(report.count))
        .set("within_minutes", JsonValue::number(minutes))
        .set("data", std::move(data))
        .set("has_more",
             JsonValue::boolean(report.count > static_cast<std::int64_t>(report.items.size())));
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
    router.add(
        {"GET", "/v1/revenue-guard/uncontracted", Access::kAuthenticated, bind(getUncontracted)});
}

}  // namespace billwright::http
