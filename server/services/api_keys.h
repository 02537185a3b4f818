#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/error.h"
#include "domain/api_key.h"
#include "services/actor.h"
#include "services/platform_billing.h"
#include "storage/repositories.h"

namespace billwright::services {

struct NewApiKey {
    std::string name;
    domain::Role role = domain::Role::kTenantViewer;
    std::optional<std::string> tenant_id;
};

struct IssuedApiKey {
    domain::ApiKey key;
    std::string secret;  // the whole bearer token; shown once, never stored
};

// API keys: "bw_<id>.<secret>". The id part finds the row; only SHA-256 of the secret part is
// stored, compared in constant time. 32 random bytes of secret.
//
// authenticate() keeps what it read of a key (its row and its tenant's status) for `cache_for`
// (http.auth_cache_ms), so most requests skip the database for authentication. Every request
// still hashes and compares the secret. A key revoked, or a tenant suspended, through this
// node stops working at once (revoke() and forgetCached() drop the cache); through another
// node, within `cache_for`. Zero reads the database every time.
class ApiKeys {
public:
    ApiKeys(storage::Store& store, const core::Clock& clock,
            std::chrono::milliseconds cache_for = std::chrono::milliseconds{0});

    core::Result<domain::Principal> authenticate(std::string_view bearer_token);

    // Drops every cached key: after a change that can end keys' access other than revoke()
    // (a tenant suspended).
    void forgetCached();

    core::Result<IssuedApiKey> create(const domain::Principal& caller, const Actor& actor,
                                      const NewApiKey& input);
    core::Result<Page<domain::ApiKey>> list(const domain::Principal& caller,
                                            const std::optional<std::string>& tenant_filter,
                                            const storage::PageRequest& page);
    core::Result<domain::ApiKey> revoke(const domain::Principal& caller, const Actor& actor,
                                        const std::string& key_id);

    // Creates the first super key when no active one exists; nullopt otherwise.
    std::optional<IssuedApiKey> bootstrapSuperKey();
    // Creates another super key for an operator who lost theirs (command line only).
    IssuedApiKey createSuperKey(std::string name);

private:
    IssuedApiKey mint(const NewApiKey& input, const std::optional<std::string>& created_by);

    // What authenticate() reads of a key.
    struct KeyState {
        domain::ApiKey key;
        std::optional<domain::TenantStatus> tenant_status;
    };
    struct CachedKey {
        KeyState state;
        std::int64_t read_at_ms = 0;
    };
    std::optional<KeyState> cachedKey(const std::string& key_id, std::int64_t now_ms);
    void cacheKey(const std::string& key_id, const KeyState& state, std::int64_t now_ms,
                  std::uint64_t generation);

    storage::Store& store_;
    const core::Clock& clock_;
    const std::chrono::milliseconds cache_for_;
    // Shared for the lookups every request makes, exclusive to change: 64 request threads on
    // two cores queued on one mutex whenever its holder was preempted (bench/README.md, "Load").
    std::shared_mutex touch_mutex_;
    std::unordered_map<std::string, core::SysSeconds> last_touch_;
    std::shared_mutex cache_mutex_;
    std::unordered_map<std::string, CachedKey> cache_;
    // Bumped by forgetCached(), so a read that began before a revocation is not cached after it.
    std::uint64_t cache_generation_ = 0;
};

}  // namespace billwright::services
