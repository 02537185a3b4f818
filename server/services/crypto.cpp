#include "services/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace billwright::services {

namespace {

std::string hex(const unsigned char* digest, unsigned int length) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(std::size_t{length} * 2, '0');  // filled in place: push_back checked each byte
    for (std::size_t i = 0; i < length; ++i) {
        out[2 * i] = kHex[digest[i] >> 4];
        out[2 * i + 1] = kHex[digest[i] & 0x0F];
    }
    return out;
}

}  // namespace

std::string sha256Hex(std::string_view data) {
    // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its provider store,
    // under a lock, on every digest (every authenticated request hashes its key).
    static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (kSha256 == nullptr ||
        EVP_Digest(data.data(), data.size(), digest, &length, kSha256, nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return hex(digest, length);
}

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
    static const char kEmpty = 0;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
             &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return hex(digest, length);
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace billwright::services
