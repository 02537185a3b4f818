#include "services/secret_box.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace billwright::services {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kPrefix = "v1.";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext newContext() {
    CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
    return ctx;
}

int intSize(std::size_t n) {
    if (n > (std::size_t{1} << 30)) throw std::length_error("secret too large");
    return static_cast<int>(n);
}

std::string base64(const unsigned char* data, std::size_t len) {
    std::string out(4 * ((len + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, intSize(len));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// Strict standard base64 (with padding); nullopt-like empty result signalled by `ok`.
bool unbase64(std::string_view text, std::vector<unsigned char>& out) {
    if (text.empty() || text.size() % 4 != 0) return false;
    out.assign(text.size() / 4 * 3, 0);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  intSize(text.size()));
    if (n < 0) return false;
    std::size_t len = static_cast<std::size_t>(n);
    if (text.back() == '=') --len;
    if (text.size() >= 2 && text[text.size() - 2] == '=') --len;
    out.resize(len);
    return true;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

core::Result<SecretBox> SecretBox::fromText(std::string_view text) {
    std::array<unsigned char, 32> key{};
    bool ok = false;
    if (text.size() == 64) {
        ok = true;
        for (std::size_t i = 0; i < 32 && ok; ++i) {
            const int hi = hexValue(text[2 * i]);
            const int lo = hexValue(text[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            if (ok) key[i] = static_cast<unsigned char>(hi * 16 + lo);
        }
    } else {
        std::vector<unsigned char> bytes;
        if (unbase64(text, bytes) && bytes.size() == key.size()) {
            std::copy(bytes.begin(), bytes.end(), key.begin());
            ok = true;
        }
        OPENSSL_cleanse(bytes.data(), bytes.size());
    }
    if (!ok)
        return core::Error::validation("secrets.master_key", "invalid_setting",
                                       "must be 32 bytes: 64 hex digits or base64");
    SecretBox box(key);
    OPENSSL_cleanse(key.data(), key.size());
    return box;
}

SecretBox::SecretBox(const std::array<unsigned char, 32>& key) : key_(key) {
    static constexpr std::string_view kLabel = "billwright secrets key id v1";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), mac, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < 8 && i < len; ++i) {
        key_id_.push_back(kHex[mac[i] >> 4]);
        key_id_.push_back(kHex[mac[i] & 0xf]);
    }
}

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated_data) const {
    std::vector<unsigned char> out(kNonceBytes + plaintext.size() + kTagBytes);
    if (RAND_bytes(out.data(), static_cast<int>(kNonceBytes)) != 1)
        throw std::runtime_error("RAND_bytes failed");
    auto ctx = newContext();
    int len = 0;
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), out.data()) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<const unsigned char*>(associated_data.data()),
                          intSize(associated_data.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data() + kNonceBytes, &len,
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          intSize(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out.data() + kNonceBytes + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                            out.data() + kNonceBytes + plaintext.size()) != 1)
        throw std::runtime_error("AES-256-GCM encryption failed");
    return std::string(kPrefix) + base64(out.data(), out.size());
}

core::Result<std::string> SecretBox::open(std::string_view sealed,
                                          std::string_view associated_data) const {
    const auto broken = [] {
        return core::Error::internal(
            "a stored secret does not decrypt under the configured master key (wrong key, or "
            "the value was altered)");
    };
    std::vector<unsigned char> raw;
    if (sealed.substr(0, kPrefix.size()) != kPrefix ||
        !unbase64(sealed.substr(kPrefix.size()), raw) || raw.size() < kNonceBytes + kTagBytes)
        return broken();
    const std::size_t text_len = raw.size() - kNonceBytes - kTagBytes;
    std::string plain(text_len, '\0');
    auto ctx = newContext();
    int len = 0;
    const bool ok =
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), raw.data()) == 1 &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                          reinterpret_cast<const unsigned char*>(associated_data.data()),
                          intSize(associated_data.size())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                          raw.data() + kNonceBytes, intSize(text_len)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                            raw.data() + kNonceBytes + text_len) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                            &len) == 1;
    if (!ok) {
        OPENSSL_cleanse(plain.data(), plain.size());
        return broken();
    }
    return plain;
}

}  // namespace billwright::services
