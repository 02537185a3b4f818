#include <boost/test/unit_test.hpp>

#include "unit/plugins/broken/expected_refusals.h"

#include <billwright/plugin.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "plugins/host.h"
#include "plugins/registry.h"

using namespace billwright;

namespace {

const auto& kExpected = billwright::testing::kBrokenPluginRefusals;

std::string brokenDir() { return BW_BROKEN_PLUGIN_DIR; }
std::string brokenFile(const std::string& name) { return brokenDir() + "/" + name; }
std::string fileName(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

// A registry over a host environment whose log goes to a temporary file the test can read.
struct LoaderFixture {
    std::FILE* sink = std::tmpfile();
    core::Logger log{core::LogLevel::kInfo, core::LogFormat::kJson, sink};
    core::Metrics metrics;
    core::ManualClock clock{
        std::chrono::system_clock::time_point(std::chrono::seconds(1767225600))};
    plugins::HostEnvironment env{log, metrics, clock, nullptr, {}, 10000};
    plugins::Registry registry{env};

    ~LoaderFixture() { std::fclose(sink); }

    std::vector<std::string> logLines() const {
        std::vector<std::string> lines;
        std::fflush(sink);
        std::rewind(sink);
        std::string line;
        for (int c = std::fgetc(sink); c != EOF; c = std::fgetc(sink)) {
            if (c == '\n') {
                lines.push_back(line);
                line.clear();
            } else {
                line += static_cast<char>(c);
            }
        }
        return lines;
    }
};

std::string codeOf(const plugins::PluginInfo& info) {
    return std::string(plugins::refusalCode(info.refusal));
}

// A billing request with no equipment over one day.
bw_billing_request emptyRequest() {
    bw_billing_request r{};
    r.size = sizeof r;
    r.tenant_id = "ten_test";
    r.contract_id = "ctr_test";
    r.customer_id = "cus_test";
    r.currency = "USD";
    r.currency_exponent = 2;
    r.period_start = 1767225600;
    r.period_end = 1767225600 + 86400;
    r.hour_count = 24;
    r.equipment_count = 0;
    r.equipment = nullptr;
    r.max_hold_seconds = 7200;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(refusal_codes_are_the_stable_strings_the_api_shows) {
    using plugins::Refusal;
    const std::vector<std::pair<Refusal, std::string>> table = {
        {Refusal::kNotASharedLibrary, "not_a_shared_library"},
        {Refusal::kMissingEntryPoint, "missing_entry_point"},
        {Refusal::kNullDescriptor, "null_descriptor"},
        {Refusal::kBadSize, "bad_size"},
        {Refusal::kBadMagic, "bad_magic"},
        {Refusal::kAbiMajorMismatch, "abi_major_mismatch"},
        {Refusal::kAbiMinorTooNew, "abi_minor_too_new"},
        {Refusal::kBadId, "bad_id"},
        {Refusal::kBadKinds, "bad_kinds"},
        {Refusal::kBadBillingMethod, "bad_billing_method"},
        {Refusal::kBadPaymentProcessor, "bad_payment_processor"},
        {Refusal::kBadConfigKey, "bad_config_key"},
        {Refusal::kDuplicateId, "duplicate_id"},
        {Refusal::kInitFailed, "init_failed"},
    };
    for (const auto& [refusal, code] : table) BOOST_TEST(plugins::refusalCode(refusal) == code);
}

BOOST_AUTO_TEST_CASE(every_broken_library_is_refused_with_its_code_and_the_good_ones_load) {
    LoaderFixture f;
    f.registry.loadDirectories({brokenDir()});

    std::set<std::string> seen;
    for (const auto& info : f.registry.all()) {
        const std::string name = fileName(info.path);
        BOOST_TEST_CONTEXT("file " << name) {
            const auto expected = kExpected.find(name);
            BOOST_REQUIRE(expected != kExpected.end());
            BOOST_TEST(seen.insert(name).second);
            BOOST_TEST(codeOf(info) == expected->second);
            BOOST_TEST(info.loaded == expected->second.empty());
            BOOST_TEST(info.reason.empty() == info.loaded);
        }
    }
    BOOST_TEST(seen.size() == kExpected.size());
    BOOST_TEST(f.registry.loaded().size() == 5u);
    BOOST_TEST(f.registry.find("good_throwing") != nullptr);
    BOOST_TEST(f.registry.find("dup_plugin") != nullptr);
    BOOST_TEST(f.registry.find("good_processor") != nullptr);
    BOOST_TEST(f.registry.find("abi_1_0_billing") != nullptr);
    BOOST_TEST(f.registry.find("abi_1_0_full_size") != nullptr);
    BOOST_TEST(f.registry.find("payment_without_table") == nullptr);
    // Refused plugins are not reachable by id or method.
    BOOST_TEST(f.registry.find("init_fails") == nullptr);
    BOOST_TEST(f.registry.billingMethod("init_fails") == nullptr);
    BOOST_TEST(f.registry.find("abi_minor_newer") == nullptr);
}

BOOST_AUTO_TEST_CASE(files_are_loaded_in_name_order) {
    LoaderFixture f;
    f.registry.loadDirectories({brokenDir()});
    std::vector<std::string> names;
    for (const auto& info : f.registry.all()) names.push_back(fileName(info.path));
    std::vector<std::string> sorted;
    for (const auto& [name, code] : kExpected) sorted.push_back(name);
    BOOST_TEST(names == sorted, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(each_refusal_is_one_log_line_naming_its_code) {
    LoaderFixture f;
    f.registry.loadDirectories({brokenDir()});
    std::map<std::string, int> refused_lines;  // code -> lines
    int loaded_lines = 0;
    for (const auto& line : f.logLines()) {
        if (line.find("\"plugin loaded\"") != std::string::npos) ++loaded_lines;
        if (line.find("\"plugin refused\"") == std::string::npos) continue;
        const auto at = line.find("\"code\":\"");
        BOOST_REQUIRE(at != std::string::npos);
        const auto start = at + 8;
        ++refused_lines[line.substr(start, line.find('"', start) - start)];
    }
    std::map<std::string, int> expected;
    for (const auto& [name, code] : kExpected) {
        if (!code.empty()) ++expected[code];
    }
    BOOST_TEST(refused_lines.size() == expected.size());
    for (const auto& [code, count] : expected) {
        BOOST_TEST_CONTEXT("code " << code) { BOOST_TEST(refused_lines[code] == count); }
    }
    BOOST_TEST(loaded_lines == 5);
}

BOOST_AUTO_TEST_CASE(a_missing_directory_is_skipped_and_the_next_one_loaded) {
    LoaderFixture f;
    const std::string missing = brokenDir() + "/no_such_directory";
    f.registry.loadDirectories({missing, brokenDir()});
    BOOST_TEST(f.registry.all().size() == kExpected.size());
    for (const auto& info : f.registry.all()) BOOST_TEST(info.path.rfind(missing, 0) != 0u);
    BOOST_TEST(f.registry.find("good_throwing") != nullptr);
}

BOOST_AUTO_TEST_CASE(of_two_libraries_with_the_same_id_the_first_in_name_order_loads) {
    LoaderFixture f;
    f.registry.loadDirectories({brokenDir()});
    const auto* dup = f.registry.find("dup_plugin");
    BOOST_REQUIRE(dup != nullptr);
    BOOST_TEST(fileName(dup->info.path) == "duplicate_a.so");
    BOOST_TEST(f.registry.billingMethod("dup_a") == dup);
    BOOST_TEST(f.registry.billingMethod("dup_b") == nullptr);
}

BOOST_AUTO_TEST_CASE(loading_a_loaded_file_again_is_refused_as_a_duplicate) {
    LoaderFixture f;
    const auto& first = f.registry.loadFile(brokenFile("good_throwing.so"));
    BOOST_TEST(first.loaded);
    const auto& again = f.registry.loadFile(brokenFile("good_throwing.so"));
    BOOST_TEST(!again.loaded);
    BOOST_TEST(codeOf(again) == "duplicate_id");
    BOOST_TEST(f.registry.loaded().size() == 1u);
    BOOST_TEST(f.registry.all().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_loaded_plugin_is_described_from_its_descriptor) {
    LoaderFixture f;
    const plugins::PluginInfo info = f.registry.loadFile(brokenFile("good_throwing.so"));
    BOOST_REQUIRE(info.loaded);
    BOOST_TEST(info.id == "good_throwing");
    BOOST_TEST(info.version == "2.3.4");
    BOOST_TEST(info.abi_major == BW_ABI_MAJOR);
    BOOST_TEST(info.abi_minor == BW_ABI_MINOR);
    BOOST_TEST(info.kinds == std::vector<std::string>{"billing_method"},
               boost::test_tools::per_element());
    BOOST_TEST(info.billing_method == "throwing");
    BOOST_TEST(!info.bills_amount);  // an energy method, usable in a contract's chain
    BOOST_REQUIRE(info.config_keys.size() == 2u);
    BOOST_TEST(info.config_keys[0].name == "label");
    BOOST_TEST((info.config_keys[0].type == plugins::ConfigType::kString));
    BOOST_TEST(!info.config_keys[0].required);
    BOOST_TEST(!info.config_keys[0].secret);
    BOOST_TEST((info.config_keys[0].default_value == std::optional<std::string>("thrown")));
    BOOST_TEST(info.config_keys[1].name == "api_token");
    BOOST_TEST(info.config_keys[1].required);
    BOOST_TEST(info.config_keys[1].secret);
    BOOST_TEST(!info.config_keys[1].default_value.has_value());
    const auto* loaded = f.registry.billingMethod("throwing");
    BOOST_REQUIRE(loaded != nullptr);
    BOOST_TEST(loaded->key("api_token") == &loaded->info.config_keys[1]);
    BOOST_TEST(loaded->key("nope") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_payment_processor_is_described_with_its_method_types_and_flags) {
    LoaderFixture f;
    const plugins::PluginInfo info = f.registry.loadFile(brokenFile("good_processor.so"));
    BOOST_REQUIRE(info.loaded);
    BOOST_TEST(info.abi_minor == 1);
    BOOST_TEST(info.kinds == std::vector<std::string>{"payment_processor"},
               boost::test_tools::per_element());
    BOOST_TEST(info.billing_method.empty());
    BOOST_TEST(info.payment_processor);
    BOOST_TEST(info.payment_method_types == BW_METHOD_TYPE_BIT(BW_METHOD_CARD));
    BOOST_TEST(info.payment_flags == BW_PROCESSOR_REFUNDS);
    BOOST_TEST(plugins::paymentMethodTypeNames(info.payment_method_types) ==
                   std::vector<std::string>{"card"},
               boost::test_tools::per_element());
    BOOST_TEST(plugins::paymentProcessorFlagNames(info.payment_flags) ==
                   std::vector<std::string>{"refunds"},
               boost::test_tools::per_element());
    BOOST_TEST(f.registry.paymentProcessor("good_processor") != nullptr);
    BOOST_TEST(f.registry.billingMethod("good_processor") == nullptr);
}

BOOST_AUTO_TEST_CASE(method_type_and_flag_names_follow_the_bits) {
    BOOST_TEST(plugins::paymentMethodTypeNames(0x1e) ==
                   (std::vector<std::string>{"card", "bank_account", "crypto", "manual"}),
               boost::test_tools::per_element());
    BOOST_TEST(plugins::paymentProcessorFlagNames(0x1f) ==
                   (std::vector<std::string>{"needs_method", "off_session", "refunds", "webhooks",
                                             "records"}),
               boost::test_tools::per_element());
    BOOST_TEST(plugins::paymentMethodTypeNames(0).empty());
}

BOOST_AUTO_TEST_CASE(an_abi_1_0_plugin_loads_and_its_missing_processor_field_is_never_read) {
    LoaderFixture f;
    // The descriptor of ABI 1.0 size ends before payment_processor.
    const plugins::PluginInfo small = f.registry.loadFile(brokenFile("abi_1_0_billing.so"));
    BOOST_REQUIRE(small.loaded);
    BOOST_TEST(small.abi_minor == 0);
    BOOST_TEST(small.billing_method == "abi_1_0_billing");
    BOOST_TEST(!small.payment_processor);
    // A 1.0 plugin whose struct happens to be longer: the field is not part of its ABI.
    const plugins::PluginInfo full = f.registry.loadFile(brokenFile("abi_1_0_full_size.so"));
    BOOST_REQUIRE(full.loaded);
    BOOST_TEST(!full.payment_processor);
    BOOST_TEST(f.registry.paymentProcessor("abi_1_0_full_size") == nullptr);
    // A 1.0 plugin claiming the payment kind is refused for its kinds.
    const plugins::PluginInfo claims = f.registry.loadFile(brokenFile("payment_abi_1_0.so"));
    BOOST_TEST(codeOf(claims) == "bad_kinds");
}

BOOST_AUTO_TEST_CASE(an_exception_in_a_wrapped_plugin_becomes_an_error_status_with_its_message) {
    LoaderFixture f;
    f.registry.loadDirectories({brokenDir()});
    const auto* plugin = f.registry.find("good_throwing");
    BOOST_REQUIRE(plugin != nullptr);
    const bw_billing_request request = emptyRequest();

    struct Case {
        std::map<std::string, std::string> params;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{}, "boom"},                                        // std::runtime_error
        {{{"mode", "int"}}, "unknown exception in plugin"},  // throw 42
    };
    for (const auto& c : cases) {
        plugins::CallScope scope;
        scope.plugin = plugin;
        scope.tenant_id = "ten_test";
        scope.params = c.params;
        plugins::PluginCall call(f.env, std::move(scope));
        const bw_status status =
            plugin->descriptor->billing_method->bill(call.handle(), call.api(), &request);
        BOOST_TEST(status == BW_ERR_INTERNAL);
        BOOST_TEST(call.errorMessage() == c.message);
    }
    // The registry still answers after the throwing calls.
    BOOST_TEST(f.registry.find("good_throwing") == plugin);
}

BOOST_AUTO_TEST_SUITE_END()
