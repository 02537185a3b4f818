#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "services/invoice_documents.h"
#include "services/invoicing.h"
#include "storage/repositories.h"

namespace billwright::services {

// The document of one invoice as its customer sees it: the tenant's header, logo and footer,
// and line items shown unless the customer's (or else the tenant's) setting hides them.
// `ctx` must outlive the result.
InvoiceDocument customerDocument(const InvoiceContext& ctx);

// Puts the invoice email into the outbox inside the caller's transaction: to the customer's
// billing email, from the tenant's sender identity, the summary as text and HTML, the full
// invoice attached as HTML. `kind` is "invoice.issued" (once per invoice: a repeat is
// deduplicated) or "invoice.sent" (a resend: every call queues a message).
void queueInvoiceEmail(storage::UnitOfWork& uow, const core::Clock& clock,
                       const InvoiceContext& ctx, std::string_view kind);

}  // namespace billwright::services
