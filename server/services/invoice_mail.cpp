#include "services/invoice_mail.h"

#include "core/random.h"
#include "services/audit.h"

namespace billwright::services {

InvoiceDocument customerDocument(const InvoiceContext& ctx) {
    return InvoiceDocument{
        .invoice = ctx.invoice,
        .tenant_name = ctx.tenant_name,
        .customer_name = ctx.customer.name,
        .customer_company = ctx.customer.company_name,
        .billing_email = ctx.customer.invoiceEmail(),
        .header_text = ctx.settings.invoice_header,
        .logo_url = ctx.settings.invoice_logo_url,
        .footer_text = ctx.settings.invoice_footer,
        .show_line_items = ctx.customer.show_line_items.value_or(ctx.settings.show_line_items),
    };
}

void queueInvoiceEmail(storage::UnitOfWork& uow, const core::Clock& clock,
                       const InvoiceContext& ctx, std::string_view kind) {
    const InvoiceDocument doc = customerDocument(ctx);
    storage::OutboxMessage m;
    m.id = core::newId("msg", unixMillis(clock));
    m.tenant_id = ctx.invoice.tenant_id;
    m.kind = std::string(kind);
    m.dedupe_key = m.kind + ":" + ctx.invoice.id;
    if (kind != "invoice.issued") m.dedupe_key += ":" + m.id;
    m.recipient = ctx.customer.invoiceEmail();
    m.subject = invoiceEmailSubject(doc);
    m.body = renderInvoiceEmailText(doc);
    m.html_body = renderInvoiceEmailHtml(doc);
    m.sender_name = ctx.settings.sender_name ? ctx.settings.sender_name
                                             : std::optional<std::string>(ctx.tenant_name);
    m.sender_email = ctx.settings.sender_email;
    m.reply_to = ctx.settings.reply_to;
    m.attachment_name = invoiceAttachmentName(doc);
    m.attachment_type = "text/html";
    m.attachment_body = renderInvoiceHtml(doc);
    m.object_id = ctx.invoice.id;
    m.next_attempt_at = clock.nowSeconds();
    m.created_at = clock.nowSeconds();
    uow.outbox().enqueue(m);  // false: this event's message is already queued
}

}  // namespace billwright::services
