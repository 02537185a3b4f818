#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "domain/invoice.h"
#include "services/actor.h"
#include "services/invoicing.h"
#include "services/payments.h"
#include "storage/repositories.h"

namespace billwright::services {

// The ways a delinquent account is resolved (seed 000, "To manually resolve a delinquent
// account"): apply the customer's credit, write the balance off, mark invoices paid after
// collecting out of band, and clear the hold and default status.
enum class Resolution { kApplyCredit, kWriteOff, kMarkPaid, kClearHold };
std::string_view resolutionName(Resolution r);  // "apply_credit", "write_off", ...
std::optional<Resolution> parseResolution(std::string_view text);

struct ResolutionRequest {
    Resolution action = Resolution::kApplyCredit;
    // The invoices to act on; empty: every open invoice of the customer (issued and overdue;
    // held ones too for a write-off), oldest first.
    std::vector<std::string> invoice_ids;
    std::optional<std::string> reason;          // required for write_off
    std::map<std::string, std::string> params;  // mark_paid: payment_manual's (reference, ...)
};

struct ResolutionOutcome {
    Resolution action = Resolution::kApplyCredit;
    domain::Customer customer;              // after
    std::vector<domain::Invoice> invoices;  // each invoice acted on, after
    std::vector<domain::Payment> payments;  // mark_paid: the recorded payments
    std::int64_t credit_applied_minor = 0;  // apply_credit: taken off the balance in total
};

// Runs resolutions: each is audited (customer.resolved.<action> besides the events of each
// change). apply_credit and clear_hold are one transaction; write_off and mark_paid change
// each invoice in its own (through Invoicing and Payments), stopping at the first refusal.
class Resolutions {
public:
    Resolutions(storage::Store& store, const core::Clock& clock, Invoicing& invoicing,
                Payments& payments);

    core::Result<ResolutionOutcome> resolve(const Actor& actor, const std::string& tenant_id,
                                            const std::string& customer_id,
                                            const ResolutionRequest& request);

private:
    core::Result<std::vector<domain::Invoice>> targets(const std::string& tenant_id,
                                                       const std::string& customer_id,
                                                       const ResolutionRequest& request);

    storage::Store& store_;
    const core::Clock& clock_;
    Invoicing& invoicing_;
    Payments& payments_;
};

core::JsonValue toJson(const ResolutionOutcome& outcome);

}  // namespace billwright::services
