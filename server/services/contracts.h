#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "domain/contract.h"
#include "services/actor.h"
#include "services/platform_billing.h"
#include "storage/repositories.h"

namespace billwright::services {

// A contract with what the API shows beside it.
struct ContractView {
    domain::Contract contract;
    std::vector<std::string> equipment_ids;
    std::vector<std::string> site_ids;
    std::vector<storage::ContractEvent> events;  // oldest first
};

// Applied to a draft (or, for the billing settings, an active) contract inside the write
// transaction; the service re-derives the end date and validates the result.
using ContractEdit = std::function<void(domain::Contract&)>;

struct ContractJobOutcome {
    int renewed = 0;
    int expired = 0;
    int failed = 0;
};

// Hosting contracts (seeds 001/002): drafts, activation with a permanent number, equipment and
// site assignment (a unit or site is in at most one active contract, enforced by the
// database), renewals, lease extensions, cancellation notices, cancellation and expiry.
class Contracts {
public:
    Contracts(storage::Store& store, const core::Clock& clock);

    // A draft for `customer_id` (422 "customer_id" not_found when missing, 409 when archived).
    // Before `edit` runs the draft has: start date today in the tenant's time zone, the
    // customer's billing currency, no billing methods and no rate. After it: the end date is
    // termEnd(start, term) unless end_date_overridden; Hosted and Lease contracts left without
    // billing methods get [metered], and without a rate the tenant's default energy rate (when
    // it is in the contract's currency). An Infinity contract created with activate_now is
    // activated in the same transaction (422 "activate" for other types).
    core::Result<ContractView> create(const Actor& actor, const std::string& tenant_id,
                                      const std::string& customer_id, const ContractEdit& edit,
                                      bool activate_now);
    core::Result<ContractView> get(const std::string& tenant_id, const std::string& id);
    // Newest first; each item carries its equipment and site ids but not its history.
    Page<ContractView> list(const std::string& tenant_id, const storage::ContractFilter& filter,
                            const storage::PageRequest& page);
    // Drafts take any field but type and customer (422 "immutable"); the end date follows the
    // term unless overridden. Active contracts take only their billing settings (billing
    // methods, rate, power cap, failover, auto-renew, notice days, O&M fees, notes): any other
    // change is a 409 naming the locked fields. Expired or cancelled contracts: 409.
    core::Result<ContractView> update(const Actor& actor, const std::string& tenant_id,
                                      const std::string& id, const ContractEdit& edit);

    core::Result<ContractView> activate(const Actor& actor, const std::string& tenant_id,
                                        const std::string& id);
    // Hosted/Lease: equipment; O&M: sites. Draft or active contracts only. Hosted takes the
    // customer's own equipment, Lease the tenant's inventory (422 naming "equipment_id"
    // otherwise). On an active contract the unit must be free (409 naming the holder).
    core::Result<ContractView> assignEquipment(const Actor& actor, const std::string& tenant_id,
                                               const std::string& id,
                                               const std::vector<std::string>& equipment_ids);
    core::Result<ContractView> unassignEquipment(const Actor& actor, const std::string& tenant_id,
                                                 const std::string& id,
                                                 const std::string& equipment_id);
    core::Result<ContractView> assignSites(const Actor& actor, const std::string& tenant_id,
                                           const std::string& id,
                                           const std::vector<std::string>& site_ids);
    core::Result<ContractView> unassignSite(const Actor& actor, const std::string& tenant_id,
                                            const std::string& id, const std::string& site_id);

    // The customer's notice that stops auto-renewal (date defaults to today, tenant zone).
    core::Result<ContractView> giveNotice(const Actor& actor, const std::string& tenant_id,
                                          const std::string& id, std::optional<core::Date> on);
    core::Result<ContractView> withdrawNotice(const Actor& actor, const std::string& tenant_id,
                                              const std::string& id);
    // Lease only; see domain::extended.
    core::Result<ContractView> extend(const Actor& actor, const std::string& tenant_id,
                                      const std::string& id, std::optional<int> days);
    // Draft or active -> cancelled; releases equipment and sites.
    core::Result<ContractView> cancel(const Actor& actor, const std::string& tenant_id,
                                      const std::string& id, std::optional<std::string> reason);

    // The scheduler's daily pass: every active contract whose end date has come (in its
    // tenant's time zone) renews or expires (domain::actionAt); expiry releases equipment
    // (a leased unit reverts to the tenant) and sites. Each contract is its own transaction, and
    // the subject of a lease ("ten_1/con_2").
    ContractJobOutcome processEndDates(WorkLeases& leases);

private:
    storage::Store& store_;
    const core::Clock& clock_;
};

// The API representation of a contract (money and rates in the contract's currency). Audit
// snapshots and list items leave out the history.
core::JsonValue toJson(const ContractView& view, bool include_history = true);

}  // namespace billwright::services
