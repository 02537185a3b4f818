// SQL repository for tenants' plugin configuration.

#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): storage-internal helpers

SqlValue optionalText(const std::optional<std::string>& v) { return v ? SqlValue{*v} : sqlNull(); }

class SqlPluginSettings final : public PluginSettingsRepository {
public:
    explicit SqlPluginSettings(Connection& c) : c_(c) {}

    std::vector<PluginSetting> list(std::string_view tenant_id,
                                    std::string_view plugin_id) override {
        const auto rows = c_.query(
            "SELECT tenant_id, plugin_id, name, value, sealed, key_id, updated_at FROM "
            "plugin_settings WHERE tenant_id = ? AND plugin_id = ? ORDER BY name",
            {std::string(tenant_id), std::string(plugin_id)});
        std::vector<PluginSetting> out;
        out.reserve(rows.size());
        for (const auto& r : rows) {
            PluginSetting s;
            s.tenant_id = r.getString(0);
            s.plugin_id = r.getString(1);
            s.name = r.getString(2);
            s.value = r.getOptionalString(3);
            s.sealed = r.getOptionalString(4);
            s.key_id = r.getOptionalString(5);
            s.updated_at = fromUnix(r.getInt(6));
            out.push_back(std::move(s));
        }
        return out;
    }

    void replace(std::string_view tenant_id, std::string_view plugin_id,
                 const std::vector<PluginSetting>& settings) override {
        c_.execute("DELETE FROM plugin_settings WHERE tenant_id = ? AND plugin_id = ?",
                   {std::string(tenant_id), std::string(plugin_id)});
        for (const auto& s : settings) {
            c_.execute(
                "INSERT INTO plugin_settings (tenant_id, plugin_id, name, value, sealed, key_id, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                {std::string(tenant_id), std::string(plugin_id), s.name, optionalText(s.value),
                 optionalText(s.sealed), optionalText(s.key_id), unix(s.updated_at)});
        }
    }

    std::vector<std::string> secretKeyIds() override {
        const auto rows = c_.query(
            "SELECT DISTINCT key_id FROM plugin_settings WHERE sealed IS NOT NULL ORDER BY key_id");
        std::vector<std::string> out;
        for (const auto& r : rows) out.push_back(r.getOptionalString(0).value_or(""));
        return out;
    }

private:
    Connection& c_;
};

}  // namespace

std::unique_ptr<PluginSettingsRepository> makeSqlPluginSettings(Connection& c) {
    return std::make_unique<SqlPluginSettings>(c);
}

}  // namespace billwright::storage
