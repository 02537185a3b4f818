#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "domain/payment.h"

namespace billwright::storage {

struct PageRequest;

// Payment methods on file, payments with their refunds, and the provider events already
// applied. Every call takes the tenant id, except the reconciliation's cross-tenant list.

class PaymentMethodRepository {
public:
    virtual ~PaymentMethodRepository() = default;
    virtual void insert(const domain::PaymentMethod& method) = 0;
    virtual void update(const domain::PaymentMethod& method) = 0;
    virtual std::optional<domain::PaymentMethod> find(std::string_view tenant_id,
                                                      std::string_view id) = 0;
    // The customer's methods that are not removed, newest first.
    virtual std::vector<domain::PaymentMethod> list(std::string_view tenant_id,
                                                    std::string_view customer_id) = 0;
    // A method the processor knows by `reference` (not removed).
    virtual std::optional<domain::PaymentMethod> findByReference(std::string_view tenant_id,
                                                                 std::string_view plugin_id,
                                                                 std::string_view reference) = 0;
};

struct PaymentFilter {
    std::optional<std::string> customer_id;
    std::optional<std::string> invoice_id;
    std::optional<domain::PaymentStatus> status;
};

// A provider event that was verified and applied (or found to concern nothing of ours).
struct ProviderEvent {
    std::string tenant_id;
    std::string plugin_id;
    std::string event_id;
    std::string kind;  // "payment", "refund", "method", "ignored"
    std::optional<std::string> object_id;
    std::string outcome;  // what applying it did, for the log and support
    core::SysSeconds occurred_at{};
    core::SysSeconds received_at{};
};

class PaymentRepository {
public:
    virtual ~PaymentRepository() = default;
    // A second payment with the same (tenant, plugin, reference) throws a DbError of kind
    // kUniqueViolation: one provider payment is never recorded twice.
    virtual void insert(const domain::Payment& payment) = 0;
    virtual void update(const domain::Payment& payment) = 0;
    virtual std::optional<domain::Payment> find(std::string_view tenant_id,
                                                std::string_view id) = 0;
    // As find, and the payment's row stays locked until the transaction ends (Dialect::
    // forUpdate): for a transaction that will change the payment.
    virtual std::optional<domain::Payment> findForUpdate(std::string_view tenant_id,
                                                         std::string_view id) = 0;
    virtual std::optional<domain::Payment> findByReference(std::string_view tenant_id,
                                                           std::string_view plugin_id,
                                                           std::string_view reference) = 0;
    // Newest first, limit + 1 rows.
    virtual std::vector<domain::Payment> list(std::string_view tenant_id,
                                              const PaymentFilter& filter,
                                              const PageRequest& page) = 0;
    // Payments of every tenant still open (processing, pending, requires action) and unchanged
    // since `before`, oldest first: the reconciliation asks their processor where they are.
    virtual std::vector<domain::Payment> openSince(core::SysSeconds before, std::size_t limit) = 0;

    virtual void insertRefund(const domain::Refund& refund) = 0;
    virtual void updateRefund(const domain::Refund& refund) = 0;
    virtual std::optional<domain::Refund> findRefund(std::string_view tenant_id,
                                                     std::string_view id) = 0;
    virtual std::optional<domain::Refund> findRefundByReference(std::string_view tenant_id,
                                                                std::string_view payment_id,
                                                                std::string_view reference) = 0;
    // Oldest first.
    virtual std::vector<domain::Refund> refundsOf(std::string_view tenant_id,
                                                  std::string_view payment_id) = 0;

    // Whether (tenant, plugin, event_id) was recorded before: the event was applied then.
    virtual bool hasEvent(std::string_view tenant_id, std::string_view plugin_id,
                          std::string_view event_id) = 0;
    // Records an applied event (a second one with the same key throws kUniqueViolation).
    virtual void insertEvent(const ProviderEvent& event) = 0;
};

}  // namespace billwright::storage
