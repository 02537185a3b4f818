// Hostile scripts, one per attack. Each must end with its failure code within the limits, and
// the next Program (another tenant's) must run normally.

#include <pthread.h>

#include <string>
#include <variant>

#include <boost/test/unit_test.hpp>

#include "script_fixture.h"
#include "scripting/program.h"

namespace billwright::scripting {
namespace {

using testing::callFailure;
using testing::expectCallStopped;
using testing::expectFreshProgramWorks;
using testing::expectLoadStopped;
using testing::json;
using testing::mustCall;
using testing::mustLoad;
using testing::smallLimits;

constexpr std::string_view kInstructionLimit = failure_code::kInstructionLimit;
constexpr std::string_view kMemoryLimit = failure_code::kMemoryLimit;
constexpr std::string_view kRecursionLimit = failure_code::kRecursionLimit;
constexpr std::string_view kRuntimeError = failure_code::kRuntimeError;

BOOST_AUTO_TEST_SUITE(infinite_loops)

BOOST_AUTO_TEST_CASE(an_infinite_loop_at_top_level_stops_at_the_instruction_limit) {
    const ScriptFailure failure =
        expectLoadStopped("local x = 0\nwhile true do x = x + 1 end", kInstructionLimit);
    BOOST_TEST((failure.line == 2));
}

BOOST_AUTO_TEST_CASE(an_infinite_loop_inside_the_function_stops_at_the_instruction_limit) {
    const ScriptFailure failure = expectCallStopped(R"(
        function attack(ctx)
            while true do end
        end)",
                                                    kInstructionLimit);
    BOOST_TEST((failure.line == 3));
}

BOOST_AUTO_TEST_CASE(an_infinite_loop_inside_a_coroutine_stops_at_the_instruction_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local co = coroutine.create(function() while true do end end)
            local ok, err = coroutine.resume(co)
            -- the coroutine died of the limit; the main thread is stopped too
            while true do end
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(a_coroutine_that_swallows_the_limit_cannot_keep_the_caller_running) {
    expectCallStopped(R"(
        function attack(ctx)
            local n = 0
            while true do
                coroutine.resume(coroutine.create(function() while true do end end))
                n = n + 1
            end
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(pcall_in_a_loop_cannot_swallow_the_instruction_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            while true do pcall(function() while true do end end) end
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(xpcall_with_a_looping_handler_stops_at_the_instruction_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            while true do
                xpcall(function() error("boom") end, function() while true do end end)
            end
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(a_close_handler_cannot_swallow_the_instruction_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            while true do
                pcall(function()
                    local guard <close> = setmetatable({}, {__close = function()
                        while true do end
                    end})
                    while true do end
                end)
            end
        end)",
                      kInstructionLimit);
}

// The hook's error is raised with Lua's hooks off in that thread; a coroutine that dies of it
// keeps them off, and stock coroutine.wrap/close would then run its __close handlers unhooked.
BOOST_AUTO_TEST_CASE(close_handlers_of_a_wrapped_coroutine_killed_by_the_limit_never_run) {
    expectCallStopped(R"(
        function attack(ctx)
            local f = coroutine.wrap(function()
                local guard <close> = setmetatable({}, {__close = function()
                    while true do end
                end})
                while true do end
            end)
            f()
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(closing_a_coroutine_killed_by_the_limit_runs_nothing) {
    expectCallStopped(R"(
        function attack(ctx)
            local co = coroutine.create(function()
                local guard <close> = setmetatable({}, {__close = function()
                    while true do end
                end})
                while true do end
            end)
            coroutine.resume(co)
            coroutine.close(co)
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(an_xpcall_handler_gets_ordinary_errors_but_never_a_limit) {
    auto program = mustLoad(R"(
        function rate(ctx)
            local ok, err = xpcall(function() error("boom", 0) end,
                                   function(e) return "handled: " .. e end)
            local co = coroutine.wrap(function()
                return xpcall(function() coroutine.yield(1) return 2 end, print or tostring)
            end)
            return {ok, err, co(), co()}
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == R"([false,"handled: boom",1,true,2])");
}

BOOST_AUTO_TEST_CASE(catching_the_limit_and_returning_still_reports_the_instruction_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local ok = pcall(function() while true do end end)
            return "0.065"
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(a_busy_loop_under_a_high_instruction_budget_stops_at_the_deadline) {
    Limits limits = smallLimits();
    limits.instructions = 1'000'000'000;
    limits.wall_ms = 30;
    expectCallStopped("function attack(ctx) while true do end end", failure_code::kDeadline,
                      limits);
}

BOOST_AUTO_TEST_CASE(a_tripped_program_refuses_later_calls_of_any_function) {
    auto program = mustLoad(R"(
        function attack(ctx) while true do end end
        function rate(ctx) return "0.065" end)");
    BOOST_TEST(callFailure(*program, "attack").code == kInstructionLimit);
    BOOST_TEST(callFailure(*program, "rate").code == kInstructionLimit);
    BOOST_TEST(!program->hasFunction("rate"));
    auto context = program->makeContext(json("{}"));
    BOOST_TEST(std::holds_alternative<ScriptFailure>(context));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stalls_inside_library_functions)

BOOST_AUTO_TEST_CASE(string_rep_of_an_empty_string_a_huge_number_of_times_returns_at_once) {
    auto program = mustLoad(R"(
        function rate(ctx)
            local s = string.rep("", 1 << 62) .. ("").rep("", math.maxinteger, "")
            return #s
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == "0");
}

BOOST_AUTO_TEST_CASE(table_move_over_a_huge_empty_range_stops_at_the_instruction_limit) {
    expectCallStopped("function attack(ctx) table.move({}, 1, math.maxinteger - 1, 1) end",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(table_insert_into_a_table_claiming_a_huge_length_stops_at_the_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local t = setmetatable({}, {__len = function() return math.maxinteger - 1 end})
            table.insert(t, 1, "x")
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(table_remove_from_a_table_claiming_a_huge_length_stops_at_the_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local t = setmetatable({}, {__len = function() return 1 << 60 end})
            table.remove(t, 1)
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(sorting_a_large_array_is_charged_to_the_instruction_budget) {
    expectCallStopped(R"(
        function attack(ctx)
            local t = {}
            for i = 1, 30000 do t[i] = (i * 7919) % 30011 end
            table.sort(t)
        end)",
                      kInstructionLimit);
}

BOOST_AUTO_TEST_CASE(pattern_matching_is_absent_and_find_refuses_patterns) {
    auto program = mustLoad(R"(
        function absent()
            return string.match == nil and string.gmatch == nil and string.gsub == nil
                and ("x").gsub == nil
        end
        function attack(ctx)
            return string.find(string.rep("a", 400), "a-a-a-a-a-a-a-a-b")
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "absent")) == "true");
    BOOST_TEST(callFailure(*program, "attack").code == kRuntimeError);
    BOOST_TEST(!program->tripped());
}

BOOST_AUTO_TEST_CASE(a_plain_find_with_a_pathological_needle_finishes_quickly) {
    // Stock Lua's plain find is O(n*m): 300k x 150k byte comparisons here (minutes).
    Limits limits = smallLimits();
    limits.memory_bytes = 4u << 20;
    auto program = mustLoad(R"(
        function rate(ctx)
            local hay = string.rep("a", 300000)
            local needle = string.rep("a", 150000) .. "b"
            local at = string.find(hay, needle, 1, true)
            local hit = string.find(hay .. "b", needle, 1, true)
            return {at == nil, hit}
        end)",
                            limits);
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == "[true,150001]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(memory_bombs)

BOOST_AUTO_TEST_CASE(a_string_rep_bomb_stops_at_the_memory_limit) {
    expectCallStopped("function attack(ctx) return string.rep('x', 1 << 30) end", kMemoryLimit);
}

BOOST_AUTO_TEST_CASE(a_string_rep_count_near_the_integer_limit_stops_at_the_memory_limit) {
    expectCallStopped("function attack(ctx) return ('x'):rep(1 << 62) end", kMemoryLimit);
}

BOOST_AUTO_TEST_CASE(table_growth_stops_at_the_memory_limit) {
    Limits limits = smallLimits();
    limits.instructions = 50'000'000;
    expectCallStopped(R"(
        function attack(ctx)
            local t = {}
            local i = 0
            while true do i = i + 1; t[i] = {i} end
        end)",
                      kMemoryLimit, limits);
}

BOOST_AUTO_TEST_CASE(a_concatenation_loop_stops_at_the_memory_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local s = "x"
            while true do s = s .. s end
        end)",
                      kMemoryLimit);
}

BOOST_AUTO_TEST_CASE(a_memory_bomb_at_top_level_stops_at_the_memory_limit) {
    expectLoadStopped("local t = {} for i = 1, 1e8 do t[i] = tostring(i) end", kMemoryLimit, [] {
        Limits limits = smallLimits();
        limits.instructions = 100'000'000;
        return limits;
    }());
}

BOOST_AUTO_TEST_CASE(a_memory_bomb_inside_a_coroutine_stops_at_the_memory_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local f = coroutine.wrap(function() return string.rep("y", 1 << 30) end)
            return f()
        end)",
                      kMemoryLimit);
}

BOOST_AUTO_TEST_CASE(a_memory_error_caught_by_pcall_lets_the_call_finish_normally) {
    auto program = mustLoad(R"(
        function rate(ctx)
            local ok, err = pcall(string.rep, "x", 1 << 30)
            return {ok, err}
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == R"([false,"not enough memory"])");
    BOOST_TEST(!program->tripped());
    BOOST_TEST(program->memoryInUse() <= program->limits().memory_bytes);
}

BOOST_AUTO_TEST_CASE(a_memory_error_raised_again_by_the_script_is_the_memory_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local ok, err = pcall(string.rep, "x", 1 << 30)
            error(err, 0)
        end)",
                      kMemoryLimit);
}

BOOST_AUTO_TEST_CASE(another_error_after_a_caught_memory_error_is_that_error) {
    expectCallStopped(R"(
        function attack(ctx)
            pcall(string.rep, "x", 1 << 30)
            error("no rate for this contract")
        end)",
                      kRuntimeError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(deep_recursion)

BOOST_AUTO_TEST_CASE(deep_lua_recursion_stops_at_the_recursion_limit) {
    expectCallStopped(R"(
        local function down(n) return 1 + down(n + 1) end
        function attack(ctx) return down(1) end)",
                      kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(recursion_caught_by_pcall_at_every_level_stops_at_the_recursion_limit) {
    // Enough instructions per level that the hook sees the depth before Lua's own C-stack
    // limit (200 nested C calls) would raise an error pcall could catch.
    expectCallStopped(R"(
        local function down(n)
            local x = n + 1; x = x + 1; x = x + 1; x = x + 1; x = x + 1; x = x + 1; x = x + 1
            pcall(down, x)
        end
        function attack(ctx) down(1) return "0.065" end)",
                      kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(recursion_through_an_index_metamethod_stops_at_the_recursion_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local t = setmetatable({}, {})
            getmetatable(t).__index = function(self, k) return self[k .. "x"] end
            return t.a
        end)",
                      kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(recursion_through_tostring_metamethods_stops_at_the_recursion_limit) {
    expectCallStopped(R"(
        function attack(ctx)
            local t = setmetatable({}, {__tostring = function(self) return tostring(self) end})
            return tostring(t)
        end)",
                      kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(table_sort_with_a_recursive_comparator_stops_at_the_recursion_limit) {
    expectCallStopped(R"(
        local function cmp(a, b)
            table.sort({3, 2, 1}, cmp)
            return a < b
        end
        function attack(ctx) table.sort({3, 2, 1}, cmp) end)",
                      kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(recursion_through_coroutines_stops_at_the_recursion_limit) {
    expectCallStopped(R"(
        local function nest() return coroutine.wrap(nest)() end
        function attack(ctx) return nest() end)",
                      kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(a_source_nested_past_the_parser_limit_is_a_compile_error) {
    const std::string source = "return " + std::string(1000, '(') + "1" + std::string(1000, ')');
    expectLoadStopped(source, failure_code::kCompileError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(escape_attempts)

BOOST_AUTO_TEST_CASE(every_removed_global_and_library_function_is_nil) {
    auto program = mustLoad(R"(
        local removed = {
            "load", "loadstring", "dofile", "loadfile", "require", "print", "collectgarbage",
            "warn", "module", "setfenv", "getfenv", "newproxy", "unpack", "gcinfo",
            "io", "os", "package", "debug", "bit32", "jit", "ffi",
        }
        local removed_fields = {
            string = {"dump", "match", "gmatch", "gsub", "pack", "packsize", "unpack"},
            math = {"random", "randomseed"},
        }
        function rate(ctx)
            local present = {}
            for _, name in ipairs(removed) do
                if _G[name] ~= nil or _ENV[name] ~= nil then present[#present + 1] = name end
            end
            for lib, names in pairs(removed_fields) do
                for _, name in ipairs(names) do
                    if _G[lib][name] ~= nil then present[#present + 1] = lib .. "." .. name end
                end
            end
            return present
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == "{}");
}

BOOST_AUTO_TEST_CASE(the_string_metatable_is_hidden_and_cannot_be_modified) {
    auto program = mustLoad(R"(
        function hidden() return getmetatable("") end
        function attack(ctx)
            getmetatable("").__index.len = function() return 42 end
        end
        function length() return ("abc"):len() end)");
    BOOST_TEST(core::toJson(mustCall(*program, "hidden")) == "false");
    BOOST_TEST(callFailure(*program, "attack").code == kRuntimeError);
    BOOST_TEST(core::toJson(mustCall(*program, "length")) == "3");
}

BOOST_AUTO_TEST_CASE(the_string_metatable_cannot_be_replaced) {
    auto program = mustLoad(R"(
        function attack(ctx) setmetatable("", {__index = {len = function() return 42 end}}) end
        function attack2(ctx) return rawset(getmetatable(""), "__index", {}) end
        function length() return ("abc"):len() end)");
    BOOST_TEST(callFailure(*program, "attack").code == kRuntimeError);
    BOOST_TEST(callFailure(*program, "attack2").code == kRuntimeError);
    BOOST_TEST(core::toJson(mustCall(*program, "length")) == "3");
}

BOOST_AUTO_TEST_CASE(library_tables_cannot_be_written) {
    auto program = mustLoad(R"(
        function a() string.len = function() return 42 end end
        function b() math.pi = 3 end
        function c() table.insert = nil end
        function d() rawset(string, "len", function() return 42 end) end
        function e() coroutine.wrap = print end
        function f() utf8.len = nil end
        function g() setmetatable(string, nil) end
        function h() table.insert(math, 1) end
        function check()
            return {string.len("abc"), ("abc"):len(), math.pi > 3.14, type(table.insert),
                    rawget(string, "len") == nil}
        end)");
    for (const char* attack : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
        BOOST_TEST(callFailure(*program, attack).code == kRuntimeError, attack);
    }
    BOOST_TEST(core::toJson(mustCall(*program, "check")) == R"([3,3,true,"function",true])");
}

BOOST_AUTO_TEST_CASE(iterating_a_library_table_does_not_expose_its_backing_table) {
    auto program = mustLoad(R"(
        function names()
            local n = 0
            for name, fn in pairs(string) do n = n + 1 end
            return n
        end
        function attack(ctx)
            local next_fn, t = pairs(string)
            t.len = function() return 42 end
        end
        function attack2(ctx)
            local next_fn = pairs(string)
            return next_fn({}, nil)
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "names")) == "10");
    BOOST_TEST(callFailure(*program, "attack").code == kRuntimeError);
    BOOST_TEST(callFailure(*program, "attack2").code == kRuntimeError);
}

BOOST_AUTO_TEST_CASE(replacing_globals_through_g_and_env_changes_only_the_scripts_names) {
    auto program = mustLoad(R"(
        function attack(ctx)
            _G.string = {upper = function() return "pwned" end}
            _ENV.tostring = nil
            local _ENV = {}
            x = 1
        end
        function check() return {("abc"):upper(), string.upper("x"), x == nil} end)");
    BOOST_TEST(core::toJson(mustCall(*program, "attack")) == "null");
    BOOST_TEST(core::toJson(mustCall(*program, "check")) == R"(["ABC","pwned",true])");
    expectFreshProgramWorks();
}

BOOST_AUTO_TEST_CASE(coroutines_and_closures_reach_nothing_more_than_the_main_script) {
    auto program = mustLoad(R"(
        local secret = "upvalue"
        function rate(ctx)
            local from_coroutine = coroutine.wrap(function()
                return {getmetatable(""), type(debug), type(load), type(string.dump)}
            end)()
            local main, is_main = coroutine.running()
            return {from_coroutine, is_main, type(main)}
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) ==
               R"([[false,"nil","nil","nil"],true,"thread"])");
}

BOOST_AUTO_TEST_CASE(a_precompiled_chunk_is_refused_as_a_compile_error) {
    const std::string bytecode = std::string("\x1bLuaT\x00\x19\x93\r\n\x1a\n", 12) + "garbage";
    const ScriptFailure failure = expectLoadStopped(bytecode, failure_code::kCompileError);
    BOOST_TEST(failure.message.find("binary") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_global_set_by_one_program_is_not_visible_in_another) {
    auto first = mustLoad(R"(
        secret = "tenant A"
        function rate(ctx) leaked = "also A"; return secret end)");
    BOOST_TEST(core::toJson(mustCall(*first, "rate")) == R"("tenant A")");
    auto second = mustLoad(R"(
        function rate(ctx) return {secret == nil, leaked == nil} end)");
    BOOST_TEST(core::toJson(mustCall(*second, "rate")) == "[true,true]");
}

BOOST_AUTO_TEST_CASE(the_context_cannot_be_modified_by_the_script) {
    auto program = mustLoad(R"(
        function a(ctx) ctx.hour = 3 end
        function b(ctx) ctx.contract.rate = "0" end
        function c(ctx) rawset(ctx, "hour", 3) end
        function d(ctx) setmetatable(ctx, nil) end
        function e(ctx) table.insert(ctx.lines, 1) end
        function f(ctx) ctx.new_field = 1 end
        function g(ctx) return {getmetatable(ctx), ctx.hour, ctx.contract.rate, #ctx.lines} end)");
    const core::JsonValue ctx = json(R"({"hour": 5, "contract": {"rate": "0.065"}, "lines": [1]})");
    for (const char* attack : {"a", "b", "c", "d", "e", "f"}) {
        BOOST_TEST(callFailure(*program, attack, ctx).code == kRuntimeError, attack);
    }
    BOOST_TEST(core::toJson(mustCall(*program, "g", ctx)) == R"([false,5,"0.065",1])");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(finalizers)

BOOST_AUTO_TEST_CASE(setmetatable_with_a_gc_field_is_refused) {
    expectCallStopped("function attack(ctx) setmetatable({}, {__gc = function() end}) end",
                      kRuntimeError);
    expectCallStopped("function attack(ctx) setmetatable({}, {__gc = true}) end", kRuntimeError);
}

BOOST_AUTO_TEST_CASE(a_gc_field_added_after_setmetatable_never_runs_not_even_at_close) {
    auto program = mustLoad(R"(
        finalized = 0
        function plant()
            for i = 1, 200 do
                local mt = {}
                setmetatable({}, mt)
                mt.__gc = function() finalized = finalized + 1; while true do end end
            end
        end
        function churn()
            for i = 1, 20000 do local garbage = {i, tostring(i)} end
            return finalized
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "plant")) == "null");
    BOOST_TEST(core::toJson(mustCall(*program, "churn")) == "0");
    BOOST_TEST(core::toJson(mustCall(*program, "churn")) == "0");
    // Closing the state would hang here (no hook at close) if a finalizer could run.
    program.reset();
    expectFreshProgramWorks();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_error_objects)

BOOST_AUTO_TEST_CASE(an_error_object_with_a_looping_tostring_is_reported_by_its_type) {
    const ScriptFailure failure = expectCallStopped(R"(
        function attack(ctx)
            error(setmetatable({}, {
                __tostring = function() while true do end end,
                __index = function() while true do end end,
                __name = "evil",
            }))
        end)",
                                                    kRuntimeError);
    BOOST_TEST(failure.message == "error object of type table");
    BOOST_TEST(!failure.line.has_value());
}

BOOST_AUTO_TEST_CASE(error_objects_of_other_types_are_reported_by_their_type) {
    auto program = mustLoad(R"(
        function a() error() end
        function b() error(coroutine.create(print or tostring)) end
        function c() error(function() end) end
        function d() error(true) end
        function e() error(42) end)");
    BOOST_TEST(callFailure(*program, "a").message == "error object of type nil");
    BOOST_TEST(callFailure(*program, "b").message == "error object of type thread");
    BOOST_TEST(callFailure(*program, "c").message == "error object of type function");
    BOOST_TEST(callFailure(*program, "d").message == "error object of type boolean");
    BOOST_TEST(callFailure(*program, "e").message == "42");
}

BOOST_AUTO_TEST_CASE(a_string_error_keeps_its_text_and_line) {
    auto program = mustLoad(
        "function rate(ctx)\n  local x = nil\n  return x.field\nend\n"
        "function raise() error('no rate for ' .. 'this hour') end");
    const ScriptFailure failure = callFailure(*program, "rate");
    BOOST_TEST(failure.code == kRuntimeError);
    BOOST_TEST((failure.line == 3));
    BOOST_TEST(failure.message.starts_with("test:3:"));
    const ScriptFailure raised = callFailure(*program, "raise");
    BOOST_TEST(raised.message == "test:5: no rate for this hour");
    BOOST_TEST((raised.line == 5));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threads)

struct StackProbe {
    ScriptFailure failure;
    bool loaded = false;
};

void* loadOnThisThread(void* arg) {
    auto* probe = static_cast<StackProbe*>(arg);
    auto loaded = Program::load("function rate(ctx) return 1 end", "test", smallLimits());
    if (auto* failure = std::get_if<ScriptFailure>(&loaded)) {
        probe->failure = *failure;
    } else {
        probe->loaded = true;
    }
    return nullptr;
}

BOOST_AUTO_TEST_CASE(a_thread_with_a_small_stack_gets_wrong_stack) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 256u << 10);
    StackProbe probe;
    pthread_t thread;
    BOOST_REQUIRE(pthread_create(&thread, &attributes, &loadOnThisThread, &probe) == 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attributes);
    BOOST_TEST(!probe.loaded);
    BOOST_TEST(probe.failure.code == failure_code::kWrongStack);
}

BOOST_AUTO_TEST_CASE(a_thread_with_a_default_stack_runs_scripts) {
    StackProbe probe;
    pthread_t thread;
    BOOST_REQUIRE(pthread_create(&thread, nullptr, &loadOnThisThread, &probe) == 0);
    pthread_join(thread, nullptr);
    BOOST_TEST(probe.loaded, probe.failure.code << ": " << probe.failure.message);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace billwright::scripting
