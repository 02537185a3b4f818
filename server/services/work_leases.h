#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "domain/period.h"
#include "storage/repositories.h"

namespace billwright::services {

// What one run of a scheduler job did, counted per subject.
struct JobOutcome {
    int processed = 0;
    int skipped = 0;
    int failed = 0;
};

// What a job did with one subject.
enum class Handled { kProcessed, kSkipped, kFailed };

// What a job works on: one of a tenant's objects (key: an invoice, payment or contract id) or
// one of its billing periods (key: the period's ISO start date). Stored as "tenant_id/key"; ids
// and dates never contain a '/'.
struct JobSubject {
    std::string tenant_id;
    std::string key;

    std::string text() const;
    static std::optional<JobSubject> parse(std::string_view text);
    bool operator==(const JobSubject&) const = default;
};

// The subjects a node found due for a job, and how many candidates it passed over as not due
// (counted as skipped in the job's outcome).
struct DueSubjects {
    std::vector<JobSubject> subjects;
    int passed_over = 0;

    // Adds (tenant_id, *key), or counts a candidate passed over when there is no key.
    void add(const std::string& tenant_id, const std::optional<std::string>& key);
    // The same for a tenant's period, whose key is its start date.
    void add(const std::string& tenant_id, const std::optional<domain::Period>& period);
};

struct LeaseOptions {
    std::string node_id = "node";      // lease owner name, unique per process
    std::int64_t lease_seconds = 600;  // a dead node's subjects are taken over after this
    std::size_t batch_size = 4;        // subjects claimed per transaction and worked in a row
    // A processed subject's row is kept this long, so a node whose list of due subjects was read
    // before it was processed (a view at most this old) does not offer it again.
    std::int64_t settle_seconds = 60;
};

// Splits the scheduler jobs' work between nodes by row leases (storage::WorkLeaseRepository,
// table work_leases): the one piece of code every leased job goes through. A job names its
// subjects and says what to do with one; this node works only the subjects it holds a lease
// on, so two nodes running the same job at once do different subjects instead of contending
// for the same rows, and the subjects of a node that died are taken over once its leases
// expire.
//
// The lease keeps nodes apart; it is not what makes the work correct. A handler checks in its
// own write transaction that its subject is still due (a subject can be offered by a node whose
// view is a moment old, or taken over from a node that outlived its lease), exactly as the jobs
// did before they were leased.
class WorkLeases {
public:
    using Handler = std::function<Handled(const JobSubject& subject)>;

    WorkLeases(storage::Store& store, const core::Clock& clock, LeaseOptions options);

    const LeaseOptions& options() const { return options_; }

    // One run of `job` on this node: offers the `due` subjects this node found (a free lease row
    // for each that has none), then claims batches of the job's free subjects — its own offer,
    // other nodes' offers, expired leases of dead nodes, and leases this node still holds from
    // a run that failed — calls `handle` on each in subject order, and ends the batch's leases,
    // until no subject is free. A processed subject's row stays settled for `settle_seconds`
    // (a node offering it from an older list finds it done); a skipped or failed one's is
    // deleted, so the subject can be offered again at once. An exception from `handle` ends the
    // run and leaves the batch's leases in place: this node retakes them at its next run,
    // another node once they expire.
    JobOutcome run(std::string_view job, const DueSubjects& due, const Handler& handle);

private:
    storage::Store& store_;
    const core::Clock& clock_;
    LeaseOptions options_;
};

}  // namespace billwright::services
