// SQL repositories for customer invoices, the credit ledger and invoice runs.

#include <algorithm>
#include <memory>

#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {

std::string_view runStatusName(RunStatus s) {
    switch (s) {
        case RunStatus::kQueued:
            return "queued";
        case RunStatus::kRunning:
            return "running";
        case RunStatus::kAwaitingConfirmation:
            return "awaiting_confirmation";
        case RunStatus::kCompleted:
            return "completed";
        case RunStatus::kCancelled:
            return "cancelled";
    }
    return "queued";
}

std::optional<RunStatus> parseRunStatus(std::string_view text) {
    for (const auto s : {RunStatus::kQueued, RunStatus::kRunning, RunStatus::kAwaitingConfirmation,
                         RunStatus::kCompleted, RunStatus::kCancelled}) {
        if (runStatusName(s) == text) return s;
    }
    return std::nullopt;
}

namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): storage-internal helpers

class SqlInvoices final : public InvoiceRepository {
public:
    SqlInvoices(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    // After (tenant_id, id), in this order; live_period_start is derived from the status.
    static constexpr std::string_view kColumns =
        "tenant_id, id, customer_id, invoice_number, status, period_start, period_end, "
        "live_period_start, currency, due_days, issue_date, due_date, paid_date, "
        "tax_rate_milli_pct, tax_display, subtotal_minor, discount_minor, tax_minor, total_minor, "
        "credit_applied_minor, amount_due_minor, billed_wh, pdu_wh, run_id, held_reason, "
        "status_reason, emailed_at, created_at, updated_at, amount_paid_minor, collect_at, "
        "collection_failures, first_failure_at";

    static domain::Invoice fromRow(const RowView& r) {
        domain::Invoice inv;
        inv.tenant_id = r.getString(0);
        inv.id = r.getString(1);
        inv.customer_id = r.getString(2);
        inv.invoice_number = r.getOptionalString(3);
        const auto status = domain::parseInvoiceStatus(r.getString(4));
        const auto display = domain::parseTaxDisplay(r.getString(14));
        if (!status || !display)
            throw DbError(DbErrorKind::kOther, "stored invoice has an unknown enum value");
        inv.status = *status;
        inv.period = {dateFrom(r.getString(5)), dateFrom(r.getString(6))};
        inv.currency = currencyFrom(r.getString(8));
        inv.due_days = static_cast<int>(r.getInt(9));
        inv.issue_date = optionalDate(r.getOptionalString(10));
        inv.due_date = optionalDate(r.getOptionalString(11));
        inv.paid_date = optionalDate(r.getOptionalString(12));
        inv.tax_rate_milli_pct = r.getInt(13);
        inv.tax_display = *display;
        inv.subtotal_minor = r.getInt(15);
        inv.discount_minor = r.getInt(16);
        inv.tax_minor = r.getInt(17);
        inv.total_minor = r.getInt(18);
        inv.credit_applied_minor = r.getInt(19);
        inv.amount_due_minor = r.getInt(20);
        inv.billed_wh = r.getInt(21);
        inv.pdu_wh = r.getOptionalInt(22);
        inv.run_id = r.getOptionalString(23);
        inv.held_reason = r.getOptionalString(24);
        inv.status_reason = r.getOptionalString(25);
        inv.emailed_at = timeFrom(r.getOptionalInt(26));
        inv.created_at = fromUnix(r.getInt(27));
        inv.updated_at = fromUnix(r.getInt(28));
        inv.amount_paid_minor = r.getInt(29);
        inv.collect_at = timeFrom(r.getOptionalInt(30));
        inv.collection_failures = static_cast<int>(r.getInt(31));
        inv.first_failure_at = timeFrom(r.getOptionalInt(32));
        return inv;
    }

    static SqlParams values(const domain::Invoice& inv) {
        return {inv.customer_id,
                sqlOptional(inv.invoice_number),
                text(domain::invoiceStatusName(inv.status)),
                dateText(inv.period.start),
                dateText(inv.period.end),
                domain::isLive(inv.status) ? SqlValue{dateText(inv.period.start)} : sqlNull(),
                text(inv.currency.code),
                std::int64_t{inv.due_days},
                optionalDateValue(inv.issue_date),
                optionalDateValue(inv.due_date),
                optionalDateValue(inv.paid_date),
                inv.tax_rate_milli_pct,
                text(domain::taxDisplayName(inv.tax_display)),
                inv.subtotal_minor,
                inv.discount_minor,
                inv.tax_minor,
                inv.total_minor,
                inv.credit_applied_minor,
                inv.amount_due_minor,
                inv.billed_wh,
                sqlOptional(inv.pdu_wh),
                sqlOptional(inv.run_id),
                sqlOptional(inv.held_reason),
                sqlOptional(inv.status_reason),
                optionalTime(inv.emailed_at),
                unix(inv.created_at),
                unix(inv.updated_at),
                inv.amount_paid_minor,
                optionalTime(inv.collect_at),
                std::int64_t{inv.collection_failures},
                optionalTime(inv.first_failure_at)};
    }

    std::optional<domain::Invoice> find(std::string_view tenant_id, std::string_view id) override {
        return findRow(tenant_id, id, "");
    }

    std::optional<domain::Invoice> findForUpdate(std::string_view tenant_id,
                                                 std::string_view id) override {
        return findRow(tenant_id, id, dialect_.forUpdate());
    }

    std::optional<domain::Invoice> findLive(std::string_view tenant_id,
                                            std::string_view customer_id,
                                            core::Date period_start) override {
        const auto rows = c_.query("SELECT " + text(kColumns) +
                                       " FROM invoices WHERE tenant_id = ? AND customer_id = ? "
                                       "AND live_period_start = ?",
                                   {text(tenant_id), text(customer_id), dateText(period_start)});
        if (rows.empty()) return std::nullopt;
        auto inv = fromRow(rows[0]);
        loadDetails(inv);
        return inv;
    }

    std::vector<domain::Invoice> list(std::string_view tenant_id, const InvoiceFilter& f,
                                      const PageRequest& page) override {
        std::string sql = "SELECT " + text(kColumns) + " FROM invoices WHERE tenant_id = ?";
        SqlParams params{text(tenant_id)};
        if (f.customer_id) {
            sql += " AND customer_id = ?";
            params.emplace_back(*f.customer_id);
        }
        if (f.status) {
            sql += " AND status = ?";
            params.emplace_back(text(domain::invoiceStatusName(*f.status)));
        }
        if (f.period_start) {
            sql += " AND period_start = ?";
            params.emplace_back(dateText(*f.period_start));
        }
        if (f.run_id) {
            sql += " AND run_id = ?";
            params.emplace_back(*f.run_id);
        }
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<domain::Invoice> out;
        c_.forEachRow(sql, params, [&](const RowView& r) { out.push_back(fromRow(r)); });
        return out;
    }

    void insert(const domain::Invoice& inv) override {
        SqlParams params{inv.tenant_id, inv.id};
        for (auto& v : values(inv)) params.push_back(std::move(v));
        insertRow(c_, "invoices", kColumns, params);
        insertDetails(inv);
    }

    void update(const domain::Invoice& inv) override {
        updateRow(c_, "invoices", kColumns, values(inv), inv.tenant_id, inv.id);
        raiseRevision(inv);
    }

    void replaceLines(const domain::Invoice& inv) override {
        c_.execute("DELETE FROM invoice_lines WHERE tenant_id = ? AND invoice_id = ?",
                   {inv.tenant_id, inv.id});
        c_.execute("DELETE FROM invoice_contracts WHERE tenant_id = ? AND invoice_id = ?",
                   {inv.tenant_id, inv.id});
        insertDetails(inv);
        raiseRevision(inv);
    }

    std::optional<std::int64_t> revision(std::string_view tenant_id, std::string_view id) override {
        std::optional<std::int64_t> out;
        c_.forEachRow("SELECT revision FROM invoices WHERE tenant_id = ? AND id = ?",
                      {text(tenant_id), text(id)}, [&](const RowView& r) { out = r.getInt(0); });
        return out;
    }

    std::vector<InvoiceRef> collectionsDue(core::SysSeconds now, std::size_t limit) override {
        std::vector<InvoiceRef> out;
        for (const auto& r : c_.query("SELECT tenant_id, id FROM invoices WHERE collect_at <= ? "
                                      "ORDER BY collect_at, id LIMIT ?",
                                      {unix(now), static_cast<std::int64_t>(limit)}))
            out.push_back({r.getString(0), r.getString(1)});
        return out;
    }

    std::vector<InvoiceRef> issuedDueBefore(core::Date date) override {
        std::vector<InvoiceRef> out;
        for (const auto& r :
             c_.query("SELECT tenant_id, id FROM invoices WHERE status = 'issued' AND due_date < ? "
                      "ORDER BY tenant_id, id",
                      {dateText(date)}))
            out.push_back({r.getString(0), r.getString(1)});
        return out;
    }

private:
    static constexpr std::string_view kLineColumns =
        "tenant_id, invoice_id, id, position, kind, formula, description, contract_id, method, "
        "plugin_id, wh, rate_micro, equipment_hours, quantity, unit_amount_minor, days, "
        "period_days, percent_bp, base_minor, amount_minor, taxable, tax_minor, manual, "
        "script_name, "
        "script_version, script_fallback";
    static constexpr std::string_view kSummaryColumns =
        "tenant_id, invoice_id, contract_id, contract_number, contract_type, billed_wh, pdu_wh, "
        "power_cap_w, cap_exceeded_hours, peak_w, excess_wh, unbilled_equipment_hours";

    static void bindOptional(PreparedStatement& st, int index,
                             const std::optional<std::int64_t>& v) {
        if (v) {
            st.bind(index, *v);
        } else {
            st.bindNull(index);
        }
    }
    static void bindOptional(PreparedStatement& st, int index,
                             const std::optional<std::string>& v) {
        if (v) {
            st.bind(index, std::string_view(*v));
        } else {
            st.bindNull(index);
        }
    }

    void insertDetails(const domain::Invoice& inv) {
        if (!inv.lines.empty()) {
            auto st = c_.prepare("INSERT INTO invoice_lines (" + text(kLineColumns) +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                 "?, ?, ?, ?, ?, ?, ?, ?)");
            for (const auto& l : inv.lines) {
                st->bind(1, std::string_view(inv.tenant_id));
                st->bind(2, std::string_view(inv.id));
                st->bind(3, std::string_view(l.id));
                st->bind(4, std::int64_t{l.position});
                st->bind(5, domain::lineKindName(l.kind));
                st->bind(6, domain::lineFormulaName(l.formula));
                st->bind(7, std::string_view(l.description));
                bindOptional(*st, 8, l.contract_id);
                bindOptional(*st, 9, l.method);
                bindOptional(*st, 10, l.plugin_id);
                bindOptional(*st, 11, l.wh);
                bindOptional(*st, 12, l.rate_micro);
                bindOptional(*st, 13, l.equipment_hours);
                bindOptional(*st, 14, l.quantity);
                bindOptional(*st, 15, l.unit_amount_minor);
                bindOptional(*st, 16, l.days);
                bindOptional(*st, 17, l.period_days);
                bindOptional(*st, 18, l.percent_bp);
                bindOptional(*st, 19, l.base_minor);
                st->bind(20, l.amount_minor);
                st->bind(21, boolInt(l.taxable));
                st->bind(22, l.tax_minor);
                st->bind(23, boolInt(l.manual));
                bindOptional(*st, 24, l.script_name);
                bindOptional(*st, 25, l.script_version);
                bindOptional(*st, 26, l.script_fallback);
                st->run();
            }
        }
        if (!inv.contracts.empty()) {
            auto st = c_.prepare("INSERT INTO invoice_contracts (" + text(kSummaryColumns) +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            for (const auto& s : inv.contracts) {
                st->bind(1, std::string_view(inv.tenant_id));
                st->bind(2, std::string_view(inv.id));
                st->bind(3, std::string_view(s.contract_id));
                bindOptional(*st, 4, s.contract_number);
                st->bind(5, std::string_view(s.contract_type));
                st->bind(6, s.billed_wh);
                bindOptional(*st, 7, s.pdu_wh);
                bindOptional(*st, 8, s.power_cap_w);
                st->bind(9, s.cap_exceeded_hours);
                st->bind(10, s.peak_w);
                st->bind(11, s.excess_wh);
                st->bind(12, s.unbilled_equipment_hours);
                st->run();
            }
        }
    }

    // Every write to an invoice, its lines or its summaries ends here (revision()).
    void raiseRevision(const domain::Invoice& inv) {
        c_.execute("UPDATE invoices SET revision = revision + 1 WHERE tenant_id = ? AND id = ?",
                   {inv.tenant_id, inv.id});
    }

    void loadDetails(domain::Invoice& inv) {
        inv.lines.clear();
        // Ordered here rather than by the query: SQLite would sort through a temporary b-tree
        // (no index has position), the dearest part of reading an invoice's lines.
        static const std::string kLines =
            "SELECT " + text(kLineColumns) +
            " FROM invoice_lines WHERE tenant_id = ? AND invoice_id = ?";
        static const std::string kSummaries =
            "SELECT " + text(kSummaryColumns) +
            " FROM invoice_contracts WHERE tenant_id = ? AND invoice_id = ? ORDER BY contract_id";
        const SqlParams params{inv.tenant_id, inv.id};
        c_.forEachRow(kLines, params, [&](const RowView& r) {
            domain::InvoiceLine l;
            l.id = r.getString(2);
            l.position = static_cast<int>(r.getInt(3));
            const auto kind = domain::parseLineKind(r.getString(4));
            if (!kind) throw DbError(DbErrorKind::kOther, "stored line has an unknown kind");
            l.kind = *kind;
            // An unknown formula must not quietly become "fixed": the amount would no longer
            // follow from the stored inputs.
            const auto formula = r.getString(5);
            bool known = false;
            for (const auto f : {domain::LineFormula::kEnergy, domain::LineFormula::kProrated,
                                 domain::LineFormula::kPercent, domain::LineFormula::kFixed}) {
                if (domain::lineFormulaName(f) == formula) {
                    l.formula = f;
                    known = true;
                }
            }
            if (!known) throw DbError(DbErrorKind::kOther, "stored line has an unknown formula");
            l.description = r.getString(6);
            l.contract_id = r.getOptionalString(7);
            l.method = r.getOptionalString(8);
            l.plugin_id = r.getOptionalString(9);
            l.wh = r.getOptionalInt(10);
            l.rate_micro = r.getOptionalInt(11);
            l.equipment_hours = r.getOptionalInt(12);
            l.quantity = r.getOptionalInt(13);
            l.unit_amount_minor = r.getOptionalInt(14);
            l.days = r.getOptionalInt(15);
            l.period_days = r.getOptionalInt(16);
            l.percent_bp = r.getOptionalInt(17);
            l.base_minor = r.getOptionalInt(18);
            l.amount_minor = r.getInt(19);
            l.taxable = boolFrom(r, 20);
            l.tax_minor = r.getInt(21);
            l.manual = boolFrom(r, 22);
            l.script_name = r.getOptionalString(23);
            l.script_version = r.getOptionalInt(24);
            l.script_fallback = r.getOptionalString(25);
            inv.lines.push_back(std::move(l));
        });
        std::sort(inv.lines.begin(), inv.lines.end(), [](const auto& a, const auto& b) {
            return a.position != b.position ? a.position < b.position : a.id < b.id;
        });
        inv.contracts.clear();
        c_.forEachRow(kSummaries, params, [&](const RowView& r) {
            domain::InvoiceContractSummary s;
            s.contract_id = r.getString(2);
            s.contract_number = r.getOptionalString(3);
            s.contract_type = r.getString(4);
            s.billed_wh = r.getInt(5);
            s.pdu_wh = r.getOptionalInt(6);
            s.power_cap_w = r.getOptionalInt(7);
            s.cap_exceeded_hours = r.getInt(8);
            s.peak_w = r.getInt(9);
            s.excess_wh = r.getInt(10);
            s.unbilled_equipment_hours = r.getInt(11);
            inv.contracts.push_back(std::move(s));
        });
    }

    std::optional<domain::Invoice> findRow(std::string_view tenant_id, std::string_view id,
                                           std::string_view lock) {
        // Built once: an invoice read is the commonest request.
        static const std::string kFind =
            "SELECT " + text(kColumns) + " FROM invoices WHERE tenant_id = ? AND id = ?";
        const std::string locked = lock.empty() ? std::string() : kFind + " " + text(lock);
        std::optional<domain::Invoice> inv;
        c_.forEachRow(lock.empty() ? std::string_view(kFind) : std::string_view(locked),
                      {text(tenant_id), text(id)}, [&](const RowView& r) { inv = fromRow(r); });
        if (inv) loadDetails(*inv);
        return inv;
    }

    Connection& c_;
    const Dialect& dialect_;
};

// ---------------------------------------------------------------------------------------------

class SqlCreditLedger final : public CreditLedgerRepository {
public:
    explicit SqlCreditLedger(Connection& c) : c_(c) {}

    void insert(const CreditEntry& e) override {
        c_.execute(
            "INSERT INTO credit_ledger (tenant_id, id, customer_id, kind, amount_minor, currency, "
            "balance_after_minor, invoice_id, reason, actor, created_at, payment_id) VALUES (?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {e.tenant_id, e.id, e.customer_id, e.kind, e.amount_minor, e.currency,
             e.balance_after_minor, sqlOptional(e.invoice_id), sqlOptional(e.reason), e.actor,
             unix(e.created_at), sqlOptional(e.payment_id)});
    }

    std::vector<CreditEntry> list(std::string_view tenant_id, std::string_view customer_id,
                                  const PageRequest& page) override {
        std::string sql =
            "SELECT tenant_id, id, customer_id, kind, amount_minor, currency, "
            "balance_after_minor, invoice_id, reason, actor, created_at, payment_id FROM "
            "credit_ledger WHERE "
            "tenant_id = ? AND customer_id = ?";
        SqlParams params{text(tenant_id), text(customer_id)};
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<CreditEntry> out;
        for (const auto& r : c_.query(sql, params)) {
            CreditEntry e;
            e.tenant_id = r.getString(0);
            e.id = r.getString(1);
            e.customer_id = r.getString(2);
            e.kind = r.getString(3);
            e.amount_minor = r.getInt(4);
            e.currency = r.getString(5);
            e.balance_after_minor = r.getInt(6);
            e.invoice_id = r.getOptionalString(7);
            e.reason = r.getOptionalString(8);
            e.actor = r.getString(9);
            e.created_at = fromUnix(r.getInt(10));
            e.payment_id = r.getOptionalString(11);
            out.push_back(std::move(e));
        }
        return out;
    }

    std::int64_t balance(std::string_view tenant_id, std::string_view customer_id) override {
        return c_
            .query(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM credit_ledger WHERE tenant_id = ? AND "
                "customer_id = ?",
                {text(tenant_id), text(customer_id)})
            .at(0)
            .getInt(0);
    }

private:
    Connection& c_;
};

// ---------------------------------------------------------------------------------------------

class SqlInvoiceRuns final : public InvoiceRunRepository {
public:
    SqlInvoiceRuns(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    static constexpr std::string_view kColumns =
        "tenant_id, id, period_start, period_end, customer_id, skip_existing, preview_one, "
        "auto_send, status, trigger_kind, schedule_key, preview_invoice_id, created_by, "
        "created_at, started_at, finished_at, updated_at";

    static InvoiceRun fromRow(const SqlRow& r) {
        InvoiceRun run;
        run.tenant_id = r.getString(0);
        run.id = r.getString(1);
        run.period = {dateFrom(r.getString(2)), dateFrom(r.getString(3))};
        run.customer_id = r.getOptionalString(4);
        run.skip_existing = boolFrom(r, 5);
        run.preview_one = boolFrom(r, 6);
        run.auto_send = boolFrom(r, 7);
        const auto status = parseRunStatus(r.getString(8));
        if (!status) throw DbError(DbErrorKind::kOther, "stored run has an unknown status");
        run.status = *status;
        run.trigger = r.getString(9);
        run.schedule_key = r.getOptionalString(10);
        run.preview_invoice_id = r.getOptionalString(11);
        run.created_by = r.getString(12);
        run.created_at = fromUnix(r.getInt(13));
        run.started_at = timeFrom(r.getOptionalInt(14));
        run.finished_at = timeFrom(r.getOptionalInt(15));
        run.updated_at = fromUnix(r.getInt(16));
        return run;
    }

    static SqlParams values(const InvoiceRun& run) {
        return {dateText(run.period.start),
                dateText(run.period.end),
                sqlOptional(run.customer_id),
                boolInt(run.skip_existing),
                boolInt(run.preview_one),
                boolInt(run.auto_send),
                text(runStatusName(run.status)),
                run.trigger,
                sqlOptional(run.schedule_key),
                sqlOptional(run.preview_invoice_id),
                run.created_by,
                unix(run.created_at),
                optionalTime(run.started_at),
                optionalTime(run.finished_at),
                unix(run.updated_at)};
    }

    void insert(const InvoiceRun& run) override {
        SqlParams params{run.tenant_id, run.id};
        for (auto& v : values(run)) params.push_back(std::move(v));
        insertRow(c_, "invoice_runs", kColumns, params);
    }

    std::optional<InvoiceRun> find(std::string_view tenant_id, std::string_view id) override {
        const auto rows = c_.query(
            "SELECT " + text(kColumns) + " FROM invoice_runs WHERE tenant_id = ? AND id = ?",
            {text(tenant_id), text(id)});
        if (rows.empty()) return std::nullopt;
        return fromRow(rows[0]);
    }

    std::vector<InvoiceRun> list(std::string_view tenant_id, const PageRequest& page) override {
        std::string sql = "SELECT " + text(kColumns) + " FROM invoice_runs WHERE tenant_id = ?";
        SqlParams params{text(tenant_id)};
        addCursor(sql, params, page, "id");
        sql += " ORDER BY id DESC LIMIT ?";
        params.emplace_back(limitPlusOne(page));
        std::vector<InvoiceRun> out;
        for (const auto& r : c_.query(sql, params)) out.push_back(fromRow(r));
        return out;
    }

    void update(const InvoiceRun& run) override {
        updateRow(c_, "invoice_runs", kColumns, values(run), run.tenant_id, run.id);
    }

    void insertItems(std::string_view tenant_id, std::string_view run_id,
                     const std::vector<std::string>& customer_ids, core::SysSeconds at) override {
        auto st = c_.prepare(
            "INSERT INTO invoice_run_items (tenant_id, run_id, customer_id, position, status, "
            "updated_at) VALUES (?, ?, ?, ?, 'pending', ?)");
        std::int64_t position = 0;
        for (const auto& id : customer_ids) {
            st->bind(1, tenant_id);
            st->bind(2, run_id);
            st->bind(3, std::string_view(id));
            st->bind(4, position++);
            st->bind(5, unix(at));
            st->run();
        }
    }

    std::vector<RunItem> pendingItems(std::string_view tenant_id, std::string_view run_id,
                                      std::size_t limit) override {
        return itemsWithStatus(tenant_id, run_id, "pending", limit);
    }

    void updateItem(std::string_view tenant_id, std::string_view run_id, const RunItem& item,
                    core::SysSeconds at) override {
        c_.execute(
            "UPDATE invoice_run_items SET status = ?, invoice_id = ?, reason = ?, updated_at = ?, "
            "lease_until = NULL WHERE tenant_id = ? AND run_id = ? AND customer_id = ?",
            {item.status, sqlOptional(item.invoice_id), sqlOptional(item.reason), unix(at),
             text(tenant_id), text(run_id), item.customer_id});
    }

    std::map<std::string, std::int64_t> counts(std::string_view tenant_id,
                                               std::string_view run_id) override {
        std::map<std::string, std::int64_t> out;
        for (const auto& r :
             c_.query("SELECT status, COUNT(*) FROM invoice_run_items WHERE tenant_id = ? AND "
                      "run_id = ? GROUP BY status",
                      {text(tenant_id), text(run_id)}))
            out[r.getString(0)] = r.getInt(1);
        return out;
    }

    std::vector<RunItem> itemsWithStatus(std::string_view tenant_id, std::string_view run_id,
                                         std::string_view status, std::size_t limit) override {
        return items(
            "status = ? ORDER BY position LIMIT ?",
            {text(tenant_id), text(run_id), text(status), static_cast<std::int64_t>(limit)});
    }

    std::vector<InvoiceRun> active(std::size_t limit) override {
        std::vector<InvoiceRun> out;
        for (const auto& r :
             c_.query("SELECT " + text(kColumns) +
                          " FROM invoice_runs WHERE status IN ('queued', 'running') ORDER BY "
                          "created_at, id LIMIT ?",
                      {static_cast<std::int64_t>(limit)}))
            out.push_back(fromRow(r));
        return out;
    }

    std::vector<RunItem> claimItems(std::string_view tenant_id, std::string_view run_id,
                                    std::int64_t now, std::string_view owner,
                                    std::int64_t lease_until, std::size_t limit) override {
        std::vector<RunItem> claimed;
        for (const auto& r : claimRows(
                 c_, dialect_,
                 itemQuery("status = 'pending' AND (lease_until IS NULL OR lease_until < ?) "
                           "ORDER BY position LIMIT ?"),
                 {text(tenant_id), text(run_id), now, static_cast<std::int64_t>(limit)},
                 [&](const SqlRow& row) {
                     c_.execute(
                         "UPDATE invoice_run_items SET lease_owner = ?, lease_until = ? WHERE "
                         "tenant_id = ? AND run_id = ? AND customer_id = ?",
                         {text(owner), lease_until, text(tenant_id), text(run_id),
                          row.getString(0)});
                 })) {
            claimed.push_back(itemFrom(r));
            claimed.back().lease_owner = std::string(owner);
        }
        return claimed;
    }

    std::int64_t leasedItems(std::string_view tenant_id, std::string_view run_id,
                             std::int64_t now) override {
        return c_
            .query(
                "SELECT COUNT(*) FROM invoice_run_items WHERE tenant_id = ? AND run_id = ? AND "
                "status = 'pending' AND lease_until >= ?",
                {text(tenant_id), text(run_id), now})
            .at(0)
            .getInt(0);
    }

private:
    // The SELECT of the run's items matching `where` (after the tenant and run conditions, whose
    // two parameters come first); customer_id is its first column.
    static std::string itemQuery(std::string_view where) {
        return "SELECT customer_id, position, status, invoice_id, reason, lease_owner FROM "
               "invoice_run_items WHERE tenant_id = ? AND run_id = ? AND " +
               text(where);
    }
    static RunItem itemFrom(const SqlRow& r) {
        RunItem item;
        item.customer_id = r.getString(0);
        item.position = r.getInt(1);
        item.status = r.getString(2);
        item.invoice_id = r.getOptionalString(3);
        item.reason = r.getOptionalString(4);
        item.lease_owner = r.getOptionalString(5);
        return item;
    }
    std::vector<RunItem> items(std::string_view where, const SqlParams& params) {
        std::vector<RunItem> out;
        for (const auto& r : c_.query(itemQuery(where), params)) out.push_back(itemFrom(r));
        return out;
    }

    Connection& c_;
    const Dialect& dialect_;
};

}  // namespace

std::unique_ptr<InvoiceRepository> makeSqlInvoices(Connection& c, const Dialect& dialect) {
    return std::make_unique<SqlInvoices>(c, dialect);
}
std::unique_ptr<CreditLedgerRepository> makeSqlCreditLedger(Connection& c) {
    return std::make_unique<SqlCreditLedger>(c);
}
std::unique_ptr<InvoiceRunRepository> makeSqlInvoiceRuns(Connection& c, const Dialect& dialect) {
    return std::make_unique<SqlInvoiceRuns>(c, dialect);
}

}  // namespace billwright::storage
