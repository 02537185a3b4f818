// Lua rate benchmark: a realistic time-of-use + volume-tier `rate` script priced for
// contracts x hourly buckets through the sandboxed engine's fast path (Program::Context +
// rateResult), next to an empty Lua function called through the same C API (lua_pcall) in the
// same run, with and without a count hook. bench/lua_rate/run drives it; see bench/README.md
// ("Lua rate scripts").
//
//   lua_rate_bench [--contracts=10000] [--hours=720] [--runs=3]
//                  [--profile=bands|realistic|empty|baseline|floor|floor-proxy]
//
// Measured, each `runs` times (best and median reported), every one over contracts x hours calls:
//   baseline        an empty Lua function with one table argument, lua_pcall on a plain
//                   luaL_newstate state: no hook, then with a count hook every 1000
//                   instructions (the engine's interval);
//   engine          per contract Program::makeContext (tenant, customer, contract {id, type,
//                   rate}, equipment count, plain rate), then per hour Context::set of hour,
//                   weekday, date, kwh, mwh and month_to_date_kwh, Program::call("rate", ctx)
//                   and rateResult on the result;
//   breakdown       the engine with an empty rate function (what the engine adds), and the same
//                   rate script on a plain state, with and without the hook, context as a plain
//                   table set with lua_setfield, the float result read with lua_tonumber (what
//                   the script costs without the sandbox), and with the context behind
//                   read-only proxies as the engine gives it.
//   floor           the bands script called from a Lua loop on a plain state with the hook (a
//                   fixed context, plain or behind a read-only proxy): the call and the script
//                   and nothing else, the least any engine calling it once per hour can cost.
// The engine's rates must sum to the plain state's, or the run fails. --profile runs one
// measurement alone (perf; bench/lua_rate/instructions counts its instructions with callgrind).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <lua.hpp>

#include "core/date.h"
#include "core/json.h"
#include "scripting/program.h"
#include "scripting/script_results.h"

namespace {

namespace bw = billwright;
namespace sc = billwright::scripting;
using Steady = std::chrono::steady_clock;

// A tenant's rate: weekday evening peaks, cheap nights, weekends and holidays at a discount,
// month-to-date volume tiers, a markup for leases. Integer micro-units until the last step.
constexpr std::string_view kRateScript = R"(
local PEAK = { [17] = 135, [18] = 145, [19] = 145, [20] = 135, [21] = 120 }
local NIGHT, WEEKEND, LEASE_MARKUP = 85, 90, 3
local HOLIDAYS = { ["2026-10-12"] = true, ["2026-11-11"] = true, ["2026-11-26"] = true,
                   ["2026-12-25"] = true }
local TIERS = { { 500000, -8 }, { 200000, -5 }, { 50000, -2 } }  -- kWh this month, points

local function micros(decimal)  -- "0.065000" -> 65000
    local dot = string.find(decimal, ".", 1, true)
    if not dot then return math.tointeger(tonumber(decimal)) * 1000000 end
    local whole = math.tointeger(tonumber(string.sub(decimal, 1, dot - 1)))
    local fraction = string.sub(string.sub(decimal, dot + 1) .. "000000", 1, 6)
    return whole * 1000000 + math.tointeger(tonumber(fraction))
end

local base_of = {}

function rate(ctx)
    local plain = ctx.plain_rate
    local base = base_of[plain]
    if base == nil then base = micros(plain); base_of[plain] = base end
    local hour = ctx.hour
    local percent
    if hour < 6 then
        percent = NIGHT
    elseif ctx.weekday >= 6 or HOLIDAYS[ctx.date] then
        percent = WEEKEND
    else
        percent = PEAK[hour] or 100
    end
    local used = ctx.month_to_date_kwh
    for i = 1, #TIERS do
        local tier = TIERS[i]
        if used >= tier[1] then percent = percent + tier[2]; break end
    end
    if ctx.contract.type == "lease" then percent = percent + LEASE_MARKUP end
    return (base * percent + 50) // 100 / 1000000
end
)";

// The target's script: a tenant's time-of-use bands, the rate as a decimal string.
constexpr std::string_view kBandRateScript = R"(
local PEAK, OFF_PEAK = "0.081250", "0.052000"
function rate(ctx)
    if ctx.weekday <= 5 and ctx.hour >= 8 and ctx.hour < 20 then return PEAK end
    return OFF_PEAK
end
)";

constexpr std::string_view kEmptyRateScript = "function rate(ctx) return 0 end";

struct Options {
    int contracts = 10'000;
    int hours = 720;
    int runs = 3;
    std::string profile;  // --profile=bands|realistic|empty: only that engine run, for perf
};

struct Hour {
    std::int64_t start = 0;  // Unix seconds
    int hour = 0;            // 0..23 local
    int weekday = 1;         // ISO, 1 = Monday
    std::string date;
    double load = 1;  // share of nameplate power drawn in this hour
};

struct Contract {
    std::string id;
    std::string customer_id;
    std::string type;
    std::string plain_rate;
    int equipment = 1;
};

// Deterministic inputs: October 2026 onwards, local hours; each contract a few miners at
// 3.25 kW with a load that varies by hour.
std::vector<Hour> makeHours(int count) {
    std::vector<Hour> hours;
    const auto start = std::chrono::sys_days(
        bw::core::Date{std::chrono::year(2026), std::chrono::October, std::chrono::day(1)});
    for (int h = 0; h < count; ++h) {
        const auto day = start + std::chrono::days(h / 24);
        Hour hour;
        hour.start = std::chrono::sys_seconds(start).time_since_epoch().count() + h * 3600LL;
        hour.hour = h % 24;
        hour.weekday = static_cast<int>(std::chrono::weekday(day).iso_encoding());
        hour.date = bw::core::formatIsoDate(bw::core::Date(day));
        hour.load = 0.92 + 0.08 * std::sin(h * 0.37);
        hours.push_back(std::move(hour));
    }
    return hours;
}

std::vector<Contract> makeContracts(int count) {
    std::vector<Contract> contracts;
    for (int i = 0; i < count; ++i) {
        char id[32];
        char customer[32];
        char rate[32];
        std::snprintf(id, sizeof id, "con_%05d", i);
        std::snprintf(customer, sizeof customer, "cus_%05d", i / 3);
        std::snprintf(rate, sizeof rate, "0.%06d", 50'000 + (i * 37) % 30'001);
        contracts.push_back(
            Contract{id, customer, i % 4 == 3 ? "lease" : "hosted", rate, 1 + (i * 7) % 40});
    }
    return contracts;
}

bw::core::JsonValue baseContext(const Contract& contract) {
    using bw::core::JsonValue;
    JsonValue terms = JsonValue::object();
    terms.set("id", JsonValue::string(contract.id));
    terms.set("type", JsonValue::string(contract.type));
    terms.set("rate", JsonValue::string(contract.plain_rate));
    JsonValue base = JsonValue::object();
    base.set("tenant_id", JsonValue::string("ten_bench"));
    base.set("customer_id", JsonValue::string(contract.customer_id));
    base.set("contract", std::move(terms));
    base.set("equipment_count", JsonValue::number(contract.equipment));
    base.set("plain_rate", JsonValue::string(contract.plain_rate));
    return base;
}

double kwhOf(const Contract& contract, const Hour& hour) {
    return contract.equipment * 3.25 * hour.load;
}

double nsPerCall(Steady::time_point t0, std::int64_t calls) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - t0);
    return static_cast<double>(ns.count()) / static_cast<double>(calls);
}

// ---- baselines on a plain state --------------------------------------------------------

void pushProxy(lua_State* L, int backing);

void countHook(lua_State* L, lua_Debug*) {
    auto* counter = *static_cast<std::int64_t**>(lua_getextraspace(L));
    *counter += 1000;
}

struct PlainState {
    lua_State* L = luaL_newstate();
    std::int64_t hook_instructions = 0;
    PlainState() {
        luaL_openlibs(L);
        *static_cast<std::int64_t**>(lua_getextraspace(L)) = &hook_instructions;
    }
    ~PlainState() { lua_close(L); }
    void load(std::string_view source) {
        if (luaL_loadbufferx(L, source.data(), source.size(), "=bench", "t") != LUA_OK ||
            lua_pcall(L, 0, 0, 0) != LUA_OK) {
            throw std::runtime_error(std::string("plain state: ") + lua_tostring(L, -1));
        }
    }
    void hook(bool on) { lua_sethook(L, on ? countHook : nullptr, on ? LUA_MASKCOUNT : 0, 1000); }
};

double emptyFunction(std::int64_t calls, bool with_hook) {
    PlainState plain;
    plain.load("function empty(ctx) end");
    plain.hook(with_hook);
    lua_getglobal(plain.L, "empty");
    lua_newtable(plain.L);
    const int function = lua_gettop(plain.L) - 1;
    const int table = lua_gettop(plain.L);
    const auto t0 = Steady::now();
    for (std::int64_t i = 0; i < calls; ++i) {
        lua_pushvalue(plain.L, function);
        lua_pushvalue(plain.L, table);
        if (lua_pcall(plain.L, 1, 1, 0) != LUA_OK) throw std::runtime_error("empty failed");
        lua_pop(plain.L, 1);
    }
    return nsPerCall(t0, calls);
}

// The floor: the bands script called from a Lua loop on a plain state with the hook, its
// context a fixed table (weekday 3, hour 12: the longest path, all three comparisons), so no C
// boundary, no context update and no result conversion per call — only the call and the
// script. No engine that calls the script once per hour under a count hook can be cheaper.
// With `proxy` the context is behind a read-only proxy, as the engine gives it.
double floorLoop(std::int64_t calls, bool proxy) {
    PlainState plain;
    plain.load(kBandRateScript);
    plain.load(R"(
function floor_loop(n, ctx)
    local rate = rate
    for i = 1, n do local r = rate(ctx) end
end
)");
    plain.hook(true);
    lua_State* L = plain.L;
    lua_getglobal(L, "floor_loop");
    lua_pushinteger(L, calls);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, 3);
    lua_setfield(L, -2, "weekday");
    lua_pushinteger(L, 12);
    lua_setfield(L, -2, "hour");
    lua_pushstring(L, "ten_bench");
    lua_setfield(L, -2, "tenant_id");
    if (proxy) {
        pushProxy(L, -1);
        lua_remove(L, -2);
    }
    const auto t0 = Steady::now();
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        throw std::runtime_error(std::string("floor: ") + lua_tostring(L, -1));
    }
    return nsPerCall(t0, calls);
}

struct Priced {
    double ns_per_call = 0;
    std::int64_t sum_micros = 0;
    double make_context_ns = 0;  // engine only: per contract
};

// The script on a plain state, context a plain table: the script's own cost.
// With `proxy`, the script sees the context through read-only proxies built as the engine
// builds them (an empty table whose metatable's __index is the context), the contract too.
void pushProxy(lua_State* L, int backing) {
    backing = lua_absindex(L, backing);
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, backing);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

Priced plainScript(std::string_view script, const std::vector<Contract>& contracts,
                   const std::vector<Hour>& hours, bool with_hook, bool proxy = false) {
    PlainState plain;
    plain.load(script);
    plain.hook(with_hook);
    lua_State* L = plain.L;
    lua_getglobal(L, "rate");
    const int function = lua_gettop(L);
    Priced out;
    const auto t0 = Steady::now();
    for (const Contract& contract : contracts) {
        lua_createtable(L, 0, 12);
        const int ctx = lua_gettop(L);
        lua_pushstring(L, "ten_bench");
        lua_setfield(L, ctx, "tenant_id");
        lua_pushstring(L, contract.customer_id.c_str());
        lua_setfield(L, ctx, "customer_id");
        lua_createtable(L, 0, 3);
        lua_pushstring(L, contract.id.c_str());
        lua_setfield(L, -2, "id");
        lua_pushstring(L, contract.type.c_str());
        lua_setfield(L, -2, "type");
        lua_pushstring(L, contract.plain_rate.c_str());
        lua_setfield(L, -2, "rate");
        if (proxy) {
            pushProxy(L, -1);
            lua_remove(L, -2);
        }
        lua_setfield(L, ctx, "contract");
        lua_pushinteger(L, contract.equipment);
        lua_setfield(L, ctx, "equipment_count");
        lua_pushstring(L, contract.plain_rate.c_str());
        lua_setfield(L, ctx, "plain_rate");
        if (proxy) {
            pushProxy(L, ctx);
        } else {
            lua_pushvalue(L, ctx);
        }
        const int seen = lua_gettop(L);
        double month_to_date = 0;
        for (const Hour& hour : hours) {
            const double kwh = kwhOf(contract, hour);
            lua_pushinteger(L, hour.hour);
            lua_setfield(L, ctx, "hour");
            lua_pushinteger(L, hour.weekday);
            lua_setfield(L, ctx, "weekday");
            lua_pushlstring(L, hour.date.data(), hour.date.size());
            lua_setfield(L, ctx, "date");
            lua_pushnumber(L, kwh);
            lua_setfield(L, ctx, "kwh");
            lua_pushinteger(L, std::llround(kwh * 1e6));
            lua_setfield(L, ctx, "mwh");
            lua_pushnumber(L, month_to_date);
            lua_setfield(L, ctx, "month_to_date_kwh");
            lua_pushvalue(L, function);
            lua_pushvalue(L, seen);
            if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
                throw std::runtime_error(std::string("plain rate: ") + lua_tostring(L, -1));
            }
            out.sum_micros += std::llround(lua_tonumber(L, -1) * 1e6);
            lua_pop(L, 1);
            month_to_date += kwh;
        }
        lua_pop(L, 2);
    }
    out.ns_per_call = nsPerCall(t0, static_cast<std::int64_t>(contracts.size() * hours.size()));
    return out;
}

// ---- the engine -------------------------------------------------------------------------

Priced engine(std::string_view script, const std::vector<Contract>& contracts,
              const std::vector<Hour>& hours) {
    auto loaded = sc::Program::load(script, "rate", sc::Limits{});
    if (auto* failure = std::get_if<sc::ScriptFailure>(&loaded)) {
        throw std::runtime_error("load: " + failure->code + ": " + failure->message);
    }
    sc::Program& program = *std::get<std::unique_ptr<sc::Program>>(loaded);
    std::vector<bw::core::JsonValue> bases;
    bases.reserve(contracts.size());
    for (const Contract& contract : contracts) bases.push_back(baseContext(contract));

    Priced out;
    Steady::duration making{};
    const auto t0 = Steady::now();
    for (std::size_t c = 0; c < contracts.size(); ++c) {
        const Contract& contract = contracts[c];
        const auto made_at = Steady::now();
        auto made = program.makeContext(bases[c], sc::ContextNumbers::kFloats);
        making += Steady::now() - made_at;
        if (auto* failure = std::get_if<sc::ScriptFailure>(&made)) {
            throw std::runtime_error("makeContext: " + failure->message);
        }
        auto& ctx = std::get<sc::Program::Context>(made);
        const auto hour_field = ctx.field("hour");
        const auto weekday_field = ctx.field("weekday");
        const auto date_field = ctx.field("date");
        const auto start_field = ctx.field("hour_start");
        const auto kwh_field = ctx.field("kwh");
        const auto mwh_field = ctx.field("mwh");
        const auto month_field = ctx.field("month_to_date_kwh");
        double month_to_date = 0;
        for (const Hour& hour : hours) {
            const double kwh = kwhOf(contract, hour);
            ctx.set(hour_field, hour.hour);
            ctx.set(weekday_field, hour.weekday);
            ctx.set(date_field, std::string_view(hour.date));
            ctx.setTimestamp(start_field, hour.start);
            ctx.set(kwh_field, kwh);
            ctx.set(mwh_field, static_cast<std::int64_t>(std::llround(kwh * 1e6)));
            ctx.set(month_field, month_to_date);
            auto rate = program.callRate("rate", ctx);
            if (auto* failure = std::get_if<sc::ScriptFailure>(&rate)) {
                throw std::runtime_error("rate: " + failure->code + ": " + failure->message);
            }
            out.sum_micros += std::get<std::int64_t>(rate);
            month_to_date += kwh;
        }
    }
    const auto calls = static_cast<std::int64_t>(contracts.size() * hours.size());
    out.ns_per_call = nsPerCall(t0, calls);
    out.make_context_ns =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(making).count()) /
        static_cast<double>(contracts.size());
    return out;
}

std::size_t emptyProgramBytes() {
    auto loaded = sc::Program::load("", "empty", sc::Limits{});
    return std::get<std::unique_ptr<sc::Program>>(loaded)->memoryInUse();
}

double clockNs() {
    constexpr int kReads = 1'000'000;
    std::int64_t sink = 0;
    const auto t0 = Steady::now();
    for (int i = 0; i < kReads; ++i) sink += Steady::now().time_since_epoch().count() & 1;
    const double ns = nsPerCall(t0, kReads);
    return sink >= 0 ? ns : 0;
}

struct Stats {
    double best = 0;
    double median = 0;
};

Stats stats(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return Stats{values.front(), values[values.size() / 2]};
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string_view name) -> const char* {
            return arg.starts_with(name) ? argv[i] + name.size() : nullptr;
        };
        if (const char* v = value("--contracts=")) {
            options.contracts = std::atoi(v);
        } else if (const char* h = value("--hours=")) {
            options.hours = std::atoi(h);
        } else if (const char* r = value("--runs=")) {
            options.runs = std::atoi(r);
        } else if (const char* f = value("--profile=")) {
            options.profile = f;
        } else {
            throw std::runtime_error("unknown option " + std::string(arg));
        }
    }
    if (options.contracts < 1 || options.hours < 1 || options.runs < 1) {
        throw std::runtime_error("--contracts, --hours and --runs must be positive");
    }
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options options = parse(argc, argv);
        const auto contracts = makeContracts(options.contracts);
        const auto hours = makeHours(options.hours);
        const auto calls = static_cast<std::int64_t>(contracts.size() * hours.size());
        std::printf("== lua rate: %d contracts x %d hours = %lld calls, %d runs\n",
                    options.contracts, options.hours, static_cast<long long>(calls), options.runs);
        std::printf("empty Program state: %zu bytes; steady_clock::now(): %.1f ns\n",
                    emptyProgramBytes(), clockNs());

        // Single measurements, for perf and for bench/lua_rate/instructions (callgrind).
        if (options.profile == "baseline" || options.profile == "floor" ||
            options.profile == "floor-proxy") {
            for (int run = 0; run < options.runs; ++run) {
                const double ns = options.profile == "baseline"
                                      ? emptyFunction(calls, true)
                                      : floorLoop(calls, options.profile == "floor-proxy");
                std::printf("%s: %.1f ns per call\n", options.profile.c_str(), ns);
            }
            return 0;
        }
        if (!options.profile.empty()) {
            const std::string_view script = options.profile == "bands"       ? kBandRateScript
                                            : options.profile == "realistic" ? kRateScript
                                                                             : kEmptyRateScript;
            for (int run = 0; run < options.runs; ++run) {
                std::printf("engine %s: %.1f ns per call\n", options.profile.c_str(),
                            engine(script, contracts, hours).ns_per_call);
            }
            return 0;
        }
        std::vector<double> empty_plain, empty_hook, engine_band, plain_band, engine_rate,
            engine_empty, plain_rate, plain_unhooked, plain_proxy, make_context, floor_plain,
            floor_proxy;
        std::int64_t sums[4] = {};  // band: engine, plain; realistic: engine, plain
        for (int run = 0; run < options.runs; ++run) {
            empty_plain.push_back(emptyFunction(calls, false));
            empty_hook.push_back(emptyFunction(calls, true));
            floor_plain.push_back(floorLoop(calls, false));
            floor_proxy.push_back(floorLoop(calls, true));
            const Priced band = engine(kBandRateScript, contracts, hours);
            engine_band.push_back(band.ns_per_call);
            sums[0] = band.sum_micros;
            const Priced band_plain = plainScript(kBandRateScript, contracts, hours, true);
            plain_band.push_back(band_plain.ns_per_call);
            sums[1] = band_plain.sum_micros;
            const Priced priced = engine(kRateScript, contracts, hours);
            engine_rate.push_back(priced.ns_per_call);
            make_context.push_back(priced.make_context_ns);
            sums[2] = priced.sum_micros;
            engine_empty.push_back(engine(kEmptyRateScript, contracts, hours).ns_per_call);
            const Priced plain = plainScript(kRateScript, contracts, hours, true);
            plain_rate.push_back(plain.ns_per_call);
            sums[3] = plain.sum_micros;
            plain_unhooked.push_back(plainScript(kRateScript, contracts, hours, false).ns_per_call);
            plain_proxy.push_back(
                plainScript(kRateScript, contracts, hours, true, true).ns_per_call);
            std::printf(
                "run %d: empty %.1f / hooked %.1f ns; bands: engine %.1f, plain %.1f ns; "
                "realistic: engine %.1f, plain %.1f / unhooked %.1f / proxies %.1f ns; engine "
                "empty %.1f ns; floor %.1f / proxy %.1f ns\n",
                run + 1, empty_plain.back(), empty_hook.back(), engine_band.back(),
                plain_band.back(), engine_rate.back(), plain_rate.back(), plain_unhooked.back(),
                plain_proxy.back(), engine_empty.back(), floor_plain.back(), floor_proxy.back());
        }
        if (sums[0] != sums[1] || sums[2] != sums[3]) {
            std::fprintf(stderr,
                         "rates differ: bands engine %lld / plain %lld, realistic engine %lld / "
                         "plain %lld micro-units\n",
                         static_cast<long long>(sums[0]), static_cast<long long>(sums[1]),
                         static_cast<long long>(sums[2]), static_cast<long long>(sums[3]));
            return 1;
        }
        const Stats a = stats(empty_plain);
        const Stats b = stats(empty_hook);
        const Stats eb = stats(engine_band);
        const Stats pb = stats(plain_band);
        const Stats e = stats(engine_rate);
        const Stats z = stats(engine_empty);
        const Stats p = stats(plain_rate);
        const Stats u = stats(plain_unhooked);
        const Stats x = stats(plain_proxy);
        const Stats m = stats(make_context);
        const Stats fp = stats(floor_plain);
        const Stats fx = stats(floor_proxy);
        auto row = [](const char* name, const Stats& st) {
            std::printf("%-52s %7.1f / %7.1f\n", name, st.best, st.median);
        };
        std::printf("\n== ns per call (best / median of %d)\n", options.runs);
        row("baseline: empty function, lua_pcall, no hook", a);
        row("baseline: empty function, lua_pcall, count hook", b);
        row("engine: time-of-use bands script (callRate)", eb);
        row("  floor: bands script from a Lua loop, hook, plain table", fp);
        row("  floor: bands script from a Lua loop, hook, proxy", fx);
        row("  plain state: bands script, hook, plain table", pb);
        row("engine: realistic rate script (callRate)", e);
        row("  engine: empty rate function (callRate)", z);
        row("  plain state: realistic script, hook, plain table", p);
        row("  plain state: realistic script, no hook", u);
        row("  plain state: realistic script, hook, proxies", x);
        row("  makeContext per contract", m);
        std::printf(
            "\ntarget (bands script through the engine / empty function with the hook, best): "
            "%.2fx (<= 2x); without the hook %.2fx\n",
            eb.best / b.best, eb.best / a.best);
        std::printf(
            "floor (bands script called from Lua, nothing else) / empty function with the hook: "
            "%.2fx plain table, %.2fx read-only proxy\n",
            fp.best / b.best, fx.best / b.best);
        std::printf(
            "realistic script through the engine / the same script on a plain state with the "
            "hook: %.2fx\n",
            e.best / p.best);
        std::printf("rates checked: bands %lld, realistic %lld micro-units, engine = plain\n",
                    static_cast<long long>(sums[0]), static_cast<long long>(sums[2]));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lua_rate_bench: %s\n", e.what());
        return 1;
    }
}
