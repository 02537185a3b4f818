#include "plugins/registry.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace billwright::plugins {
namespace {

// The ABI 1.0 descriptor ends after `billing_method`; anything smaller is not a descriptor.
constexpr std::size_t kMinDescriptorSize =
    offsetof(bw_plugin_descriptor, billing_method) + sizeof(bw_plugin_descriptor::billing_method);
// A descriptor only grows by a few fields per minor version; megabytes mean garbage.
constexpr std::uint32_t kMaxStructSize = 4096;
constexpr std::size_t kMinConfigKeySize =
    offsetof(bw_config_key, description) + sizeof(bw_config_key::description);
constexpr std::size_t kMinBillingApiSize =
    offsetof(bw_billing_method_api, bill) + sizeof(bw_billing_method_api::bill);
constexpr std::size_t kMinProcessorApiSize =
    offsetof(bw_payment_processor_api, webhook) + sizeof(bw_payment_processor_api::webhook);
constexpr std::uint32_t kMaxConfigKeys = 64;
constexpr std::uint32_t kKnownKinds = BW_KIND_BILLING_METHOD | BW_KIND_PAYMENT_PROCESSOR;
constexpr std::uint32_t kKnownMethodTypes =
    BW_METHOD_TYPE_BIT(BW_METHOD_CARD) | BW_METHOD_TYPE_BIT(BW_METHOD_BANK_ACCOUNT) |
    BW_METHOD_TYPE_BIT(BW_METHOD_CRYPTO) | BW_METHOD_TYPE_BIT(BW_METHOD_MANUAL);
constexpr std::uint32_t kKnownProcessorFlags = BW_PROCESSOR_NEEDS_METHOD |
                                               BW_PROCESSOR_OFF_SESSION | BW_PROCESSOR_REFUNDS |
                                               BW_PROCESSOR_WEBHOOKS | BW_PROCESSOR_RECORDS;
constexpr std::size_t kMaxTextBytes = 512;

// [a-z][a-z0-9_]{0,63}
bool isIdentifier(const char* s) {
    if (s == nullptr) return false;
    const std::size_t len = ::strnlen(s, 65);
    if (len == 0 || len > 64 || s[0] < 'a' || s[0] > 'z') return false;
    return std::all_of(s, s + len, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// Printable text of at most kMaxTextBytes (NULL allowed when `optional`).
bool isText(const char* s, bool optional) {
    if (s == nullptr) return optional;
    const std::size_t len = ::strnlen(s, kMaxTextBytes + 1);
    if (len > kMaxTextBytes) return false;
    return std::all_of(s, s + len, [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
}

struct Check {
    Refusal refusal = Refusal::kNone;
    std::string reason;
    explicit operator bool() const { return refusal == Refusal::kNone; }
};

Check refuse(Refusal r, std::string reason) { return {r, std::move(reason)}; }

bool validConfigValue(ConfigType type, std::string_view v) {
    switch (type) {
        case ConfigType::kString:
            return true;
        case ConfigType::kInteger: {
            if (v.empty()) return false;
            const std::size_t start = v[0] == '-' ? 1 : 0;
            return v.size() > start && v.size() <= 19 &&
                   std::all_of(v.begin() + static_cast<std::ptrdiff_t>(start), v.end(),
                               [](char c) { return c >= '0' && c <= '9'; });
        }
        case ConfigType::kBoolean:
            return v == "true" || v == "false";
        case ConfigType::kDecimal: {
            std::size_t digits = 0;
            std::size_t dots = 0;
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v[i] >= '0' && v[i] <= '9') {
                    ++digits;
                } else if (v[i] == '.') {
                    ++dots;
                } else if (!(v[i] == '-' && i == 0)) {
                    return false;
                }
            }
            return digits > 0 && dots <= 1 && v.back() != '.';
        }
        case ConfigType::kUrl:
            return v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
    }
    return false;
}

Check readConfigKeys(const bw_plugin_descriptor& d, PluginInfo& info) {
    if (d.config_key_count > kMaxConfigKeys)
        return refuse(Refusal::kBadConfigKey, "more than 64 configuration keys");
    if (d.config_key_count > 0 && d.config_keys == nullptr)
        return refuse(Refusal::kBadConfigKey, "config_keys is NULL");
    for (std::uint32_t i = 0; i < d.config_key_count; ++i) {
        const bw_config_key* k = d.config_keys[i];
        const std::string where = "configuration key #" + std::to_string(i);
        if (k == nullptr) return refuse(Refusal::kBadConfigKey, where + " is NULL");
        if (k->size < kMinConfigKeySize || k->size > kMaxStructSize)
            return refuse(Refusal::kBadConfigKey, where + " has a nonsense size");
        if (!isIdentifier(k->name))
            return refuse(Refusal::kBadConfigKey, where + " has a bad name");
        ConfigKeySpec spec;
        spec.name = k->name;
        if (k->type < BW_CONFIG_STRING || k->type > BW_CONFIG_URL)
            return refuse(Refusal::kBadConfigKey, spec.name + " has an unknown type");
        spec.type = static_cast<ConfigType>(k->type - BW_CONFIG_STRING);
        if ((k->flags & ~(BW_CONFIG_REQUIRED | BW_CONFIG_SECRET)) != 0)
            return refuse(Refusal::kBadConfigKey, spec.name + " has unknown flags");
        spec.required = (k->flags & BW_CONFIG_REQUIRED) != 0;
        spec.secret = (k->flags & BW_CONFIG_SECRET) != 0;
        if (!isText(k->default_value, true) || !isText(k->description, true))
            return refuse(Refusal::kBadConfigKey, spec.name + " has unreadable text");
        if (k->default_value != nullptr) {
            if (spec.secret)
                return refuse(Refusal::kBadConfigKey, spec.name + " is a secret with a default");
            if (spec.required)
                return refuse(Refusal::kBadConfigKey, spec.name + " is required but has a default");
            if (!validConfigValue(spec.type, k->default_value))
                return refuse(Refusal::kBadConfigKey,
                              spec.name + "'s default does not match its type");
            spec.default_value = k->default_value;
        }
        if (k->description != nullptr) spec.description = k->description;
        for (const auto& seen : info.config_keys) {
            if (seen.name == spec.name)
                return refuse(Refusal::kBadConfigKey, spec.name + " is declared twice");
        }
        info.config_keys.push_back(std::move(spec));
    }
    return {};
}

// The ABI 1.1 payment-processor table. A 1.0 plugin has no such field (its descriptor may end
// before it), so the field is read only when the plugin's ABI and its descriptor size have it.
Check readPaymentProcessor(const bw_plugin_descriptor& d, PluginInfo& info) {
    const bool has_field =
        d.abi_minor >= 1 && BW_HAS_FIELD(&d, bw_plugin_descriptor, payment_processor);
    const bw_payment_processor_api* p = has_field ? d.payment_processor : nullptr;
    if ((d.kinds & BW_KIND_PAYMENT_PROCESSOR) == 0) {
        if (p != nullptr)
            return refuse(Refusal::kBadPaymentProcessor,
                          "payment_processor set without the payment_processor kind");
        return {};
    }
    if (!has_field)
        return refuse(Refusal::kBadPaymentProcessor, "descriptor size " + std::to_string(d.size) +
                                                         " is too small to hold payment_processor");
    if (p == nullptr) return refuse(Refusal::kBadPaymentProcessor, "payment_processor is NULL");
    if (p->size < kMinProcessorApiSize || p->size > kMaxStructSize)
        return refuse(Refusal::kBadPaymentProcessor,
                      "payment_processor has a nonsense size " + std::to_string(p->size));
    if ((p->flags & ~kKnownProcessorFlags) != 0)
        return refuse(Refusal::kBadPaymentProcessor, "payment_processor has unknown flags");
    if (p->method_types == 0)
        return refuse(Refusal::kBadPaymentProcessor, "payment_processor declares no method type");
    if ((p->method_types & ~kKnownMethodTypes) != 0)
        return refuse(Refusal::kBadPaymentProcessor,
                      "payment_processor declares unknown method types");
    if (p->charge == nullptr) return refuse(Refusal::kBadPaymentProcessor, "charge is NULL");
    const struct {
        std::uint32_t flag;
        bool present;
        const char* entry;
    } promises[] = {
        {BW_PROCESSOR_NEEDS_METHOD, p->setup_method != nullptr, "setup_method"},
        {BW_PROCESSOR_REFUNDS, p->refund != nullptr, "refund"},
        {BW_PROCESSOR_WEBHOOKS, p->webhook != nullptr, "webhook"},
    };
    for (const auto& promise : promises) {
        if ((p->flags & promise.flag) != 0 && !promise.present)
            return refuse(Refusal::kBadPaymentProcessor,
                          paymentProcessorFlagNames(promise.flag).front() + " is declared but " +
                              promise.entry + " is NULL");
    }
    info.payment_processor = true;
    info.payment_method_types = p->method_types;
    info.payment_flags = p->flags;
    return {};
}

// Every check before anything of the plugin is used; see Refusal for the codes.
Check inspect(const bw_plugin_descriptor* d, PluginInfo& info) {
    if (d == nullptr) return refuse(Refusal::kNullDescriptor, "the entry point returned NULL");
    if (d->size < offsetof(bw_plugin_descriptor, abi_minor) + sizeof(d->abi_minor) ||
        d->size > kMaxStructSize)
        return refuse(Refusal::kBadSize,
                      "descriptor size " + std::to_string(d->size) + " is not plausible");
    if (d->magic != BW_PLUGIN_MAGIC) return refuse(Refusal::kBadMagic, "wrong magic value");
    info.abi_major = d->abi_major;
    info.abi_minor = d->abi_minor;
    const std::string host_abi = std::to_string(BW_ABI_MAJOR) + "." + std::to_string(BW_ABI_MINOR);
    const std::string plugin_abi =
        std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
    if (d->abi_major != BW_ABI_MAJOR)
        return refuse(Refusal::kAbiMajorMismatch,
                      "plugin ABI " + plugin_abi + ", host ABI " + host_abi);
    if (d->abi_minor > BW_ABI_MINOR)
        return refuse(Refusal::kAbiMinorTooNew,
                      "plugin ABI " + plugin_abi + " is newer than host ABI " + host_abi);
    if (d->size < kMinDescriptorSize)
        return refuse(Refusal::kBadSize,
                      "descriptor size " + std::to_string(d->size) + " is smaller than ABI 1.0's");
    if (!isIdentifier(d->id)) return refuse(Refusal::kBadId, "id must match [a-z][a-z0-9_]{0,63}");
    info.id = d->id;
    if (!isText(d->version, false) || d->version[0] == '\0')
        return refuse(Refusal::kBadId, "version is missing");
    info.version = d->version;
    if (!isText(d->description, true)) return refuse(Refusal::kBadId, "unreadable description");
    if (d->description != nullptr) info.description = d->description;

    if (d->kinds == 0) return refuse(Refusal::kBadKinds, "declares no kind");
    if ((d->kinds & ~kKnownKinds) != 0) return refuse(Refusal::kBadKinds, "declares unknown kinds");
    if ((d->kinds & BW_KIND_BILLING_METHOD) != 0) info.kinds.emplace_back("billing_method");
    if ((d->kinds & BW_KIND_PAYMENT_PROCESSOR) != 0) info.kinds.emplace_back("payment_processor");
    if ((d->kinds & BW_KIND_PAYMENT_PROCESSOR) != 0 && d->abi_minor < 1)
        return refuse(
            Refusal::kBadKinds,
            "payment_processor needs ABI 1.1; the plugin was built against " + plugin_abi);

    if ((d->kinds & BW_KIND_BILLING_METHOD) != 0) {
        const bw_billing_method_api* b = d->billing_method;
        if (b == nullptr) return refuse(Refusal::kBadBillingMethod, "billing_method is NULL");
        if (b->size < kMinBillingApiSize || b->size > kMaxStructSize)
            return refuse(Refusal::kBadBillingMethod, "billing_method has a nonsense size");
        if (!isIdentifier(b->method))
            return refuse(Refusal::kBadBillingMethod, "method name must match [a-z][a-z0-9_]*");
        if (b->output != BW_BILLING_OUTPUT_ENERGY && b->output != BW_BILLING_OUTPUT_AMOUNT)
            return refuse(Refusal::kBadBillingMethod, "unknown output kind");
        if (b->bill == nullptr) return refuse(Refusal::kBadBillingMethod, "bill is NULL");
        info.billing_method = b->method;
        info.bills_amount = b->output == BW_BILLING_OUTPUT_AMOUNT;
    } else if (d->billing_method != nullptr) {
        return refuse(Refusal::kBadBillingMethod, "billing_method set without the billing kind");
    }
    if (Check c = readPaymentProcessor(*d, info); !c) return c;
    return readConfigKeys(*d, info);
}

}  // namespace

Refusal inspectDescriptor(const bw_plugin_descriptor* descriptor, PluginInfo& info) {
    Check c = inspect(descriptor, info);
    info.refusal = c.refusal;
    info.reason = std::move(c.reason);
    return info.refusal;
}

std::string_view configTypeName(ConfigType t) {
    switch (t) {
        case ConfigType::kString:
            return "string";
        case ConfigType::kInteger:
            return "integer";
        case ConfigType::kBoolean:
            return "boolean";
        case ConfigType::kDecimal:
            return "decimal";
        case ConfigType::kUrl:
            return "url";
    }
    return "string";
}

std::vector<std::string> paymentMethodTypeNames(std::uint32_t method_types) {
    std::vector<std::string> out;
    if ((method_types & BW_METHOD_TYPE_BIT(BW_METHOD_CARD)) != 0) out.emplace_back("card");
    if ((method_types & BW_METHOD_TYPE_BIT(BW_METHOD_BANK_ACCOUNT)) != 0)
        out.emplace_back("bank_account");
    if ((method_types & BW_METHOD_TYPE_BIT(BW_METHOD_CRYPTO)) != 0) out.emplace_back("crypto");
    if ((method_types & BW_METHOD_TYPE_BIT(BW_METHOD_MANUAL)) != 0) out.emplace_back("manual");
    return out;
}

std::vector<std::string> paymentProcessorFlagNames(std::uint32_t flags) {
    std::vector<std::string> out;
    if ((flags & BW_PROCESSOR_NEEDS_METHOD) != 0) out.emplace_back("needs_method");
    if ((flags & BW_PROCESSOR_OFF_SESSION) != 0) out.emplace_back("off_session");
    if ((flags & BW_PROCESSOR_REFUNDS) != 0) out.emplace_back("refunds");
    if ((flags & BW_PROCESSOR_WEBHOOKS) != 0) out.emplace_back("webhooks");
    if ((flags & BW_PROCESSOR_RECORDS) != 0) out.emplace_back("records");
    return out;
}

bool configValueMatches(ConfigType type, std::string_view value) {
    return validConfigValue(type, value);
}

std::string_view refusalCode(Refusal r) {
    switch (r) {
        case Refusal::kNone:
            return "";
        case Refusal::kNotASharedLibrary:
            return "not_a_shared_library";
        case Refusal::kMissingEntryPoint:
            return "missing_entry_point";
        case Refusal::kNullDescriptor:
            return "null_descriptor";
        case Refusal::kBadSize:
            return "bad_size";
        case Refusal::kBadMagic:
            return "bad_magic";
        case Refusal::kAbiMajorMismatch:
            return "abi_major_mismatch";
        case Refusal::kAbiMinorTooNew:
            return "abi_minor_too_new";
        case Refusal::kBadId:
            return "bad_id";
        case Refusal::kBadKinds:
            return "bad_kinds";
        case Refusal::kBadBillingMethod:
            return "bad_billing_method";
        case Refusal::kBadPaymentProcessor:
            return "bad_payment_processor";
        case Refusal::kBadConfigKey:
            return "bad_config_key";
        case Refusal::kDuplicateId:
            return "duplicate_id";
        case Refusal::kInitFailed:
            return "init_failed";
    }
    return "unknown";
}

const ConfigKeySpec* LoadedPlugin::key(std::string_view name) const {
    for (const auto& k : info.config_keys) {
        if (k.name == name) return &k;
    }
    return nullptr;
}

Registry::Registry(const HostEnvironment& env) : env_(env) {}
Registry::~Registry() = default;

void Registry::loadDirectories(const std::vector<std::string>& directories) {
    for (const auto& dir : directories) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            env_.log.warning("plugin directory not found; skipped", {{"directory", dir}});
            continue;
        }
        std::vector<std::string> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (entry.is_regular_file(ec) && entry.path().extension() == ".so")
                files.push_back(entry.path().string());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) loadFile(f);
    }
}

const PluginInfo& Registry::loadFile(const std::string& path) {
    PluginInfo info;
    info.path = path;
    const auto finish = [&](Check check) -> const PluginInfo& {
        info.loaded = static_cast<bool>(check);
        info.refusal = check.refusal;
        info.reason = std::move(check.reason);
        if (info.loaded) {
            env_.log.info("plugin loaded",
                          {{"file", path}, {"plugin", info.id}, {"version", info.version}});
        } else {
            env_.log.error("plugin refused", {{"file", path},
                                              {"code", std::string(refusalCode(info.refusal))},
                                              {"reason", info.reason}});
        }
        infos_.push_back(std::move(info));
        return infos_.back();
    };

    // RTLD_LOCAL keeps one plugin's symbols away from the next; RTLD_NOW finds unresolved
    // symbols here, not in the middle of a billing run. The handle is never closed.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        return finish(refuse(Refusal::kNotASharedLibrary, why != nullptr ? why : "dlopen failed"));
    }
    ::dlerror();
    void* symbol = ::dlsym(handle, BW_PLUGIN_ENTRY_NAME);
    if (symbol == nullptr)
        return finish(refuse(Refusal::kMissingEntryPoint,
                             std::string("no ") + BW_PLUGIN_ENTRY_NAME + " symbol"));
    bw_plugin_entry_fn entry = nullptr;
    static_assert(sizeof entry == sizeof symbol);
    std::memcpy(&entry, &symbol, sizeof entry);
    const bw_plugin_descriptor* d = entry();
    if (Check c = inspect(d, info); !c) return finish(std::move(c));
    for (const auto& other : loaded_) {
        if (other->info.id == info.id)
            return finish(
                refuse(Refusal::kDuplicateId,
                       "plugin id " + info.id + " is already loaded from " + other->info.path));
        if (!info.billing_method.empty() && other->info.billing_method == info.billing_method)
            return finish(refuse(Refusal::kDuplicateId, "billing method " + info.billing_method +
                                                            " is already provided by " +
                                                            other->info.id));
    }
    auto plugin = std::make_unique<LoadedPlugin>();
    plugin->info = info;
    plugin->descriptor = d;
    if (d->init != nullptr) {
        PluginCall call(env_, CallScope{plugin.get(), "", {}, {}, {}, 0, nullptr, nullptr});
        const bw_status st = d->init(call.handle(), call.api());
        if (st != BW_OK) return finish(refuse(Refusal::kInitFailed, call.describe(st)));
    }
    loaded_.push_back(std::move(plugin));
    const PluginInfo& result = finish({});
    loaded_.back()->info = result;
    return result;
}

const LoadedPlugin* Registry::find(std::string_view id) const {
    for (const auto& p : loaded_) {
        if (p->info.id == id) return p.get();
    }
    return nullptr;
}

const LoadedPlugin* Registry::billingMethod(std::string_view method) const {
    for (const auto& p : loaded_) {
        if (!p->info.billing_method.empty() && p->info.billing_method == method) return p.get();
    }
    return nullptr;
}

const LoadedPlugin* Registry::paymentProcessor(std::string_view id) const {
    const LoadedPlugin* p = find(id);
    return p != nullptr && p->info.payment_processor ? p : nullptr;
}

std::vector<const LoadedPlugin*> Registry::loaded() const {
    std::vector<const LoadedPlugin*> out;
    out.reserve(loaded_.size());
    for (const auto& p : loaded_) out.push_back(p.get());
    return out;
}

}  // namespace billwright::plugins
