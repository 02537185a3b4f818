#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "domain/contract.h"
#include "domain/inventory.h"
#include "domain/telemetry.h"

namespace billwright::storage {

struct PageRequest;

// Every call takes the tenant id: one tenant's rows are never visible to another's calls.

struct CustomerFilter {
    std::optional<std::string> search;  // case-insensitive substring of name, company, emails
    std::optional<bool> active;
    std::optional<bool> in_default;
    std::optional<bool> billing_hold;
    bool archived = false;  // false: only live customers; true: only archived ones
};

class CustomerRepository {
public:
    virtual ~CustomerRepository() = default;
    virtual std::optional<domain::Customer> find(std::string_view tenant_id,
                                                 std::string_view id) = 0;
    virtual std::vector<domain::Customer> list(std::string_view tenant_id,
                                               const CustomerFilter& filter,
                                               const PageRequest& page) = 0;
    virtual void insert(const domain::Customer& customer) = 0;
    virtual void update(const domain::Customer& customer) = 0;
};

class SiteRepository {
public:
    virtual ~SiteRepository() = default;
    virtual std::optional<domain::Site> find(std::string_view tenant_id, std::string_view id) = 0;
    virtual std::vector<domain::Site> list(std::string_view tenant_id,
                                           const std::optional<std::string>& operated_for,
                                           const PageRequest& page) = 0;
    virtual void insert(const domain::Site& site) = 0;
    virtual void update(const domain::Site& site) = 0;
    virtual void remove(std::string_view tenant_id, std::string_view id) = 0;
    // Equipment at the site plus contracts it was ever assigned to.
    virtual std::int64_t countReferences(std::string_view tenant_id, std::string_view id) = 0;
};

struct EquipmentFilter {
    std::optional<std::string> site_id;
    std::optional<std::string> owner_customer_id;
    bool tenant_owned_only = false;    // owner=tenant: the tenant's own inventory
    bool customer_owned_only = false;  // owner=customer: any customer's equipment
    std::optional<domain::EquipmentStatus> status;
    std::optional<std::string> model;
    std::optional<std::string> search;  // substring of serial number or model
    std::optional<bool> contracted;     // in an active contract or not
};

// What telemetry ingestion needs to resolve rows: every unit's id and PDU port.
struct EquipmentRef {
    std::string id;
    std::optional<std::string> pdu_port;
    std::int64_t sample_key = 0;
};

struct UncontractedEquipment {
    domain::Equipment equipment;
    std::int64_t last_hashrate_ts = 0;
    std::int64_t last_hashrate_mth = 0;
};

class EquipmentRepository {
public:
    virtual ~EquipmentRepository() = default;
    virtual std::optional<domain::Equipment> find(std::string_view tenant_id,
                                                  std::string_view id) = 0;
    // The tenant's units among `ids`, in one query, ordered by id (unknown ids are left out).
    virtual std::vector<domain::Equipment> findMany(std::string_view tenant_id,
                                                    const std::vector<std::string>& ids) = 0;
    virtual std::vector<domain::Equipment> list(std::string_view tenant_id,
                                                const EquipmentFilter& filter,
                                                const PageRequest& page) = 0;
    // `count` consecutive fresh sample keys; returns the first.
    virtual std::int64_t reserveSampleKeys(std::int64_t count) = 0;
    virtual void insert(const domain::Equipment& equipment) = 0;
    // One prepared statement for the whole batch (CSV import).
    virtual void insertMany(const std::vector<domain::Equipment>& equipment) = 0;
    virtual void update(const domain::Equipment& equipment) = 0;
    virtual void remove(std::string_view tenant_id, std::string_view id) = 0;
    // Serial numbers / PDU ports already taken in the tenant (for checking a whole import).
    virtual std::vector<std::string> existingSerials(std::string_view tenant_id) = 0;
    virtual std::vector<std::string> existingPorts(std::string_view tenant_id) = 0;
    // Whether one serial number / PDU port is taken in the tenant.
    virtual bool serialTaken(std::string_view tenant_id, std::string_view serial) = 0;
    virtual bool portTaken(std::string_view tenant_id, std::string_view port) = 0;
    virtual std::vector<EquipmentRef> refs(std::string_view tenant_id) = 0;
    // Not retired, latest hashrate sample at or after `since` is > 0, and in no active
    // contract. Sorted by id; `limit` rows at most.
    virtual std::vector<UncontractedEquipment> listUncontracted(std::string_view tenant_id,
                                                                std::int64_t since,
                                                                std::size_t limit) = 0;
    virtual std::int64_t countUncontracted(std::string_view tenant_id, std::int64_t since) = 0;
    virtual void setStatus(std::string_view tenant_id, std::string_view id,
                           domain::EquipmentStatus status, core::SysSeconds at) = 0;
};

struct SampleRow {
    std::int64_t equipment_key = 0;  // the unit's sample_key
    domain::SampleKind kind = domain::SampleKind::kEnergy;
    std::int64_t ts = 0;
    std::int64_t value = 0;
};

enum class SampleOutcome { kStored, kDuplicate, kConflict };

class TelemetryRepository {
public:
    virtual ~TelemetryRepository() = default;
    // Units are named by their sample_key, which the caller found through the tenant's own
    // equipment (EquipmentRepository), so these calls cannot reach another tenant's samples.
    //
    // Stores each row unless a sample with the same (unit, kind, ts) exists: an identical one
    // is a duplicate (kept once), a different value a conflict (the stored one stays).
    // `outcomes` gets one entry per row, in the order of `rows`; the inserts themselves run in
    // key order, which keeps each page of the table touched once per batch.
    virtual void insertBatch(const std::vector<SampleRow>& rows,
                             std::vector<SampleOutcome>& outcomes) = 0;
    // Up to `capacity` samples of one kind with from <= ts < to, in ts order, into ts[] and
    // values[]; returns how many. Billing methods stream a period with repeated calls.
    virtual std::size_t readRange(std::int64_t equipment_key, domain::SampleKind kind,
                                  std::int64_t from, std::int64_t to, std::size_t capacity,
                                  std::int64_t* ts, std::int64_t* values) = 0;
    // The last sample with ts < at, or the first with ts >= at (`at_or_after`).
    virtual std::optional<domain::Sample> edge(std::int64_t equipment_key, domain::SampleKind kind,
                                               std::int64_t at, bool at_or_after) = 0;
    // The newest sample of a kind, if any.
    virtual std::optional<domain::Sample> latest(std::int64_t equipment_key,
                                                 domain::SampleKind kind) = 0;
};

struct ContractFilter {
    std::optional<std::string> customer_id;
    std::optional<domain::ContractStatus> status;
    std::optional<domain::ContractType> type;
    std::optional<std::string> equipment_id;  // contracts the unit was assigned to
};

struct ContractEvent {
    std::string id;  // "cev_..."
    std::string tenant_id;
    std::string contract_id;
    std::string kind;  // created, activated, renewed, extended, notice_given, cancelled,
                       // expired, equipment_assigned, equipment_unassigned, site_assigned, ...
    core::Date occurred_on{};
    std::optional<core::Date> previous_end_date;
    std::optional<core::Date> new_end_date;
    std::optional<std::string> detail;
    std::string actor;
    core::SysSeconds created_at{};
};

struct ContractRef {
    std::string tenant_id;
    std::string id;
};

class ContractRepository {
public:
    virtual ~ContractRepository() = default;
    virtual std::optional<domain::Contract> find(std::string_view tenant_id,
                                                 std::string_view id) = 0;
    virtual std::vector<domain::Contract> list(std::string_view tenant_id,
                                               const ContractFilter& filter,
                                               const PageRequest& page) = 0;
    virtual void insert(const domain::Contract& contract) = 0;
    virtual void update(const domain::Contract& contract) = 0;
    virtual std::vector<std::string> equipmentIds(std::string_view tenant_id,
                                                  std::string_view contract_id) = 0;
    virtual std::vector<std::string> siteIds(std::string_view tenant_id,
                                             std::string_view contract_id) = 0;
    // `active`: the assignment holds the unit's one active slot now (throws a unique
    // violation DbError when another active contract holds it).
    virtual void assignEquipment(std::string_view tenant_id, std::string_view contract_id,
                                 std::string_view equipment_id, bool active,
                                 core::SysSeconds at) = 0;
    virtual bool unassignEquipment(std::string_view tenant_id, std::string_view contract_id,
                                   std::string_view equipment_id) = 0;
    virtual void assignSite(std::string_view tenant_id, std::string_view contract_id,
                            std::string_view site_id, bool active, core::SysSeconds at) = 0;
    virtual bool unassignSite(std::string_view tenant_id, std::string_view contract_id,
                              std::string_view site_id) = 0;
    // Takes (active) or releases the contract's equipment and site slots.
    virtual void setAssignmentsActive(std::string_view tenant_id, std::string_view contract_id,
                                      bool active) = 0;
    // The active contract holding a unit / site, if any.
    virtual std::optional<std::string> activeContractForEquipment(
        std::string_view tenant_id, std::string_view equipment_id) = 0;
    // (equipment id, contract id) of the units among `equipment_ids` in an active contract.
    virtual std::vector<std::pair<std::string, std::string>> activeContractsForEquipment(
        std::string_view tenant_id, const std::vector<std::string>& equipment_ids) = 0;
    virtual std::optional<std::string> activeContractForSite(std::string_view tenant_id,
                                                             std::string_view site_id) = 0;
    virtual std::int64_t countActiveForCustomer(std::string_view tenant_id,
                                                std::string_view customer_id) = 0;
    // Contracts past draft (active, expired, cancelled) whose [start_date, end_date) overlaps
    // [from, to): what an invoice for the period bills. All of `customer_id`'s, or (no
    // customer) every customer's; by customer, then id.
    virtual std::vector<domain::Contract> billableIn(std::string_view tenant_id,
                                                     const std::optional<std::string>& customer_id,
                                                     core::Date from, core::Date to) = 0;
    // The distinct customers of billableIn, ordered by id.
    virtual std::vector<std::string> billableCustomers(std::string_view tenant_id, core::Date from,
                                                       core::Date to) = 0;
    virtual void insertEvent(const ContractEvent& event) = 0;
    virtual std::vector<ContractEvent> events(std::string_view tenant_id,
                                              std::string_view contract_id) = 0;
    // Active contracts of every tenant whose end date is on or before `date` (a candidate
    // list for the scheduler, which checks each in its tenant's time zone).
    virtual std::vector<ContractRef> activeEndingBy(core::Date date) = 0;
};

class TenantSettingsRepository {
public:
    virtual ~TenantSettingsRepository() = default;
    virtual std::optional<domain::TenantBillingSettings> find(std::string_view tenant_id) = 0;
    virtual void upsert(const domain::TenantBillingSettings& settings) = 0;
    virtual std::vector<domain::TenantBillingSettings> listAutoGenerating() = 0;
    // The next value of a gap-free per-tenant counter (e.g. "contract"), inside the caller's
    // transaction.
    virtual std::int64_t nextSequence(std::string_view tenant_id, std::string_view name) = 0;
};

}  // namespace billwright::storage
