#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;

constexpr std::string_view kEventColumns =
    "tenant_id, id, customer_id, kind, actor, actor_role, reason, webhook_event_id, created_at";

constexpr std::string_view kSettingsColumns =
    "tenant_id, webhook_url, webhook_secret_sealed, key_id, created_at, updated_at";

CustomerStatusEvent eventFrom(const SqlRow& r) {
    CustomerStatusEvent e;
    e.tenant_id = r.getString(0);
    e.id = r.getString(1);
    e.customer_id = r.getString(2);
    e.kind = r.getString(3);
    e.actor = r.getString(4);
    e.actor_role = r.getString(5);
    e.reason = r.getOptionalString(6);
    e.webhook_event_id = r.getOptionalString(7);
    e.created_at = fromUnix(r.getInt(8));
    return e;
}

SqlParams settingsValues(const RevenueGuardSettings& s) {
    return {s.tenant_id,           sqlOptional(s.webhook_url), sqlOptional(s.webhook_secret_sealed),
            sqlOptional(s.key_id), unix(s.created_at),         unix(s.updated_at)};
}

class SqlRevenueGuard final : public RevenueGuardRepository {
public:
    explicit SqlRevenueGuard(Connection& c) : c_(c) {}

    void insertStatusEvent(const CustomerStatusEvent& e) override {
        insertRow(c_, "customer_status_events", kEventColumns,
                  {e.tenant_id, e.id, e.customer_id, e.kind, e.actor, e.actor_role,
                   sqlOptional(e.reason), sqlOptional(e.webhook_event_id), unix(e.created_at)});
    }

    std::vector<CustomerStatusEvent> listStatusEvents(std::string_view tenant_id,
                                                      std::string_view customer_id,
                                                      const PageRequest& page) override {
        std::string sql = "SELECT " + text(kEventColumns) +
                          " FROM customer_status_events WHERE tenant_id = ? AND customer_id = ?";
        SqlParams params{text(tenant_id), text(customer_id)};
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<CustomerStatusEvent> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(eventFrom(r));
        return out;
    }

    std::optional<RevenueGuardSettings> findSettings(std::string_view tenant_id) override {
        const auto rows = c_.query(
            "SELECT " + text(kSettingsColumns) + " FROM revenue_guard_settings WHERE tenant_id = ?",
            {text(tenant_id)});
        if (rows.empty()) return std::nullopt;
        const auto& r = rows[0];
        RevenueGuardSettings s;
        s.tenant_id = r.getString(0);
        s.webhook_url = r.getOptionalString(1);
        s.webhook_secret_sealed = r.getOptionalString(2);
        s.key_id = r.getOptionalString(3);
        s.created_at = fromUnix(r.getInt(4));
        s.updated_at = fromUnix(r.getInt(5));
        return s;
    }

    void upsertSettings(const RevenueGuardSettings& s) override {
        if (findSettings(s.tenant_id)) {
            c_.execute(
                "UPDATE revenue_guard_settings SET webhook_url = ?, webhook_secret_sealed = ?, "
                "key_id = ?, updated_at = ? WHERE tenant_id = ?",
                {sqlOptional(s.webhook_url), sqlOptional(s.webhook_secret_sealed),
                 sqlOptional(s.key_id), unix(s.updated_at), s.tenant_id});
        } else {
            insertRow(c_, "revenue_guard_settings", kSettingsColumns, settingsValues(s));
        }
    }

    std::int64_t countInDefault(std::string_view tenant_id) override {
        return countCustomers(tenant_id, "in_default");
    }

    std::int64_t countRedirected(std::string_view tenant_id) override {
        return countCustomers(tenant_id, "pool_redirect");
    }

    std::vector<RedirectUnit> activeEquipmentOf(std::string_view tenant_id,
                                                std::string_view customer_id) override {
        const auto rows = c_.query(
            "SELECT e.id, e.serial_number, e.site_id FROM equipment e WHERE e.tenant_id = ? AND "
            "e.status <> 'retired' AND (e.owner_customer_id = ? OR EXISTS (SELECT 1 FROM "
            "contract_equipment ce JOIN contracts k ON k.tenant_id = ce.tenant_id AND k.id = "
            "ce.contract_id WHERE ce.tenant_id = e.tenant_id AND ce.active_equipment_id = e.id "
            "AND k.customer_id = ?)) ORDER BY e.id",
            {text(tenant_id), text(customer_id), text(customer_id)});
        std::vector<RedirectUnit> out;
        for (const auto& r : rows)
            out.push_back({r.getString(0), r.getString(1), r.getOptionalString(2)});
        return out;
    }

    std::vector<CurrencyTotal> overdueByCurrency(std::string_view tenant_id) override {
        std::vector<CurrencyTotal> out;
        for (const auto& r : c_.query(
                 "SELECT currency, SUM(amount_due_minor), COUNT(*) FROM invoices WHERE tenant_id "
                 "= ? AND status = 'overdue' GROUP BY currency ORDER BY currency",
                 {text(tenant_id)}))
            out.push_back({r.getString(0), r.getInt(1), r.getInt(2)});
        return out;
    }

private:
    std::int64_t countCustomers(std::string_view tenant_id, std::string_view flag) {
        return c_
            .query(
                "SELECT COUNT(*) FROM customers WHERE tenant_id = ? AND archived_at IS NULL "
                "AND " +
                    text(flag) + " = 1",
                {text(tenant_id)})
            .at(0)
            .getInt(0);
    }

    Connection& c_;
};

}  // namespace

std::unique_ptr<RevenueGuardRepository> makeSqlRevenueGuard(Connection& c) {
    return std::make_unique<SqlRevenueGuard>(c);
}

}  // namespace billwright::storage
