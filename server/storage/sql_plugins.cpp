// SQL repositories for tenants' plugin configuration and the market hashprices failover
// pricing reads.

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
            "SELECT DISTINCT key_id FROM (SELECT key_id FROM plugin_settings WHERE sealed IS NOT "
            "NULL UNION SELECT key_id FROM revenue_guard_settings WHERE webhook_secret_sealed IS "
            "NOT NULL) AS sealed_keys ORDER BY key_id");
        std::vector<std::string> out;
        for (const auto& r : rows) out.push_back(r.getOptionalString(0).value_or(""));
        return out;
    }

private:
    Connection& c_;
};

class SqlHashprices final : public HashpriceRepository {
public:
    explicit SqlHashprices(Connection& c) : c_(c) {}

    void upsert(const domain::HashpriceQuote& q) override {
        const std::string day = core::formatIsoDate(q.day);
        const auto changed = c_.execute(
            "UPDATE hashprices SET currency = ?, price_micro = ?, recorded_at = ? WHERE "
            "tenant_id = ? AND source = ? AND day = ?",
            {q.currency, q.price_micro, unix(q.recorded_at), q.tenant_id, q.source, day});
        if (changed == 0) {
            c_.execute(
                "INSERT INTO hashprices (tenant_id, source, day, currency, price_micro, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                {q.tenant_id, q.source, day, q.currency, q.price_micro, unix(q.recorded_at)});
        }
    }

    std::vector<domain::HashpriceQuote> span(std::string_view tenant_id, std::string_view source,
                                             core::Date from, core::Date to) override {
        const std::string columns =
            "SELECT tenant_id, source, day, currency, price_micro, recorded_at FROM hashprices ";
        const SqlParams key{std::string(tenant_id), std::string(source), core::formatIsoDate(from)};
        std::vector<domain::HashpriceQuote> out;
        for (const auto& r :
             c_.query(columns + "WHERE tenant_id = ? AND source = ? AND day < ? ORDER "
                                "BY day DESC LIMIT 1",
                      key))
            out.push_back(quoteOf(r));
        SqlParams range = key;
        range.push_back(core::formatIsoDate(to));
        for (const auto& r :
             c_.query(columns + "WHERE tenant_id = ? AND source = ? AND day >= ? AND "
                                "day <= ? ORDER BY day",
                      range))
            out.push_back(quoteOf(r));
        return out;
    }

private:
    static domain::HashpriceQuote quoteOf(const SqlRow& r) {
        domain::HashpriceQuote q;
        q.tenant_id = r.getString(0);
        q.source = r.getString(1);
        q.day = core::parseIsoDate(r.getString(2)).value_or(core::Date{});
        q.currency = r.getString(3);
        q.price_micro = r.getInt(4);
        q.recorded_at = fromUnix(r.getInt(5));
        return q;
    }

    Connection& c_;
};

}  // namespace

std::unique_ptr<HashpriceRepository> makeSqlHashprices(Connection& c) {
    return std::make_unique<SqlHashprices>(c);
}

std::unique_ptr<PluginSettingsRepository> makeSqlPluginSettings(Connection& c) {
    return std::make_unique<SqlPluginSettings>(c);
}

}  // namespace billwright::storage
