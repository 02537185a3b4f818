#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace billwright::services {

// Authenticated encryption of plugin secrets at rest: AES-256-GCM (OpenSSL EVP) under the
// operator's master key, a fresh random 96-bit nonce per value, and the value's place
// (tenant, plugin, key) as associated data, so a sealed value moved to another row does not
// open. A wrong key or a tampered value fails the tag check: an error, never garbage.
class SecretBox {
public:
    // The master key: 64 hex digits or the standard base64 of 32 bytes (secrets.master_key /
    // BILLWRIGHT_SECRETS_MASTER_KEY).
    static core::Result<SecretBox> fromText(std::string_view text);
    SecretBox(const SecretBox&) = default;
    SecretBox& operator=(const SecretBox&) = default;
    ~SecretBox();  // wipes the key

    // A short fingerprint of the key (HMAC-SHA256 of a fixed label), stored beside each sealed
    // value so a server started with another key can say so before touching any secret.
    const std::string& keyId() const { return key_id_; }

    // "v1." + base64(nonce || ciphertext || tag).
    std::string seal(std::string_view plaintext, std::string_view associated_data) const;
    core::Result<std::string> open(std::string_view sealed, std::string_view associated_data) const;

private:
    explicit SecretBox(const std::array<unsigned char, 32>& key);
    std::array<unsigned char, 32> key_{};
    std::string key_id_;
};

}  // namespace billwright::services
