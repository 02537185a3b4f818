#include "services/plugins.h"

#include <algorithm>
#include <chrono>

#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {

using core::Error;
using core::JsonValue;

namespace {

constexpr std::size_t kMaxValueBytes = 4096;

// Binds a sealed value to its row: moved to another tenant, plugin or key, it does not open.
std::string associatedData(std::string_view tenant_id, std::string_view plugin_id,
                           std::string_view name) {
    std::string out;
    out.append(tenant_id).push_back('\n');
    out.append(plugin_id).push_back('\n');
    out.append(name);
    return out;
}

// The stored text form of a JSON value for a key of `type`, or a field error.
core::Result<std::string> valueText(const plugins::ConfigKeySpec& spec, const JsonValue& v) {
    using plugins::ConfigType;
    const auto wrong = [&](const std::string& expected) {
        return Error::validation(spec.name, "wrong_type", "must be " + expected);
    };
    std::string text;
    switch (spec.type) {
        case ConfigType::kString:
        case ConfigType::kUrl:
            if (!v.isString()) return wrong("a string");
            text = v.asString();
            break;
        case ConfigType::kInteger: {
            const auto n = v.asInt64();
            if (!n) return wrong("an integer");
            text = std::to_string(*n);
            break;
        }
        case ConfigType::kBoolean:
            if (!v.isBool()) return wrong("true or false");
            text = v.asBool() ? "true" : "false";
            break;
        case ConfigType::kDecimal:
            if (v.isString()) {
                text = v.asString();
            } else if (v.isNumber()) {
                text = v.numberText();
            } else {
                return wrong("a decimal string");
            }
            break;
    }
    if (text.size() > kMaxValueBytes)
        return Error::validation(spec.name, "too_long", "at most 4096 bytes");
    if (text.empty() && !spec.secret && spec.type == ConfigType::kString)
        return Error::validation(spec.name, "required", "must not be empty; use null to clear");
    if (!plugins::configValueMatches(spec.type, text)) {
        return Error::validation(spec.name, "invalid_format",
                                 spec.type == ConfigType::kUrl
                                     ? "must be an http:// or https:// URL"
                                     : "must be a decimal number such as \"2.50\"");
    }
    return text;
}

}  // namespace

Plugins::Plugins(storage::Store& store, const core::Clock& clock, const plugins::Registry& registry,
                 const plugins::HostEnvironment& env, std::optional<SecretBox> secrets,
                 std::int64_t call_timeout_ms)
    : store_(store),
      clock_(clock),
      registry_(registry),
      env_(env),
      secrets_(std::move(secrets)),
      call_timeout_ms_(call_timeout_ms) {
    for (const auto* p : registry_.loaded()) {
        if (!p->info.billing_method.empty() && !p->info.bills_amount)
            energy_methods_.push_back(p->info.billing_method);
    }
    std::sort(energy_methods_.begin(), energy_methods_.end());
}

core::Status Plugins::checkMasterKey() {
    const auto ids =
        store_
            .read([](storage::UnitOfWork& uow) {
                return core::Result<std::vector<std::string>>(uow.pluginSettings().secretKeyIds());
            })
            .value();
    if (ids.empty()) return {};
    if (!secrets_)
        return Error::validation("secrets.master_key", "missing_setting",
                                 "plugin secrets are stored; the server needs the master key "
                                 "they were sealed with (secrets.master_key or "
                                 "BILLWRIGHT_SECRETS_MASTER_KEY)");
    for (const auto& id : ids) {
        if (id != secrets_->keyId())
            return Error::validation("secrets.master_key", "wrong_key",
                                     "stored plugin secrets were sealed under another master key "
                                     "(key id " +
                                         id + ", configured key id " + secrets_->keyId() + ")");
    }
    return {};
}

PluginConfigView Plugins::viewOf(const plugins::LoadedPlugin& plugin, const std::string& tenant_id,
                                 const std::vector<storage::PluginSetting>& stored) const {
    PluginConfigView view;
    view.plugin = &plugin;
    view.tenant_id = tenant_id;
    for (const auto& spec : plugin.info.config_keys) {
        PluginConfigEntry e;
        e.spec = &spec;
        const auto it = std::find_if(stored.begin(), stored.end(),
                                     [&](const auto& s) { return s.name == spec.name; });
        if (it != stored.end()) {
            e.set = true;
            if (!spec.secret) e.value = it->value;
            if (!view.updated_at || it->updated_at > *view.updated_at)
                view.updated_at = it->updated_at;
        } else if (!spec.secret && spec.default_value) {
            e.value = spec.default_value;
            e.is_default = true;
        }
        if (spec.required && !e.set) view.missing_required.push_back(spec.name);
        view.entries.push_back(std::move(e));
    }
    return view;
}

core::Result<PluginConfigView> Plugins::config(const std::string& tenant_id,
                                               const std::string& plugin_id) {
    const auto* plugin = registry_.find(plugin_id);
    if (plugin == nullptr) return Error::notFound("plugin");
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<PluginConfigView> {
        return viewOf(*plugin, tenant_id, uow.pluginSettings().list(tenant_id, plugin_id));
    });
}

core::Result<PluginConfigView> Plugins::putConfig(const Actor& actor, const std::string& tenant_id,
                                                  const std::string& plugin_id,
                                                  const JsonValue& body) {
    const auto* plugin = registry_.find(plugin_id);
    if (plugin == nullptr) return Error::notFound("plugin");
    if (!body.isObject())
        return Error::validation("body", "wrong_type", "must be a JSON object of key -> value");

    // Validate every member first; nothing is written unless all are good.
    Error invalid{core::ErrorCode::kValidationFailed, "the configuration has invalid keys", {}};
    std::vector<std::pair<const plugins::ConfigKeySpec*, std::optional<std::string>>> given;
    for (const auto& [name, value] : body.members()) {
        const auto* spec = plugin->key(name);
        if (spec == nullptr) {
            invalid.fields.emplace_back(name, "unknown_field",
                                        "not a configuration key of " + plugin_id);
            continue;
        }
        if (value.isNull()) {
            given.emplace_back(spec, std::nullopt);
            continue;
        }
        auto text = valueText(*spec, value);
        if (!text) {
            for (auto& f : std::move(text).error().fields) invalid.fields.push_back(std::move(f));
            continue;
        }
        given.emplace_back(spec, std::move(*text));
    }
    if (!invalid.fields.empty()) return invalid;
    const bool sets_secret = std::any_of(given.begin(), given.end(), [](const auto& g) {
        return g.first->secret && g.second.has_value();
    });
    if (sets_secret && !secrets_)
        return Error{core::ErrorCode::kUnavailable,
                     "this server has no secrets.master_key configured, so it cannot store "
                     "secrets",
                     {}};

    const auto now = clock_.nowSeconds();
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<PluginConfigView> {
        const auto stored = uow.pluginSettings().list(tenant_id, plugin_id);
        std::vector<storage::PluginSetting> next;
        for (const auto& spec : plugin->info.config_keys) {
            const auto g = std::find_if(given.begin(), given.end(),
                                        [&](const auto& x) { return x.first == &spec; });
            const auto old = std::find_if(stored.begin(), stored.end(),
                                          [&](const auto& s) { return s.name == spec.name; });
            if (g == given.end()) {
                // Left out: plain keys return to their default, secrets stay as they are.
                if (spec.secret && old != stored.end()) next.push_back(*old);
                continue;
            }
            if (!g->second) continue;  // null clears
            storage::PluginSetting s;
            s.tenant_id = tenant_id;
            s.plugin_id = plugin_id;
            s.name = spec.name;
            s.updated_at = now;
            if (spec.secret) {
                s.sealed =
                    secrets_->seal(*g->second, associatedData(tenant_id, plugin_id, spec.name));
                s.key_id = secrets_->keyId();
            } else {
                s.value = *g->second;
            }
            next.push_back(std::move(s));
        }
        PluginConfigView view = viewOf(*plugin, tenant_id, next);
        if (!view.missing_required.empty()) {
            Error e{
                core::ErrorCode::kValidationFailed, "required configuration keys are missing", {}};
            for (const auto& name : view.missing_required)
                e.fields.emplace_back(name, "required", "this plugin needs a value for " + name);
            return e;
        }
        uow.pluginSettings().replace(tenant_id, plugin_id, next);
        recordAudit(uow, actor, clock_, tenant_id, "plugin.configured", "plugin", plugin_id,
                    toJson(viewOf(*plugin, tenant_id, stored)), toJson(view));
        return view;
    });
}

core::Result<plugins::PluginSettings> Plugins::settingsFor(storage::UnitOfWork& uow,
                                                           const std::string& tenant_id,
                                                           const plugins::LoadedPlugin& plugin) {
    plugins::PluginSettings out;
    const auto stored = uow.pluginSettings().list(tenant_id, plugin.info.id);
    for (const auto& spec : plugin.info.config_keys) {
        const auto it = std::find_if(stored.begin(), stored.end(),
                                     [&](const auto& s) { return s.name == spec.name; });
        if (it == stored.end()) {
            if (spec.default_value) out.config[spec.name] = *spec.default_value;
            if (spec.required)
                return Error::validation(plugin.info.id + "." + spec.name, "required",
                                         "configure plugin " + plugin.info.id +
                                             " first (PUT "
                                             "/v1/plugins/" +
                                             plugin.info.id + "/config)");
            continue;
        }
        if (it->value) {
            out.config[spec.name] = *it->value;
        } else if (it->sealed) {
            if (!secrets_)
                return Error{core::ErrorCode::kUnavailable, "no secrets.master_key configured", {}};
            auto plain =
                secrets_->open(*it->sealed, associatedData(tenant_id, plugin.info.id, spec.name));
            if (!plain) return std::move(plain).error();
            out.secrets[spec.name] = std::move(*plain);
        }
    }
    return out;
}

core::Result<plugins::MethodRun> Plugins::runBilling(
    const plugins::LoadedPlugin& plugin, const plugins::PluginSettings& settings,
    const plugins::BillingSubject& subject, const std::vector<plugins::BillingEquipment>& units,
    plugins::TelemetrySource* telemetry) {
    return plugins::runBillingMethod(env_, plugin, settings, subject, units, telemetry,
                                     deadlineMs());
}

plugins::PaymentCallContext Plugins::paymentContext(
    const std::string& tenant_id, plugins::PluginSettings settings,
    std::map<std::string, std::string> params) const {
    return {tenant_id, std::move(settings), std::move(params), deadlineMs()};
}

core::Status Plugins::setPlatformConfig(
    std::map<std::string, std::map<std::string, std::string>> config) {
    for (const auto& [plugin_id, values] : config) {
        const auto* plugin = registry_.find(plugin_id);
        const std::string prefix = "platform.plugins." + plugin_id;
        if (plugin == nullptr)
            return Error::validation(prefix, "unknown_plugin",
                                     "no plugin " + plugin_id + " is loaded");
        for (const auto& entry : values) {
            const std::string& key = entry.first;
            const auto& keys = plugin->info.config_keys;
            if (std::none_of(keys.begin(), keys.end(),
                             [&](const auto& spec) { return spec.name == key; }))
                return Error::validation(prefix + "." + key, "unknown_key",
                                         plugin_id + " declares no configuration key " + key);
        }
    }
    platform_config_ = std::move(config);
    return {};
}

core::Result<plugins::PluginSettings> Plugins::platformSettings(
    const plugins::LoadedPlugin& plugin) const {
    plugins::PluginSettings out;
    const auto it = platform_config_.find(plugin.info.id);
    for (const auto& spec : plugin.info.config_keys) {
        std::optional<std::string> value = spec.default_value;
        if (it != platform_config_.end()) {
            if (const auto v = it->second.find(spec.name); v != it->second.end()) value = v->second;
        }
        if (!value) {
            if (spec.required)
                return Error::validation("platform.plugins." + plugin.info.id + "." + spec.name,
                                         "required",
                                         "the platform has not configured " + plugin.info.id);
            continue;
        }
        (spec.secret ? out.secrets : out.config)[spec.name] = *value;
    }
    return out;
}

core::Result<plugins::MethodRun> Plugins::runPlatformBilling(
    const plugins::LoadedPlugin& plugin, const plugins::BillingSubject& subject) {
    plugins::PluginSettings defaults;
    for (const auto& spec : plugin.info.config_keys) {
        if (spec.default_value) defaults.config[spec.name] = *spec.default_value;
    }
    return plugins::runBillingMethod(env_, plugin, defaults, subject, {}, nullptr, deadlineMs());
}

std::int64_t Plugins::deadlineMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               env_.clock.now().time_since_epoch())
               .count() +
           call_timeout_ms_;
}

JsonValue toJson(const plugins::PluginInfo& info) {
    JsonValue kinds = JsonValue::array();
    for (const auto& k : info.kinds) kinds.push(JsonValue::string(k));
    JsonValue keys = JsonValue::array();
    for (const auto& k : info.config_keys) {
        JsonValue item = JsonValue::object();
        item.set("name", JsonValue::string(k.name))
            .set("type", JsonValue::string(std::string(plugins::configTypeName(k.type))))
            .set("required", JsonValue::boolean(k.required))
            .set("secret", JsonValue::boolean(k.secret))
            .set("default",
                 k.default_value ? JsonValue::string(*k.default_value) : JsonValue::null())
            .set("description", JsonValue::string(k.description));
        keys.push(std::move(item));
    }
    const auto orNull = [](const std::string& s) {
        return s.empty() ? JsonValue::null() : JsonValue::string(s);
    };
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("plugin"))
        .set("id", orNull(info.id))
        .set("file", JsonValue::string(info.path))
        .set("status", JsonValue::string(info.loaded ? "loaded" : "refused"))
        .set("refusal", info.loaded ? JsonValue::null()
                                    : JsonValue::object()
                                          .set("code", JsonValue::string(std::string(
                                                           plugins::refusalCode(info.refusal))))
                                          .set("reason", JsonValue::string(info.reason)))
        .set("version", orNull(info.version))
        .set("description", orNull(info.description))
        .set("abi_version", info.abi_major == 0 && info.abi_minor == 0
                                ? JsonValue::null()
                                : JsonValue::string(std::to_string(info.abi_major) + "." +
                                                    std::to_string(info.abi_minor)))
        .set("kinds", std::move(kinds))
        .set("billing_method", orNull(info.billing_method))
        .set("billing_output", info.billing_method.empty()
                                   ? JsonValue::null()
                                   : JsonValue::string(info.bills_amount ? "amount" : "energy"))
        .set("config_keys", std::move(keys));
    return out;
}

JsonValue toJson(const PluginConfigView& view) {
    JsonValue values = JsonValue::array();
    for (const auto& e : view.entries) {
        JsonValue item = JsonValue::object();
        item.set("name", JsonValue::string(e.spec->name))
            .set("type", JsonValue::string(std::string(plugins::configTypeName(e.spec->type))))
            .set("secret", JsonValue::boolean(e.spec->secret))
            .set("required", JsonValue::boolean(e.spec->required))
            .set("set", JsonValue::boolean(e.set));
        if (!e.spec->secret) {
            item.set("value", e.value ? JsonValue::string(*e.value) : JsonValue::null())
                .set("is_default", JsonValue::boolean(e.is_default));
        }
        values.push(std::move(item));
    }
    JsonValue missing = JsonValue::array();
    for (const auto& m : view.missing_required) missing.push(JsonValue::string(m));
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("plugin_config"))
        .set("plugin_id", JsonValue::string(view.plugin->info.id))
        .set("tenant_id", JsonValue::string(view.tenant_id))
        .set("keys", std::move(values))
        .set("complete", JsonValue::boolean(view.missing_required.empty()))
        .set("missing_required", std::move(missing))
        .set("updated_at", view.updated_at ? timestampJson(*view.updated_at) : JsonValue::null());
    return out;
}

}  // namespace billwright::services
