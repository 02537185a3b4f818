#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace billwright::storage {

// Row leases that split the scheduler's jobs between nodes (work_leases, migration 11): one row
// per (job, subject) while a subject is offered, worked or just done. A row is
//  - offered: no owner, lease_until 0 — free to claim;
//  - leased: an owner until lease_until (Unix seconds, held through that second) — free again
//    once that has passed (the owner died), and always to the owner itself;
//  - settled: no owner, lease_until > 0 — the subject was just done; the row stays until
//    lease_until so that a node offering it from a list of due subjects read a moment before
//    does not make it free again, and is deleted after that.
struct WorkLease {
    std::string job;
    std::string subject;
    std::optional<std::string> owner;
    std::int64_t until = 0;
};

class WorkLeaseRepository {
public:
    virtual ~WorkLeaseRepository() = default;
    // An offered row for each subject of `job` that has no row; rows that exist (offered, leased
    // or settled) stay as they are.
    virtual void offer(std::string_view job, const std::vector<std::string>& subjects) = 0;
    // Deletes the job's settled rows whose time has passed at `now` (up to `limit`; rows another
    // transaction holds are passed over), so their subjects can be offered again.
    virtual void purge(std::string_view job, std::int64_t now, std::size_t limit) = 0;
    // Up to `limit` free subjects of `job`, by subject, leased to `owner` until `lease_until`.
    // Rows another transaction is claiming are passed over where the database can (FOR UPDATE
    // SKIP LOCKED), so nodes claiming at once get different subjects without waiting for each
    // other.
    virtual std::vector<std::string> claim(std::string_view job, std::int64_t now,
                                           std::string_view owner, std::int64_t lease_until,
                                           std::size_t limit) = 0;
    // `owner`'s rows of these subjects become settled until `until`; a row another node has
    // taken over stays as it is.
    virtual void settle(std::string_view job, std::string_view owner,
                        const std::vector<std::string>& subjects, std::int64_t until) = 0;
    // Deletes `owner`'s rows of these subjects; a row another node has taken over stays.
    virtual void release(std::string_view job, std::string_view owner,
                         const std::vector<std::string>& subjects) = 0;
    // The rows of `job`, by subject.
    virtual std::vector<WorkLease> list(std::string_view job) = 0;
};

}  // namespace billwright::storage
