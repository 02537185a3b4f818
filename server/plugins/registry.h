#pragma once

#include <billwright/plugin.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/host.h"

namespace billwright::plugins {

// One configuration key a plugin declared (bw_config_key, copied out of the plugin).
enum class ConfigType { kString, kInteger, kBoolean, kDecimal, kUrl };
std::string_view configTypeName(ConfigType t);  // "string", "integer", "boolean", ...
// Whether `value` (a value's text form) is acceptable for a key of `type`.
bool configValueMatches(ConfigType type, std::string_view value);

struct ConfigKeySpec {
    std::string name;
    ConfigType type = ConfigType::kString;
    bool required = false;
    bool secret = false;
    std::optional<std::string> default_value;
    std::string description;
};

// Why a file was refused; stable codes shown by GET /v1/plugins and in the log line.
enum class Refusal {
    kNone,
    kNotASharedLibrary,  // dlopen failed
    kMissingEntryPoint,  // no billwright_plugin_descriptor symbol
    kNullDescriptor,     // the entry point returned NULL
    kBadSize,            // size below the ABI 1.0 descriptor, or absurdly large
    kBadMagic,           // magic is not BW_PLUGIN_MAGIC
    kAbiMajorMismatch,   // abi_major != host major
    kAbiMinorTooNew,     // abi_minor > host minor
    kBadId,              // id missing or not [a-z][a-z0-9_]{0,63}; version missing
    kBadKinds,           // no kind, an unknown kind bit, or a kind this host cannot serve
    kBadBillingMethod,   // billing kind without a valid bw_billing_method_api
    // payment kind (ABI 1.1) without a valid bw_payment_processor_api: NULL, a descriptor too
    // small to hold it, a bad size, unknown flag or method-type bits, no method type, NULL
    // charge, a flag whose entry point is NULL; or a table without the payment kind
    kBadPaymentProcessor,
    kBadConfigKey,  // a config key with a bad size, name, type, flags or default
    kDuplicateId,   // a plugin with this id (or billing method name) is already loaded
    kInitFailed,    // the plugin's init returned an error
};
std::string_view refusalCode(Refusal r);  // "not_a_shared_library", "missing_entry_point", ...

struct PluginInfo {
    std::string path;  // the file
    bool loaded = false;
    Refusal refusal = Refusal::kNone;
    std::string reason;  // human-readable detail of the refusal (empty when loaded)
    // Known once the descriptor was read far enough (may be empty for refused files).
    std::string id;
    std::string version;
    std::string description;
    std::uint16_t abi_major = 0;
    std::uint16_t abi_minor = 0;
    std::vector<std::string> kinds;  // "billing_method", "payment_processor"
    std::string billing_method;      // the method name contracts use, for billing plugins
    bool bills_amount = false;       // BW_BILLING_OUTPUT_AMOUNT rather than energy
    // Payment processors (ABI 1.1): what bw_payment_processor_api declares.
    bool payment_processor = false;
    std::uint32_t payment_method_types = 0;  // BW_METHOD_TYPE_BIT(BW_METHOD_*) bits
    std::uint32_t payment_flags = 0;         // BW_PROCESSOR_* bits
    std::vector<ConfigKeySpec> config_keys;
};

// Names of the bits of a processor's method_types ("card", "bank_account", "crypto", "manual")
// and flags ("needs_method", "off_session", "refunds", "webhooks", "records"), in bit order.
std::vector<std::string> paymentMethodTypeNames(std::uint32_t method_types);
std::vector<std::string> paymentProcessorFlagNames(std::uint32_t flags);

// Every check loadFile runs on a descriptor before anything of the plugin is used or called
// (size, magic, ABI, id, kinds, the billing and payment tables, config keys), on its own: sets
// info.refusal and info.reason and fills what was read. Fields beyond a struct's `size` are never
// read. The loader's fuzz target drives it with made-up descriptors.
Refusal inspectDescriptor(const bw_plugin_descriptor* descriptor, PluginInfo& info);

// A plugin that passed every check. The descriptor stays valid for the life of the process:
// libraries are never unloaded.
struct LoadedPlugin {
    PluginInfo info;
    const bw_plugin_descriptor* descriptor = nullptr;

    const ConfigKeySpec* key(std::string_view name) const;
};

// Loads plugins and answers which are there. Loading happens once, at start, before the
// server serves; afterwards the registry is read-only and safe to share between threads.
class Registry {
public:
    // `env` (logging, and the host services a plugin's init may use) must outlive the registry.
    explicit Registry(const HostEnvironment& env);
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Loads every regular file ending in ".so" in each directory, in name order (so which of
    // two duplicates wins is deterministic: the first directory, then the first name). A
    // missing directory is logged and skipped. Each refusal is one log line.
    void loadDirectories(const std::vector<std::string>& directories);
    // Loads one file; returns its entry (also kept in all(); the reference is valid until the
    // next load).
    const PluginInfo& loadFile(const std::string& path);

    // Every file tried, loaded or refused, in load order.
    const std::vector<PluginInfo>& all() const { return infos_; }
    const LoadedPlugin* find(std::string_view id) const;
    // The loaded plugin implementing billing method `method` ("metered"), or nullptr.
    const LoadedPlugin* billingMethod(std::string_view method) const;
    // The loaded payment processor with plugin id `id` ("payment_manual"), or nullptr.
    const LoadedPlugin* paymentProcessor(std::string_view id) const;
    std::vector<const LoadedPlugin*> loaded() const;

private:
    const HostEnvironment& env_;
    std::vector<PluginInfo> infos_;
    std::vector<std::unique_ptr<LoadedPlugin>> loaded_;
};

}  // namespace billwright::plugins
