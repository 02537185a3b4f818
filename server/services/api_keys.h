#pragma once

#include <mutex>
#include <optional>
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
class ApiKeys {
public:
    ApiKeys(storage::Store& store, const core::Clock& clock);

    core::Result<domain::Principal> authenticate(std::string_view bearer_token);

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

    storage::Store& store_;
    const core::Clock& clock_;
    std::mutex touch_mutex_;
    std::unordered_map<std::string, core::SysSeconds> last_touch_;
};

}  // namespace billwright::services
