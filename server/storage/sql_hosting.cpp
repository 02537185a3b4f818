// SQL repositories for the hosting inventory: customers, sites, equipment, telemetry, contracts
// and the tenant's billing settings.

#include "storage/sql_hosting.h"

#include <algorithm>

#include "domain/payment.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): storage-internal helpers

// Appends "(?, ?, ...)" for `values` to `sql` and the values to `params`.
void appendInList(std::string& sql, SqlParams& params, const std::vector<std::string>& values) {
    sql += "(";
    for (std::size_t i = 0; i < values.size(); ++i) {
        sql += i == 0 ? "?" : ", ?";
        params.emplace_back(values[i]);
    }
    sql += ")";
}

// "%term%" for LIKE with % and _ escaped (ESCAPE '\').
std::string likePattern(const std::string& term) {
    std::string out = "%";
    for (const char c : term) {
        if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    out.push_back('%');
    return out;
}

void addOptionalBool(std::string& where, SqlParams& params, std::string_view column,
                     const std::optional<bool>& value) {
    if (!value) return;
    where += " AND ";
    where += column;
    where += " = ?";
    params.emplace_back(boolInt(*value));
}

// ---------------------------------------------------------------------------------------------

class SqlCustomers final : public CustomerRepository {
public:
    explicit SqlCustomers(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "tenant_id, id, name, company_name, contact_email, billing_email, phone, "
        "billing_currency, active, portal_access, internal_notes, in_default, default_reason, "
        "default_since, billing_hold, pool_redirect, auto_pay, credit_balance_minor, archived_at, "
        "created_at, updated_at, show_line_items";

    static domain::Customer fromRow(const SqlRow& r) {
        domain::Customer c;
        c.tenant_id = r.getString(0);
        c.id = r.getString(1);
        c.name = r.getString(2);
        c.company_name = r.getOptionalString(3);
        c.contact_email = r.getString(4);
        c.billing_email = r.getOptionalString(5);
        c.phone = r.getOptionalString(6);
        c.billing_currency = r.getOptionalString(7);
        c.active = boolFrom(r, 8);
        c.portal_access = boolFrom(r, 9);
        c.internal_notes = r.getOptionalString(10);
        c.in_default = boolFrom(r, 11);
        c.default_reason = r.getOptionalString(12);
        c.default_since = timeFrom(r.getOptionalInt(13));
        c.billing_hold = boolFrom(r, 14);
        c.pool_redirect = boolFrom(r, 15);
        c.auto_pay = boolFrom(r, 16);
        c.credit_balance_minor = r.getInt(17);
        c.archived_at = timeFrom(r.getOptionalInt(18));
        c.created_at = fromUnix(r.getInt(19));
        c.updated_at = fromUnix(r.getInt(20));
        if (const auto v = r.getOptionalInt(21)) c.show_line_items = *v != 0;
        return c;
    }

    static SqlParams values(const domain::Customer& c) {
        return {sqlOptional(c.company_name),
                c.contact_email,
                sqlOptional(c.billing_email),
                sqlOptional(c.phone),
                sqlOptional(c.billing_currency),
                boolInt(c.active),
                boolInt(c.portal_access),
                sqlOptional(c.internal_notes),
                boolInt(c.in_default),
                sqlOptional(c.default_reason),
                optionalTime(c.default_since),
                boolInt(c.billing_hold),
                boolInt(c.pool_redirect),
                boolInt(c.auto_pay),
                c.credit_balance_minor,
                optionalTime(c.archived_at),
                unix(c.updated_at),
                c.show_line_items ? SqlValue{boolInt(*c.show_line_items)} : sqlNull()};
    }

    std::optional<domain::Customer> find(std::string_view tenant_id, std::string_view id) override {
        const auto rows =
            c_.query("SELECT " + text(kColumns) + " FROM customers WHERE tenant_id = ? AND id = ?",
                     {text(tenant_id), text(id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    std::vector<domain::Customer> list(std::string_view tenant_id, const CustomerFilter& f,
                                       const PageRequest& page) override {
        std::string sql = "SELECT " + text(kColumns) + " FROM customers WHERE tenant_id = ?";
        SqlParams params{text(tenant_id)};
        sql += f.archived ? " AND archived_at IS NOT NULL" : " AND archived_at IS NULL";
        if (f.search) {
            sql +=
                " AND (LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(company_name, '')) LIKE ? "
                "ESCAPE '\\' OR LOWER(contact_email) LIKE ? ESCAPE '\\' OR "
                "LOWER(COALESCE(billing_email, '')) LIKE ? ESCAPE '\\')";
            const std::string pattern = likePattern(*f.search);
            for (int i = 0; i < 4; ++i) params.emplace_back(pattern);
        }
        addOptionalBool(sql, params, "active", f.active);
        addOptionalBool(sql, params, "in_default", f.in_default);
        addOptionalBool(sql, params, "billing_hold", f.billing_hold);
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Customer> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    void insert(const domain::Customer& c) override {
        SqlParams params{c.tenant_id, c.id, c.name};
        for (auto& v : values(c)) params.push_back(std::move(v));
        params.emplace_back(unix(c.created_at));
        c_.execute(
            "INSERT INTO customers (tenant_id, id, name, company_name, contact_email, "
            "billing_email, phone, billing_currency, active, portal_access, internal_notes, "
            "in_default, default_reason, default_since, billing_hold, pool_redirect, auto_pay, "
            "credit_balance_minor, archived_at, updated_at, show_line_items, created_at) VALUES "
            "(?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params);
    }

    void update(const domain::Customer& c) override {
        SqlParams params{c.name};
        for (auto& v : values(c)) params.push_back(std::move(v));
        params.emplace_back(c.tenant_id);
        params.emplace_back(c.id);
        c_.execute(
            "UPDATE customers SET name = ?, company_name = ?, contact_email = ?, billing_email = "
            "?, phone = ?, billing_currency = ?, active = ?, portal_access = ?, internal_notes = "
            "?, in_default = ?, default_reason = ?, default_since = ?, billing_hold = ?, "
            "pool_redirect = ?, auto_pay = ?, credit_balance_minor = ?, archived_at = ?, "
            "updated_at = ?, show_line_items = ? WHERE tenant_id = ? AND id = ?",
            params);
    }

private:
    Connection& c_;
};

// ---------------------------------------------------------------------------------------------

class SqlSites final : public SiteRepository {
public:
    explicit SqlSites(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "tenant_id, id, name, location, energy_cost_rate_micro, currency, "
        "operated_for_customer_id, created_at, updated_at";

    static domain::Site fromRow(const SqlRow& r) {
        domain::Site s;
        s.tenant_id = r.getString(0);
        s.id = r.getString(1);
        s.name = r.getString(2);
        s.location = r.getOptionalString(3);
        s.energy_cost_rate_micro = r.getOptionalInt(4);
        s.currency = r.getString(5);
        s.operated_for_customer_id = r.getOptionalString(6);
        s.created_at = fromUnix(r.getInt(7));
        s.updated_at = fromUnix(r.getInt(8));
        return s;
    }

    std::optional<domain::Site> find(std::string_view tenant_id, std::string_view id) override {
        const auto rows =
            c_.query("SELECT " + text(kColumns) + " FROM sites WHERE tenant_id = ? AND id = ?",
                     {text(tenant_id), text(id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    std::vector<domain::Site> list(std::string_view tenant_id,
                                   const std::optional<std::string>& operated_for,
                                   const PageRequest& page) override {
        std::string sql = "SELECT " + text(kColumns) + " FROM sites WHERE tenant_id = ?";
        SqlParams params{text(tenant_id)};
        if (operated_for) {
            sql += " AND operated_for_customer_id = ?";
            params.emplace_back(*operated_for);
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Site> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    void insert(const domain::Site& s) override {
        c_.execute(
            "INSERT INTO sites (tenant_id, id, name, location, energy_cost_rate_micro, currency, "
            "operated_for_customer_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {s.tenant_id, s.id, s.name, sqlOptional(s.location),
             sqlOptional(s.energy_cost_rate_micro), s.currency,
             sqlOptional(s.operated_for_customer_id), unix(s.created_at), unix(s.updated_at)});
    }

    void update(const domain::Site& s) override {
        c_.execute(
            "UPDATE sites SET name = ?, location = ?, energy_cost_rate_micro = ?, currency = ?, "
            "operated_for_customer_id = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
            {s.name, sqlOptional(s.location), sqlOptional(s.energy_cost_rate_micro), s.currency,
             sqlOptional(s.operated_for_customer_id), unix(s.updated_at), s.tenant_id, s.id});
    }

    void remove(std::string_view tenant_id, std::string_view id) override {
        c_.execute("DELETE FROM sites WHERE tenant_id = ? AND id = ?", {text(tenant_id), text(id)});
    }

    std::int64_t countReferences(std::string_view tenant_id, std::string_view id) override {
        const auto rows = c_.query(
            "SELECT (SELECT COUNT(*) FROM equipment WHERE tenant_id = ? AND site_id = ?) + "
            "(SELECT COUNT(*) FROM contract_sites WHERE tenant_id = ? AND site_id = ?)",
            {text(tenant_id), text(id), text(tenant_id), text(id)});
        return rows.at(0).getInt(0);
    }

private:
    Connection& c_;
};

// ---------------------------------------------------------------------------------------------

constexpr std::string_view kEquipmentColumns =
    "e.tenant_id, e.id, e.serial_number, e.model, e.hashrate_mth, e.power_mw, e.efficiency_mjth, "
    "e.efficiency_computed, e.site_id, e.owner_customer_id, e.status, e.pdu_port, e.created_at, "
    "e.updated_at, e.sample_key";
constexpr std::string_view kActiveAssignment =
    "EXISTS (SELECT 1 FROM contract_equipment ce WHERE ce.tenant_id = e.tenant_id AND "
    "ce.active_equipment_id = e.id)";

domain::Equipment equipmentFromRow(const SqlRow& r) {
    domain::Equipment e;
    e.tenant_id = r.getString(0);
    e.id = r.getString(1);
    e.serial_number = r.getString(2);
    e.model = r.getString(3);
    e.hashrate_mth = r.getInt(4);
    e.power_mw = r.getInt(5);
    e.efficiency_mjth = r.getInt(6);
    e.efficiency_computed = boolFrom(r, 7);
    e.site_id = r.getOptionalString(8);
    e.owner_customer_id = r.getOptionalString(9);
    const auto status = domain::parseEquipmentStatus(r.getString(10));
    if (!status) throw DbError(DbErrorKind::kOther, "stored equipment status is unknown");
    e.status = *status;
    e.pdu_port = r.getOptionalString(11);
    e.created_at = fromUnix(r.getInt(12));
    e.updated_at = fromUnix(r.getInt(13));
    e.sample_key = r.getInt(14);
    return e;
}

class SqlEquipment final : public EquipmentRepository {
public:
    SqlEquipment(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    std::optional<domain::Equipment> find(std::string_view tenant_id,
                                          std::string_view id) override {
        const auto rows = c_.query("SELECT " + text(kEquipmentColumns) +
                                       " FROM equipment e WHERE e.tenant_id = ? AND e.id = ?",
                                   {text(tenant_id), text(id)});
        if (rows.empty()) return std::nullopt;
        return equipmentFromRow(rows[0]);
    }

    std::vector<domain::Equipment> findMany(std::string_view tenant_id,
                                            const std::vector<std::string>& ids) override {
        std::vector<domain::Equipment> out;
        if (ids.empty()) return out;
        std::string sql = "SELECT " + text(kEquipmentColumns) +
                          " FROM equipment e WHERE e.tenant_id = ? AND e.id IN ";
        SqlParams params{text(tenant_id)};
        appendInList(sql, params, ids);
        sql += " ORDER BY e.id";
        for (const auto& r : c_.query(sql, params)) out.push_back(equipmentFromRow(r));
        return out;
    }

    std::vector<domain::Equipment> list(std::string_view tenant_id, const EquipmentFilter& f,
                                        const PageRequest& page) override {
        std::string sql =
            "SELECT " + text(kEquipmentColumns) + " FROM equipment e WHERE e.tenant_id = ?";
        SqlParams params{text(tenant_id)};
        if (f.site_id) {
            sql += " AND e.site_id = ?";
            params.emplace_back(*f.site_id);
        }
        if (f.owner_customer_id) {
            sql += " AND e.owner_customer_id = ?";
            params.emplace_back(*f.owner_customer_id);
        }
        if (f.tenant_owned_only) sql += " AND e.owner_customer_id IS NULL";
        if (f.customer_owned_only) sql += " AND e.owner_customer_id IS NOT NULL";
        if (f.status) {
            sql += " AND e.status = ?";
            params.emplace_back(text(domain::equipmentStatusName(*f.status)));
        }
        if (f.model) {
            sql += " AND e.model = ?";
            params.emplace_back(*f.model);
        }
        if (f.search) {
            sql +=
                " AND (LOWER(e.serial_number) LIKE ? ESCAPE '\\' OR LOWER(e.model) LIKE ? ESCAPE "
                "'\\')";
            const std::string pattern = likePattern(*f.search);
            params.emplace_back(pattern);
            params.emplace_back(pattern);
        }
        if (f.contracted) {
            sql += *f.contracted ? " AND " : " AND NOT ";
            sql += kActiveAssignment;
        }
        addCursor(sql, params, page, "e.id");
        sql += " ORDER BY e.id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Equipment> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(equipmentFromRow(r));
        return out;
    }

    static constexpr std::string_view kInsert =
        "INSERT INTO equipment (tenant_id, id, serial_number, model, hashrate_mth, power_mw, "
        "efficiency_mjth, efficiency_computed, site_id, owner_customer_id, status, pdu_port, "
        "created_at, updated_at, sample_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    void insert(const domain::Equipment& e) override { insertMany({e}); }

    // One upsert creates or locks the row (see Dialect::upsertClause).
    std::int64_t reserveSampleKeys(std::int64_t count) override {
        c_.execute("INSERT INTO global_sequences (name, last_value) VALUES ('sample_key', ?) " +
                       dialect_.upsertClause("name") + " last_value = last_value + ?",
                   {count, count});
        return c_.query("SELECT last_value FROM global_sequences WHERE name = 'sample_key'")
                   .at(0)
                   .getInt(0) -
               count + 1;
    }

    void insertMany(const std::vector<domain::Equipment>& list) override {
        auto stmt = c_.prepare(kInsert);
        for (const auto& e : list) {
            stmt->bind(1, std::string_view(e.tenant_id));
            stmt->bind(2, std::string_view(e.id));
            stmt->bind(3, std::string_view(e.serial_number));
            stmt->bind(4, std::string_view(e.model));
            stmt->bind(5, e.hashrate_mth);
            stmt->bind(6, e.power_mw);
            stmt->bind(7, e.efficiency_mjth);
            stmt->bind(8, boolInt(e.efficiency_computed));
            bindOptional(*stmt, 9, e.site_id);
            bindOptional(*stmt, 10, e.owner_customer_id);
            stmt->bind(11, domain::equipmentStatusName(e.status));
            bindOptional(*stmt, 12, e.pdu_port);
            stmt->bind(13, unix(e.created_at));
            stmt->bind(14, unix(e.updated_at));
            stmt->bind(15, e.sample_key);
            stmt->run();
        }
    }

    void update(const domain::Equipment& e) override {
        c_.execute(
            "UPDATE equipment SET serial_number = ?, model = ?, hashrate_mth = ?, power_mw = ?, "
            "efficiency_mjth = ?, efficiency_computed = ?, site_id = ?, owner_customer_id = ?, "
            "status = ?, pdu_port = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
            {e.serial_number, e.model, e.hashrate_mth, e.power_mw, e.efficiency_mjth,
             boolInt(e.efficiency_computed), sqlOptional(e.site_id),
             sqlOptional(e.owner_customer_id), text(domain::equipmentStatusName(e.status)),
             sqlOptional(e.pdu_port), unix(e.updated_at), e.tenant_id, e.id});
    }

    void remove(std::string_view tenant_id, std::string_view id) override {
        c_.execute("DELETE FROM equipment WHERE tenant_id = ? AND id = ?",
                   {text(tenant_id), text(id)});
    }

    std::vector<std::string> existingSerials(std::string_view tenant_id) override {
        return column("SELECT serial_number FROM equipment WHERE tenant_id = ?", tenant_id);
    }

    std::vector<std::string> existingPorts(std::string_view tenant_id) override {
        return column("SELECT pdu_port FROM equipment WHERE tenant_id = ? AND pdu_port IS NOT NULL",
                      tenant_id);
    }

    bool serialTaken(std::string_view tenant_id, std::string_view serial) override {
        return !c_.query("SELECT 1 FROM equipment WHERE tenant_id = ? AND serial_number = ?",
                         {text(tenant_id), text(serial)})
                    .empty();
    }

    bool portTaken(std::string_view tenant_id, std::string_view port) override {
        return !c_.query("SELECT 1 FROM equipment WHERE tenant_id = ? AND pdu_port = ?",
                         {text(tenant_id), text(port)})
                    .empty();
    }

    std::vector<EquipmentRef> refs(std::string_view tenant_id) override {
        auto stmt =
            c_.prepare("SELECT id, pdu_port, sample_key FROM equipment WHERE tenant_id = ?");
        stmt->bind(1, tenant_id);
        std::vector<EquipmentRef> out;
        while (stmt->step()) {
            EquipmentRef ref;
            ref.id = stmt->columnText(0);
            if (!stmt->columnIsNull(1)) ref.pdu_port = stmt->columnText(1);
            ref.sample_key = stmt->columnInt(2);
            out.push_back(std::move(ref));
        }
        return out;
    }

    std::vector<UncontractedEquipment> listUncontracted(std::string_view tenant_id,
                                                        std::int64_t since,
                                                        std::size_t limit) override {
        std::vector<UncontractedEquipment> out;
        const auto rows =
            c_.query(uncontractedSql("SELECT " + text(kEquipmentColumns) + ", s.ts, s.value") +
                         " ORDER BY e.id LIMIT ?",
                     {text(tenant_id), since, static_cast<std::int64_t>(limit)});
        for (const auto& r : rows) {
            UncontractedEquipment u;
            u.equipment = equipmentFromRow(r);
            u.last_hashrate_ts = r.getInt(15);
            u.last_hashrate_mth = r.getInt(16);
            out.push_back(std::move(u));
        }
        return out;
    }

    std::int64_t countUncontracted(std::string_view tenant_id, std::int64_t since) override {
        return c_.query(uncontractedSql("SELECT COUNT(*)"), {text(tenant_id), since})
            .at(0)
            .getInt(0);
    }

    void setStatus(std::string_view tenant_id, std::string_view id, domain::EquipmentStatus status,
                   core::SysSeconds at) override {
        c_.execute(
            "UPDATE equipment SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
            {text(domain::equipmentStatusName(status)), unix(at), text(tenant_id), text(id)});
    }

private:
    static std::string uncontractedSql(const std::string& select) {
        // The newest hashrate sample of each unit is found through the primary key.
        return select +
               " FROM equipment e JOIN telemetry_samples s ON s.equipment_key = e.sample_key AND "
               "s.kind = 3 AND s.ts = (SELECT MAX(m.ts) FROM telemetry_samples m WHERE "
               "m.equipment_key = e.sample_key AND m.kind = 3) WHERE e.tenant_id = ? AND "
               "e.status <> 'retired' AND s.ts >= ? AND s.value > 0 AND NOT " +
               text(kActiveAssignment);
    }

    static void bindOptional(PreparedStatement& stmt, int index,
                             const std::optional<std::string>& value) {
        if (value) {
            stmt.bind(index, std::string_view(*value));
        } else {
            stmt.bindNull(index);
        }
    }

    std::vector<std::string> column(std::string_view sql, std::string_view tenant_id) {
        auto stmt = c_.prepare(sql);
        stmt->bind(1, tenant_id);
        std::vector<std::string> out;
        while (stmt->step()) out.push_back(stmt->columnText(0));
        return out;
    }

    Connection& c_;
    const Dialect& dialect_;
};

// ---------------------------------------------------------------------------------------------

class SqlTelemetry final : public TelemetryRepository {
public:
    SqlTelemetry(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    void insertBatch(const std::vector<SampleRow>& rows,
                     std::vector<SampleOutcome>& outcomes) override {
        outcomes.assign(rows.size(), SampleOutcome::kStored);
        // Key order: consecutive inserts land on the same pages of the clustered table.
        std::vector<std::uint32_t> order(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            const auto& x = rows[a];
            const auto& y = rows[b];
            if (x.equipment_key != y.equipment_key) return x.equipment_key < y.equipment_key;
            if (x.kind != y.kind) return x.kind < y.kind;
            if (x.ts != y.ts) return x.ts < y.ts;
            return a < b;  // the first of two equal rows is the one stored
        });
        auto insert = c_.prepare(text(dialect_.insertIgnore()) +
                                 " INTO telemetry_samples (equipment_key, kind, ts, value) VALUES "
                                 "(?, ?, ?, ?)");
        std::unique_ptr<PreparedStatement> existing;  // only prepared when a key repeats
        for (const auto i : order) {
            const auto& row = rows[i];
            insert->bind(1, row.equipment_key);
            insert->bind(2, static_cast<std::int64_t>(row.kind));
            insert->bind(3, row.ts);
            insert->bind(4, row.value);
            if (insert->run() == 1) continue;
            if (!existing) {
                existing = c_.prepare(
                    "SELECT value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? AND "
                    "ts = ?");
            }
            existing->reset();
            existing->bind(1, row.equipment_key);
            existing->bind(2, static_cast<std::int64_t>(row.kind));
            existing->bind(3, row.ts);
            const bool same = existing->step() && existing->columnInt(0) == row.value;
            existing->reset();
            outcomes[i] = same ? SampleOutcome::kDuplicate : SampleOutcome::kConflict;
        }
    }

    std::size_t readRange(std::int64_t equipment_key, domain::SampleKind kind, std::int64_t from,
                          std::int64_t to, std::size_t capacity, std::int64_t* ts,
                          std::int64_t* values) override {
        if (!range_) {
            range_ = c_.prepare(
                "SELECT ts, value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? AND "
                "ts >= ? AND ts < ? ORDER BY ts LIMIT ?");
        }
        range_->reset();
        range_->bind(1, equipment_key);
        range_->bind(2, static_cast<std::int64_t>(kind));
        range_->bind(3, from);
        range_->bind(4, to);
        range_->bind(5, static_cast<std::int64_t>(capacity));
        std::size_t n = 0;
        while (n < capacity && range_->step()) {
            ts[n] = range_->columnInt(0);
            values[n] = range_->columnInt(1);
            ++n;
        }
        range_->reset();
        return n;
    }

    std::optional<domain::Sample> edge(std::int64_t equipment_key, domain::SampleKind kind,
                                       std::int64_t at, bool at_or_after) override {
        auto& stmt = at_or_after ? after_ : before_;
        if (!stmt) {
            stmt = c_.prepare(at_or_after
                                  ? "SELECT ts, value FROM telemetry_samples WHERE equipment_key = "
                                    "? AND kind = ? AND ts >= ? ORDER BY ts LIMIT 1"
                                  : "SELECT ts, value FROM telemetry_samples WHERE equipment_key = "
                                    "? AND kind = ? AND ts < ? ORDER BY ts DESC LIMIT 1");
        }
        std::vector<domain::Sample> out;
        read(*stmt, equipment_key, static_cast<std::int64_t>(kind), {at}, out);
        if (out.empty()) return std::nullopt;
        return out[0];
    }

    std::optional<domain::Sample> latest(std::int64_t equipment_key,
                                         domain::SampleKind kind) override {
        auto stmt = c_.prepare(
            "SELECT ts, value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? ORDER "
            "BY ts DESC LIMIT 1");
        std::vector<domain::Sample> out;
        read(*stmt, equipment_key, static_cast<std::int64_t>(kind), {}, out);
        if (out.empty()) return std::nullopt;
        return out[0];
    }

private:
    // Prepared on first use and kept for the transaction: a billing run reads thousands of
    // ranges.
    std::unique_ptr<PreparedStatement> range_;
    std::unique_ptr<PreparedStatement> before_;
    std::unique_ptr<PreparedStatement> after_;

    static void read(PreparedStatement& stmt, std::int64_t equipment_key, std::int64_t kind,
                     std::initializer_list<std::int64_t> bounds, std::vector<domain::Sample>& out) {
        stmt.reset();
        stmt.bind(1, equipment_key);
        stmt.bind(2, kind);
        int index = 3;
        for (const auto b : bounds) stmt.bind(index++, b);
        while (stmt.step()) out.push_back({stmt.columnInt(0), stmt.columnInt(1)});
        stmt.reset();
    }

    Connection& c_;
    const Dialect& dialect_;
};

// ---------------------------------------------------------------------------------------------

std::string methodsText(const std::vector<std::string>& methods) {
    std::string out;
    for (const auto& m : methods) {
        if (!out.empty()) out.push_back(',');
        out += m;
    }
    return out;
}

std::vector<std::string> methodsFrom(const std::string& text_value) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text_value.size()) {
        const auto comma = text_value.find(',', start);
        const auto end = comma == std::string::npos ? text_value.size() : comma;
        out.push_back(text_value.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

class SqlContracts final : public ContractRepository {
public:
    explicit SqlContracts(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "tenant_id, id, customer_id, contract_number, type, status, term, term_days, start_date, "
        "end_date, end_date_overridden, auto_renew, notice_days, notice_given_on, max_extensions, "
        "extensions_used, currency, billing_methods, rate_micro, power_cap_w, failover_mode, "
        "failover_hashprice_bp, failover_hashprice_source, failover_rate_micro, miner_model, "
        "miner_hashrate_mth, miner_efficiency_mjth, quantity, connector_fee_bp, payout_wallet, "
        "service_fee_per_site_minor, management_fee_rate_micro, notes, activated_at, ended_on, "
        "end_reason, created_at, updated_at, lease_fee_per_unit_minor, discount_bp";

    static domain::Contract fromRow(const SqlRow& r) {
        domain::Contract c;
        c.tenant_id = r.getString(0);
        c.id = r.getString(1);
        c.customer_id = r.getString(2);
        c.contract_number = r.getOptionalString(3);
        const auto type = domain::parseContractType(r.getString(4));
        const auto status = domain::parseContractStatus(r.getString(5));
        const auto term = domain::parseTermKind(r.getString(6));
        const auto failover = domain::parseFailoverMode(r.getString(20));
        if (!type || !status || !term || !failover)
            throw DbError(DbErrorKind::kOther, "stored contract has an unknown enum value");
        c.type = *type;
        c.status = *status;
        c.term.kind = *term;
        c.term.custom_days = static_cast<int>(r.getOptionalInt(7).value_or(0));
        c.start_date = dateFrom(r.getString(8));
        c.end_date = dateFrom(r.getString(9));
        c.end_date_overridden = boolFrom(r, 10);
        c.auto_renew = boolFrom(r, 11);
        c.notice_days = static_cast<int>(r.getInt(12));
        c.notice_given_on = optionalDate(r.getOptionalString(13));
        c.max_extensions = static_cast<int>(r.getInt(14));
        c.extensions_used = static_cast<int>(r.getInt(15));
        c.currency = currencyFrom(r.getString(16));
        c.billing_methods = methodsFrom(r.getString(17));
        c.rate_micro = r.getOptionalInt(18);
        c.power_cap_w = r.getOptionalInt(19);
        c.failover_mode = *failover;
        c.failover_hashprice_bp = r.getOptionalInt(21);
        c.failover_hashprice_source = r.getOptionalString(22);
        c.failover_rate_micro = r.getOptionalInt(23);
        c.miner_model = r.getOptionalString(24);
        c.miner_hashrate_mth = r.getOptionalInt(25);
        c.miner_efficiency_mjth = r.getOptionalInt(26);
        c.quantity = r.getOptionalInt(27);
        c.connector_fee_bp = r.getOptionalInt(28);
        c.payout_wallet = r.getOptionalString(29);
        c.service_fee_per_site_minor = r.getOptionalInt(30);
        c.management_fee_rate_micro = r.getOptionalInt(31);
        c.notes = r.getOptionalString(32);
        c.activated_at = timeFrom(r.getOptionalInt(33));
        c.ended_on = optionalDate(r.getOptionalString(34));
        c.end_reason = r.getOptionalString(35);
        c.created_at = fromUnix(r.getInt(36));
        c.updated_at = fromUnix(r.getInt(37));
        c.lease_fee_per_unit_minor = r.getOptionalInt(38);
        c.discount_bp = r.getOptionalInt(39);
        return c;
    }

    // Every column after (tenant_id, id), in kColumns order.
    static SqlParams values(const domain::Contract& c) {
        return {c.customer_id,
                sqlOptional(c.contract_number),
                text(domain::contractTypeName(c.type)),
                text(domain::contractStatusName(c.status)),
                text(domain::termKindName(c.term.kind)),
                c.term.kind == domain::TermKind::kCustom
                    ? SqlValue{std::int64_t{c.term.custom_days}}
                    : sqlNull(),
                dateText(c.start_date),
                dateText(c.end_date),
                boolInt(c.end_date_overridden),
                boolInt(c.auto_renew),
                std::int64_t{c.notice_days},
                optionalDateValue(c.notice_given_on),
                std::int64_t{c.max_extensions},
                std::int64_t{c.extensions_used},
                text(c.currency.code),
                methodsText(c.billing_methods),
                sqlOptional(c.rate_micro),
                sqlOptional(c.power_cap_w),
                text(domain::failoverModeName(c.failover_mode)),
                sqlOptional(c.failover_hashprice_bp),
                sqlOptional(c.failover_hashprice_source),
                sqlOptional(c.failover_rate_micro),
                sqlOptional(c.miner_model),
                sqlOptional(c.miner_hashrate_mth),
                sqlOptional(c.miner_efficiency_mjth),
                sqlOptional(c.quantity),
                sqlOptional(c.connector_fee_bp),
                sqlOptional(c.payout_wallet),
                sqlOptional(c.service_fee_per_site_minor),
                sqlOptional(c.management_fee_rate_micro),
                sqlOptional(c.notes),
                optionalTime(c.activated_at),
                optionalDateValue(c.ended_on),
                sqlOptional(c.end_reason),
                unix(c.created_at),
                unix(c.updated_at),
                sqlOptional(c.lease_fee_per_unit_minor),
                sqlOptional(c.discount_bp)};
    }

    std::optional<domain::Contract> find(std::string_view tenant_id, std::string_view id) override {
        const auto rows =
            c_.query("SELECT " + text(kColumns) + " FROM contracts WHERE tenant_id = ? AND id = ?",
                     {text(tenant_id), text(id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    std::vector<domain::Contract> list(std::string_view tenant_id, const ContractFilter& f,
                                       const PageRequest& page) override {
        std::string sql = "SELECT " + text(kColumns) + " FROM contracts WHERE tenant_id = ?";
        SqlParams params{text(tenant_id)};
        if (f.customer_id) {
            sql += " AND customer_id = ?";
            params.emplace_back(*f.customer_id);
        }
        if (f.status) {
            sql += " AND status = ?";
            params.emplace_back(text(domain::contractStatusName(*f.status)));
        }
        if (f.type) {
            sql += " AND type = ?";
            params.emplace_back(text(domain::contractTypeName(*f.type)));
        }
        if (f.equipment_id) {
            sql +=
                " AND id IN (SELECT contract_id FROM contract_equipment WHERE tenant_id = ? AND "
                "equipment_id = ?)";
            params.emplace_back(text(tenant_id));
            params.emplace_back(*f.equipment_id);
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Contract> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    void insert(const domain::Contract& c) override {
        SqlParams params{c.tenant_id, c.id};
        for (auto& v : values(c)) params.push_back(std::move(v));
        insertRow(c_, "contracts", kColumns, params);
    }

    void update(const domain::Contract& c) override {
        updateRow(c_, "contracts", kColumns, values(c), c.tenant_id, c.id);
    }

    std::vector<std::string> equipmentIds(std::string_view tenant_id,
                                          std::string_view contract_id) override {
        return ids(
            "SELECT equipment_id FROM contract_equipment WHERE tenant_id = ? AND "
            "contract_id = ? ORDER BY equipment_id",
            tenant_id, contract_id);
    }

    std::vector<std::string> siteIds(std::string_view tenant_id,
                                     std::string_view contract_id) override {
        return ids(
            "SELECT site_id FROM contract_sites WHERE tenant_id = ? AND contract_id = ? "
            "ORDER BY site_id",
            tenant_id, contract_id);
    }

    void assignEquipment(std::string_view tenant_id, std::string_view contract_id,
                         std::string_view equipment_id, bool active, SysSeconds at) override {
        assign(kEquipmentSlots, tenant_id, contract_id, equipment_id, active, at);
    }

    bool unassignEquipment(std::string_view tenant_id, std::string_view contract_id,
                           std::string_view equipment_id) override {
        return unassign(kEquipmentSlots, tenant_id, contract_id, equipment_id);
    }

    void assignSite(std::string_view tenant_id, std::string_view contract_id,
                    std::string_view site_id, bool active, SysSeconds at) override {
        assign(kSiteSlots, tenant_id, contract_id, site_id, active, at);
    }

    bool unassignSite(std::string_view tenant_id, std::string_view contract_id,
                      std::string_view site_id) override {
        return unassign(kSiteSlots, tenant_id, contract_id, site_id);
    }

    void setAssignmentsActive(std::string_view tenant_id, std::string_view contract_id,
                              bool active) override {
        c_.execute(active ? "UPDATE contract_equipment SET active_equipment_id = equipment_id "
                            "WHERE tenant_id = ? AND contract_id = ?"
                          : "UPDATE contract_equipment SET active_equipment_id = NULL WHERE "
                            "tenant_id = ? AND contract_id = ?",
                   {text(tenant_id), text(contract_id)});
        c_.execute(active ? "UPDATE contract_sites SET active_site_id = site_id WHERE tenant_id = "
                            "? AND contract_id = ?"
                          : "UPDATE contract_sites SET active_site_id = NULL WHERE tenant_id = ? "
                            "AND contract_id = ?",
                   {text(tenant_id), text(contract_id)});
    }

    std::optional<std::string> activeContractForEquipment(std::string_view tenant_id,
                                                          std::string_view equipment_id) override {
        const auto rows = c_.query(
            "SELECT contract_id FROM contract_equipment WHERE tenant_id = ? AND "
            "active_equipment_id = ?",
            {text(tenant_id), text(equipment_id)});
        if (rows.empty()) return std::nullopt;
        return rows[0].getString(0);
    }

    std::vector<std::pair<std::string, std::string>> activeContractsForEquipment(
        std::string_view tenant_id, const std::vector<std::string>& equipment_ids) override {
        std::vector<std::pair<std::string, std::string>> out;
        if (equipment_ids.empty()) return out;
        std::string sql =
            "SELECT active_equipment_id, contract_id FROM contract_equipment WHERE tenant_id = ? "
            "AND active_equipment_id IN ";
        SqlParams params{text(tenant_id)};
        appendInList(sql, params, equipment_ids);
        for (const auto& r : c_.query(sql, params))
            out.emplace_back(r.getString(0), r.getString(1));
        return out;
    }

    std::optional<std::string> activeContractForSite(std::string_view tenant_id,
                                                     std::string_view site_id) override {
        const auto rows = c_.query(
            "SELECT contract_id FROM contract_sites WHERE tenant_id = ? AND active_site_id = ?",
            {text(tenant_id), text(site_id)});
        if (rows.empty()) return std::nullopt;
        return rows[0].getString(0);
    }

    std::int64_t countActiveForCustomer(std::string_view tenant_id,
                                        std::string_view customer_id) override {
        return c_
            .query(
                "SELECT COUNT(*) FROM contracts WHERE tenant_id = ? AND customer_id = ? AND "
                "status IN ('draft', 'active')",
                {text(tenant_id), text(customer_id)})
            .at(0)
            .getInt(0);
    }

    std::vector<domain::Contract> billableIn(std::string_view tenant_id,
                                             const std::optional<std::string>& customer_id,
                                             core::Date from, core::Date to) override {
        std::string sql =
            "SELECT " + text(kColumns) +
            " FROM contracts WHERE tenant_id = ? AND status <> 'draft' AND activated_at IS NOT "
            "NULL AND "
            "start_date < ? AND end_date > ?";
        SqlParams params{text(tenant_id), dateText(to), dateText(from)};
        if (customer_id) {
            sql += " AND customer_id = ?";
            params.emplace_back(*customer_id);
        }
        sql += customer_id ? " ORDER BY id" : " ORDER BY customer_id, id";
        std::vector<domain::Contract> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    std::vector<std::string> billableCustomers(std::string_view tenant_id, core::Date from,
                                               core::Date to) override {
        std::vector<std::string> out;
        for (const auto& r : c_.query(
                 "SELECT DISTINCT customer_id FROM contracts WHERE tenant_id = ? AND status <> "
                 "'draft' AND activated_at IS NOT NULL AND start_date < ? AND end_date > ? ORDER "
                 "BY "
                 "customer_id",
                 {text(tenant_id), dateText(to), dateText(from)}))
            out.push_back(r.getString(0));
        return out;
    }

    void insertEvent(const ContractEvent& e) override {
        c_.execute(
            "INSERT INTO contract_events (tenant_id, id, contract_id, kind, occurred_on, "
            "previous_end_date, new_end_date, detail, actor, created_at) VALUES (?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)",
            {e.tenant_id, e.id, e.contract_id, e.kind, dateText(e.occurred_on),
             optionalDateValue(e.previous_end_date), optionalDateValue(e.new_end_date),
             sqlOptional(e.detail), e.actor, unix(e.created_at)});
    }

    std::vector<ContractEvent> events(std::string_view tenant_id,
                                      std::string_view contract_id) override {
        std::vector<ContractEvent> out;
        for (const auto& r : c_.query(
                 "SELECT tenant_id, id, contract_id, kind, occurred_on, previous_end_date, "
                 "new_end_date, detail, actor, created_at FROM contract_events WHERE tenant_id = "
                 "? AND contract_id = ? ORDER BY id",
                 {text(tenant_id), text(contract_id)})) {
            ContractEvent e;
            e.tenant_id = r.getString(0);
            e.id = r.getString(1);
            e.contract_id = r.getString(2);
            e.kind = r.getString(3);
            e.occurred_on = dateFrom(r.getString(4));
            e.previous_end_date = optionalDate(r.getOptionalString(5));
            e.new_end_date = optionalDate(r.getOptionalString(6));
            e.detail = r.getOptionalString(7);
            e.actor = r.getString(8);
            e.created_at = fromUnix(r.getInt(9));
            out.push_back(std::move(e));
        }
        return out;
    }

    std::vector<ContractRef> activeEndingBy(core::Date date) override {
        std::vector<ContractRef> out;
        for (const auto& r : c_.query(
                 "SELECT tenant_id, id FROM contracts WHERE status = 'active' AND end_date <= ? "
                 "ORDER BY tenant_id, id",
                 {dateText(date)})) {
            out.push_back({r.getString(0), r.getString(1)});
        }
        return out;
    }

private:
    // The two assignment tables: which object column, and its active-slot column.
    struct Slots {
        std::string_view table;
        std::string_view column;
        std::string_view active_column;
    };
    static constexpr Slots kEquipmentSlots{"contract_equipment", "equipment_id",
                                           "active_equipment_id"};
    static constexpr Slots kSiteSlots{"contract_sites", "site_id", "active_site_id"};

    void assign(const Slots& slots, std::string_view tenant_id, std::string_view contract_id,
                std::string_view object_id, bool active, SysSeconds at) {
        c_.execute("INSERT INTO " + text(slots.table) + " (tenant_id, contract_id, " +
                       text(slots.column) + ", " + text(slots.active_column) +
                       ", assigned_at) VALUES (?, ?, ?, ?, ?)",
                   {text(tenant_id), text(contract_id), text(object_id),
                    active ? SqlValue{text(object_id)} : sqlNull(), unix(at)});
    }

    bool unassign(const Slots& slots, std::string_view tenant_id, std::string_view contract_id,
                  std::string_view object_id) {
        return c_.execute("DELETE FROM " + text(slots.table) +
                              " WHERE tenant_id = ? AND contract_id = ? AND " + text(slots.column) +
                              " = ?",
                          {text(tenant_id), text(contract_id), text(object_id)}) > 0;
    }

    std::vector<std::string> ids(std::string_view sql, std::string_view tenant_id,
                                 std::string_view contract_id) {
        std::vector<std::string> out;
        for (const auto& r : c_.query(sql, {text(tenant_id), text(contract_id)}))
            out.push_back(r.getString(0));
        return out;
    }

    Connection& c_;
};

// ---------------------------------------------------------------------------------------------

class SqlTenantSettings final : public TenantSettingsRepository {
public:
    SqlTenantSettings(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    static constexpr std::string_view kColumns =
        "default_energy_rate_micro, billing_day, invoice_due_days, auto_generate, auto_send, "
        "tax_rate_milli_pct, tax_display, invoice_header, invoice_logo_url, invoice_footer, "
        "show_line_items, sender_name, sender_email, reply_to, auto_pay_timing, "
        "payment_retry_days, "
        "updated_at, created_at, tenant_id";

    std::optional<domain::TenantBillingSettings> find(std::string_view tenant_id) override {
        const auto rows = c_.query(
            "SELECT " + text(kColumns) + " FROM tenant_billing_settings WHERE tenant_id = ?",
            {text(tenant_id)});
        if (rows.empty()) return std::nullopt;
        const auto& r = rows[0];
        domain::TenantBillingSettings s;
        s.default_energy_rate_micro = r.getOptionalInt(0);
        s.billing_day = static_cast<int>(r.getInt(1));
        s.invoice_due_days = static_cast<int>(r.getInt(2));
        s.auto_generate = boolFrom(r, 3);
        s.auto_send = boolFrom(r, 4);
        s.tax_rate_milli_pct = r.getInt(5);
        s.tax_display = r.getString(6);
        s.invoice_header = r.getOptionalString(7);
        s.invoice_logo_url = r.getOptionalString(8);
        s.invoice_footer = r.getOptionalString(9);
        s.show_line_items = boolFrom(r, 10);
        s.sender_name = r.getOptionalString(11);
        s.sender_email = r.getOptionalString(12);
        s.reply_to = r.getOptionalString(13);
        s.auto_pay_timing = r.getString(14);
        const auto retry = domain::parseRetrySchedule(r.getString(15));
        if (!retry) throw DbError(DbErrorKind::kOther, "stored retry schedule is malformed");
        s.payment_retry_days = *retry;
        s.updated_at = fromUnix(r.getInt(16));
        s.created_at = fromUnix(r.getInt(17));
        s.tenant_id = r.getString(18);
        return s;
    }

    void upsert(const domain::TenantBillingSettings& s) override {
        SqlParams params{sqlOptional(s.default_energy_rate_micro),
                         std::int64_t{s.billing_day},
                         std::int64_t{s.invoice_due_days},
                         boolInt(s.auto_generate),
                         boolInt(s.auto_send),
                         s.tax_rate_milli_pct,
                         s.tax_display,
                         sqlOptional(s.invoice_header),
                         sqlOptional(s.invoice_logo_url),
                         sqlOptional(s.invoice_footer),
                         boolInt(s.show_line_items),
                         sqlOptional(s.sender_name),
                         sqlOptional(s.sender_email),
                         sqlOptional(s.reply_to),
                         s.auto_pay_timing,
                         domain::formatRetrySchedule(s.payment_retry_days),
                         unix(s.updated_at)};
        SqlParams where = params;
        where.emplace_back(s.tenant_id);
        const auto changed = c_.execute(
            "UPDATE tenant_billing_settings SET default_energy_rate_micro = ?, billing_day = ?, "
            "invoice_due_days = ?, auto_generate = ?, auto_send = ?, tax_rate_milli_pct = ?, "
            "tax_display = ?, invoice_header = ?, invoice_logo_url = ?, invoice_footer = ?, "
            "show_line_items = ?, sender_name = ?, sender_email = ?, reply_to = ?, "
            "auto_pay_timing = ?, payment_retry_days = ?, updated_at = ? "
            "WHERE tenant_id = ?",
            where);
        if (changed == 0) {
            params.emplace_back(unix(s.created_at));
            params.emplace_back(s.tenant_id);
            c_.execute("INSERT INTO tenant_billing_settings (" + text(kColumns) +
                           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       params);
        }
    }

    // The tenants with auto-generation on (the scheduler's candidates).
    std::vector<domain::TenantBillingSettings> listAutoGenerating() override {
        std::vector<domain::TenantBillingSettings> out;
        for (const auto& r : c_.query(
                 "SELECT tenant_id FROM tenant_billing_settings WHERE auto_generate = 1 ORDER BY "
                 "tenant_id")) {
            if (auto s = find(r.getString(0))) out.push_back(std::move(*s));
        }
        return out;
    }

    // One upsert creates or locks the row (see Dialect::upsertClause): the first numbers of a
    // tenant taken at once wait for each other instead of deadlocking.
    std::int64_t nextSequence(std::string_view tenant_id, std::string_view name) override {
        c_.execute("INSERT INTO tenant_sequences (tenant_id, name, last_value) VALUES (?, ?, 1) " +
                       dialect_.upsertClause("tenant_id, name") + " last_value = last_value + 1",
                   {text(tenant_id), text(name)});
        return c_
            .query("SELECT last_value FROM tenant_sequences WHERE tenant_id = ? AND name = ?",
                   {text(tenant_id), text(name)})
            .at(0)
            .getInt(0);
    }

private:
    Connection& c_;
    const Dialect& dialect_;
};

}  // namespace

std::unique_ptr<CustomerRepository> makeSqlCustomers(Connection& c) {
    return std::make_unique<SqlCustomers>(c);
}
std::unique_ptr<SiteRepository> makeSqlSites(Connection& c) {
    return std::make_unique<SqlSites>(c);
}
std::unique_ptr<EquipmentRepository> makeSqlEquipment(Connection& c, const Dialect& dialect) {
    return std::make_unique<SqlEquipment>(c, dialect);
}
std::unique_ptr<TelemetryRepository> makeSqlTelemetry(Connection& c, const Dialect& dialect) {
    return std::make_unique<SqlTelemetry>(c, dialect);
}
std::unique_ptr<ContractRepository> makeSqlContracts(Connection& c) {
    return std::make_unique<SqlContracts>(c);
}
std::unique_ptr<TenantSettingsRepository> makeSqlTenantSettings(Connection& c,
                                                                const Dialect& dialect) {
    return std::make_unique<SqlTenantSettings>(c, dialect);
}

}  // namespace billwright::storage
