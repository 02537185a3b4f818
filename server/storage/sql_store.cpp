#include <chrono>

#include "storage/migrations.h"
#include "storage/repositories.h"
#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): storage-internal helpers

class SqlTenants final : public TenantRepository {
public:
    explicit SqlTenants(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "id, name, status, timezone, default_currency, created_at, updated_at";

    static domain::Tenant fromRow(const SqlRow& r) {
        domain::Tenant t;
        t.id = r.getString(0);
        t.name = r.getString(1);
        t.status =
            domain::parseTenantStatus(r.getString(2)).value_or(domain::TenantStatus::kActive);
        t.timezone = r.getString(3);
        t.default_currency = currencyFrom(r.getString(4));
        t.created_at = fromUnix(r.getInt(5));
        t.updated_at = fromUnix(r.getInt(6));
        return t;
    }

    std::optional<domain::Tenant> find(std::string_view id) override {
        const auto rows = c_.query("SELECT " + std::string(kColumns) + " FROM tenants WHERE id = ?",
                                   {std::string(id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    std::vector<domain::Tenant> list(std::optional<domain::TenantStatus> status,
                                     const PageRequest& page) override {
        std::string sql = "SELECT " + std::string(kColumns) + " FROM tenants WHERE 1 = 1";
        SqlParams params;
        if (status) {
            sql += " AND status = ?";
            params.emplace_back(std::string(domain::tenantStatusName(*status)));
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Tenant> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    std::vector<domain::Tenant> listAll() override {
        std::vector<domain::Tenant> out;
        for (const auto& r :
             c_.query("SELECT " + std::string(kColumns) + " FROM tenants ORDER BY id")) {
            out.push_back(fromRow(r));
        }
        return out;
    }

    void insert(const domain::Tenant& t) override {
        c_.execute(
            "INSERT INTO tenants (" + std::string(kColumns) + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
            {t.id, t.name, std::string(domain::tenantStatusName(t.status)), t.timezone,
             std::string(t.default_currency.code), unix(t.created_at), unix(t.updated_at)});
    }

    void update(const domain::Tenant& t) override {
        c_.execute(
            "UPDATE tenants SET name = ?, status = ?, timezone = ?, default_currency = ?, "
            "updated_at = ? WHERE id = ?",
            {t.name, std::string(domain::tenantStatusName(t.status)), t.timezone,
             std::string(t.default_currency.code), unix(t.updated_at), t.id});
    }

    std::int64_t count() override {
        return c_.query("SELECT COUNT(*) FROM tenants").at(0).getInt(0);
    }

private:
    Connection& c_;
};

class SqlBillingConfigs final : public BillingConfigRepository {
public:
    explicit SqlBillingConfigs(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "tenant_id, flat_rate_minor, currency, billing_frequency, billing_email, "
        "auto_generate_invoices, billing_day_of_month, payment_due_days, email_notifications, "
        "created_at, updated_at";

    static domain::BillingConfig fromRow(const SqlRow& r) {
        domain::BillingConfig b;
        b.tenant_id = r.getString(0);
        b.flat_rate_minor = r.getInt(1);
        b.currency = currencyFrom(r.getString(2));
        b.billing_frequency = domain::parseBillingFrequency(r.getString(3))
                                  .value_or(domain::BillingFrequency::kMonthly);
        b.billing_email = r.getString(4);
        b.auto_generate_invoices = r.getInt(5) != 0;
        b.billing_day_of_month = static_cast<int>(r.getInt(6));
        b.payment_due_days = static_cast<int>(r.getInt(7));
        b.email_notifications = r.getInt(8) != 0;
        b.created_at = fromUnix(r.getInt(9));
        b.updated_at = fromUnix(r.getInt(10));
        return b;
    }

    std::optional<domain::BillingConfig> find(std::string_view tenant_id) override {
        const auto rows = c_.query(
            "SELECT " + std::string(kColumns) + " FROM billing_configs WHERE tenant_id = ?",
            {std::string(tenant_id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    void upsert(const domain::BillingConfig& b) override {
        const SqlParams values{std::string(domain::billingFrequencyName(b.billing_frequency)),
                               b.flat_rate_minor,
                               std::string(b.currency.code),
                               b.billing_email,
                               boolInt(b.auto_generate_invoices),
                               std::int64_t{b.billing_day_of_month},
                               std::int64_t{b.payment_due_days},
                               boolInt(b.email_notifications),
                               unix(b.updated_at),
                               b.tenant_id};
        const auto changed = c_.execute(
            "UPDATE billing_configs SET billing_frequency = ?, flat_rate_minor = ?, currency = ?, "
            "billing_email = ?, auto_generate_invoices = ?, billing_day_of_month = ?, "
            "payment_due_days = ?, email_notifications = ?, updated_at = ? WHERE tenant_id = ?",
            values);
        if (changed > 0) return;
        c_.execute("INSERT INTO billing_configs (" + std::string(kColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   {b.tenant_id, b.flat_rate_minor, std::string(b.currency.code),
                    std::string(domain::billingFrequencyName(b.billing_frequency)), b.billing_email,
                    boolInt(b.auto_generate_invoices), std::int64_t{b.billing_day_of_month},
                    std::int64_t{b.payment_due_days}, boolInt(b.email_notifications),
                    unix(b.created_at), unix(b.updated_at)});
    }

    std::vector<domain::BillingConfig> listAutoGenerating() override {
        std::vector<domain::BillingConfig> out;
        for (const auto& r : c_.query("SELECT " + std::string(kColumns) +
                                      " FROM billing_configs WHERE auto_generate_invoices = 1 "
                                      "ORDER BY tenant_id")) {
            out.push_back(fromRow(r));
        }
        return out;
    }

private:
    Connection& c_;
};

class SqlPlatformInvoices final : public PlatformInvoiceRepository {
public:
    SqlPlatformInvoices(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}
    static constexpr std::string_view kColumns =
        "tenant_id, id, invoice_number, amount_minor, currency, status, billing_frequency, "
        "period_start, period_end, issue_date, due_date, paid_date, payment_reference, "
        "payment_method, failed_attempts, last_failure_reason, created_at, updated_at";

    static domain::PlatformInvoice fromRow(const SqlRow& r) {
        domain::PlatformInvoice i;
        i.tenant_id = r.getString(0);
        i.id = r.getString(1);
        i.invoice_number = r.getString(2);
        i.amount_minor = r.getInt(3);
        i.currency = currencyFrom(r.getString(4));
        const auto status = domain::parsePlatformInvoiceStatus(r.getString(5));
        if (!status) throw DbError(DbErrorKind::kOther, "stored invoice status is unknown");
        i.status = *status;
        i.billing_frequency = domain::parseBillingFrequency(r.getString(6))
                                  .value_or(domain::BillingFrequency::kMonthly);
        i.period = {dateFrom(r.getString(7)), dateFrom(r.getString(8))};
        i.issue_date = dateFrom(r.getString(9));
        i.due_date = dateFrom(r.getString(10));
        i.paid_date = optionalDate(r.getOptionalString(11));
        i.payment_reference = r.getOptionalString(12);
        i.payment_method = r.getOptionalString(13);
        i.failed_attempts = static_cast<int>(r.getInt(14));
        i.last_failure_reason = r.getOptionalString(15);
        i.created_at = fromUnix(r.getInt(16));
        i.updated_at = fromUnix(r.getInt(17));
        return i;
    }

    std::vector<domain::PlatformInvoice> select(const std::string& where, const SqlParams& params) {
        std::vector<domain::PlatformInvoice> out;
        for (const auto& r :
             c_.query("SELECT " + std::string(kColumns) + " FROM platform_invoices WHERE " + where,
                      params)) {
            out.push_back(fromRow(r));
        }
        return out;
    }

    std::optional<domain::PlatformInvoice> find(std::string_view tenant_id,
                                                std::string_view id) override {
        auto rows = select("tenant_id = ? AND id = ?", {std::string(tenant_id), std::string(id)});
        if (rows.empty()) return std::nullopt;
        return rows[0];
    }

    std::optional<domain::PlatformInvoice> findOverlapping(std::string_view tenant_id,
                                                           const domain::Period& period) override {
        auto rows = select(
            "tenant_id = ? AND period_start < ? AND period_end > ? ORDER BY period_start LIMIT 1",
            {std::string(tenant_id), dateText(period.end), dateText(period.start)});
        if (rows.empty()) return std::nullopt;
        return rows[0];
    }

    std::vector<domain::PlatformInvoice> list(const PlatformInvoiceFilter& f) override {
        std::string where = "1 = 1";
        SqlParams params;
        if (f.tenant_id) {
            where += " AND tenant_id = ?";
            params.emplace_back(*f.tenant_id);
        }
        if (f.status) {
            where += " AND status = ?";
            params.emplace_back(std::string(domain::platformInvoiceStatusName(*f.status)));
        }
        if (f.issued_from) {
            where += " AND issue_date >= ?";
            params.emplace_back(dateText(*f.issued_from));
        }
        if (f.issued_to) {
            where += " AND issue_date <= ?";
            params.emplace_back(dateText(*f.issued_to));
        }
        addCursor(where, params, f.page, "id");
        where += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(f.page));
        return select(where, params);
    }

    std::vector<domain::PlatformInvoice> listUnpaidDueBefore(Date date) override {
        return select("status IN ('pending_payment', 'failed') AND due_date < ? ORDER BY id",
                      {dateText(date)});
    }

    void insert(const domain::PlatformInvoice& i) override {
        c_.execute(
            "INSERT INTO platform_invoices (" + std::string(kColumns) +
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {i.tenant_id, i.id, i.invoice_number, i.amount_minor, std::string(i.currency.code),
             std::string(domain::platformInvoiceStatusName(i.status)),
             std::string(domain::billingFrequencyName(i.billing_frequency)),
             dateText(i.period.start), dateText(i.period.end), dateText(i.issue_date),
             dateText(i.due_date), optionalDateValue(i.paid_date), sqlOptional(i.payment_reference),
             sqlOptional(i.payment_method), std::int64_t{i.failed_attempts},
             sqlOptional(i.last_failure_reason), unix(i.created_at), unix(i.updated_at)});
    }

    void update(const domain::PlatformInvoice& i) override {
        c_.execute(
            "UPDATE platform_invoices SET status = ?, paid_date = ?, payment_reference = ?, "
            "payment_method = ?, failed_attempts = ?, last_failure_reason = ?, updated_at = ? "
            "WHERE tenant_id = ? AND id = ?",
            {std::string(domain::platformInvoiceStatusName(i.status)),
             optionalDateValue(i.paid_date), sqlOptional(i.payment_reference),
             sqlOptional(i.payment_method), std::int64_t{i.failed_attempts},
             sqlOptional(i.last_failure_reason), unix(i.updated_at), i.tenant_id, i.id});
    }

    std::int64_t countByStatus(domain::PlatformInvoiceStatus status) override {
        return c_
            .query("SELECT COUNT(*) FROM platform_invoices WHERE status = ?",
                   {std::string(domain::platformInvoiceStatusName(status))})
            .at(0)
            .getInt(0);
    }

    std::vector<std::pair<std::string, std::int64_t>> paidTotalsByCurrency(Date from,
                                                                           Date to) override {
        std::vector<std::pair<std::string, std::int64_t>> out;
        for (const auto& r : c_.query(
                 "SELECT currency, SUM(amount_minor) FROM platform_invoices WHERE status = 'paid' "
                 "AND paid_date >= ? AND paid_date < ? GROUP BY currency ORDER BY currency",
                 {dateText(from), dateText(to)})) {
            out.emplace_back(r.getString(0), r.getInt(1));
        }
        return out;
    }

    void insertAttempt(const PaymentAttempt& a) override {
        c_.execute(
            "INSERT INTO platform_payment_attempts (tenant_id, id, invoice_id, outcome, "
            "amount_minor, "
            "currency, payment_method, payment_reference, paid_date, failure_reason, actor, "
            "created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {a.tenant_id, a.id, a.invoice_id, a.outcome, a.amount_minor, a.currency,
             sqlOptional(a.payment_method), sqlOptional(a.payment_reference),
             optionalDateValue(a.paid_date), sqlOptional(a.failure_reason), a.actor,
             unix(a.created_at)});
    }

    std::vector<PaymentAttempt> listAttempts(std::string_view tenant_id,
                                             std::string_view invoice_id) override {
        std::vector<PaymentAttempt> out;
        for (const auto& r :
             c_.query("SELECT tenant_id, id, invoice_id, outcome, amount_minor, currency, "
                      "payment_method, "
                      "payment_reference, paid_date, failure_reason, actor, created_at "
                      "FROM platform_payment_attempts WHERE tenant_id = ? AND invoice_id = ? ORDER "
                      "BY id",
                      {std::string(tenant_id), std::string(invoice_id)})) {
            PaymentAttempt a;
            a.tenant_id = r.getString(0);
            a.id = r.getString(1);
            a.invoice_id = r.getString(2);
            a.outcome = r.getString(3);
            a.amount_minor = r.getInt(4);
            a.currency = r.getString(5);
            a.payment_method = r.getOptionalString(6);
            a.payment_reference = r.getOptionalString(7);
            a.paid_date = optionalDate(r.getOptionalString(8));
            a.failure_reason = r.getOptionalString(9);
            a.actor = r.getString(10);
            a.created_at = fromUnix(r.getInt(11));
            out.push_back(std::move(a));
        }
        return out;
    }

    // One upsert creates or locks the row (see Dialect::upsertClause).
    std::int64_t nextSequence(std::string_view scope, int year) override {
        const SqlParams key{std::string(scope), std::int64_t{year}};
        c_.execute("INSERT INTO invoice_sequences (scope, year, last_value) VALUES (?, ?, 1) " +
                       dialect_.upsertClause("scope, year") + " last_value = last_value + 1",
                   key);
        return c_
            .query("SELECT last_value FROM invoice_sequences WHERE scope = ? AND year = ?", key)
            .at(0)
            .getInt(0);
    }

private:
    Connection& c_;
    const Dialect& dialect_;
};

class SqlApiKeys final : public ApiKeyRepository {
public:
    explicit SqlApiKeys(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "id, tenant_id, role, name, secret_hash, created_at, created_by, revoked_at, last_used_at";

    static domain::ApiKey fromRow(const SqlRow& r) {
        domain::ApiKey k;
        k.id = r.getString(0);
        k.tenant_id = r.getOptionalString(1);
        const auto role = domain::parseRole(r.getString(2));
        if (!role) throw DbError(DbErrorKind::kOther, "stored key role is unknown");
        k.role = *role;
        k.name = r.getString(3);
        k.secret_hash = r.getString(4);
        k.created_at = fromUnix(r.getInt(5));
        k.created_by = r.getOptionalString(6);
        if (const auto t = r.getOptionalInt(7)) k.revoked_at = fromUnix(*t);
        if (const auto t = r.getOptionalInt(8)) k.last_used_at = fromUnix(*t);
        return k;
    }

    std::optional<domain::ApiKey> find(std::string_view id) override {
        const auto rows = c_.query(
            "SELECT " + std::string(kColumns) + " FROM api_keys WHERE id = ?", {std::string(id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    std::vector<domain::ApiKey> list(const std::optional<std::string>& tenant_id,
                                     const PageRequest& page) override {
        std::string sql = "SELECT " + std::string(kColumns) + " FROM api_keys WHERE 1 = 1";
        SqlParams params;
        if (tenant_id) {
            sql += " AND tenant_id = ?";
            params.emplace_back(*tenant_id);
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::ApiKey> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    void insert(const domain::ApiKey& k) override {
        c_.execute("INSERT INTO api_keys (" + std::string(kColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                   {k.id, sqlOptional(k.tenant_id), std::string(domain::roleName(k.role)), k.name,
                    k.secret_hash, unix(k.created_at), sqlOptional(k.created_by)});
    }

    void revoke(std::string_view id, SysSeconds at) override {
        c_.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                   {unix(at), std::string(id)});
    }

    void touch(std::string_view id, SysSeconds at) override {
        c_.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                   {unix(at), std::string(id)});
    }

    std::int64_t countActiveSuperKeys() override {
        return c_.query("SELECT COUNT(*) FROM api_keys WHERE role = 'super' AND revoked_at IS NULL")
            .at(0)
            .getInt(0);
    }

private:
    Connection& c_;
};

class SqlAudit final : public AuditRepository {
public:
    explicit SqlAudit(Connection& c) : c_(c) {}
    static constexpr std::string_view kColumns =
        "id, tenant_id, actor, actor_role, action, object_type, object_id, before_json, "
        "after_json, "
        "request_id, created_at";

    void insert(const domain::AuditEvent& e) override {
        c_.execute("INSERT INTO audit_events (" + std::string(kColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   {e.id, sqlOptional(e.tenant_id), e.actor, e.actor_role, e.action, e.object_type,
                    e.object_id, sqlOptional(e.before_json), sqlOptional(e.after_json),
                    sqlOptional(e.request_id), unix(e.created_at)});
    }

    std::vector<domain::AuditEvent> list(const std::optional<std::string>& tenant_id,
                                         const PageRequest& page) override {
        std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_events WHERE 1 = 1";
        SqlParams params;
        if (tenant_id) {
            sql += " AND tenant_id = ?";
            params.emplace_back(*tenant_id);
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::AuditEvent> out;
        for (const auto& r : c_.query(sql, params)) {
            domain::AuditEvent e;
            e.id = r.getString(0);
            e.tenant_id = r.getOptionalString(1);
            e.actor = r.getString(2);
            e.actor_role = r.getString(3);
            e.action = r.getString(4);
            e.object_type = r.getString(5);
            e.object_id = r.getString(6);
            e.before_json = r.getOptionalString(7);
            e.after_json = r.getOptionalString(8);
            e.request_id = r.getOptionalString(9);
            e.created_at = fromUnix(r.getInt(10));
            out.push_back(std::move(e));
        }
        return out;
    }

private:
    Connection& c_;
};

class SqlOutbox final : public OutboxRepository {
public:
    SqlOutbox(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}
    static constexpr std::string_view kColumns =
        "id, tenant_id, kind, dedupe_key, recipient, subject, body, status, attempts, "
        "next_attempt_at, last_error, created_at, sent_at, html_body, sender_name, sender_email, "
        "reply_to, attachment_name, attachment_type, object_id, lease_until, channel, "
        "attachment_body";
    // Lists leave out the attachment (the last column).
    static constexpr std::string_view kListColumns =
        "id, tenant_id, kind, dedupe_key, recipient, subject, body, status, attempts, "
        "next_attempt_at, last_error, created_at, sent_at, html_body, sender_name, sender_email, "
        "reply_to, attachment_name, attachment_type, object_id, lease_until, channel";

    static OutboxMessage fromRow(const SqlRow& r) {
        OutboxMessage m;
        m.id = r.getString(0);
        m.tenant_id = r.getOptionalString(1);
        m.kind = r.getString(2);
        m.dedupe_key = r.getString(3);
        m.recipient = r.getString(4);
        m.subject = r.getString(5);
        m.body = r.getString(6);
        m.status = r.getString(7);
        m.attempts = r.getInt(8);
        m.next_attempt_at = fromUnix(r.getInt(9));
        m.last_error = r.getOptionalString(10);
        m.created_at = fromUnix(r.getInt(11));
        if (const auto t = r.getOptionalInt(12)) m.sent_at = fromUnix(*t);
        m.html_body = r.getOptionalString(13);
        m.sender_name = r.getOptionalString(14);
        m.sender_email = r.getOptionalString(15);
        m.reply_to = r.getOptionalString(16);
        m.attachment_name = r.getOptionalString(17);
        m.attachment_type = r.getOptionalString(18);
        m.object_id = r.getOptionalString(19);
        if (const auto t = r.getOptionalInt(20)) m.lease_until = fromUnix(*t);
        m.channel = r.getString(21);
        if (r.size() > 22) m.attachment_body = r.getOptionalString(22);
        return m;
    }

    std::vector<OutboxMessage> select(std::string_view columns, const std::string& where,
                                      const SqlParams& params) {
        std::vector<OutboxMessage> out;
        for (const auto& r : c_.query(
                 "SELECT " + std::string(columns) + " FROM outbox_messages WHERE " + where, params))
            out.push_back(fromRow(r));
        return out;
    }

    // The unique dedupe key decides, not a look first: under MySQL's SERIALIZABLE that look
    // locks the index gap where the new key goes, and two writers (of any tenants) that both
    // looked and then insert there deadlock. A failed INSERT leaves the transaction as it was.
    bool enqueue(const OutboxMessage& m) override {
        try {
            insertMessage(m);
        } catch (const DbError& e) {
            if (e.kind() != DbErrorKind::kUniqueViolation ||
                c_.query("SELECT id FROM outbox_messages WHERE dedupe_key = ?", {m.dedupe_key})
                    .empty())
                throw;
            return false;
        }
        return true;
    }

    void insertMessage(const OutboxMessage& m) {
        c_.execute(
            "INSERT INTO outbox_messages (" + std::string(kColumns) +
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {m.id,
             sqlOptional(m.tenant_id),
             m.kind,
             m.dedupe_key,
             m.recipient,
             m.subject,
             m.body,
             m.status,
             m.attempts,
             unix(m.next_attempt_at),
             sqlOptional(m.last_error),
             unix(m.created_at),
             optionalUnix(m.sent_at),
             sqlOptional(m.html_body),
             sqlOptional(m.sender_name),
             sqlOptional(m.sender_email),
             sqlOptional(m.reply_to),
             sqlOptional(m.attachment_name),
             sqlOptional(m.attachment_type),
             sqlOptional(m.object_id),
             optionalUnix(m.lease_until),
             m.channel,
             sqlOptional(m.attachment_body)});
    }

    std::vector<OutboxMessage> listForTenant(std::string_view tenant_id) override {
        return select(kColumns, "tenant_id = ? ORDER BY id", {std::string(tenant_id)});
    }

    std::vector<OutboxMessage> list(const OutboxFilter& f) override {
        std::string where = "tenant_id = ?";
        SqlParams params{f.tenant_id};
        const std::pair<const char*, const std::optional<std::string>*> filters[] = {
            {"status", &f.status},
            {"kind", &f.kind},
            {"channel", &f.channel},
            {"object_id", &f.object_id}};
        for (const auto& [column, value] : filters) {
            if (*value) {
                where += std::string(" AND ") + column + " = ?";
                params.emplace_back(**value);
            }
        }
        addCursor(where, params, f.page, "id");
        where += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(f.page));
        return select(kListColumns, where, params);
    }

    std::optional<OutboxMessage> find(std::string_view tenant_id, std::string_view id) override {
        auto rows =
            select(kColumns, "tenant_id = ? AND id = ?", {std::string(tenant_id), std::string(id)});
        if (rows.empty()) return std::nullopt;
        return rows[0];
    }

    std::vector<OutboxMessage> claimDue(SysSeconds now, SysSeconds lease_until, std::size_t limit,
                                        const std::vector<std::string>& channels) override {
        if (channels.empty()) return {};
        SqlParams params{unix(now), unix(now)};
        std::string in;
        for (const auto& channel : channels) {
            in += in.empty() ? "?" : ", ?";
            params.emplace_back(channel);
        }
        params.emplace_back(static_cast<std::int64_t>(limit));
        std::vector<OutboxMessage> due;
        for (const auto& r : claimRows(
                 c_, dialect_,
                 "SELECT " + text(kColumns) +
                     " FROM outbox_messages WHERE status = 'pending' AND next_attempt_at <= ? "
                     "AND (lease_until IS NULL OR lease_until < ?) AND channel IN (" +
                     in + ") ORDER BY next_attempt_at, id LIMIT ?",
                 params, [&](const SqlRow& row) {
                     c_.execute("UPDATE outbox_messages SET lease_until = ? WHERE id = ?",
                                {unix(lease_until), row.getString(0)});
                 })) {
            due.push_back(fromRow(r));
            due.back().lease_until = lease_until;
        }
        return due;
    }

    void markSent(std::string_view id, SysSeconds at) override {
        c_.execute(
            "UPDATE outbox_messages SET status = 'sent', sent_at = ?, lease_until = NULL, "
            "last_error = NULL WHERE id = ? AND status = 'pending'",
            {unix(at), std::string(id)});
    }

    std::string recordFailure(std::string_view id, std::string_view error,
                              SysSeconds next_attempt_at, std::int64_t max_attempts) override {
        c_.execute(
            "UPDATE outbox_messages SET attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = ?, lease_until = NULL, status = CASE WHEN attempts + 1 >= ? "
            "THEN 'failed' ELSE 'pending' END WHERE id = ? AND status = 'pending'",
            {std::string(error.substr(0, 500)), unix(next_attempt_at), max_attempts,
             std::string(id)});
        const auto rows =
            c_.query("SELECT status FROM outbox_messages WHERE id = ?", {std::string(id)});
        return rows.empty() ? std::string() : rows[0].getString(0);
    }

    bool retry(std::string_view tenant_id, std::string_view id, SysSeconds now) override {
        return c_.execute(
                   "UPDATE outbox_messages SET status = 'pending', next_attempt_at = ?, "
                   "lease_until = NULL WHERE tenant_id = ? AND id = ? AND status = 'failed'",
                   {unix(now), std::string(tenant_id), std::string(id)}) > 0;
    }

private:
    static SqlValue optionalUnix(const std::optional<SysSeconds>& t) {
        return t ? SqlValue{unix(*t)} : sqlNull();
    }

    Connection& c_;
    const Dialect& dialect_;
};

class SqlIdempotency final : public IdempotencyRepository {
public:
    explicit SqlIdempotency(Connection& c) : c_(c) {}

    std::optional<IdempotencyRecord> find(std::string_view principal,
                                          std::string_view key) override {
        const auto rows = c_.query(
            "SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys "
            "WHERE principal = ? AND idem_key = ?",
            {std::string(principal), std::string(key)});
        if (rows.empty()) return std::nullopt;
        IdempotencyRecord rec;
        rec.request_hash = rows[0].getString(0);
        if (const auto s = rows[0].getOptionalInt(1)) rec.status_code = static_cast<int>(*s);
        rec.response_body = rows[0].getString(2);
        rec.created_at = fromUnix(rows[0].getInt(3));
        return rec;
    }

    bool reserve(std::string_view principal, std::string_view key, std::string_view request_hash,
                 SysSeconds at) override {
        if (find(principal, key)) return false;
        c_.execute(
            "INSERT INTO idempotency_keys (principal, idem_key, request_hash, status_code, "
            "response_body, created_at) VALUES (?, ?, ?, NULL, NULL, ?)",
            {std::string(principal), std::string(key), std::string(request_hash), unix(at)});
        return true;
    }

    void complete(std::string_view principal, std::string_view key, int status_code,
                  std::string_view body) override {
        c_.execute(
            "UPDATE idempotency_keys SET status_code = ?, response_body = ? WHERE principal = ? "
            "AND "
            "idem_key = ?",
            {std::int64_t{status_code}, std::string(body), std::string(principal),
             std::string(key)});
    }

    void remove(std::string_view principal, std::string_view key) override {
        c_.execute("DELETE FROM idempotency_keys WHERE principal = ? AND idem_key = ?",
                   {std::string(principal), std::string(key)});
    }

    std::int64_t purgeOlderThan(SysSeconds cutoff) override {
        return c_.execute("DELETE FROM idempotency_keys WHERE created_at < ?", {unix(cutoff)});
    }

private:
    Connection& c_;
};

// A repository made on its first use in a transaction: most transactions touch two or three of
// the two dozen, and making all of them cost an allocation each for every request.
template <class Repository>
class Lazy {
public:
    template <class Make>
    Repository& get(Make make) {
        if (!repository_) repository_ = make();
        return *repository_;
    }

private:
    std::unique_ptr<Repository> repository_;
};

class SqlUnitOfWork final : public UnitOfWork {
public:
    SqlUnitOfWork(Connection& c, const Dialect& dialect)
        : c_(c),
          dialect_(dialect),
          tenants_(c),
          configs_(c),
          invoices_(c, dialect),
          keys_(c),
          audit_(c),
          outbox_(c, dialect),
          idempotency_(c) {}
    TenantRepository& tenants() override { return tenants_; }
    BillingConfigRepository& billingConfigs() override { return configs_; }
    PlatformInvoiceRepository& platformInvoices() override { return invoices_; }
    ApiKeyRepository& apiKeys() override { return keys_; }
    AuditRepository& audit() override { return audit_; }
    OutboxRepository& outbox() override { return outbox_; }
    IdempotencyRepository& idempotency() override { return idempotency_; }
    CustomerRepository& customers() override {
        return customers_.get([&] { return makeSqlCustomers(c_); });
    }
    SiteRepository& sites() override {
        return sites_.get([&] { return makeSqlSites(c_); });
    }
    EquipmentRepository& equipment() override {
        return equipment_.get([&] { return makeSqlEquipment(c_, dialect_); });
    }
    TelemetryRepository& telemetry() override {
        return telemetry_.get([&] { return makeSqlTelemetry(c_, dialect_); });
    }
    ContractRepository& contracts() override {
        return contracts_.get([&] { return makeSqlContracts(c_); });
    }
    TenantSettingsRepository& tenantSettings() override {
        return tenant_settings_.get([&] { return makeSqlTenantSettings(c_, dialect_); });
    }
    PluginSettingsRepository& pluginSettings() override {
        return plugin_settings_.get([&] { return makeSqlPluginSettings(c_); });
    }
    HashpriceRepository& hashprices() override {
        return hashprices_.get([&] { return makeSqlHashprices(c_); });
    }
    InvoiceRepository& invoices() override {
        return customer_invoices_.get([&] { return makeSqlInvoices(c_, dialect_); });
    }
    CreditLedgerRepository& creditLedger() override {
        return credit_ledger_.get([&] { return makeSqlCreditLedger(c_); });
    }
    InvoiceRunRepository& invoiceRuns() override {
        return invoice_runs_.get([&] { return makeSqlInvoiceRuns(c_, dialect_); });
    }
    ScriptRepository& scripts() override {
        return scripts_.get([&] { return makeSqlScripts(c_); });
    }
    PaymentMethodRepository& paymentMethods() override {
        return payment_methods_.get([&] { return makeSqlPaymentMethods(c_); });
    }
    PaymentRepository& payments() override {
        return payments_.get([&] { return makeSqlPayments(c_, dialect_); });
    }
    RevenueGuardRepository& revenueGuard() override {
        return revenue_guard_.get([&] { return makeSqlRevenueGuard(c_); });
    }
    WorkLeaseRepository& workLeases() override {
        return work_leases_.get([&] { return makeSqlWorkLeases(c_, dialect_); });
    }

private:
    Connection& c_;
    const Dialect& dialect_;
    SqlTenants tenants_;
    SqlBillingConfigs configs_;
    SqlPlatformInvoices invoices_;
    SqlApiKeys keys_;
    SqlAudit audit_;
    SqlOutbox outbox_;
    SqlIdempotency idempotency_;
    Lazy<CustomerRepository> customers_;
    Lazy<SiteRepository> sites_;
    Lazy<EquipmentRepository> equipment_;
    Lazy<TelemetryRepository> telemetry_;
    Lazy<ContractRepository> contracts_;
    Lazy<TenantSettingsRepository> tenant_settings_;
    Lazy<PluginSettingsRepository> plugin_settings_;
    Lazy<HashpriceRepository> hashprices_;
    Lazy<InvoiceRepository> customer_invoices_;
    Lazy<CreditLedgerRepository> credit_ledger_;
    Lazy<InvoiceRunRepository> invoice_runs_;
    Lazy<ScriptRepository> scripts_;
    Lazy<PaymentMethodRepository> payment_methods_;
    Lazy<PaymentRepository> payments_;
    Lazy<RevenueGuardRepository> revenue_guard_;
    Lazy<WorkLeaseRepository> work_leases_;
};

class SqlStore final : public Store {
public:
    explicit SqlStore(Database& db) : db_(db) {}
    void transact(TxMode mode, const std::function<bool(UnitOfWork&)>& body) override {
        db_.transact(mode, [&](Connection& c) {
            SqlUnitOfWork uow(c, db_.dialect());
            return body(uow);
        });
    }
    bool ping() override { return db_.ping(); }
    int schemaVersion() override { return currentSchemaVersion(db_); }

private:
    Database& db_;
};

}  // namespace

std::unique_ptr<Store> makeSqlStore(Database& db) { return std::make_unique<SqlStore>(db); }

}  // namespace billwright::storage
