#include "services/idempotency.h"

namespace billwright::services {

namespace {
// A reservation whose request never finished (the process died) is released after this.
constexpr auto kAbandonedAfter = std::chrono::minutes(5);
}  // namespace

Idempotency::Idempotency(storage::Store& store, const core::Clock& clock,
                         std::chrono::seconds retention)
    : store_(store), clock_(clock), retention_(retention) {}

IdempotencyDecision Idempotency::begin(std::string_view principal, std::string_view key,
                                       std::string_view request_hash) {
    IdempotencyDecision decision;
    const auto now = clock_.nowSeconds();
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        auto& repo = uow.idempotency();
        if (auto existing = repo.find(principal, key)) {
            const bool expired = now - existing->created_at > retention_;
            const bool abandoned =
                !existing->status_code && now - existing->created_at > kAbandonedAfter;
            if (!expired && !abandoned) {
                if (existing->request_hash != request_hash) {
                    decision.kind = IdempotencyDecision::Kind::kMismatch;
                } else if (!existing->status_code) {
                    decision.kind = IdempotencyDecision::Kind::kInFlight;
                } else {
                    decision.kind = IdempotencyDecision::Kind::kReplay;
                    decision.status = *existing->status_code;
                    decision.body = existing->response_body;
                }
                return true;
            }
            repo.remove(principal, key);
        }
        repo.reserve(principal, key, request_hash, now);
        decision.kind = IdempotencyDecision::Kind::kProceed;
        return true;
    });
    return decision;
}

void Idempotency::finish(std::string_view principal, std::string_view key, int status,
                         std::string_view body) {
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        if (status >= 500) {
            uow.idempotency().remove(principal, key);
        } else {
            uow.idempotency().complete(principal, key, status, body);
        }
        return true;
    });
}

std::int64_t Idempotency::purgeExpired() {
    std::int64_t purged = 0;
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        purged = uow.idempotency().purgeOlderThan(clock_.nowSeconds() - retention_);
        return true;
    });
    return purged;
}

}  // namespace billwright::services
