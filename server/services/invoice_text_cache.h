#pragma once

// The JSON representation of customer invoices (with lines), kept in memory by tenant, invoice
// and revision. A read looks up the invoice's revision in the database first, in the same
// transaction it would read the invoice in, and takes the text only when the revision is the
// one it was made from: a changed invoice (storage::InvoiceRepository::revision) is read and
// written again, on every node, so the cache never serves what the database no longer says.
// It saves the reading of the lines and summaries and the writing of the JSON, most of the cost
// of GET /v1/invoices/{id} (bench/README.md, "Load").

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace billwright::services {

class InvoiceTextCache {
public:
    // At most `max_bytes` of text (and keys); when the next text would pass it, everything
    // cached is dropped and filling starts again. 0 keeps nothing.
    explicit InvoiceTextCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    std::optional<std::string> find(std::string_view tenant_id, std::string_view id,
                                    std::int64_t revision) const;
    void put(std::string_view tenant_id, std::string_view id, std::int64_t revision,
             const std::string& text);

    std::size_t bytes() const;  // held now (tests)

private:
    struct Entry {
        std::int64_t revision;
        std::shared_ptr<const std::string> text;  // copied out after the lock is let go
    };
    static std::string key(std::string_view tenant_id, std::string_view id);

    const std::size_t max_bytes_;
    // Shared to find, exclusive to put: finds by many request threads do not queue on each
    // other, nor on a holder preempted while copying a text.
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::size_t bytes_ = 0;
};

}  // namespace billwright::services
