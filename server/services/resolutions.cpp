#include "services/resolutions.h"

#include <algorithm>

#include "core/time_zone.h"
#include "services/audit.h"
#include "services/representation.h"
#include "services/revenue_guard.h"

namespace billwright::services {

using core::Error;
using core::ErrorCode;
using core::JsonValue;
using domain::Invoice;
using domain::InvoiceStatus;

namespace {

constexpr Resolution kResolutions[] = {Resolution::kApplyCredit, Resolution::kWriteOff,
                                       Resolution::kMarkPaid, Resolution::kClearHold};

bool owes(const Invoice& inv) {
    return (inv.status == InvoiceStatus::kIssued || inv.status == InvoiceStatus::kOverdue) &&
           inv.amount_due_minor > 0;
}

// Whether the action may touch an invoice in this status.
bool actsOn(Resolution action, const Invoice& inv) {
    switch (action) {
        case Resolution::kApplyCredit:
        case Resolution::kMarkPaid:
            return owes(inv);
        case Resolution::kWriteOff:
            return owes(inv) || inv.status == InvoiceStatus::kHeld;
        case Resolution::kClearHold:
            return inv.status == InvoiceStatus::kHeld;
    }
    return false;
}

JsonValue idsJson(const std::vector<Invoice>& invoices) {
    JsonValue ids = JsonValue::array();
    for (const auto& inv : invoices) ids.push(JsonValue::string(inv.id));
    return ids;
}

}  // namespace

std::string_view resolutionName(Resolution r) {
    switch (r) {
        case Resolution::kApplyCredit:
            return "apply_credit";
        case Resolution::kWriteOff:
            return "write_off";
        case Resolution::kMarkPaid:
            return "mark_paid";
        case Resolution::kClearHold:
            return "clear_hold";
    }
    return "apply_credit";
}

std::optional<Resolution> parseResolution(std::string_view text) {
    for (const auto r : kResolutions)
        if (resolutionName(r) == text) return r;
    return std::nullopt;
}

Resolutions::Resolutions(storage::Store& store, const core::Clock& clock, Invoicing& invoicing,
                         Payments& payments)
    : store_(store), clock_(clock), invoicing_(invoicing), payments_(payments) {}

core::Result<std::vector<domain::Invoice>> Resolutions::targets(const std::string& tenant_id,
                                                                const std::string& customer_id,
                                                                const ResolutionRequest& request) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<std::vector<Invoice>> {
        const auto customer = uow.customers().find(tenant_id, customer_id);
        if (!customer) return Error::notFound("customer");
        std::vector<Invoice> out;
        if (!request.invoice_ids.empty()) {
            for (std::size_t i = 0; i < request.invoice_ids.size(); ++i) {
                auto inv = uow.invoices().find(tenant_id, request.invoice_ids[i]);
                const std::string field = "invoice_ids[" + std::to_string(i) + "]";
                if (!inv || inv->customer_id != customer_id)
                    return Error::validation(field, "unknown", "no such invoice of this customer");
                if (!actsOn(request.action, *inv))
                    return Error{ErrorCode::kInvalidTransition,
                                 std::string(resolutionName(request.action)) +
                                     " does not apply to an invoice that is " +
                                     std::string(domain::invoiceStatusName(inv->status)),
                                 {{field, std::string(domain::invoiceStatusName(inv->status)),
                                   "the invoice's current status"}}};
                out.push_back(std::move(*inv));
            }
            return out;
        }
        storage::InvoiceFilter filter;
        filter.customer_id = customer_id;
        for (const auto status :
             {InvoiceStatus::kOverdue, InvoiceStatus::kIssued, InvoiceStatus::kHeld}) {
            filter.status = status;
            for (auto& inv : uow.invoices().list(tenant_id, filter, {1000, std::nullopt}))
                if (actsOn(request.action, inv)) out.push_back(std::move(inv));
        }
        // Oldest first: credit and payments settle the longest-owed invoices first.
        std::sort(out.begin(), out.end(),
                  [](const Invoice& a, const Invoice& b) { return a.id < b.id; });
        return out;
    });
}

core::Result<ResolutionOutcome> Resolutions::resolve(const Actor& actor,
                                                     const std::string& tenant_id,
                                                     const std::string& customer_id,
                                                     const ResolutionRequest& request) {
    if (request.action == Resolution::kWriteOff && request.reason.value_or("").empty())
        return Error::validation("reason", "required", "a write-off needs a reason");
    auto invoices = targets(tenant_id, customer_id, request);
    if (!invoices) return std::move(invoices).error();
    ResolutionOutcome out;
    out.action = request.action;
    JsonValue detail = JsonValue::object();
    detail.set("invoice_ids", idsJson(*invoices))
        .set("reason", request.reason ? JsonValue::string(*request.reason) : JsonValue::null());

    switch (request.action) {
        case Resolution::kApplyCredit: {
            // One transaction: each invoice takes what the balance still holds, oldest first.
            auto applied = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
                auto customer = uow.customers().find(tenant_id, customer_id);
                if (!customer) return Error::notFound("customer");
                const auto tenant = uow.tenants().find(tenant_id);
                const auto today =
                    core::TimeZone::loadOr(tenant ? tenant->timezone : "UTC", core::TimeZone::utc())
                        .localDate(clock_.nowSeconds());
                for (const auto& target : *invoices) {
                    auto inv = uow.invoices().find(tenant_id, target.id);
                    if (!inv || !owes(*inv) || customer->credit_balance_minor <= 0) continue;
                    const auto take =
                        std::min(customer->credit_balance_minor, inv->amount_due_minor);
                    moveCredit(uow, actor, clock_, *customer, inv->currency, "applied", -take,
                               inv->id, request.reason.value_or("RevenueGuard: credit applied"));
                    inv->credit_applied_minor += take;
                    inv->amount_due_minor -= take;
                    if (inv->amount_due_minor == 0) {
                        inv->status = InvoiceStatus::kPaid;
                        inv->paid_date = today;
                        inv->collect_at.reset();
                    }
                    inv->updated_at = clock_.nowSeconds();
                    uow.invoices().update(*inv);
                    out.credit_applied_minor += take;
                    out.invoices.push_back(*inv);
                }
                detail.set("credit_applied_minor", JsonValue::number(out.credit_applied_minor));
                recordAudit(uow, actor, clock_, tenant_id, "customer.resolved.apply_credit",
                            "customer", customer_id, std::nullopt, detail);
                return true;
            });
            if (!applied) return std::move(applied).error();
            break;
        }
        case Resolution::kWriteOff:
        case Resolution::kClearHold: {
            if (request.action == Resolution::kClearHold) {
                // The customer first: out of default, redirect back, no billing hold.
                auto cleared = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
                    for (const auto change : {CustomerStatusChange::kClearDefault,
                                              CustomerStatusChange::kRedirectOff}) {
                        auto c = changeCustomerStatus(uow, clock_, actor, tenant_id, customer_id,
                                                      change, request.reason);
                        if (!c) return std::move(c).error();
                    }
                    auto customer = uow.customers().find(tenant_id, customer_id);
                    if (customer && customer->billing_hold) {
                        customer->billing_hold = false;
                        customer->updated_at = clock_.nowSeconds();
                        uow.customers().update(*customer);
                    }
                    recordAudit(uow, actor, clock_, tenant_id, "customer.resolved.clear_hold",
                                "customer", customer_id, std::nullopt, detail);
                    return true;
                });
                if (!cleared) return std::move(cleared).error();
            }
            StatusChange change;
            change.target = request.action == Resolution::kWriteOff ? InvoiceStatus::kWrittenOff
                                                                    : InvoiceStatus::kIssued;
            change.reason = request.reason;
            for (const auto& target : *invoices) {
                auto inv = invoicing_.changeStatus(actor, tenant_id, target.id, change);
                if (!inv) return std::move(inv).error();
                out.invoices.push_back(std::move(*inv));
            }
            if (request.action == Resolution::kWriteOff) {
                auto audited = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
                    recordAudit(uow, actor, clock_, tenant_id, "customer.resolved.write_off",
                                "customer", customer_id, std::nullopt, detail);
                    return true;
                });
                if (!audited) return std::move(audited).error();
            }
            break;
        }
        case Resolution::kMarkPaid: {
            // One manual record of what each invoice owes; several invoices get the reference
            // with the invoice's number, as each reference is recorded once.
            for (const auto& target : *invoices) {
                PayRequest pay;
                pay.plugin_id = "payment_manual";
                pay.params = request.params;
                if (invoices->size() > 1 && pay.params.count("reference") != 0)
                    pay.params["reference"] += "/" + target.invoice_number.value_or(target.id);
                if (request.reason && pay.params.count("note") == 0)
                    pay.params["note"] = *request.reason;
                auto p = payments_.pay(actor, tenant_id, target.id, pay);
                if (!p) return std::move(p).error();
                out.payments.push_back(std::move(*p));
                auto inv = invoicing_.get(tenant_id, target.id);
                if (inv) out.invoices.push_back(std::move(*inv));
            }
            auto audited = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
                JsonValue ids = JsonValue::array();
                for (const auto& p : out.payments) ids.push(JsonValue::string(p.id));
                detail.set("payment_ids", std::move(ids));
                recordAudit(uow, actor, clock_, tenant_id, "customer.resolved.mark_paid",
                            "customer", customer_id, std::nullopt, detail);
                return true;
            });
            if (!audited) return std::move(audited).error();
            break;
        }
    }
    auto customer = store_.read(
        [&](storage::UnitOfWork& uow) { return uow.customers().find(tenant_id, customer_id); });
    if (!customer) return Error::notFound("customer");
    out.customer = *customer;
    return out;
}

JsonValue toJson(const ResolutionOutcome& o) {
    JsonValue invoices = JsonValue::array();
    for (const auto& inv : o.invoices) invoices.push(toJson(inv, false));
    JsonValue payments = JsonValue::array();
    for (const auto& p : o.payments) payments.push(toJson(p));
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("resolution"))
        .set("action", JsonValue::string(std::string(resolutionName(o.action))))
        .set("customer", toJson(o.customer))
        .set("invoices", std::move(invoices))
        .set("payments", std::move(payments));
    return out;
}

}  // namespace billwright::services
