// SQL repositories for payment methods, payments, refunds and provider events.

#include <memory>

#include "core/json.h"

#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): storage-internal helpers

template <typename T>
T parsedOrThrow(std::optional<T> value, const char* what) {
    if (!value) throw DbError(DbErrorKind::kOther, std::string("stored ") + what + " is unknown");
    return *value;
}

class SqlPaymentMethods final : public PaymentMethodRepository {
public:
    explicit SqlPaymentMethods(Connection& c) : c_(c) {}

    static constexpr std::string_view kColumns =
        "tenant_id, id, customer_id, plugin_id, type, reference, provider_customer, label, "
        "status, is_default, failure_code, created_by, created_at, updated_at";

    static domain::PaymentMethod fromRow(const SqlRow& r) {
        domain::PaymentMethod m;
        m.tenant_id = r.getString(0);
        m.id = r.getString(1);
        m.customer_id = r.getString(2);
        m.plugin_id = r.getString(3);
        m.type = r.getString(4);
        m.reference = r.getString(5);
        m.provider_customer = r.getOptionalString(6);
        m.label = r.getString(7);
        m.status = parsedOrThrow(domain::parseMethodStatus(r.getString(8)), "method status");
        m.is_default = boolFrom(r, 9);
        m.failure_code = r.getOptionalString(10);
        m.created_by = r.getString(11);
        m.created_at = fromUnix(r.getInt(12));
        m.updated_at = fromUnix(r.getInt(13));
        return m;
    }

    static SqlParams values(const domain::PaymentMethod& m) {
        return {m.customer_id,
                m.plugin_id,
                m.type,
                m.reference,
                sqlOptional(m.provider_customer),
                m.label,
                text(domain::methodStatusName(m.status)),
                boolInt(m.is_default),
                sqlOptional(m.failure_code),
                m.created_by,
                unix(m.created_at),
                unix(m.updated_at)};
    }

    void insert(const domain::PaymentMethod& m) override {
        SqlParams params{m.tenant_id, m.id};
        for (auto& v : values(m)) params.push_back(std::move(v));
        insertRow(c_, "payment_methods", kColumns, params);
    }

    void update(const domain::PaymentMethod& m) override {
        updateRow(c_, "payment_methods", kColumns, values(m), m.tenant_id, m.id);
    }

    std::optional<domain::PaymentMethod> find(std::string_view tenant_id,
                                              std::string_view id) override {
        return first("tenant_id = ? AND id = ?", {text(tenant_id), text(id)});
    }

    std::vector<domain::PaymentMethod> list(std::string_view tenant_id,
                                            std::string_view customer_id) override {
        std::vector<domain::PaymentMethod> out;
        for (const auto& r :
             c_.query("SELECT " + text(kColumns) +
                          " FROM payment_methods WHERE tenant_id = ? AND customer_id = ? AND "
                          "status <> 'removed' ORDER BY id DESC",
                      {text(tenant_id), text(customer_id)}))
            out.push_back(fromRow(r));
        return out;
    }

    std::optional<domain::PaymentMethod> findByReference(std::string_view tenant_id,
                                                         std::string_view plugin_id,
                                                         std::string_view reference) override {
        return first(
            "tenant_id = ? AND plugin_id = ? AND reference = ? AND status <> 'removed' ORDER BY "
            "id DESC",
            {text(tenant_id), text(plugin_id), text(reference)});
    }

private:
    std::optional<domain::PaymentMethod> first(const std::string& where, const SqlParams& params) {
        const auto rows = c_.query(
            "SELECT " + text(kColumns) + " FROM payment_methods WHERE " + where + " LIMIT 1",
            params);
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    Connection& c_;
};

class SqlPayments final : public PaymentRepository {
public:
    SqlPayments(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    static constexpr std::string_view kColumns =
        "tenant_id, id, customer_id, invoice_id, plugin_id, method_id, trigger_kind, currency, "
        "amount_minor, surcharge_minor, received_minor, fee_minor, applied_minor, credited_minor, "
        "refunded_minor, status, reference, idempotency_key, failure_code, failure_message, "
        "action_url, note, received_on, created_by, created_at, updated_at, settled_at, "
        "call_params";

    // {"params": {...}, "return_url": "..."}, or NULL when there is neither.
    static SqlValue callParamsValue(const domain::Payment& p) {
        if (p.call_params.empty() && p.return_url.empty()) return sqlNull();
        core::JsonValue params = core::JsonValue::object();
        for (const auto& [k, v] : p.call_params) params.set(k, core::JsonValue::string(v));
        core::JsonValue o = core::JsonValue::object();
        o.set("params", std::move(params)).set("return_url", core::JsonValue::string(p.return_url));
        return core::toJson(o);
    }
    static void readCallParams(const std::optional<std::string>& text, domain::Payment& p) {
        if (!text) return;
        const auto o = core::parseJson(*text);
        if (!o.ok() || !o->isObject())
            throw DbError(DbErrorKind::kOther, "stored call parameters are malformed");
        if (const auto* params = o->find("params"); params != nullptr && params->isObject())
            for (const auto& [k, v] : params->members())
                if (v.isString()) p.call_params[k] = v.asString();
        if (const auto* url = o->find("return_url"); url != nullptr && url->isString())
            p.return_url = url->asString();
    }

    static domain::Payment fromRow(const SqlRow& r) {
        domain::Payment p;
        p.tenant_id = r.getString(0);
        p.id = r.getString(1);
        p.customer_id = r.getString(2);
        p.invoice_id = r.getString(3);
        p.plugin_id = r.getString(4);
        p.method_id = r.getOptionalString(5);
        p.trigger = r.getString(6);
        p.currency = r.getString(7);
        p.amount_minor = r.getInt(8);
        p.surcharge_minor = r.getInt(9);
        p.received_minor = r.getInt(10);
        p.fee_minor = r.getOptionalInt(11);
        p.applied_minor = r.getInt(12);
        p.credited_minor = r.getInt(13);
        p.refunded_minor = r.getInt(14);
        p.status = parsedOrThrow(domain::parsePaymentStatus(r.getString(15)), "payment status");
        p.reference = r.getOptionalString(16);
        p.idempotency_key = r.getString(17);
        p.failure_code = r.getOptionalString(18);
        p.failure_message = r.getOptionalString(19);
        p.action_url = r.getOptionalString(20);
        p.note = r.getOptionalString(21);
        p.received_on = optionalDate(r.getOptionalString(22));
        p.created_by = r.getString(23);
        p.created_at = fromUnix(r.getInt(24));
        p.updated_at = fromUnix(r.getInt(25));
        p.settled_at = timeFrom(r.getOptionalInt(26));
        readCallParams(r.getOptionalString(27), p);
        return p;
    }

    static SqlParams values(const domain::Payment& p) {
        return {p.customer_id,
                p.invoice_id,
                p.plugin_id,
                sqlOptional(p.method_id),
                p.trigger,
                p.currency,
                p.amount_minor,
                p.surcharge_minor,
                p.received_minor,
                sqlOptional(p.fee_minor),
                p.applied_minor,
                p.credited_minor,
                p.refunded_minor,
                text(domain::paymentStatusName(p.status)),
                sqlOptional(p.reference),
                p.idempotency_key,
                sqlOptional(p.failure_code),
                sqlOptional(p.failure_message),
                sqlOptional(p.action_url),
                sqlOptional(p.note),
                optionalDateValue(p.received_on),
                p.created_by,
                unix(p.created_at),
                unix(p.updated_at),
                optionalTime(p.settled_at),
                callParamsValue(p)};
    }

    static constexpr std::string_view kRefundColumns =
        "tenant_id, id, payment_id, invoice_id, customer_id, amount_minor, from_credit_minor, "
        "currency, status, reference, reason, failure_code, idempotency_key, created_by, "
        "created_at, updated_at";

    static domain::Refund refundFromRow(const SqlRow& r) {
        domain::Refund f;
        f.tenant_id = r.getString(0);
        f.id = r.getString(1);
        f.payment_id = r.getString(2);
        f.invoice_id = r.getString(3);
        f.customer_id = r.getString(4);
        f.amount_minor = r.getInt(5);
        f.from_credit_minor = r.getInt(6);
        f.currency = r.getString(7);
        f.status = parsedOrThrow(domain::parseRefundStatus(r.getString(8)), "refund status");
        f.reference = r.getOptionalString(9);
        f.reason = r.getString(10);
        f.failure_code = r.getOptionalString(11);
        f.idempotency_key = r.getString(12);
        f.created_by = r.getString(13);
        f.created_at = fromUnix(r.getInt(14));
        f.updated_at = fromUnix(r.getInt(15));
        return f;
    }

    static SqlParams refundValues(const domain::Refund& f) {
        return {f.payment_id,
                f.invoice_id,
                f.customer_id,
                f.amount_minor,
                f.from_credit_minor,
                f.currency,
                text(domain::refundStatusName(f.status)),
                sqlOptional(f.reference),
                f.reason,
                sqlOptional(f.failure_code),
                f.idempotency_key,
                f.created_by,
                unix(f.created_at),
                unix(f.updated_at)};
    }

    void insert(const domain::Payment& p) override {
        SqlParams params{p.tenant_id, p.id};
        for (auto& v : values(p)) params.push_back(std::move(v));
        insertRow(c_, "payments", kColumns, params);
    }

    void update(const domain::Payment& p) override {
        updateRow(c_, "payments", kColumns, values(p), p.tenant_id, p.id);
    }

    std::optional<domain::Payment> find(std::string_view tenant_id, std::string_view id) override {
        return first("tenant_id = ? AND id = ?", {text(tenant_id), text(id)});
    }

    std::optional<domain::Payment> findForUpdate(std::string_view tenant_id,
                                                 std::string_view id) override {
        return first("tenant_id = ? AND id = ?", {text(tenant_id), text(id)}, dialect_.forUpdate());
    }

    std::optional<domain::Payment> findByReference(std::string_view tenant_id,
                                                   std::string_view plugin_id,
                                                   std::string_view reference) override {
        return first("tenant_id = ? AND plugin_id = ? AND reference = ?",
                     {text(tenant_id), text(plugin_id), text(reference)});
    }

    std::vector<domain::Payment> list(std::string_view tenant_id, const PaymentFilter& f,
                                      const PageRequest& page) override {
        std::string sql = "SELECT " + text(kColumns) + " FROM payments WHERE tenant_id = ?";
        SqlParams params{text(tenant_id)};
        if (f.customer_id) {
            sql += " AND customer_id = ?";
            params.emplace_back(*f.customer_id);
        }
        if (f.invoice_id) {
            sql += " AND invoice_id = ?";
            params.emplace_back(*f.invoice_id);
        }
        if (f.status) {
            sql += " AND status = ?";
            params.emplace_back(text(domain::paymentStatusName(*f.status)));
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Payment> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    std::vector<domain::Payment> openSince(core::SysSeconds before, std::size_t limit) override {
        std::vector<domain::Payment> out;
        for (const auto& r : c_.query(
                 "SELECT " + text(kColumns) +
                     " FROM payments WHERE status IN ('processing', 'pending', 'requires_action') "
                     "AND updated_at <= ? ORDER BY updated_at, id LIMIT ?",
                 {unix(before), static_cast<std::int64_t>(limit)}))
            out.push_back(fromRow(r));
        return out;
    }

    void insertRefund(const domain::Refund& f) override {
        SqlParams params{f.tenant_id, f.id};
        for (auto& v : refundValues(f)) params.push_back(std::move(v));
        insertRow(c_, "refunds", kRefundColumns, params);
    }

    void updateRefund(const domain::Refund& f) override {
        updateRow(c_, "refunds", kRefundColumns, refundValues(f), f.tenant_id, f.id);
    }

    std::optional<domain::Refund> findRefund(std::string_view tenant_id,
                                             std::string_view id) override {
        return firstRefund("tenant_id = ? AND id = ?", {text(tenant_id), text(id)});
    }

    std::optional<domain::Refund> findRefundByReference(std::string_view tenant_id,
                                                        std::string_view payment_id,
                                                        std::string_view reference) override {
        return firstRefund("tenant_id = ? AND payment_id = ? AND reference = ?",
                           {text(tenant_id), text(payment_id), text(reference)});
    }

    std::vector<domain::Refund> refundsOf(std::string_view tenant_id,
                                          std::string_view payment_id) override {
        std::vector<domain::Refund> out;
        for (const auto& r : c_.query("SELECT " + text(kRefundColumns) +
                                          " FROM refunds WHERE tenant_id = ? AND payment_id = ? "
                                          "ORDER BY id",
                                      {text(tenant_id), text(payment_id)}))
            out.push_back(refundFromRow(r));
        return out;
    }

    bool hasEvent(std::string_view tenant_id, std::string_view plugin_id,
                  std::string_view event_id) override {
        return !c_.query(
                      "SELECT 1 FROM provider_events WHERE tenant_id = ? AND plugin_id = ? "
                      "AND event_id = ?",
                      {text(tenant_id), text(plugin_id), text(event_id)})
                    .empty();
    }

    void insertEvent(const ProviderEvent& e) override {
        c_.execute(
            "INSERT INTO provider_events (tenant_id, plugin_id, event_id, kind, object_id, "
            "outcome, occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {e.tenant_id, e.plugin_id, e.event_id, e.kind, sqlOptional(e.object_id), e.outcome,
             unix(e.occurred_at), unix(e.received_at)});
    }

private:
    std::optional<domain::Payment> first(const std::string& where, const SqlParams& params,
                                         std::string_view lock = "") {
        const auto rows = c_.query(
            "SELECT " + text(kColumns) + " FROM payments WHERE " + where + " LIMIT 1 " + text(lock),
            params);
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }
    std::optional<domain::Refund> firstRefund(const std::string& where, const SqlParams& params) {
        const auto rows = c_.query(
            "SELECT " + text(kRefundColumns) + " FROM refunds WHERE " + where + " LIMIT 1", params);
        if (rows.empty()) return std::nullopt;
        return refundFromRow(rows[0]);
    }

    Connection& c_;
    const Dialect& dialect_;
};

}  // namespace

std::unique_ptr<PaymentMethodRepository> makeSqlPaymentMethods(Connection& c) {
    return std::make_unique<SqlPaymentMethods>(c);
}

std::unique_ptr<PaymentRepository> makeSqlPayments(Connection& c, const Dialect& dialect) {
    return std::make_unique<SqlPayments>(c, dialect);
}

}  // namespace billwright::storage
