#include "services/work_leases.h"

namespace billwright::services {

namespace {
// Settled rows deleted per run at most; the rest go with the next runs.
constexpr std::size_t kPurgeLimit = 1000;
}  // namespace

WorkLeases::WorkLeases(storage::Store& store, const core::Clock& clock, LeaseOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

std::string JobSubject::text() const { return tenant_id + "/" + key; }

std::optional<JobSubject> JobSubject::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return {};
    return JobSubject{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
}

void DueSubjects::add(const std::string& tenant_id, const std::optional<std::string>& key) {
    if (key) {
        subjects.push_back({tenant_id, *key});
    } else {
        ++passed_over;
    }
}

void DueSubjects::add(const std::string& tenant_id, const std::optional<domain::Period>& period) {
    add(tenant_id,
        period ? std::optional<std::string>(core::formatIsoDate(period->start)) : std::nullopt);
}

JobOutcome WorkLeases::run(std::string_view job, const DueSubjects& due, const Handler& handle) {
    // Settled rows past their time go first, so the offer can make their subjects free again.
    // Each step is its own short transaction: a transaction that holds the rows a locking scan
    // passed over must not also wait for another node's (MySQL would find a deadlock).
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        uow.workLeases().purge(job, clock_.nowSeconds().time_since_epoch().count(), kPurgeLimit);
        return true;
    });
    if (!due.subjects.empty()) {
        std::vector<std::string> texts;
        for (const auto& subject : due.subjects) texts.push_back(subject.text());
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.workLeases().offer(job, texts);
            return true;
        });
    }
    JobOutcome outcome;
    outcome.skipped = due.passed_over;
    for (;;) {
        std::vector<std::string> batch;
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            const std::int64_t now = clock_.nowSeconds().time_since_epoch().count();
            batch = uow.workLeases().claim(job, now, options_.node_id, now + options_.lease_seconds,
                                           options_.batch_size);
            return true;
        });
        if (batch.empty()) break;
        std::vector<std::string> done, dropped;
        for (const std::string& text : batch) {
            // A row this version cannot read (none is written so) is dropped, not worked.
            const auto subject = JobSubject::parse(text);
            switch (subject ? handle(*subject) : Handled::kSkipped) {
                case Handled::kProcessed:
                    ++outcome.processed;
                    done.push_back(text);
                    break;
                case Handled::kSkipped:
                    ++outcome.skipped;
                    dropped.push_back(text);
                    break;
                case Handled::kFailed:
                    ++outcome.failed;
                    dropped.push_back(text);
                    break;
            }
        }
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            const std::int64_t now = clock_.nowSeconds().time_since_epoch().count();
            uow.workLeases().settle(job, options_.node_id, done, now + options_.settle_seconds);
            uow.workLeases().release(job, options_.node_id, dropped);
            return true;
        });
    }
    return outcome;
}

}  // namespace billwright::services
