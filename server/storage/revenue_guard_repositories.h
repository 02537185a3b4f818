#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"

namespace billwright::storage {

struct PageRequest;

// One change of a customer's RevenueGuard status: who, when, why. Kinds: "default_set",
// "default_cleared", "redirect_on", "redirect_off".
struct CustomerStatusEvent {
    std::string id;  // "cse_..."
    std::string tenant_id;
    std::string customer_id;
    std::string kind;
    std::string actor;       // key id, or "system:<job>"
    std::string actor_role;  // role name, or "system"
    std::optional<std::string> reason;
    std::optional<std::string> webhook_event_id;  // "evt_...": the event a redirect change sent
    core::SysSeconds created_at{};
};

// Where a tenant's RevenueGuard events go. The secret is sealed (services::SecretBox output,
// key_id names the master key); it exists once the URL was first set, even if the URL is later
// removed.
struct RevenueGuardSettings {
    std::string tenant_id;
    std::optional<std::string> webhook_url;
    std::optional<std::string> webhook_secret_sealed;
    std::optional<std::string> key_id;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

// A unit a pool redirect applies to.
struct RedirectUnit {
    std::string id;
    std::string serial_number;
    std::optional<std::string> site_id;
};

struct CurrencyTotal {
    std::string currency;
    std::int64_t amount_minor = 0;
    std::int64_t count = 0;
};

class RevenueGuardRepository {
public:
    virtual ~RevenueGuardRepository() = default;
    virtual void insertStatusEvent(const CustomerStatusEvent& event) = 0;
    // Newest first, limit + 1 rows.
    virtual std::vector<CustomerStatusEvent> listStatusEvents(std::string_view tenant_id,
                                                              std::string_view customer_id,
                                                              const PageRequest& page) = 0;
    virtual std::optional<RevenueGuardSettings> findSettings(std::string_view tenant_id) = 0;
    virtual void upsertSettings(const RevenueGuardSettings& settings) = 0;
    // Live (not archived) customers in default / with a pool redirect on.
    virtual std::int64_t countInDefault(std::string_view tenant_id) = 0;
    virtual std::int64_t countRedirected(std::string_view tenant_id) = 0;
    // The customer's units that are not retired and either belong to the customer or are held
    // by one of its active contracts (leased units), by id.
    virtual std::vector<RedirectUnit> activeEquipmentOf(std::string_view tenant_id,
                                                        std::string_view customer_id) = 0;
    // amount_due_minor of the tenant's overdue invoices, summed per currency (by code).
    virtual std::vector<CurrencyTotal> overdueByCurrency(std::string_view tenant_id) = 0;
};

}  // namespace billwright::storage
