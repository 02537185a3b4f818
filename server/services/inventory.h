#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "domain/inventory.h"
#include "services/actor.h"
#include "services/platform_billing.h"
#include "storage/repositories.h"

namespace billwright::services {

// Edits applied to a record inside the write transaction: the HTTP layer turns a request body
// into one of these, the service validates the whole result and writes it with its audit event.
using CustomerEdit = std::function<void(domain::Customer&)>;
using SiteEdit = std::function<void(domain::Site&)>;
using EquipmentEdit = std::function<void(domain::Equipment&)>;

// One row of an equipment CSV import that failed, with every bad field.
struct ImportRowError {
    std::size_t line = 0;
    std::string field;
    std::string code;
    std::string message;
};

struct ImportResult {
    std::vector<domain::Equipment> created;
    std::vector<ImportRowError> errors;  // non-empty: nothing was imported
};

inline constexpr std::size_t kMaxImportRows = 50000;

// Customers, sites, equipment and the tenant's billing settings (issue 3). Every call is scoped
// to one tenant; another tenant's record answers 404.
class Inventory {
public:
    Inventory(storage::Store& store, const core::Clock& clock);

    core::Result<domain::Customer> createCustomer(const Actor& actor, const std::string& tenant_id,
                                                  const CustomerEdit& edit);
    core::Result<domain::Customer> getCustomer(const std::string& tenant_id, const std::string& id);
    Page<domain::Customer> listCustomers(const std::string& tenant_id,
                                         const storage::CustomerFilter& filter,
                                         const storage::PageRequest& page);
    core::Result<domain::Customer> updateCustomer(const Actor& actor, const std::string& tenant_id,
                                                  const std::string& id, const CustomerEdit& edit);
    // Archived customers drop out of lists and cannot get new contracts; refused (409) while
    // the customer has a draft or active contract.
    core::Result<domain::Customer> archiveCustomer(const Actor& actor, const std::string& tenant_id,
                                                   const std::string& id);
    core::Result<domain::Customer> unarchiveCustomer(const Actor& actor,
                                                     const std::string& tenant_id,
                                                     const std::string& id);

    core::Result<domain::Site> createSite(const Actor& actor, const std::string& tenant_id,
                                          const SiteEdit& edit);
    core::Result<domain::Site> getSite(const std::string& tenant_id, const std::string& id);
    Page<domain::Site> listSites(const std::string& tenant_id,
                                 const std::optional<std::string>& operated_for,
                                 const storage::PageRequest& page);
    core::Result<domain::Site> updateSite(const Actor& actor, const std::string& tenant_id,
                                          const std::string& id, const SiteEdit& edit);
    // Only a site no equipment or contract refers to (409 otherwise).
    core::Status deleteSite(const Actor& actor, const std::string& tenant_id,
                            const std::string& id);

    core::Result<domain::Equipment> createEquipment(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const EquipmentEdit& edit);
    core::Result<domain::Equipment> getEquipment(const std::string& tenant_id,
                                                 const std::string& id);
    Page<domain::Equipment> listEquipment(const std::string& tenant_id,
                                          const storage::EquipmentFilter& filter,
                                          const storage::PageRequest& page);
    core::Result<domain::Equipment> updateEquipment(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& id,
                                                    const EquipmentEdit& edit);
    // All or nothing: any bad row (or a serial / port taken in the file or the tenant) leaves
    // the database unchanged and the result lists every problem with its line.
    core::Result<ImportResult> importEquipmentCsv(const Actor& actor, const std::string& tenant_id,
                                                  std::string_view csv);
    // The active contract holding the unit, if any.
    std::optional<std::string> activeContractOf(const std::string& tenant_id,
                                                const std::string& equipment_id);
    // The same for a page of units, in one query: equipment id -> contract id.
    std::map<std::string, std::string> activeContractsOf(
        const std::string& tenant_id, const std::vector<domain::Equipment>& units);

    core::Result<domain::TenantBillingSettings> getSettings(const std::string& tenant_id);
    core::Result<domain::TenantBillingSettings> updateSettings(
        const Actor& actor, const std::string& tenant_id,
        const std::function<void(domain::TenantBillingSettings&)>& edit);

private:
    static core::Status checkCustomer(const domain::Customer& c);
    core::Status checkSite(storage::UnitOfWork& uow, const domain::Site& s);
    core::Status checkEquipment(storage::UnitOfWork& uow, domain::Equipment& e,
                                const std::optional<std::string>& previous_serial,
                                const std::optional<std::string>& previous_port);

    storage::Store& store_;
    const core::Clock& clock_;
};

// Validation of one equipment record's own fields, shared by the API and the CSV import:
// serial/model text, hashrate > 0, power > 0, efficiency derived when 0 (marks
// efficiency_computed), PDU port text.
core::Status validateEquipmentFields(domain::Equipment& e);

}  // namespace billwright::services
