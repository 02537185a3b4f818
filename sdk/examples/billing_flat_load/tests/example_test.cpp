// Unit test of billing_fixed_daily against the SDK's mock host. It loads the built module (the
// path is the first argument) the way the server does, so it also checks that the entry point is
// exported. Plain checks and a nonzero exit on failure: no test framework is needed to build it.
#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace {

int failures = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

using billwright::mock::MockHost;

constexpr std::int64_t kJan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

// A host billing `equipment` miners over [kJan1, kJan1 + seconds) at `daily_amount`.
void setUp(MockHost& host, int equipment, std::int64_t seconds, const char* daily_amount) {
    host.setPeriod(kJan1, kJan1 + seconds);
    for (int i = 0; i < equipment; ++i)
        host.addEquipment({"eqp_" + std::to_string(i), "S19", 3'250'000, 95'000, 34'210});
    if (daily_amount != nullptr) host.setConfig("daily_amount", daily_amount);
}

// The one amount line of a successful call, or -1.
std::int64_t billedAmount(const bw_plugin_descriptor* plugin, int equipment, std::int64_t seconds,
                          const char* daily_amount) {
    MockHost host;
    setUp(host, equipment, seconds, daily_amount);
    if (host.bill(plugin) != BW_OK || host.amounts().size() != 1) return -1;
    return host.amounts()[0].amount_minor;
}

void descriptorDeclaresTheMethodAndItsKey(const bw_plugin_descriptor* d) {
    CHECK(d->magic == BW_PLUGIN_MAGIC);
    CHECK(d->abi_major == BW_ABI_MAJOR);
    CHECK(std::strcmp(d->id, "billing_fixed_daily") == 0);
    CHECK(d->kinds == BW_KIND_BILLING_METHOD);
    CHECK(d->billing_method != nullptr);
    CHECK(std::strcmp(d->billing_method->method, "fixed_daily") == 0);
    CHECK(d->billing_method->output == BW_BILLING_OUTPUT_AMOUNT);
    CHECK(d->config_key_count == 1);
    CHECK(std::strcmp(d->config_keys[0]->name, "daily_amount") == 0);
    CHECK(d->config_keys[0]->type == BW_CONFIG_INTEGER);
    CHECK(d->config_keys[0]->flags == BW_CONFIG_REQUIRED);
    CHECK(d->config_keys[0]->default_value == nullptr);
}

void wholeDaysBillEveryEquipmentEveryDay(const bw_plugin_descriptor* d) {
    MockHost host;
    setUp(host, 3, 2 * kDay, "1000");
    CHECK(host.bill(d) == BW_OK);
    CHECK(host.amounts().size() == 1);
    if (host.amounts().size() == 1) {
        CHECK(host.amounts()[0].amount_minor == 6000);  // 1000 x 3 equipment x 2 days
        CHECK(host.amounts()[0].description ==
              "Fixed daily fee: 3 equipment x 172800 s at 1000 per equipment-day");
    }
    CHECK(host.detail(2, "daily_amount") == std::optional<std::string>("1000"));
}

void partialDaysArePaidProRataAndRoundedHalfUp(const bw_plugin_descriptor* d) {
    CHECK(billedAmount(d, 1, kDay + kDay / 2, "1000") == 1500);  // 1.5 days
    CHECK(billedAmount(d, 1, kDay / 2, "1") == 1);               // 0.5 rounds up
    CHECK(billedAmount(d, 1, kDay / 2 - 1, "1") == 0);           // 0.49998 rounds down
    CHECK(billedAmount(d, 2, 3600, "2400") == 200);              // 2 x 2400 / 24
    CHECK(billedAmount(d, 3, 0, "1000") == 0);                   // an empty period bills zero
    CHECK(billedAmount(d, 0, kDay, "1000") == 0);                // so does no equipment
}

void largeAmountsDoNotOverflowTheIntermediate(const bw_plugin_descriptor* d) {
    // 10^15 x 31 days would overflow if multiplied by the seconds (2.6 x 10^6) first.
    CHECK(billedAmount(d, 1, 31 * kDay, "1000000000000000") == 31'000'000'000'000'000);
}

void badConfigurationIsAnInvalidArgumentWithAMessage(const bw_plugin_descriptor* d) {
    const struct {
        const char* value;  // nullptr: not configured
        const char* message;
    } cases[] = {
        {nullptr, "daily_amount is not configured"},
        {"12.5", "daily_amount must be a non-negative integer of minor units"},
        {"-1", "daily_amount must be a non-negative integer of minor units"},
        {"9223372036854775807", "daily_amount is too large for this period"},
    };
    for (const auto& c : cases) {
        MockHost host;
        setUp(host, 2, kDay, c.value);
        CHECK(host.bill(d) == BW_ERR_INVALID_ARGUMENT);
        CHECK(host.lastError() == c.message);
        CHECK(host.amounts().empty());
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <path to billing_fixed_daily.so>\n", argv[0]);
        return 2;
    }
    std::string error;
    const bw_plugin_descriptor* plugin = billwright::mock::loadPlugin(argv[1], &error);
    if (plugin == nullptr) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], error.c_str());
        return 1;
    }
    descriptorDeclaresTheMethodAndItsKey(plugin);
    wholeDaysBillEveryEquipmentEveryDay(plugin);
    partialDaysArePaidProRataAndRoundedHalfUp(plugin);
    largeAmountsDoNotOverflowTheIntermediate(plugin);
    badConfigurationIsAnInvalidArgumentWithAMessage(plugin);
    if (failures != 0) {
        std::fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("all checks passed\n");
    return 0;
}
