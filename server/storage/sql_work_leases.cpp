#include <algorithm>
#include <optional>

#include "storage/sql_hosting.h"
#include "storage/sql_util.h"

namespace billwright::storage {
namespace {

using namespace sql;  // NOLINT(google-build-using-namespace): storage-internal helpers

class SqlWorkLeases final : public WorkLeaseRepository {
public:
    SqlWorkLeases(Connection& c, const Dialect& dialect) : c_(c), dialect_(dialect) {}

    void offer(std::string_view job, const std::vector<std::string>& subjects) override {
        if (subjects.empty()) return;
        // In key order, so two nodes offering the same subjects at once queue on the first
        // rather than deadlock on each other's rows.
        std::vector<std::string_view> sorted(subjects.begin(), subjects.end());
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        auto st = c_.prepare(text(dialect_.insertIgnore()) +
                             " INTO work_leases (job, subject, lease_owner, lease_until) VALUES "
                             "(?, ?, NULL, 0)");
        for (const std::string_view subject : sorted) {
            st->bind(1, job);
            st->bind(2, subject);
            st->run();
        }
    }

    void purge(std::string_view job, std::int64_t now, std::size_t limit) override {
        claimRows(c_, dialect_,
                  "SELECT subject FROM work_leases WHERE job = ? AND lease_owner IS NULL AND "
                  "lease_until > 0 AND lease_until < ? ORDER BY subject LIMIT ?",
                  {text(job), now, static_cast<std::int64_t>(limit)}, [&](const SqlRow& row) {
                      c_.execute("DELETE FROM work_leases WHERE job = ? AND subject = ?",
                                 {text(job), row.getString(0)});
                  });
    }

    std::vector<std::string> claim(std::string_view job, std::int64_t now, std::string_view owner,
                                   std::int64_t lease_until, std::size_t limit) override {
        std::vector<std::string> claimed;
        for (const auto& r : claimRows(
                 c_, dialect_,
                 "SELECT subject FROM work_leases WHERE job = ? AND (lease_until = 0 OR "
                 "(lease_owner IS NOT NULL AND lease_until < ?) OR lease_owner = ?) ORDER BY "
                 "subject LIMIT ?",
                 {text(job), now, text(owner), static_cast<std::int64_t>(limit)},
                 [&](const SqlRow& row) {
                     c_.execute(
                         "UPDATE work_leases SET lease_owner = ?, lease_until = ? WHERE job = ? "
                         "AND subject = ?",
                         {text(owner), lease_until, text(job), row.getString(0)});
                 }))
            claimed.push_back(r.getString(0));
        return claimed;
    }

    void settle(std::string_view job, std::string_view owner,
                const std::vector<std::string>& subjects, std::int64_t until) override {
        forEachOwned(job, owner, subjects,
                     "UPDATE work_leases SET lease_owner = NULL, lease_until = ? WHERE job = ? AND "
                     "subject = ? AND lease_owner = ?",
                     until);
    }

    void release(std::string_view job, std::string_view owner,
                 const std::vector<std::string>& subjects) override {
        forEachOwned(job, owner, subjects,
                     "DELETE FROM work_leases WHERE job = ? AND subject = ? AND lease_owner = ?",
                     std::nullopt);
    }

    std::vector<WorkLease> list(std::string_view job) override {
        std::vector<WorkLease> out;
        for (const auto& r : c_.query(
                 "SELECT job, subject, lease_owner, lease_until FROM work_leases WHERE job = ? "
                 "ORDER BY subject",
                 {text(job)})) {
            WorkLease lease;
            lease.job = r.getString(0);
            lease.subject = r.getString(1);
            lease.owner = r.getOptionalString(2);
            lease.until = r.getInt(3);
            out.push_back(std::move(lease));
        }
        return out;
    }

private:
    // Runs `sql` (parameters: [first,] job, subject, owner) once per subject.
    void forEachOwned(std::string_view job, std::string_view owner,
                      const std::vector<std::string>& subjects, std::string_view sql,
                      std::optional<std::int64_t> first) {
        if (subjects.empty()) return;
        auto st = c_.prepare(sql);
        const int at = first ? 2 : 1;
        for (const auto& subject : subjects) {
            if (first) st->bind(1, *first);
            st->bind(at, job);
            st->bind(at + 1, std::string_view(subject));
            st->bind(at + 2, owner);
            st->run();
        }
    }

    Connection& c_;
    const Dialect& dialect_;
};

}  // namespace

std::unique_ptr<WorkLeaseRepository> makeSqlWorkLeases(Connection& c, const Dialect& dialect) {
    return std::make_unique<SqlWorkLeases>(c, dialect);
}

}  // namespace billwright::storage
