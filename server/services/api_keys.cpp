#include "services/api_keys.h"

#include "core/random.h"
#include "services/audit.h"
#include "services/crypto.h"
#include "services/representation.h"

namespace billwright::services {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kTokenPrefix = "bw_";
constexpr std::size_t kSecretBytes = 32;
constexpr auto kTouchInterval = std::chrono::seconds(60);

Error unauthenticated() {
    return Error{ErrorCode::kUnauthenticated, "a valid API key is required", {}};
}

Error forbidden(std::string detail) { return Error{ErrorCode::kForbidden, std::move(detail), {}}; }

}  // namespace

ApiKeys::ApiKeys(storage::Store& store, const core::Clock& clock,
                 std::chrono::milliseconds cache_for)
    : store_(store), clock_(clock), cache_for_(cache_for) {}

std::optional<ApiKeys::KeyState> ApiKeys::cachedKey(const std::string& key_id,
                                                    std::int64_t now_ms) {
    if (cache_for_.count() <= 0) return std::nullopt;
    {
        std::shared_lock lock(cache_mutex_);
        const auto it = cache_.find(key_id);
        if (it == cache_.end()) return std::nullopt;
        const std::int64_t age = now_ms - it->second.read_at_ms;
        if (age >= 0 && age < cache_for_.count()) return it->second.state;
    }
    std::lock_guard lock(cache_mutex_);  // too old: dropped (if no one has replaced it since)
    const auto it = cache_.find(key_id);
    if (it != cache_.end()) {
        const std::int64_t age = now_ms - it->second.read_at_ms;
        if (age < 0 || age >= cache_for_.count()) cache_.erase(it);
    }
    return std::nullopt;
}

void ApiKeys::cacheKey(const std::string& key_id, const KeyState& state, std::int64_t now_ms,
                       std::uint64_t generation) {
    if (cache_for_.count() <= 0) return;
    // Bounded: keys are few, but a flood of valid keys must not grow the map without end.
    constexpr std::size_t kMaxCached = 10000;
    std::lock_guard lock(cache_mutex_);
    if (generation != cache_generation_) return;  // forgotten while the row was being read
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_[key_id] = CachedKey{state, now_ms};
}

void ApiKeys::forgetCached() {
    std::lock_guard lock(cache_mutex_);
    ++cache_generation_;
    cache_.clear();
}

core::Result<domain::Principal> ApiKeys::authenticate(std::string_view token) {
    if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return unauthenticated();
    const auto dot = token.find('.');
    if (dot == std::string_view::npos || dot > 64) return unauthenticated();
    const std::string key_id =
        "key_" + std::string(token.substr(kTokenPrefix.size(), dot - kTokenPrefix.size()));
    const std::string presented_hash = sha256Hex(token.substr(dot + 1));

    const std::int64_t now_ms = unixMillis(clock_);
    std::optional<KeyState> found = cachedKey(key_id, now_ms);
    if (!found) {
        std::uint64_t generation = 0;
        {
            std::lock_guard lock(cache_mutex_);
            generation = cache_generation_;
        }
        found = store_.read([&](storage::UnitOfWork& uow) -> std::optional<KeyState> {
            auto key = uow.apiKeys().find(key_id);
            if (!key) return std::nullopt;
            KeyState f{*key, std::nullopt};
            if (key->tenant_id) {
                if (const auto t = uow.tenants().find(*key->tenant_id)) f.tenant_status = t->status;
            }
            return f;
        });
        // Only keys that exist are kept: unknown ids would let anyone fill the cache.
        if (found) cacheKey(key_id, *found, now_ms, generation);
    }
    // Hash and compare even for unknown ids so timing does not reveal which ids exist.
    const std::string stored_hash = found ? found->key.secret_hash : std::string(64, '0');
    const bool match = constantTimeEquals(presented_hash, stored_hash);
    if (!found || !match || found->key.revoked_at) return unauthenticated();
    if (found->key.tenant_id && found->tenant_status != domain::TenantStatus::kActive) {
        return Error{ErrorCode::kTenantSuspended, "the key's tenant is suspended", {}};
    }

    const auto now = clock_.nowSeconds();
    bool touch = false;
    {
        std::shared_lock lock(touch_mutex_);  // nearly always touched lately: nothing to do
        const auto it = last_touch_.find(key_id);
        touch = it == last_touch_.end() || now - it->second >= kTouchInterval;
    }
    if (touch) {
        std::lock_guard lock(touch_mutex_);
        auto& last = last_touch_[key_id];
        touch = now - last >= kTouchInterval;  // another thread may have touched it meanwhile
        if (touch) last = now;
    }
    if (touch) {
        store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.apiKeys().touch(key_id, now);
            return true;
        });
    }
    return domain::Principal{found->key.id, found->key.role, found->key.tenant_id};
}

IssuedApiKey ApiKeys::mint(const NewApiKey& input, const std::optional<std::string>& created_by) {
    IssuedApiKey issued;
    issued.key.id = core::newId("key", unixMillis(clock_));
    issued.key.tenant_id = input.tenant_id;
    issued.key.role = input.role;
    issued.key.name = input.name;
    issued.key.created_at = clock_.nowSeconds();
    issued.key.created_by = created_by;
    const std::string secret = core::base64Url(core::randomBytes(kSecretBytes));
    issued.key.secret_hash = sha256Hex(secret);
    issued.secret = std::string(kTokenPrefix) + issued.key.id.substr(4) + "." + secret;
    return issued;
}

core::Result<IssuedApiKey> ApiKeys::create(const domain::Principal& caller, const Actor& actor,
                                           const NewApiKey& input) {
    if (caller.role == domain::Role::kTenantViewer)
        return forbidden("viewers cannot manage API keys");
    NewApiKey wanted = input;
    if (!caller.isSuper()) {
        if (wanted.role == domain::Role::kSuper)
            return forbidden("only super keys can create super keys");
        if (!wanted.tenant_id) wanted.tenant_id = caller.tenant_id;
        if (wanted.tenant_id != caller.tenant_id) return Error::notFound("tenant");
    }
    if (!domain::isValidName(wanted.name)) {
        return Error::validation("name", "invalid_name", "must be 1 to 200 characters of text");
    }
    if (wanted.role == domain::Role::kSuper && wanted.tenant_id) {
        return Error::validation("tenant_id", "not_allowed", "a super key belongs to no tenant");
    }
    if (wanted.role != domain::Role::kSuper && !wanted.tenant_id) {
        return Error::validation("tenant_id", "required", "a tenant key needs tenant_id");
    }
    IssuedApiKey issued = mint(wanted, caller.key_id);
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<IssuedApiKey> {
        if (wanted.tenant_id && !uow.tenants().find(*wanted.tenant_id))
            return Error::notFound("tenant");
        uow.apiKeys().insert(issued.key);
        recordAudit(uow, actor, clock_, issued.key.tenant_id, "api_key.created", "api_key",
                    issued.key.id, std::nullopt, toJson(issued.key));
        return issued;
    });
}

core::Result<Page<domain::ApiKey>> ApiKeys::list(const domain::Principal& caller,
                                                 const std::optional<std::string>& tenant_filter,
                                                 const storage::PageRequest& page) {
    if (caller.role == domain::Role::kTenantViewer)
        return forbidden("viewers cannot manage API keys");
    std::optional<std::string> tenant = tenant_filter;
    if (!caller.isSuper()) {
        if (tenant && tenant != caller.tenant_id) return Error::notFound("tenant");
        tenant = caller.tenant_id;
    }
    return toPage(
        store_.read([&](storage::UnitOfWork& uow) { return uow.apiKeys().list(tenant, page); }),
        page.limit);
}

core::Result<domain::ApiKey> ApiKeys::revoke(const domain::Principal& caller, const Actor& actor,
                                             const std::string& key_id) {
    if (caller.role == domain::Role::kTenantViewer)
        return forbidden("viewers cannot manage API keys");
    auto revoked = store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::ApiKey> {
        auto key = uow.apiKeys().find(key_id);
        if (!key || (!caller.isSuper() && key->tenant_id != caller.tenant_id)) {
            return Error::notFound("API key");
        }
        if (key->revoked_at) return *key;  // revoking twice changes nothing
        if (key->role == domain::Role::kSuper && uow.apiKeys().countActiveSuperKeys() <= 1) {
            return Error{ErrorCode::kConflict,
                         "this is the last active super key; create another before revoking it",
                         {}};
        }
        const domain::ApiKey before = *key;
        key->revoked_at = clock_.nowSeconds();
        uow.apiKeys().revoke(key_id, *key->revoked_at);
        recordAudit(uow, actor, clock_, key->tenant_id, "api_key.revoked", "api_key", key->id,
                    toJson(before), toJson(*key));
        return *key;
    });
    if (revoked.ok()) forgetCached();  // the key stops working on this node at once
    return revoked;
}

std::optional<IssuedApiKey> ApiKeys::bootstrapSuperKey() {
    std::optional<IssuedApiKey> issued;
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        if (uow.apiKeys().countActiveSuperKeys() > 0) return true;
        issued = mint({"bootstrap super key", domain::Role::kSuper, std::nullopt}, std::nullopt);
        uow.apiKeys().insert(issued->key);
        recordAudit(uow, Actor::system("bootstrap"), clock_, std::nullopt, "api_key.created",
                    "api_key", issued->key.id, std::nullopt, toJson(issued->key));
        return true;
    });
    return issued;
}

IssuedApiKey ApiKeys::createSuperKey(std::string name) {
    IssuedApiKey issued = mint({std::move(name), domain::Role::kSuper, std::nullopt}, std::nullopt);
    store_.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        uow.apiKeys().insert(issued.key);
        recordAudit(uow, Actor::system("command_line"), clock_, std::nullopt, "api_key.created",
                    "api_key", issued.key.id, std::nullopt, toJson(issued.key));
        return true;
    });
    return issued;
}

}  // namespace billwright::services
