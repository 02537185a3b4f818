#include "services/contracts.h"

#include <algorithm>
#include <set>

#include "core/random.h"
#include "core/time_zone.h"
#include "domain/money.h"
#include "domain/tenant.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {
namespace {

using core::Error;
using core::ErrorCode;
using domain::Contract;
using domain::ContractStatus;
using domain::ContractType;

constexpr std::size_t kMaxReasonLength = 500;
constexpr std::size_t kMaxModelLength = 200;
constexpr std::size_t kMaxWalletLength = 128;
// A scheduler that was down for a long time catches up, but never loops without bound.
constexpr int kMaxRenewalsPerRun = 1000;

core::TimeZone zoneOf(const domain::Tenant& tenant) {
    return core::TimeZone::loadOr(tenant.timezone, core::TimeZone::utc());
}

core::Date todayIn(const domain::Tenant& tenant, const core::Clock& clock) {
    return zoneOf(tenant).localDate(clock.nowSeconds());
}

Error invalidTransition(std::string_view action, ContractStatus current) {
    const std::string status(domain::contractStatusName(current));
    Error e{ErrorCode::kInvalidTransition,
            "cannot " + std::string(action) + " a contract that is " + status,
            {}};
    e.fields.push_back({"status", status, "the contract's current status"});
    return e;
}

bool takesEquipment(ContractType t) {
    return t == ContractType::kHosted || t == ContractType::kLease;
}

bool isOpen(ContractStatus s) {
    return s == ContractStatus::kDraft || s == ContractStatus::kActive;
}

// Ids sort by their millisecond prefix, and the repository lists events by id. Several events
// can be written in one millisecond (or under a clock that does not move), so each contract's
// event ids are made strictly increasing from the previous one's time.
std::int64_t idMillis(const std::string& id) {
    static constexpr std::string_view kCrockford = "0123456789abcdefghjkmnpqrstvwxyz";
    const auto underscore = id.find('_');
    if (underscore == std::string::npos || id.size() < underscore + 11) return 0;
    // The first 10 digits hold 2 padding bits and the 48 time bits.
    std::int64_t value = 0;
    for (std::size_t i = underscore + 1; i < underscore + 11; ++i) {
        const auto digit = kCrockford.find(id[i]);
        if (digit == std::string_view::npos) return 0;
        value = (value << 5) | static_cast<std::int64_t>(digit);
    }
    return value;
}

class EventLog {
public:
    // A contract's log, continued after its last event.
    EventLog(storage::UnitOfWork& uow, const core::Clock& clock, const Actor& actor,
             const Contract& c)
        : EventLog(uow, clock, actor, c, kNew) {
        const auto existing = uow_.contracts().events(tenant_id_, contract_id_);
        if (!existing.empty()) last_millis_ = idMillis(existing.back().id);
    }

    // The log of a contract inserted by this transaction: it has no events yet, and reading
    // them would lock the index gap where every concurrent creator inserts its own (under
    // MySQL's SERIALIZABLE a read locks the gap after what it finds; two creators that both
    // read it and then both insert there deadlock).
    struct New {};
    static constexpr New kNew{};
    EventLog(storage::UnitOfWork& uow, const core::Clock& clock, const Actor& actor,
             const Contract& c, New)
        : uow_(uow), clock_(clock), actor_(actor), tenant_id_(c.tenant_id), contract_id_(c.id) {}

    // The events this log wrote, in order.
    const std::vector<storage::ContractEvent>& added() const { return added_; }

    void add(std::string kind, core::Date occurred_on,
             std::optional<core::Date> previous_end = std::nullopt,
             std::optional<core::Date> new_end = std::nullopt,
             std::optional<std::string> detail = std::nullopt) {
        last_millis_ = std::max(unixMillis(clock_), last_millis_ + 1);
        storage::ContractEvent e;
        e.id = core::newId("cev", last_millis_);
        e.tenant_id = tenant_id_;
        e.contract_id = contract_id_;
        e.kind = std::move(kind);
        e.occurred_on = occurred_on;
        e.previous_end_date = previous_end;
        e.new_end_date = new_end;
        e.detail = std::move(detail);
        e.actor = actor_.id;
        e.created_at = clock_.nowSeconds();
        uow_.contracts().insertEvent(e);
        added_.push_back(std::move(e));
    }

private:
    storage::UnitOfWork& uow_;
    const core::Clock& clock_;
    const Actor& actor_;
    std::string tenant_id_;
    std::string contract_id_;
    std::int64_t last_millis_ = 0;
    std::vector<storage::ContractEvent> added_;
};

ContractView loadView(storage::UnitOfWork& uow, const Contract& c, bool with_events = true) {
    ContractView view;
    view.contract = c;
    view.equipment_ids = uow.contracts().equipmentIds(c.tenant_id, c.id);
    view.site_ids = uow.contracts().siteIds(c.tenant_id, c.id);
    if (with_events) view.events = uow.contracts().events(c.tenant_id, c.id);
    return view;
}

core::JsonValue snapshot(storage::UnitOfWork& uow, const Contract& c) {
    return toJson(loadView(uow, c, false), false);
}

void audit(storage::UnitOfWork& uow, const Actor& actor, const core::Clock& clock,
           const std::string& action, const Contract& c,
           const std::optional<core::JsonValue>& before) {
    recordAudit(uow, actor, clock, c.tenant_id, "contract." + action, "contract", c.id, before,
                snapshot(uow, c));
}

// A contract this transaction created has no assignments, and its events are what its log
// wrote: its view is built without reading (see EventLog's kNew).
ContractView newView(const Contract& c, const EventLog& events) {
    ContractView view;
    view.contract = c;
    view.events = events.added();
    return view;
}

void auditNew(storage::UnitOfWork& uow, const Actor& actor, const core::Clock& clock,
              const std::string& action, const Contract& c,
              const std::optional<core::JsonValue>& before) {
    recordAudit(uow, actor, clock, c.tenant_id, "contract." + action, "contract", c.id, before,
                toJson(ContractView{c, {}, {}, {}}, false));
}

// 409 naming the unit (or site) and the active contract that holds it.
Error heldElsewhere(storage::UnitOfWork& uow, const std::string& tenant_id, std::string_view field,
                    std::string_view what, const std::string& item_id,
                    const std::string& holder_id) {
    const auto holder = uow.contracts().find(tenant_id, holder_id);
    const std::string name = holder && holder->contract_number
                                 ? *holder->contract_number + " (" + holder_id + ")"
                                 : holder_id;
    Error e{ErrorCode::kConflict,
            std::string(what) + " " + item_id + " is already in active contract " + name,
            {}};
    e.fields.push_back(
        {std::string(field), "in_active_contract", item_id + " is in active contract " + name});
    return e;
}

// The first assigned unit or site that another active contract holds, as a 409.
std::optional<Error> findHeld(storage::UnitOfWork& uow, const Contract& c,
                              const std::vector<std::string>& equipment_ids,
                              const std::vector<std::string>& site_ids) {
    auto& repo = uow.contracts();
    for (const auto& id : equipment_ids) {
        const auto holder = repo.activeContractForEquipment(c.tenant_id, id);
        if (holder && *holder != c.id)
            return heldElsewhere(uow, c.tenant_id, "equipment_ids", "equipment", id, *holder);
    }
    for (const auto& id : site_ids) {
        const auto holder = repo.activeContractForSite(c.tenant_id, id);
        if (holder && *holder != c.id)
            return heldElsewhere(uow, c.tenant_id, "site_ids", "site", id, *holder);
    }
    return std::nullopt;
}

// Hosted contracts take the customer's own units, Lease contracts the tenant's inventory;
// retired units take no new contract.
core::Status checkUnit(const Contract& c, const std::optional<domain::Equipment>& eq,
                       const std::string& id, std::string_view field) {
    if (!eq) return Error::validation(std::string(field), "not_found", "no such equipment: " + id);
    if (c.type == ContractType::kHosted && eq->owner_customer_id != c.customer_id) {
        return Error::validation(std::string(field), "wrong_owner",
                                 id + " is not owned by the contract's customer; hosted "
                                      "contracts take the customer's own equipment");
    }
    if (c.type == ContractType::kLease && eq->owner_customer_id) {
        return Error::validation(std::string(field), "wrong_owner",
                                 id + " is owned by a customer; lease contracts take the "
                                      "tenant's own inventory");
    }
    if (eq->status == domain::EquipmentStatus::kRetired) {
        return Error::validation(std::string(field), "retired", id + " is retired");
    }
    return {};
}

core::Status checkSite(const Contract& c, const std::optional<domain::Site>& site,
                       const std::string& id, std::string_view field) {
    if (!site) return Error::validation(std::string(field), "not_found", "no such site: " + id);
    if (site->operated_for_customer_id && *site->operated_for_customer_id != c.customer_id) {
        return Error::validation(std::string(field), "wrong_customer",
                                 id + " is operated for another customer");
    }
    return {};
}

// What validateContract does not check: text lengths the database holds.
core::Status checkText(const Contract& c) {
    Error e{ErrorCode::kValidationFailed, "the contract has invalid fields", {}};
    if (c.notes && c.notes->size() > domain::kMaxNotesLength)
        e.fields.push_back({"notes", "out_of_range", "must be at most 4000 bytes"});
    if (c.miner_model && c.miner_model->size() > kMaxModelLength)
        e.fields.push_back({"miner_model", "out_of_range", "must be at most 200 bytes"});
    if (c.payout_wallet && c.payout_wallet->size() > kMaxWalletLength)
        e.fields.push_back({"payout_wallet", "out_of_range", "must be at most 128 bytes"});
    if (e.fields.empty()) return {};
    return e;
}

core::Status checkContract(const Contract& c) {
    if (auto s = checkText(c); !s.ok()) return s;
    return domain::validateContract(c);
}

// Draft -> active inside the caller's transaction: assignments (`equipment_ids`, `site_ids`:
// the draft's) take their active slots (the database refuses a unit or site another active
// contract holds) and the contract gets the tenant's next number.
core::Result<Contract> activateInTx(storage::UnitOfWork& uow, const core::Clock& clock,
                                    const Contract& draft,
                                    const std::vector<std::string>& equipment_ids,
                                    const std::vector<std::string>& site_ids) {
    auto& repo = uow.contracts();
    if (auto s = domain::checkActivation(draft, equipment_ids.size(), site_ids.size()); !s.ok())
        return std::move(s).error();
    if (auto s = checkContract(draft); !s.ok()) return std::move(s).error();
    // Owners may have changed since the units were assigned to the draft.
    for (const auto& id : equipment_ids) {
        if (auto s = checkUnit(draft, uow.equipment().find(draft.tenant_id, id), id, "equipment");
            !s.ok())
            return std::move(s).error();
    }
    for (const auto& id : site_ids) {
        if (auto s = checkSite(draft, uow.sites().find(draft.tenant_id, id), id, "sites"); !s.ok())
            return std::move(s).error();
    }
    if (auto held = findHeld(uow, draft, equipment_ids, site_ids)) return std::move(*held);
    try {
        if (!equipment_ids.empty() || !site_ids.empty())
            repo.setAssignmentsActive(draft.tenant_id, draft.id, true);
    } catch (const storage::DbError& e) {
        // Another activation committed between our check and this statement; the statement
        // changed nothing and the caller's transaction rolls back on the returned error.
        if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
        if (auto held = findHeld(uow, draft, equipment_ids, site_ids)) return std::move(*held);
        return Error::conflict("an assigned unit or site is already in another active contract");
    }
    Contract c = draft;
    c.status = ContractStatus::kActive;
    c.contract_number =
        domain::formatContractNumber(uow.tenantSettings().nextSequence(c.tenant_id, "contract"));
    c.activated_at = clock.nowSeconds();
    c.updated_at = clock.nowSeconds();
    repo.update(c);
    return c;
}

// The billing settings an active contract may still change.
void copyBillingSettings(const Contract& from, Contract& to) {
    to.billing_methods = from.billing_methods;
    to.rate_micro = from.rate_micro;
    to.power_cap_w = from.power_cap_w;
    to.failover_mode = from.failover_mode;
    to.failover_hashprice_bp = from.failover_hashprice_bp;
    to.failover_hashprice_source = from.failover_hashprice_source;
    to.failover_rate_micro = from.failover_rate_micro;
    to.auto_renew = from.auto_renew;
    to.notice_days = from.notice_days;
    to.service_fee_per_site_minor = from.service_fee_per_site_minor;
    to.management_fee_rate_micro = from.management_fee_rate_micro;
    to.lease_fee_per_unit_minor = from.lease_fee_per_unit_minor;
    to.discount_bp = from.discount_bp;
    to.notes = from.notes;
}

// Fields the edit may not move at all, whatever the status.
void keepSystemFields(const Contract& from, Contract& to) {
    to.id = from.id;
    to.tenant_id = from.tenant_id;
    to.contract_number = from.contract_number;
    to.status = from.status;
    to.currency = from.currency;
    to.extensions_used = from.extensions_used;
    to.notice_given_on = from.notice_given_on;
    to.activated_at = from.activated_at;
    to.ended_on = from.ended_on;
    to.end_reason = from.end_reason;
    to.created_at = from.created_at;
    to.updated_at = from.updated_at;
}

// The top-level members whose values differ between two representations.
std::vector<std::string> changedMembers(const core::JsonValue& a, const core::JsonValue& b) {
    std::vector<std::string> out;
    for (const auto& [key, value] : a.members()) {
        const core::JsonValue* other = b.find(key);
        if (other == nullptr || core::toJson(*other) != core::toJson(value)) out.push_back(key);
    }
    return out;
}

// The end date at which a contract with a cancellation notice stops: the first end date, from
// the current one on, that the notice came early enough for.
core::Date endAfterNotice(const Contract& c) {
    core::Date end = c.end_date;
    for (int i = 0; i < kMaxRenewalsPerRun && !domain::noticeStopsRenewalAt(c, end); ++i)
        end = domain::termEnd(end, c.term);
    return end;
}

}  // namespace

Contracts::Contracts(storage::Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

core::Result<ContractView> Contracts::create(const Actor& actor, const std::string& tenant_id,
                                             const std::string& customer_id,
                                             const ContractEdit& edit, bool activate_now) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        const auto customer = uow.customers().find(tenant_id, customer_id);
        if (!customer) return Error::validation("customer_id", "not_found", "no such customer");
        if (customer->archived_at) {
            Error e = Error::conflict("the customer is archived; unarchive it first");
            e.fields.push_back({"customer_id", "archived", "the customer is archived"});
            return e;
        }
        Contract c;
        c.tenant_id = tenant_id;
        c.id = core::newId("ctr", unixMillis(clock_));
        c.customer_id = customer_id;
        c.start_date = todayIn(*tenant, clock_);
        c.currency = domain::billingCurrencyOf(*customer, tenant->default_currency);
        c.billing_methods.clear();
        c.created_at = c.updated_at = clock_.nowSeconds();
        const Contract base = c;
        edit(c);
        keepSystemFields(base, c);
        c.customer_id = customer_id;
        if (!c.end_date_overridden) c.end_date = domain::termEnd(c.start_date, c.term);
        if (takesEquipment(c.type)) {
            if (c.billing_methods.empty()) c.billing_methods = {"metered"};
            if (!c.rate_micro) {
                const auto settings = uow.tenantSettings().find(tenant_id);
                if (settings && settings->default_energy_rate_micro &&
                    tenant->default_currency == c.currency)
                    c.rate_micro = settings->default_energy_rate_micro;
            }
        }
        if (activate_now && c.type != ContractType::kInfinity) {
            return Error::validation("activate", "not_allowed",
                                     "only infinity contracts activate on creation; assign "
                                     "equipment or sites, then activate");
        }
        if (auto s = checkContract(c); !s.ok()) return std::move(s).error();
        // Nothing below reads the new contract's events or assignments back: each read would
        // lock the index gap where concurrent creators insert theirs (EventLog's kNew).
        uow.contracts().insert(c);
        EventLog events(uow, clock_, actor, c, EventLog::kNew);
        events.add("created", c.start_date, std::nullopt, c.end_date);
        auditNew(uow, actor, clock_, "created", c, std::nullopt);
        if (activate_now) {
            const auto before = toJson(ContractView{c, {}, {}, {}}, false);
            auto active = activateInTx(uow, clock_, c, {}, {});
            if (!active.ok()) return std::move(active).error();
            events.add("activated", todayIn(*tenant, clock_), std::nullopt, active->end_date,
                       active->contract_number);
            auditNew(uow, actor, clock_, "activated", *active, before);
            return newView(*active, events);
        }
        return newView(c, events);
    });
}

core::Result<ContractView> Contracts::get(const std::string& tenant_id, const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto c = uow.contracts().find(tenant_id, id);
        if (!c) return Error::notFound("contract");
        return loadView(uow, *c);
    });
}

Page<ContractView> Contracts::list(const std::string& tenant_id,
                                   const storage::ContractFilter& filter,
                                   const storage::PageRequest& page) {
    auto rows = store_.read([&](storage::UnitOfWork& uow) {
        std::vector<ContractView> views;
        for (const auto& c : uow.contracts().list(tenant_id, filter, page))
            views.push_back(loadView(uow, c, false));
        return views;
    });
    return toPage(std::move(rows), page.limit);
}

core::Result<ContractView> Contracts::update(const Actor& actor, const std::string& tenant_id,
                                             const std::string& id, const ContractEdit& edit) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto existing = uow.contracts().find(tenant_id, id);
        if (!existing) return Error::notFound("contract");
        if (!isOpen(existing->status)) return invalidTransition("change", existing->status);
        Contract c = *existing;
        edit(c);
        Error immutable{ErrorCode::kValidationFailed, "the contract has invalid fields", {}};
        if (c.type != existing->type)
            immutable.fields.push_back(
                {"type", "immutable", "a contract keeps its type; create a new contract"});
        if (c.customer_id != existing->customer_id)
            immutable.fields.push_back(
                {"customer_id", "immutable", "a contract keeps its customer"});
        if (!immutable.fields.empty()) return immutable;
        keepSystemFields(*existing, c);
        if (existing->status == ContractStatus::kActive) {
            // Renewals and extensions moved the end date away from termEnd(start, term), so
            // an active contract's dates stay as they are.
            Contract allowed = *existing;
            copyBillingSettings(c, allowed);
            auto locked = changedMembers(toJson(ContractView{c, {}, {}, {}}, false),
                                         toJson(ContractView{allowed, {}, {}, {}}, false));
            // Derived members move with the fields they derive from; name those when present.
            std::vector<std::string> named;
            for (const auto& field : locked) {
                if (field != "last_day" && field != "renews_on" && field != "expires_on" &&
                    field != "notice_deadline" && field != "end_date_overridden")
                    named.push_back(field);
            }
            if (!named.empty()) locked.swap(named);
            if (!locked.empty()) {
                Error e{ErrorCode::kConflict,
                        "an active contract changes only its billing settings; cancel it and "
                        "create a new one to change its terms",
                        {}};
                for (const auto& field : locked)
                    e.fields.push_back({field, "locked", "cannot change on an active contract"});
                return e;
            }
        } else if (!c.end_date_overridden) {
            c.end_date = domain::termEnd(c.start_date, c.term);
        }
        if (auto s = checkContract(c); !s.ok()) return std::move(s).error();
        const auto before = snapshot(uow, *existing);
        if (core::toJson(snapshot(uow, c)) == core::toJson(before)) return loadView(uow, c);
        c.updated_at = clock_.nowSeconds();
        uow.contracts().update(c);
        audit(uow, actor, clock_, "updated", c, before);
        return loadView(uow, c);
    });
}

core::Result<ContractView> Contracts::activate(const Actor& actor, const std::string& tenant_id,
                                               const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto existing = uow.contracts().find(tenant_id, id);
        if (!tenant || !existing) return Error::notFound("contract");
        const auto before = snapshot(uow, *existing);
        auto active = activateInTx(uow, clock_, *existing,
                                   uow.contracts().equipmentIds(tenant_id, existing->id),
                                   uow.contracts().siteIds(tenant_id, existing->id));
        if (!active.ok()) return std::move(active).error();
        EventLog(uow, clock_, actor, *active)
            .add("activated", todayIn(*tenant, clock_), std::nullopt, active->end_date,
                 active->contract_number);
        audit(uow, actor, clock_, "activated", *active, before);
        return loadView(uow, *active);
    });
}

core::Result<ContractView> Contracts::assignEquipment(
    const Actor& actor, const std::string& tenant_id, const std::string& id,
    const std::vector<std::string>& equipment_ids) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (!isOpen(c->status)) return invalidTransition("assign equipment to", c->status);
        if (!takesEquipment(c->type)) {
            return Error::validation("equipment_ids", "not_allowed",
                                     "only hosted and lease contracts take equipment; o_and_m "
                                     "contracts take sites, infinity contracts neither");
        }
        if (equipment_ids.empty())
            return Error::validation("equipment_ids", "required", "name at least one unit");
        Error invalid{ErrorCode::kValidationFailed, "some units cannot join this contract", {}};
        const auto current = uow.contracts().equipmentIds(tenant_id, id);
        std::vector<std::string> added;
        for (const auto& eq_id : equipment_ids) {
            if (std::find(current.begin(), current.end(), eq_id) != current.end() ||
                std::find(added.begin(), added.end(), eq_id) != added.end())
                continue;  // already assigned: assigning again changes nothing
            if (auto s =
                    checkUnit(*c, uow.equipment().find(tenant_id, eq_id), eq_id, "equipment_ids");
                !s.ok()) {
                invalid.fields.push_back(s.error().fields.at(0));
                continue;
            }
            added.push_back(eq_id);
        }
        if (!invalid.fields.empty()) return invalid;
        if (added.empty()) return loadView(uow, *c);
        const bool active = c->status == ContractStatus::kActive;
        if (active) {
            if (auto held = findHeld(uow, *c, added, {})) return std::move(*held);
        }
        const auto before = snapshot(uow, *c);
        EventLog events(uow, clock_, actor, *c);
        const core::Date today = todayIn(*tenant, clock_);
        for (const auto& eq_id : added) {
            try {
                uow.contracts().assignEquipment(tenant_id, id, eq_id, active, clock_.nowSeconds());
            } catch (const storage::DbError& e) {
                if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
                if (auto held = findHeld(uow, *c, {eq_id}, {})) return std::move(*held);
                return Error::conflict("equipment " + eq_id +
                                       " is already in another active contract");
            }
            events.add("equipment_assigned", today, std::nullopt, std::nullopt, eq_id);
        }
        Contract after = *c;
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        audit(uow, actor, clock_, "equipment_assigned", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::unassignEquipment(const Actor& actor,
                                                        const std::string& tenant_id,
                                                        const std::string& id,
                                                        const std::string& equipment_id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (!isOpen(c->status)) return invalidTransition("unassign equipment from", c->status);
        const auto current = uow.contracts().equipmentIds(tenant_id, id);
        if (std::find(current.begin(), current.end(), equipment_id) == current.end())
            return Error::notFound("equipment assignment");
        if (c->status == ContractStatus::kActive && current.size() == 1) {
            return Error::conflict(
                "an active contract keeps at least one unit; cancel the contract instead");
        }
        const auto before = snapshot(uow, *c);
        uow.contracts().unassignEquipment(tenant_id, id, equipment_id);
        EventLog(uow, clock_, actor, *c)
            .add("equipment_unassigned", todayIn(*tenant, clock_), std::nullopt, std::nullopt,
                 equipment_id);
        Contract after = *c;
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        audit(uow, actor, clock_, "equipment_unassigned", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::assignSites(const Actor& actor, const std::string& tenant_id,
                                                  const std::string& id,
                                                  const std::vector<std::string>& site_ids) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (!isOpen(c->status)) return invalidTransition("assign sites to", c->status);
        if (c->type != ContractType::kOperations) {
            return Error::validation("site_ids", "not_allowed",
                                     "only o_and_m contracts take sites");
        }
        if (site_ids.empty())
            return Error::validation("site_ids", "required", "name at least one site");
        Error invalid{ErrorCode::kValidationFailed, "some sites cannot join this contract", {}};
        const auto current = uow.contracts().siteIds(tenant_id, id);
        std::vector<std::string> added;
        for (const auto& site_id : site_ids) {
            if (std::find(current.begin(), current.end(), site_id) != current.end() ||
                std::find(added.begin(), added.end(), site_id) != added.end())
                continue;
            if (auto s = checkSite(*c, uow.sites().find(tenant_id, site_id), site_id, "site_ids");
                !s.ok()) {
                invalid.fields.push_back(s.error().fields.at(0));
                continue;
            }
            added.push_back(site_id);
        }
        if (!invalid.fields.empty()) return invalid;
        if (added.empty()) return loadView(uow, *c);
        const bool active = c->status == ContractStatus::kActive;
        if (active) {
            if (auto held = findHeld(uow, *c, {}, added)) return std::move(*held);
        }
        const auto before = snapshot(uow, *c);
        EventLog events(uow, clock_, actor, *c);
        const core::Date today = todayIn(*tenant, clock_);
        for (const auto& site_id : added) {
            try {
                uow.contracts().assignSite(tenant_id, id, site_id, active, clock_.nowSeconds());
            } catch (const storage::DbError& e) {
                if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
                if (auto held = findHeld(uow, *c, {}, {site_id})) return std::move(*held);
                return Error::conflict("site " + site_id +
                                       " is already in another active contract");
            }
            events.add("site_assigned", today, std::nullopt, std::nullopt, site_id);
        }
        Contract after = *c;
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        audit(uow, actor, clock_, "site_assigned", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::unassignSite(const Actor& actor, const std::string& tenant_id,
                                                   const std::string& id,
                                                   const std::string& site_id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (!isOpen(c->status)) return invalidTransition("unassign sites from", c->status);
        const auto current = uow.contracts().siteIds(tenant_id, id);
        if (std::find(current.begin(), current.end(), site_id) == current.end())
            return Error::notFound("site assignment");
        if (c->status == ContractStatus::kActive && current.size() == 1) {
            return Error::conflict(
                "an active contract keeps at least one site; cancel the contract instead");
        }
        const auto before = snapshot(uow, *c);
        uow.contracts().unassignSite(tenant_id, id, site_id);
        EventLog(uow, clock_, actor, *c)
            .add("site_unassigned", todayIn(*tenant, clock_), std::nullopt, std::nullopt, site_id);
        Contract after = *c;
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        audit(uow, actor, clock_, "site_unassigned", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::giveNotice(const Actor& actor, const std::string& tenant_id,
                                                 const std::string& id,
                                                 std::optional<core::Date> on) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (c->status != ContractStatus::kActive)
            return invalidTransition("give notice on", c->status);
        if (c->type != ContractType::kHosted || !c->auto_renew) {
            return Error::validation("auto_renew", "not_allowed",
                                     "only auto-renewing hosted contracts take a cancellation "
                                     "notice; the others end at their end date");
        }
        if (c->notice_given_on) {
            Error e =
                Error::conflict("notice was already given on " +
                                core::formatIsoDate(*c->notice_given_on) + "; withdraw it first");
            e.fields.push_back({"notice_given_on", "already_given", "notice was already given"});
            return e;
        }
        const core::Date today = todayIn(*tenant, clock_);
        const core::Date date = on.value_or(today);
        if (std::chrono::sys_days{date} > std::chrono::sys_days{today})
            return Error::validation("date", "in_future", "notice cannot be given in advance");
        const auto before = snapshot(uow, *c);
        Contract after = *c;
        after.notice_given_on = date;
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        // A late notice lets the contract renew until an end date it came early enough for.
        const core::Date ends = endAfterNotice(after);
        EventLog(uow, clock_, actor, after)
            .add("notice_given", date, after.end_date, ends,
                 "the contract ends on " + core::formatIsoDate(ends) + " (exclusive)");
        audit(uow, actor, clock_, "notice_given", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::withdrawNotice(const Actor& actor,
                                                     const std::string& tenant_id,
                                                     const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (c->status != ContractStatus::kActive)
            return invalidTransition("withdraw notice on", c->status);
        if (!c->notice_given_on) return Error::notFound("notice");
        const auto before = snapshot(uow, *c);
        Contract after = *c;
        after.notice_given_on.reset();
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        EventLog(uow, clock_, actor, after)
            .add("notice_withdrawn", todayIn(*tenant, clock_), std::nullopt, std::nullopt,
                 "notice of " + core::formatIsoDate(*c->notice_given_on) + " withdrawn");
        audit(uow, actor, clock_, "notice_withdrawn", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::extend(const Actor& actor, const std::string& tenant_id,
                                             const std::string& id, std::optional<int> days) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        auto next = domain::extended(*c, days);
        if (!next.ok()) return std::move(next).error();
        const auto before = snapshot(uow, *c);
        Contract after = std::move(next).value();
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        EventLog(uow, clock_, actor, after)
            .add("extended", todayIn(*tenant, clock_), c->end_date, after.end_date,
                 "extension " + std::to_string(after.extensions_used) + " of " +
                     std::to_string(after.max_extensions));
        audit(uow, actor, clock_, "extended", after, before);
        return loadView(uow, after);
    });
}

core::Result<ContractView> Contracts::cancel(const Actor& actor, const std::string& tenant_id,
                                             const std::string& id,
                                             std::optional<std::string> reason) {
    if (reason && (reason->empty() || reason->size() > kMaxReasonLength))
        return Error::validation("reason", "out_of_range", "must be 1 to 500 bytes");
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<ContractView> {
        const auto tenant = uow.tenants().find(tenant_id);
        const auto c = uow.contracts().find(tenant_id, id);
        if (!tenant || !c) return Error::notFound("contract");
        if (!isOpen(c->status)) return invalidTransition("cancel", c->status);
        const auto before = snapshot(uow, *c);
        const core::Date today = todayIn(*tenant, clock_);
        Contract after = *c;
        after.status = ContractStatus::kCancelled;
        after.ended_on = today;
        after.end_reason = reason.value_or("cancelled");
        after.updated_at = clock_.nowSeconds();
        uow.contracts().update(after);
        uow.contracts().setAssignmentsActive(tenant_id, id, false);
        EventLog(uow, clock_, actor, after)
            .add("cancelled", today, c->end_date, std::nullopt, reason);
        audit(uow, actor, clock_, "cancelled", after, before);
        return loadView(uow, after);
    });
}

ContractJobOutcome Contracts::processEndDates(WorkLeases& leases) {
    ContractJobOutcome outcome;
    // No time zone is more than 14 hours ahead of UTC, so tomorrow in UTC bounds "today"
    // everywhere; each contract is then checked in its tenant's own zone.
    const core::Date bound = core::addDays(core::TimeZone::utc().localDate(clock_.nowSeconds()), 1);
    DueSubjects due;
    for (const auto& ref : store_.read(
             [&](storage::UnitOfWork& uow) { return uow.contracts().activeEndingBy(bound); }))
        due.add(ref.tenant_id, ref.id);
    const Actor actor = Actor::system("contract_end_dates");
    enum class Done { kNothing, kRenewed, kExpired };
    const JobOutcome run = leases.run("contract_end_dates", due, [&](const JobSubject& subject) {
        const storage::ContractRef ref{subject.tenant_id, subject.key};
        try {
            const auto done =
                store_
                    .write([&](storage::UnitOfWork& uow) -> core::Result<Done> {
                        const auto tenant = uow.tenants().find(ref.tenant_id);
                        const auto c = uow.contracts().find(ref.tenant_id, ref.id);
                        if (!tenant || !c) return Done::kNothing;
                        const core::Date today = todayIn(*tenant, clock_);
                        if (domain::actionAt(*c, today) == domain::EndAction::kNone)
                            return Done::kNothing;
                        const auto before = snapshot(uow, *c);
                        EventLog events(uow, clock_, actor, *c);
                        Contract cur = *c;
                        int renewals = 0;
                        while (renewals < kMaxRenewalsPerRun &&
                               domain::actionAt(cur, today) == domain::EndAction::kRenew) {
                            Contract next = domain::renewed(cur);
                            events.add("renewed", cur.end_date, cur.end_date, next.end_date);
                            cur = std::move(next);
                            ++renewals;
                        }
                        Done result = renewals > 0 ? Done::kRenewed : Done::kNothing;
                        if (domain::actionAt(cur, today) == domain::EndAction::kExpire) {
                            cur.status = ContractStatus::kExpired;
                            cur.ended_on = cur.end_date;
                            cur.end_reason = cur.notice_given_on ? "notice_given" : "term_ended";
                            uow.contracts().setAssignmentsActive(cur.tenant_id, cur.id, false);
                            events.add("expired", cur.end_date, cur.end_date, std::nullopt,
                                       cur.type == ContractType::kLease
                                           ? std::optional<std::string>(
                                                 "leased equipment reverted to the tenant")
                                           : std::nullopt);
                            result = Done::kExpired;
                        }
                        cur.updated_at = clock_.nowSeconds();
                        uow.contracts().update(cur);
                        audit(uow, actor, clock_, result == Done::kExpired ? "expired" : "renewed",
                              cur, before);
                        return result;
                    })
                    .value();
            if (done == Done::kRenewed) ++outcome.renewed;
            if (done == Done::kExpired) ++outcome.expired;
            return done == Done::kNothing ? Handled::kSkipped : Handled::kProcessed;
        } catch (const std::exception&) {
            // Counted and reported by the scheduler; the other contracts still run.
            return Handled::kFailed;
        }
    });
    outcome.failed = run.failed;
    return outcome;
}

// ------------------------------------------------------------------------------ representation

core::JsonValue toJson(const ContractView& view, bool include_history) {
    using core::JsonValue;
    const Contract& c = view.contract;
    const auto date = [](core::Date d) { return JsonValue::string(core::formatIsoDate(d)); };
    const auto optionalDate = [&](const std::optional<core::Date>& d) {
        return d ? date(*d) : JsonValue::null();
    };
    // What happens at the end date, for a contract that has not ended.
    std::optional<core::Date> renews_on;
    std::optional<core::Date> expires_on;
    std::optional<core::Date> notice_deadline;
    if (isOpen(c.status)) {
        if (c.type == ContractType::kHosted && c.auto_renew) {
            notice_deadline = core::addDays(c.end_date, -c.notice_days);
            if (domain::noticeStopsRenewalAt(c, c.end_date)) {
                expires_on = c.end_date;
            } else {
                renews_on = c.end_date;
                if (c.notice_given_on) expires_on = endAfterNotice(c);
            }
        } else {
            expires_on = c.end_date;
        }
    }
    JsonValue methods = JsonValue::array();
    for (const auto& m : c.billing_methods) methods.push(JsonValue::string(m));
    JsonValue failover = JsonValue::object();
    failover.set("mode", JsonValue::string(std::string(domain::failoverModeName(c.failover_mode))))
        .set("hashprice_percent", optionalFixed(c.failover_hashprice_bp, 2))
        .set("hashprice_source", optionalString(c.failover_hashprice_source))
        .set("rate_per_kwh", optionalFixed(c.failover_rate_micro, 6));
    JsonValue equipment = JsonValue::array();
    for (const auto& id : view.equipment_ids) equipment.push(JsonValue::string(id));
    JsonValue sites = JsonValue::array();
    for (const auto& id : view.site_ids) sites.push(JsonValue::string(id));

    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(c.id))
        .set("object", JsonValue::string("contract"))
        .set("contract_number", optionalString(c.contract_number))
        .set("customer_id", JsonValue::string(c.customer_id))
        .set("type", JsonValue::string(std::string(domain::contractTypeName(c.type))))
        .set("status", JsonValue::string(std::string(domain::contractStatusName(c.status))))
        .set("term", JsonValue::string(std::string(domain::termKindName(c.term.kind))))
        .set("term_days", c.term.kind == domain::TermKind::kCustom
                              ? JsonValue::number(std::int64_t{c.term.custom_days})
                              : JsonValue::null())
        .set("start_date", date(c.start_date))
        .set("end_date", date(c.end_date))
        .set("last_day", date(core::addDays(c.end_date, -1)))
        .set("end_date_overridden", JsonValue::boolean(c.end_date_overridden))
        .set("auto_renew", JsonValue::boolean(c.auto_renew))
        .set("notice_days", JsonValue::number(std::int64_t{c.notice_days}))
        .set("notice_deadline", optionalDate(notice_deadline))
        .set("notice_given_on", optionalDate(c.notice_given_on))
        .set("renews_on", optionalDate(renews_on))
        .set("expires_on", optionalDate(expires_on))
        .set("max_extensions", JsonValue::number(std::int64_t{c.max_extensions}))
        .set("extensions_used", JsonValue::number(std::int64_t{c.extensions_used}))
        .set("currency", JsonValue::string(std::string(c.currency.code)))
        .set("billing_methods", std::move(methods))
        .set("rate_per_kwh", optionalFixed(c.rate_micro, 6))
        .set("power_cap_kw", optionalFixed(c.power_cap_w, 3))
        .set("failover", std::move(failover))
        .set("miner_model", optionalString(c.miner_model))
        .set("miner_hashrate_ths", optionalFixed(c.miner_hashrate_mth, 3))
        .set("miner_efficiency_jth", optionalFixed(c.miner_efficiency_mjth, 3))
        .set("quantity", c.quantity ? JsonValue::number(*c.quantity) : JsonValue::null())
        .set("connector_fee_percent", optionalFixed(c.connector_fee_bp, 2))
        .set("payout_wallet", optionalString(c.payout_wallet))
        .set("service_fee_per_site", c.service_fee_per_site_minor
                                         ? moneyJson(*c.service_fee_per_site_minor, c.currency)
                                         : JsonValue::null())
        .set("management_fee_per_kwh", optionalFixed(c.management_fee_rate_micro, 6))
        .set("lease_fee_per_unit", c.lease_fee_per_unit_minor
                                       ? moneyJson(*c.lease_fee_per_unit_minor, c.currency)
                                       : JsonValue::null())
        .set("discount_percent", optionalFixed(c.discount_bp, 2))
        .set("notes", optionalString(c.notes))
        .set("equipment_ids", std::move(equipment))
        .set("site_ids", std::move(sites));
    if (include_history) {
        JsonValue history = JsonValue::array();
        for (const auto& e : view.events) {
            JsonValue item = JsonValue::object();
            item.set("id", JsonValue::string(e.id))
                .set("kind", JsonValue::string(e.kind))
                .set("occurred_on", date(e.occurred_on))
                .set("previous_end_date", optionalDate(e.previous_end_date))
                .set("new_end_date", optionalDate(e.new_end_date))
                .set("detail", optionalString(e.detail))
                .set("actor", JsonValue::string(e.actor))
                .set("created_at", timestampJson(e.created_at));
            history.push(std::move(item));
        }
        o.set("history", std::move(history));
    }
    o.set("activated_at", optionalTimestamp(c.activated_at))
        .set("ended_on", optionalDate(c.ended_on))
        .set("end_reason", optionalString(c.end_reason))
        .set("created_at", timestampJson(c.created_at))
        .set("updated_at", timestampJson(c.updated_at));
    return o;
}

}  // namespace billwright::services
