// The plugin loader's descriptor checks (plugins::inspectDescriptor, what Registry::loadFile runs
// on a plugin's bw_plugin_descriptor before using anything of it). A plugin is outside input: a
// third party's file. Input: sizes, numbers, flags and texts of a made-up descriptor, its config
// keys and its billing and payment tables. Each struct is allocated with exactly the size it
// claims, so AddressSanitizer reports any read past what the plugin declared.
//
// Invariants: an accepted descriptor has the magic, ABI 1.0 or 1.1, an identifier id, a version,
// known kinds with their tables, and exactly the config keys it declared (unique names, defaults
// that match their types, no secret or required key with a default); a refusal has a code and a
// reason.

#include <billwright/plugin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "plugins/registry.h"

using billwright::fuzz::check;
namespace plugins = billwright::plugins;

namespace {

bw_status dummyBill(bw_call*, const bw_host_api*, const bw_billing_request*) {
    return BW_ERR_UNSUPPORTED;
}
bw_status dummyMethod(bw_call*, const bw_host_api*, const bw_method_request*, bw_method_result*) {
    return BW_ERR_UNSUPPORTED;
}
bw_status dummyCharge(bw_call*, const bw_host_api*, const bw_charge_request*, bw_payment_result*) {
    return BW_ERR_UNSUPPORTED;
}
bw_status dummyLookup(bw_call*, const bw_host_api*, const bw_lookup_request*, bw_payment_result*) {
    return BW_ERR_UNSUPPORTED;
}
bw_status dummyRefund(bw_call*, const bw_host_api*, const bw_refund_request*, bw_refund_result*) {
    return BW_ERR_UNSUPPORTED;
}
bw_status dummyWebhook(bw_call*, const bw_host_api*, const bw_webhook_request*,
                       bw_webhook_result*) {
    return BW_ERR_UNSUPPORTED;
}

// Owns everything one made-up plugin points at: texts and structs of their claimed sizes.
class Plugin {
public:
    explicit Plugin(billwright::fuzz::Input& in) : in_(in) {}

    // A struct's claimed size: usually its real size, sometimes the ABI 1.0 size or any.
    std::uint32_t size(std::uint32_t real, std::uint32_t older) {
        switch (in_.byte() % 8) {
            case 0:
                return in_.u32() % 4200;
            case 1:
                return older;
            default:
                return real;
        }
    }

    // A copy of `full` in a buffer of exactly `claimed` bytes (zero-padded past the struct).
    template <typename T>
    const T* place(const T& full, std::uint32_t claimed) {
        const std::size_t bytes = std::max<std::size_t>(claimed, sizeof(std::uint32_t));
        auto buffer = std::make_unique<unsigned char[]>(bytes);
        std::memset(buffer.get(), 0, bytes);
        std::memcpy(buffer.get(), &full, std::min(bytes, sizeof full));
        const T* out = reinterpret_cast<const T*>(buffer.get());
        buffers_.push_back(std::move(buffer));
        return out;
    }

    // A NUL-terminated text, or NULL.
    const char* text(std::size_t max) {
        const std::uint8_t how = in_.byte();
        if (how % 8 == 0) return nullptr;
        texts_.push_back(in_.text(max));
        return texts_.back().c_str();
    }

    const bw_config_key* configKey() {
        if (in_.byte() % 16 == 0) return nullptr;
        bw_config_key k{};
        k.size = size(sizeof k, offsetof(bw_config_key, description) + sizeof k.description);
        k.type = in_.byte() % 7;
        k.flags = in_.byte() % 5;
        k.name = text(70);
        k.default_value = text(40);
        k.description = text(40);
        return place(k, k.size);
    }

    const bw_billing_method_api* billingMethod() {
        if (in_.byte() % 4 == 0) return nullptr;
        bw_billing_method_api b{};
        b.size = size(sizeof b, sizeof b);
        b.method = text(70);
        b.output = in_.byte() % 4;
        b.bill = in_.flag() ? dummyBill : nullptr;
        return place(b, b.size);
    }

    const bw_payment_processor_api* paymentProcessor() {
        if (in_.byte() % 4 == 0) return nullptr;
        bw_payment_processor_api p{};
        p.size = size(sizeof p, sizeof p);
        p.method_types = in_.byte() % 64;
        p.flags = in_.byte() % 64;
        const std::uint8_t present = in_.byte();
        p.begin_method = (present & 1) != 0 ? dummyMethod : nullptr;
        p.setup_method = (present & 2) != 0 ? dummyMethod : nullptr;
        p.charge = (present & 4) != 0 ? dummyCharge : nullptr;
        p.lookup = (present & 8) != 0 ? dummyLookup : nullptr;
        p.refund = (present & 16) != 0 ? dummyRefund : nullptr;
        p.webhook = (present & 32) != 0 ? dummyWebhook : nullptr;
        return place(p, p.size);
    }

    const bw_plugin_descriptor* descriptor(bw_plugin_descriptor& d) {
        d.size = size(sizeof d, offsetof(bw_plugin_descriptor, payment_processor));
        d.magic = in_.byte() % 8 == 0 ? in_.u32() : BW_PLUGIN_MAGIC;
        d.abi_major = static_cast<std::uint16_t>(in_.byte() % 8 == 0 ? in_.byte() : BW_ABI_MAJOR);
        d.abi_minor = static_cast<std::uint16_t>(in_.byte() % 3);
        d.kinds = in_.byte() % 8;
        d.id = text(70);
        d.version = text(20);
        d.description = text(40);
        d.config_key_count = in_.byte() % 70;
        if (in_.byte() % 16 != 0) {
            const std::uint32_t made = std::min<std::uint32_t>(d.config_key_count, 8);
            for (std::uint32_t i = 0; i < made; ++i) keys_.push_back(configKey());
            // Declared beyond what was made: the same keys again (duplicates to refuse).
            for (std::uint32_t i = made; i < d.config_key_count; ++i)
                keys_.push_back(keys_[made == 0 ? 0 : i % made]);
            if (keys_.empty()) keys_.push_back(nullptr);
            d.config_keys = keys_.data();
        }
        d.billing_method = billingMethod();
        d.payment_processor = paymentProcessor();
        return place(d, d.size);
    }

private:
    billwright::fuzz::Input& in_;
    std::vector<std::unique_ptr<unsigned char[]>> buffers_;
    std::deque<std::string> texts_;  // stable addresses
    std::vector<const bw_config_key*> keys_;
};

bool isIdentifier(const char* s) {
    if (s == nullptr || *s < 'a' || *s > 'z') return false;
    const std::size_t len = std::strlen(s);
    if (len > 64) return false;
    for (std::size_t i = 0; i < len; ++i) {
        const char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

void checkAccepted(const bw_plugin_descriptor& d, const plugins::PluginInfo& info) {
    check(d.magic == BW_PLUGIN_MAGIC, "an accepted descriptor has the magic");
    check(d.abi_major == BW_ABI_MAJOR && d.abi_minor <= BW_ABI_MINOR,
          "an accepted descriptor has a host ABI");
    check(isIdentifier(d.id) && info.id == d.id, "an accepted id is an identifier");
    check(d.version != nullptr && *d.version != '\0' && info.version == d.version,
          "an accepted descriptor has a version");
    check(d.kinds != 0 && (d.kinds & ~3u) == 0, "an accepted descriptor has known kinds");
    check(((d.kinds & BW_KIND_BILLING_METHOD) != 0) == !info.billing_method.empty(),
          "a billing plugin names its method");
    check(((d.kinds & BW_KIND_PAYMENT_PROCESSOR) != 0) == info.payment_processor,
          "a payment plugin is a processor");
    if (info.payment_processor) {
        check(info.payment_method_types != 0, "a processor has a method type");
        check(d.payment_processor != nullptr && d.payment_processor->charge != nullptr,
              "a processor can charge");
        if ((info.payment_flags & BW_PROCESSOR_WEBHOOKS) != 0)
            check(d.payment_processor->webhook != nullptr, "a webhook flag has its entry point");
    }
    check(info.config_keys.size() == d.config_key_count, "every declared key is read");
    std::set<std::string> names;
    for (const auto& key : info.config_keys) {
        check(names.insert(key.name).second, "config key names are unique", key.name);
        check(isIdentifier(key.name.c_str()), "a config key name is an identifier", key.name);
        if (key.default_value) {
            check(!key.secret && !key.required, "only optional plain keys have defaults");
            check(plugins::configValueMatches(key.type, *key.default_value),
                  "a default matches its type", *key.default_value);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    Plugin plugin(in);
    const bool null_descriptor = in.byte() == 0xFF;
    bw_plugin_descriptor full{};
    const bw_plugin_descriptor* d = null_descriptor ? nullptr : plugin.descriptor(full);

    plugins::PluginInfo info;
    const plugins::Refusal refusal = plugins::inspectDescriptor(d, info);
    check(refusal == info.refusal, "the refusal is recorded in the info");
    if (refusal != plugins::Refusal::kNone) {
        check(!plugins::refusalCode(refusal).empty(), "a refusal has a code");
        check(!info.reason.empty(), "a refusal has a reason");
        return 0;
    }
    check(d != nullptr, "a NULL descriptor is refused");
    checkAccepted(full, info);
    return 0;
}
