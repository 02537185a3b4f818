#include "domain/money.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/invoice_mail.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;
using core::JsonValue;

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxBulkIds = 500;

// The billing period a body names: `period_start` (a date on which a period starts) or
// `period` ("2026-03": the period that starts in that month on the tenant's billing day).
std::optional<core::Date> readPeriod(ApiContext& ctx, const std::string& tenant_id,
                                     FieldReader& f) {
    const auto start = f.date("period_start", Presence::kOptional);
    const auto month = f.string("period", Presence::kOptional, 7);
    if (start && month) {
        f.addError("period", "conflict", "send period or period_start, not both");
        return std::nullopt;
    }
    if (start) return start;
    if (!month) {
        f.addError("period_start", "required", "name the period: period_start or period");
        return std::nullopt;
    }
    const auto first = core::parseIsoDate(*month + "-01");
    if (month->size() != 7 || !first) {
        f.addError("period", "invalid_date", "must be a month YYYY-MM");
        return std::nullopt;
    }
    const auto settings = ctx.inventory.getSettings(tenant_id);
    if (!settings.ok()) return std::nullopt;
    return core::clampedDay({first->year(), first->month()},
                            static_cast<unsigned>(settings->billing_day));
}

Response invoiceResponse(int status, const domain::Invoice& inv) {
    return Response::jsonText(status, services::invoiceJsonText(inv));
}

HandlerResult previewInvoice(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto customer = f.string("customer_id", Presence::kRequired, kMaxIdLength);
    const auto period = readPeriod(ctx, *tenant, f);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto inv = ctx.invoicing.preview(*tenant, *customer, *period);
    if (!inv.ok()) return std::move(inv).error();
    JsonValue out = services::toJson(*inv);
    out.set("object", JsonValue::string("invoice_preview"));
    return Response::json(200, out);
}

HandlerResult createInvoice(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::GenerateRequest request;
    const auto customer = f.string("customer_id", Presence::kRequired, kMaxIdLength);
    const auto period = readPeriod(ctx, *tenant, f);
    const auto issue = f.boolean("issue", Presence::kOptional);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    request.customer_id = *customer;
    request.period_start = *period;
    request.intent =
        issue.value_or(true) ? services::IssueIntent::kIssue : services::IssueIntent::kDraft;
    auto generated = ctx.invoicing.generate(actorOf(r), *tenant, request);
    if (!generated.ok()) return std::move(generated).error();
    if (generated->outcome == services::GenerateOutcome::kNothingToBill)
        return Error::validation("customer_id", "nothing_to_bill",
                                 "the customer has no charges in the period");
    const bool created = generated->outcome != services::GenerateOutcome::kExisting;
    Response response = invoiceResponse(created ? 201 : 200, *generated->invoice);
    response.headers.emplace_back("Location", "/v1/invoices/" + generated->invoice->id);
    return response;
}

HandlerResult listInvoices(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"customer_id", "status", "period_start", "run_id"});
    if (!page.ok()) return std::move(page).error();
    services::InvoiceListFilter filter;
    filter.page = *page;
    Error errors{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    if (const auto it = r.query.find("customer_id"); it != r.query.end())
        filter.filter.customer_id = it->second;
    if (const auto it = r.query.find("run_id"); it != r.query.end())
        filter.filter.run_id = it->second;
    if (const auto it = r.query.find("status"); it != r.query.end()) {
        filter.filter.status = domain::parseInvoiceStatus(it->second);
        if (!filter.filter.status)
            errors.fields.push_back({"status", "invalid_enum",
                                     "must be one of draft, issued, paid, overdue, held, "
                                     "written_off, cancelled"});
    }
    if (const auto it = r.query.find("period_start"); it != r.query.end()) {
        filter.filter.period_start = core::parseIsoDate(it->second);
        if (!filter.filter.period_start)
            errors.fields.push_back({"period_start", "invalid_date", "must be a date YYYY-MM-DD"});
    }
    if (!errors.fields.empty()) return errors;
    const auto result = ctx.invoicing.list(*tenant, filter);
    core::JsonWriter w(1024 * (result.items.size() + 1));
    writeList(w, result.items, result.has_more,
              [](core::JsonWriter& out, const auto& x) { services::writeInvoice(out, x, false); });
    return Response::jsonText(200, std::move(w).take());
}

// JSON by default; HTML or CSV by ?format= or the Accept header.
HandlerResult getInvoice(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {"format"}); !s.ok()) return std::move(s).error();
    std::string format = "json";
    if (const auto it = r.query.find("format"); it != r.query.end()) {
        format = it->second;
        if (format != "json" && format != "html" && format != "csv")
            return Error::validation("format", "invalid_enum", "must be json, html or csv");
    } else if (r.accept.find("text/html") != std::string::npos) {
        format = "html";
    } else if (r.accept.find("text/csv") != std::string::npos) {
        format = "csv";
    }
    if (format == "json") {
        auto text = ctx.invoicing.jsonText(*tenant, r.param("invoice_id"));
        if (!text.ok()) return std::move(text).error();
        return Response::jsonText(200, std::move(*text));
    }
    auto context = ctx.invoicing.context(*tenant, r.param("invoice_id"));
    if (!context.ok()) return std::move(context).error();
    const services::InvoiceDocument doc = services::customerDocument(*context);
    Response response =
        format == "html"
            ? Response::text(200, "text/html; charset=utf-8", services::renderInvoiceHtml(doc))
            : Response::text(200, "text/csv; charset=utf-8", services::renderInvoiceCsv(doc));
    response.headers.emplace_back(
        "Content-Disposition",
        "inline; filename=\"" + services::invoiceAttachmentName(doc, format) + "\"");
    return response;
}

// The fields of a status change (single or bulk).
core::Result<services::StatusChange> readStatusChange(FieldReader& f) {
    services::StatusChange change;
    const auto status = f.oneOf("status", Presence::kRequired,
                                {"issued", "paid", "held", "written_off", "cancelled"});
    change.reason = f.string("reason", Presence::kOptional, 500);
    change.paid_date = f.date("paid_date", Presence::kOptional);
    change.send_email = f.boolean("send_email", Presence::kOptional);
    if (status) change.target = *domain::parseInvoiceStatus(*status);
    if (change.paid_date && status && *status != "paid")
        f.addError("paid_date", "not_allowed", "only with status paid");
    return change;
}

HandlerResult setStatus(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    auto change = readStatusChange(f);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto inv = ctx.invoicing.changeStatus(actorOf(r), *tenant, r.param("invoice_id"), *change);
    if (!inv.ok()) return std::move(inv).error();
    return invoiceResponse(200, *inv);
}

// Per id, not all-or-nothing: each id is changed in its own transaction and reported.
HandlerResult bulkStatus(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    auto ids = f.strings("invoice_ids", Presence::kRequired, kMaxBulkIds, kMaxIdLength);
    if (ids && ids->empty()) f.addError("invoice_ids", "required", "name at least one invoice");
    auto change = readStatusChange(f);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    const auto results = ctx.invoicing.bulkStatus(actorOf(r), *tenant, *ids, *change);
    JsonValue list = JsonValue::array();
    std::int64_t succeeded = 0;
    for (const auto& res : results) {
        JsonValue x = JsonValue::object();
        x.set("invoice_id", JsonValue::string(res.invoice_id))
            .set("ok", JsonValue::boolean(!res.error.has_value()));
        if (res.invoice) {
            ++succeeded;
            x.set("status",
                  JsonValue::string(std::string(domain::invoiceStatusName(res.invoice->status))));
        } else {
            JsonValue err = JsonValue::object();
            err.set("code", JsonValue::string(std::string(core::errorCodeName(res.error->code))))
                .set("detail", JsonValue::string(res.error->detail));
            if (!res.error->fields.empty()) {
                err.set("field", JsonValue::string(res.error->fields.front().field))
                    .set("field_code", JsonValue::string(res.error->fields.front().code));
            }
            x.set("error", std::move(err));
        }
        list.push(std::move(x));
    }
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("bulk_status_result"))
        .set("status", JsonValue::string(std::string(domain::invoiceStatusName(change->target))))
        .set("succeeded", JsonValue::number(succeeded))
        .set("failed", JsonValue::number(static_cast<std::int64_t>(results.size()) - succeeded))
        .set("results", std::move(list));
    return Response::json(200, out);
}

HandlerResult sendInvoice(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto inv = ctx.invoicing.send(actorOf(r), *tenant, r.param("invoice_id"));
    if (!inv.ok()) return std::move(inv).error();
    return invoiceResponse(200, *inv);
}

// A line body: description, amount (signed money), kwh, rate_per_kwh, taxable, kind, reason.
core::Result<std::pair<services::LineEdit, std::string>> readLine(ApiContext& ctx,
                                                                  const std::string& tenant_id,
                                                                  const std::string& invoice_id,
                                                                  const Request& r, bool adding) {
    auto inv = ctx.invoicing.get(tenant_id, invoice_id);
    if (!inv.ok()) return std::move(inv).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::LineEdit edit;
    if (auto k = f.oneOf("kind", Presence::kOptional, {"adjustment", "discount"}))
        edit.kind = domain::parseLineKind(*k);
    edit.description =
        f.string("description", adding ? Presence::kRequired : Presence::kOptional, 500);
    if (edit.description && edit.description->empty())
        f.addError("description", "out_of_range", "must not be empty");
    if (auto text = f.amountText("amount", adding ? Presence::kRequired : Presence::kOptional)) {
        auto money = domain::parseMoney("amount", *text, inv->currency);
        if (!money.ok()) {
            f.addError(money.error());
        } else {
            edit.amount_minor = money->minor;
        }
    }
    if (!adding) {
        edit.wh = f.fixed("kwh", Presence::kOptional, 3, 0, std::int64_t{1} << 50);
        edit.rate_micro =
            f.fixed("rate_per_kwh", Presence::kOptional, 6, 0, std::int64_t{1000} * 1000000);
    }
    edit.taxable = f.boolean("taxable", Presence::kOptional);
    const auto reason = f.string("reason", Presence::kRequired, 500);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return std::make_pair(edit, *reason);
}

HandlerResult addLine(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto line = readLine(ctx, *tenant, r.param("invoice_id"), r, true);
    if (!line.ok()) return std::move(line).error();
    auto inv = ctx.invoicing.addLine(actorOf(r), *tenant, r.param("invoice_id"), line->first,
                                     line->second);
    if (!inv.ok()) return std::move(inv).error();
    return invoiceResponse(201, *inv);
}

HandlerResult editLine(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto line = readLine(ctx, *tenant, r.param("invoice_id"), r, false);
    if (!line.ok()) return std::move(line).error();
    auto inv = ctx.invoicing.editLine(actorOf(r), *tenant, r.param("invoice_id"),
                                      r.param("line_id"), line->first, line->second);
    if (!inv.ok()) return std::move(inv).error();
    return invoiceResponse(200, *inv);
}

HandlerResult removeLine(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {"reason"}); !s.ok()) return std::move(s).error();
    const auto it = r.query.find("reason");
    auto inv =
        ctx.invoicing.removeLine(actorOf(r), *tenant, r.param("invoice_id"), r.param("line_id"),
                                 it == r.query.end() ? std::string() : it->second);
    if (!inv.ok()) return std::move(inv).error();
    return invoiceResponse(200, *inv);
}

HandlerResult addCredit(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto customer = ctx.inventory.getCustomer(*tenant, r.param("customer_id"));
    if (!customer.ok()) return std::move(customer).error();
    auto t = ctx.billing.getTenant(*tenant);
    if (!t.ok()) return std::move(t).error();
    const domain::Currency currency = domain::billingCurrencyOf(*customer, t->default_currency);
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    std::optional<std::int64_t> amount;
    if (auto text = f.amountText("amount", Presence::kRequired)) {
        auto money = domain::parseMoney("amount", *text, currency);
        if (!money.ok()) {
            f.addError(money.error());
        } else {
            amount = money->minor;
        }
    }
    const auto reason = f.string("reason", Presence::kRequired, 500);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto entry = ctx.invoicing.adjustCredit(actorOf(r), *tenant, customer->id, *amount, *reason);
    if (!entry.ok()) return std::move(entry).error();
    return Response::json(201, services::toJson(*entry));
}

HandlerResult listCredit(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {});
    if (!page.ok()) return std::move(page).error();
    auto entries = ctx.invoicing.listCredit(*tenant, r.param("customer_id"), *page);
    if (!entries.ok()) return std::move(entries).error();
    return Response::json(200, listJson(entries->items, entries->has_more,
                                        [](const auto& e) { return services::toJson(e); }));
}

// ---- invoice runs ----------------------------------------------------------------------------

HandlerResult createRun(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::RunRequest request;
    const auto period = readPeriod(ctx, *tenant, f);
    request.customer_id = f.string("customer_id", Presence::kOptional, kMaxIdLength);
    request.skip_existing = f.boolean("skip_existing", Presence::kOptional).value_or(true);
    request.preview_one = f.boolean("preview_one", Presence::kOptional).value_or(false);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    request.period_start = *period;
    auto run = ctx.invoice_runs.create(actorOf(r), *tenant, request);
    if (!run.ok()) return std::move(run).error();
    Response response = Response::json(202, services::toJson(*run));
    response.headers.emplace_back("Location", "/v1/invoice-runs/" + run->run.id);
    return response;
}

HandlerResult listRuns(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {});
    if (!page.ok()) return std::move(page).error();
    const auto runs = ctx.invoice_runs.list(*tenant, *page);
    return Response::json(200, listJson(runs.items, runs.has_more, [&](const auto& run) {
                              auto v = ctx.invoice_runs.get(*tenant, run.id);
                              return v.ok() ? services::toJson(*v) : JsonValue::null();
                          }));
}

HandlerResult getRun(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto run = ctx.invoice_runs.get(*tenant, r.param("run_id"));
    if (!run.ok()) return std::move(run).error();
    return Response::json(200, services::toJson(*run));
}

HandlerResult confirmRun(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto run = ctx.invoice_runs.confirm(actorOf(r), *tenant, r.param("run_id"));
    if (!run.ok()) return std::move(run).error();
    return Response::json(200, services::toJson(*run));
}

HandlerResult cancelRun(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto run = ctx.invoice_runs.cancel(actorOf(r), *tenant, r.param("run_id"));
    if (!run.ok()) return std::move(run).error();
    return Response::json(200, services::toJson(*run));
}

}  // namespace

void registerInvoiceRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    const auto A = Access::kAuthenticated;
    router.add({"POST", "/v1/invoices/preview", A, bind(previewInvoice)});
    router.add({"POST", "/v1/invoices/bulk-status", A, bind(bulkStatus)});
    router.add({"POST", "/v1/invoices", A, bind(createInvoice)});
    router.add({"GET", "/v1/invoices", A, bind(listInvoices)});
    router.add({"GET", "/v1/invoices/{invoice_id}", A, bind(getInvoice)});
    router.add({"POST", "/v1/invoices/{invoice_id}/status", A, bind(setStatus)});
    router.add({"POST", "/v1/invoices/{invoice_id}/send", A, bind(sendInvoice)});
    router.add({"POST", "/v1/invoices/{invoice_id}/lines", A, bind(addLine)});
    router.add({"PATCH", "/v1/invoices/{invoice_id}/lines/{line_id}", A, bind(editLine)});
    router.add({"DELETE", "/v1/invoices/{invoice_id}/lines/{line_id}", A, bind(removeLine)});
    router.add({"POST", "/v1/customers/{customer_id}/credits", A, bind(addCredit)});
    router.add({"GET", "/v1/customers/{customer_id}/credits", A, bind(listCredit)});
    router.add({"POST", "/v1/invoice-runs", A, bind(createRun)});
    router.add({"GET", "/v1/invoice-runs", A, bind(listRuns)});
    router.add({"GET", "/v1/invoice-runs/{run_id}", A, bind(getRun)});
    router.add({"POST", "/v1/invoice-runs/{run_id}/confirm", A, bind(confirmRun)});
    router.add({"POST", "/v1/invoice-runs/{run_id}/cancel", A, bind(cancelRun)});
}

}  // namespace billwright::http
