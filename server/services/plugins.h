#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "plugins/billing_runner.h"
#include "plugins/payment_runner.h"
#include "plugins/registry.h"
#include "services/actor.h"
#include "services/secret_box.h"
#include "storage/repositories.h"

namespace billwright::services {

// One key of a tenant's configuration of a plugin, as the API shows it. Secret values never
// leave the server: only whether they are set.
struct PluginConfigEntry {
    const plugins::ConfigKeySpec* spec = nullptr;
    std::optional<std::string> value;  // plain keys: the stored value, else the default
    bool is_default = false;           // value is the declared default
    bool set = false;                  // stored (secrets: whether a value is set)
};

struct PluginConfigView {
    const plugins::LoadedPlugin* plugin = nullptr;
    std::string tenant_id;
    std::vector<PluginConfigEntry> entries;  // in declaration order
    std::vector<std::string> missing_required;
    std::optional<core::SysSeconds> updated_at;
};

// The loaded plugins and each tenant's configuration of them, and the gate every plugin call
// goes through (resolved configuration, decrypted secrets, deadline).
class Plugins {
public:
    Plugins(storage::Store& store, const core::Clock& clock, const plugins::Registry& registry,
            const plugins::HostEnvironment& env, std::optional<SecretBox> secrets,
            std::int64_t call_timeout_ms);

    const std::vector<plugins::PluginInfo>& all() const { return registry_.all(); }
    const plugins::LoadedPlugin* find(std::string_view id) const { return registry_.find(id); }
    const plugins::LoadedPlugin* billingMethod(std::string_view method) const {
        return registry_.billingMethod(method);
    }
    // Names of loaded billing methods that bill energy (usable in contracts), sorted.
    const std::vector<std::string>& energyMethods() const { return energy_methods_; }

    // At start: secrets stored but no master key configured, or stored under another key, is
    // an error naming secrets.master_key (the server refuses to start).
    core::Status checkMasterKey();

    core::Result<PluginConfigView> config(const std::string& tenant_id,
                                          const std::string& plugin_id);
    // Replaces the tenant's configuration from a JSON object of key -> value. A key left out
    // returns to its default; a secret left out keeps its stored value; null clears any key.
    // Unknown key, wrong type and missing required key are 422 naming the key.
    core::Result<PluginConfigView> putConfig(const Actor& actor, const std::string& tenant_id,
                                             const std::string& plugin_id,
                                             const core::JsonValue& body);

    // The tenant's resolved configuration and decrypted secrets for a call, read in the
    // caller's unit of work. Missing required keys are a 422 naming the plugin's key.
    core::Result<plugins::PluginSettings> settingsFor(storage::UnitOfWork& uow,
                                                      const std::string& tenant_id,
                                                      const plugins::LoadedPlugin& plugin);

    // Runs a billing method with settings from settingsFor and the call deadline.
    core::Result<plugins::MethodRun> runBilling(const plugins::LoadedPlugin& plugin,
                                                const plugins::PluginSettings& settings,
                                                const plugins::BillingSubject& subject,
                                                const std::vector<plugins::BillingEquipment>& units,
                                                plugins::TelemetrySource* telemetry);

    // The platform's own call (billing a tenant): the plugin sees only its declared defaults,
    // never the billed tenant's configuration.
    core::Result<plugins::MethodRun> runPlatformBilling(const plugins::LoadedPlugin& plugin,
                                                        const plugins::BillingSubject& subject);

    const plugins::HostEnvironment& environment() const { return env_; }

    // The platform's own configuration of processors (settings platform.plugins.<id>.<key>),
    // used when the platform charges a tenant. A plugin that is not loaded or a key it does
    // not declare is an error naming the setting.
    core::Status setPlatformConfig(
        std::map<std::string, std::map<std::string, std::string>> config);
    // The platform's settings of a plugin: its declared defaults overlaid with the platform's
    // values (secret keys among the secrets); a required key without a value is a 422.
    core::Result<plugins::PluginSettings> platformSettings(
        const plugins::LoadedPlugin& plugin) const;

    // The scope of one payment-processor call: the tenant, its settings (from settingsFor), the
    // call parameters and the call deadline.
    plugins::PaymentCallContext paymentContext(const std::string& tenant_id,
                                               plugins::PluginSettings settings,
                                               std::map<std::string, std::string> params) const;

private:
    std::int64_t deadlineMs() const;
    PluginConfigView viewOf(const plugins::LoadedPlugin& plugin, const std::string& tenant_id,
                            const std::vector<storage::PluginSetting>& stored) const;

    storage::Store& store_;
    const core::Clock& clock_;
    const plugins::Registry& registry_;
    const plugins::HostEnvironment& env_;
    std::optional<SecretBox> secrets_;
    std::int64_t call_timeout_ms_;
    std::vector<std::string> energy_methods_;
    std::map<std::string, std::map<std::string, std::string>> platform_config_;
};

// The JSON of GET /v1/plugins items and of a tenant's configuration.
core::JsonValue toJson(const plugins::PluginInfo& info);
core::JsonValue toJson(const PluginConfigView& view);

}  // namespace billwright::services
