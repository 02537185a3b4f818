#include "services/invoice_text_cache.h"

namespace billwright::services {

std::string InvoiceTextCache::key(std::string_view tenant_id, std::string_view id) {
    std::string k;
    k.reserve(tenant_id.size() + 1 + id.size());
    k.append(tenant_id).push_back('\n');  // tenant ids (made here) never hold a line break
    k.append(id);
    return k;
}

std::optional<std::string> InvoiceTextCache::find(std::string_view tenant_id, std::string_view id,
                                                  std::int64_t revision) const {
    if (max_bytes_ == 0) return std::nullopt;
    const std::string k = key(tenant_id, id);
    std::shared_ptr<const std::string> text;
    {
        std::shared_lock lock(mutex_);
        const auto it = entries_.find(k);
        if (it == entries_.end() || it->second.revision != revision) return std::nullopt;
        text = it->second.text;
    }
    return *text;
}

void InvoiceTextCache::put(std::string_view tenant_id, std::string_view id, std::int64_t revision,
                           const std::string& text) {
    std::string k = key(tenant_id, id);
    const std::size_t size = k.size() + text.size();
    if (size > max_bytes_) return;
    std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(k); it != entries_.end()) {
        // Two readers of one revision put the same text; an older revision never replaces a
        // newer one (a slow reader finishing after a faster one that saw the change).
        if (it->second.revision >= revision) return;
        bytes_ -= it->first.size() + it->second.text->size();
        entries_.erase(it);
    }
    if (bytes_ + size > max_bytes_) {
        entries_.clear();
        bytes_ = 0;
    }
    entries_.emplace(std::move(k), Entry{revision, std::make_shared<const std::string>(text)});
    bytes_ += size;
}

std::size_t InvoiceTextCache::bytes() const {
    std::shared_lock lock(mutex_);
    return bytes_;
}

}  // namespace billwright::services
