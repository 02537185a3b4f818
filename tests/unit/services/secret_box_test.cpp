// services::SecretBox: AES-256-GCM sealing of plugin secrets under the master key.

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <string>

#include "services/secret_box.h"

using billwright::services::SecretBox;

namespace {

// 32 bytes 00 01 .. 1f, as hex and as standard base64.
const std::string kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kBase64Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const std::string kOtherHexKey = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kPlace = "tnt_1/billing_stripe/api_key";  // associated data: the value's row

SecretBox box(const std::string& text) {
    auto b = SecretBox::fromText(text);
    BOOST_REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().detail));
    return *b;
}

// Flips one bit of the base64 character at `pos` (keeping it a base64 character).
std::string tampered(std::string sealed, std::size_t pos) {
    sealed[pos] = sealed[pos] == 'A' ? 'B' : 'A';
    return sealed;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_box)

BOOST_AUTO_TEST_CASE(a_sealed_value_opens_to_the_same_text) {
    const auto b = box(kHexKey);
    for (const std::string& plain :
         {std::string("sk_live_51H8xYzSecretValue"), std::string(), std::string(1000, 'x'),
          std::string("bytes\0with\xffnul", 14)}) {
        const std::string sealed = b.seal(plain, kPlace);
        BOOST_CHECK_EQUAL(sealed.substr(0, 3), "v1.");
        const auto opened = b.open(sealed, kPlace);
        BOOST_REQUIRE(opened.ok());
        BOOST_CHECK(*opened == plain);
    }
}

BOOST_AUTO_TEST_CASE(the_ciphertext_hides_the_value_and_every_seal_uses_a_fresh_nonce) {
    const auto b = box(kHexKey);
    const std::string plain = "sk_live_51H8xYzSecretValue";
    const std::string one = b.seal(plain, kPlace);
    const std::string two = b.seal(plain, kPlace);
    BOOST_CHECK(one.substr(3).find(plain) == std::string::npos);
    BOOST_CHECK(one.find("sk_live") == std::string::npos);
    BOOST_CHECK(one != two);  // a fresh random nonce each time
    // base64 of 12-byte nonce + 26-byte ciphertext + 16-byte tag = 54 bytes -> 72 characters.
    BOOST_CHECK_EQUAL(one.size(), 3U + 72U);
    // The first 16 characters (12 bytes) are the nonce: they differ between the two seals.
    BOOST_CHECK(one.substr(3, 16) != two.substr(3, 16));
    BOOST_CHECK_EQUAL(*b.open(one, kPlace), plain);
    BOOST_CHECK_EQUAL(*b.open(two, kPlace), plain);
}

BOOST_AUTO_TEST_CASE(another_key_fails_with_an_error_not_garbage) {
    const std::string sealed = box(kHexKey).seal("secret", kPlace);
    const auto opened = box(kOtherHexKey).open(sealed, kPlace);
    BOOST_REQUIRE(!opened.ok());
    BOOST_CHECK(opened.error().detail.find("master key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_tampered_value_fails_wherever_the_change_is) {
    const auto b = box(kHexKey);
    const std::string sealed = b.seal("a secret of some length", kPlace);
    // Characters in the nonce, the ciphertext and the tag (51 bytes: 68 characters, no padding).
    for (const std::size_t pos :
         {std::size_t{3}, std::size_t{10}, std::size_t{30}, std::size_t{50}, sealed.size() - 3}) {
        BOOST_TEST_CONTEXT("position " << pos) {
            BOOST_CHECK(!b.open(tampered(sealed, pos), kPlace).ok());
        }
    }
    BOOST_CHECK(!b.open(sealed.substr(0, sealed.size() - 4), kPlace).ok());  // truncated tag
    BOOST_CHECK(!b.open("v2." + sealed.substr(3), kPlace).ok());             // unknown version
    BOOST_CHECK(!b.open(sealed.substr(3), kPlace).ok());                     // no prefix
    BOOST_CHECK(!b.open("v1.not base64!", kPlace).ok());
    BOOST_CHECK(!b.open("v1.AAAA", kPlace).ok());  // shorter than nonce + tag
    BOOST_CHECK(!b.open("", kPlace).ok());
}

BOOST_AUTO_TEST_CASE(a_value_moved_to_another_place_does_not_open) {
    const auto b = box(kHexKey);
    const std::string sealed = b.seal("secret", kPlace);
    BOOST_CHECK(!b.open(sealed, "tnt_2/billing_stripe/api_key").ok());
    BOOST_CHECK(!b.open(sealed, "tnt_1/billing_stripe/webhook_secret").ok());
    BOOST_CHECK(!b.open(sealed, "").ok());
    BOOST_CHECK(b.open(sealed, kPlace).ok());
}

BOOST_AUTO_TEST_CASE(the_master_key_is_64_hex_digits_or_base64_of_32_bytes) {
    // Hex and base64 of the same bytes are the same key: one opens what the other sealed.
    const auto hex = box(kHexKey);
    const auto b64 = box(kBase64Key);
    BOOST_CHECK_EQUAL(*b64.open(hex.seal("x", kPlace), kPlace), "x");
    BOOST_CHECK_EQUAL(hex.keyId(), b64.keyId());
    std::string upper = kHexKey;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    BOOST_CHECK_EQUAL(box(upper).keyId(), hex.keyId());

    const std::string refused[] = {
        "",
        kHexKey.substr(0, 62),                             // 31 bytes of hex
        kHexKey + "00",                                    // 33 bytes of hex
        kHexKey.substr(0, 63) + "g",                       // not a hex digit
        kHexKey.substr(0, 62) + " 1",                      // a space
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",    // base64 of 31 bytes
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",    // base64 of 33 bytes
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",     // 32 bytes, padding missing
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8=",    // not base64
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",  // trailing newline
    };
    for (const auto& text : refused) {
        BOOST_TEST_CONTEXT("key text '" << text << "'") {
            const auto r = SecretBox::fromText(text);
            BOOST_REQUIRE(!r.ok());
            BOOST_CHECK_EQUAL(r.error().fields.at(0).field, "secrets.master_key");
        }
    }
}

BOOST_AUTO_TEST_CASE(the_key_id_is_stable_per_key_and_differs_between_keys) {
    const auto a1 = box(kHexKey);
    const auto a2 = box(kHexKey);
    const auto other = box(kOtherHexKey);
    BOOST_CHECK_EQUAL(a1.keyId(), a2.keyId());
    BOOST_CHECK_NE(a1.keyId(), other.keyId());
    BOOST_CHECK_EQUAL(a1.keyId().size(), 16U);  // 8 bytes of HMAC-SHA256, in hex
    BOOST_CHECK(a1.keyId().find_first_not_of("0123456789abcdef") == std::string::npos);
    // The id is not the key, nor part of it.
    BOOST_CHECK(kHexKey.find(a1.keyId()) == std::string::npos);
    // A copy keeps its key.
    const SecretBox copy = a1;
    BOOST_CHECK_EQUAL(copy.keyId(), a1.keyId());
    BOOST_CHECK_EQUAL(*copy.open(a1.seal("v", kPlace), kPlace), "v");
}

BOOST_AUTO_TEST_SUITE_END()
