// <billwright/codec.hpp>: the JSON reader and writer (round trips, the NOWPayments canonical
// form), form and URL encoding, hex, base64 and base64url, header lookup, decimal amounts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/codec.hpp>
#include <billwright/mock_host.hpp>

namespace billwright::plugin_tests {
namespace {

using codec::JsonValue;
using codec::KeyOrder;

// The NOWPayments IPN vector of /work/shared/reference/payment-providers.md 3.5.
constexpr std::string_view kIpnBody =
    R"({"payment_id":5077125051,"payment_status":"finished","pay_address":"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606","price_amount":170,"price_currency":"usd","pay_amount":155.38559757,"actually_paid":155.38559757,"pay_currency":"mana","order_id":"2","order_description":"Apple Macbook Pro 2019 x 1","purchase_id":"6084744717","created_at":"2021-04-12T14:22:54.942Z","updated_at":"2021-04-12T14:23:06.244Z","outcome_amount":1131.7812095,"outcome_currency":"trx","fee":{"currency":"mana","depositFee":0.1,"withdrawalFee":0,"serviceFee":0}})";
constexpr std::string_view kIpnCanonical =
    R"({"actually_paid":155.38559757,"created_at":"2021-04-12T14:22:54.942Z","fee":{"currency":"mana","depositFee":0.1,"serviceFee":0,"withdrawalFee":0},"order_description":"Apple Macbook Pro 2019 x 1","order_id":"2","outcome_amount":1131.7812095,"outcome_currency":"trx","pay_address":"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606","pay_amount":155.38559757,"pay_currency":"mana","payment_id":5077125051,"payment_status":"finished","price_amount":170,"price_currency":"usd","purchase_id":"6084744717","updated_at":"2021-04-12T14:23:06.244Z"})";
constexpr std::string_view kIpnSignature =
    "0685a3275d9f249186f7f325bb7d3c8dcdbf86c95c58a6bbfccea4641e50ad0c9faa80a77c1d42d8b3e89e749d17"
    "ceb4066f74599bfaec16adad020beaad5df7";

JsonValue parsed(std::string_view text) {
    std::string error;
    std::optional<JsonValue> v = codec::parseJson(text, &error);
    BOOST_TEST_REQUIRE(v.has_value(), "cannot parse " << text << ": " << error);
    return std::move(*v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(codec_json)

BOOST_AUTO_TEST_CASE(a_document_round_trips_with_its_number_lexemes_and_member_order) {
    for (std::string_view text :
         {R"({"b":1,"a":[true,false,null,-0,1.50,2e-7,1E+300],"c":{"z":"","y":{}}})", R"([])",
          R"("x")", R"(0)", R"([[[]]])", R"({"k":"a\"b\\c\nd\u0001\u001f"})"}) {
        BOOST_TEST(codec::writeJson(parsed(text)) == text);
    }
    // Whitespace goes, escapes that need none are written plainly, '/' stays unescaped.
    BOOST_TEST(codec::writeJson(parsed(" { \"a\" : [ 1 , 2 ] , \"s\" : \"\\/\\u0041\" } ")) ==
               R"({"a":[1,2],"s":"/A"})");
}

BOOST_AUTO_TEST_CASE(strings_are_utf8_with_escapes_and_surrogate_pairs) {
    const JsonValue v = parsed(R"(["\u00e9", "é", "\ud83d\ude00", "😀", "\u2028"])");
    BOOST_REQUIRE(v.items().size() == 5U);
    BOOST_TEST(v.items()[0].asString() == "\xc3\xa9");
    BOOST_TEST(v.items()[1].asString() == "\xc3\xa9");
    BOOST_TEST(v.items()[2].asString() == "\xf0\x9f\x98\x80");
    BOOST_TEST(v.items()[3].asString() == "\xf0\x9f\x98\x80");
    // Non-ASCII is written as raw UTF-8, as JSON.stringify does.
    BOOST_TEST(codec::writeJson(v) == "[\"é\",\"é\",\"😀\",\"😀\",\"\xe2\x80\xa8\"]");
}

BOOST_AUTO_TEST_CASE(garbage_is_refused_with_a_reason) {
    const std::vector<std::string_view> bad = {
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{a:1}",
        "'x'",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "NaN",
        "[1 2]",
        "{\"a\" 1}",
        "tru",
        "nul",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"a\tb\"",
        "\"\xff\"",
        "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "[1] x",
        "{\"a\":1,\"a\":2}",
        "\xef\xbb\xbf{}",
    };
    for (std::string_view text : bad) {
        std::string error;
        BOOST_TEST(!codec::parseJson(text, &error).has_value(), "accepted: " << text);
        BOOST_TEST(!error.empty());
    }
}

BOOST_AUTO_TEST_CASE(nesting_beyond_the_depth_limit_is_refused) {
    const std::string deep_ok = std::string(64, '[') + std::string(64, ']');
    const std::string too_deep = std::string(65, '[') + std::string(65, ']');
    BOOST_TEST(codec::parseJson(deep_ok).has_value());
    std::string error;
    BOOST_TEST(!codec::parseJson(too_deep, &error).has_value());
    BOOST_TEST(error.find("deep") != std::string::npos);
    BOOST_TEST(codec::parseJson(too_deep, nullptr, 100).has_value());
    // A million brackets fail fast instead of exhausting the stack.
    BOOST_TEST(!codec::parseJson(std::string(1'000'000, '[')).has_value());
}

BOOST_AUTO_TEST_CASE(accessors_answer_by_type) {
    const JsonValue v = parsed(
        R"({"id":"pi_1","amount":2500,"big":99999999999999999999,"paid":true,"price":"39.5","n":39.5,"none":null})");
    BOOST_TEST(v.getString("id").value_or("") == "pi_1");
    BOOST_TEST(v.getInt64("amount").value_or(0) == 2500);
    BOOST_TEST(!v.getInt64("big").has_value());
    BOOST_TEST(!v.getInt64("n").has_value());
    BOOST_TEST(v.getNumber("n").value_or("") == "39.5");
    BOOST_TEST(!v.getString("amount").has_value());
    BOOST_TEST(v.getBool("paid").value_or(false));
    BOOST_TEST(!v.getString("none").has_value());
    BOOST_TEST(v.find("none")->isNull());
    BOOST_TEST(v.find("missing") == nullptr);
    BOOST_CHECK_THROW(v.find("id")->asBool(), std::logic_error);
    BOOST_TEST(parsed("-9223372036854775808").asInt64().value_or(0) == INT64_MIN);
    BOOST_TEST(!parsed("9223372036854775808").asInt64().has_value());
}

BOOST_AUTO_TEST_CASE(built_values_are_written_and_numbers_are_checked) {
    JsonValue body = JsonValue::object();
    body.set("price_amount", JsonValue::number("39.50"))
        .set("order_id", JsonValue::string("pay_1"))
        .set("n", JsonValue::integer(-7))
        .set("tags", JsonValue::array().push(JsonValue::string("a")).push(JsonValue::null()));
    BOOST_TEST(codec::writeJson(body) ==
               R"({"price_amount":39.50,"order_id":"pay_1","n":-7,"tags":["a",null]})");
    BOOST_CHECK_THROW(JsonValue::number("39,50"), std::invalid_argument);
    BOOST_CHECK_THROW(JsonValue::number("0x10"), std::invalid_argument);
    BOOST_TEST((parsed(R"({"a":1,"b":[2]})") == parsed(R"({"b":[2],"a":1})")));
    BOOST_TEST(!(parsed("1.0") == parsed("1")));
}

BOOST_AUTO_TEST_CASE(the_nowpayments_body_sorts_recursively_to_the_signed_canonical_form) {
    const JsonValue body = parsed(kIpnBody);
    BOOST_TEST(codec::writeJson(body, KeyOrder::kSorted) == kIpnCanonical);
    BOOST_TEST(codec::writeJson(body) == kIpnBody);
    // And that canonical text is what the vector's HMAC-SHA512 signs.
    mock::MockHost host;
    const std::string secret = "test_ipn_secret";
    std::uint8_t out[64];
    std::size_t len = 0;
    BOOST_REQUIRE(host.api()->hmac(host.call(), BW_HASH_SHA512, secret.data(), secret.size(),
                                   kIpnCanonical.data(), kIpnCanonical.size(), out, sizeof out,
                                   &len) == BW_OK);
    BOOST_TEST(codec::hexEncode(std::string_view(reinterpret_cast<const char*>(out), len)) ==
               kIpnSignature);
}

BOOST_AUTO_TEST_CASE(sorting_orders_keys_by_code_point_at_every_level) {
    BOOST_TEST(
        codec::writeJson(parsed(R"({"b":{"d":1,"c":[{"z":1,"y":2}]},"a":0,"B":0,"é":0,"e":0})"),
                         KeyOrder::kSorted) ==
        R"({"B":0,"a":0,"b":{"c":[{"y":2,"z":1}],"d":1},"e":0,"é":0})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(codec_encodings)

BOOST_AUTO_TEST_CASE(forms_encode_like_stripe_with_literal_brackets_in_keys) {
    codec::FormEncoder form;
    form.add("amount", 2000)
        .add("currency", "usd")
        .add("confirm", true)
        .addNested({"payment_method_types", "0"}, "card")
        .addNested({"metadata", "invoice_id"}, "inv_42")
        .add("description", "Invoice inv_42 & co/ü=1+1");
    BOOST_TEST(form.str() ==
               "amount=2000&currency=usd&confirm=true&payment_method_types[0]=card&"
               "metadata[invoice_id]=inv_42&description=Invoice+inv_42+%26+co%2F%C3%BC%3D1%2B1");
    BOOST_TEST(codec::FormEncoder::nestedKey({"a", "b", "c"}) == "a[b][c]");
    BOOST_TEST(codec::FormEncoder{}.add("x", 0).str() == "x=0");
    BOOST_TEST(codec::FormEncoder{}.add("v[]", "a b").str() == "v[]=a+b");

    const auto pairs = codec::parseForm(form.str());
    BOOST_REQUIRE(pairs.has_value());
    BOOST_REQUIRE(pairs->size() == 6U);
    BOOST_TEST((*pairs)[3].first == "payment_method_types[0]");
    BOOST_TEST((*pairs)[5].second == "Invoice inv_42 & co/ü=1+1");
    const auto escaped = codec::parseForm("metadata%5Binvoice_id%5D=inv_42&flag&x=");
    BOOST_REQUIRE(escaped.has_value());
    BOOST_TEST(escaped->size() == 3U);
    BOOST_TEST((*escaped)[0].first == "metadata[invoice_id]");
    BOOST_TEST((*escaped)[1].first == "flag");
    BOOST_TEST((*escaped)[1].second.empty());
    BOOST_TEST(!codec::parseForm("a=%zz").has_value());
    BOOST_TEST(codec::parseForm("")->empty());
}

BOOST_AUTO_TEST_CASE(urls_percent_encode_all_but_the_unreserved_characters) {
    BOOST_TEST(codec::percentEncode("pay_1 a/b?c=d&é~-._") == "pay_1%20a%2Fb%3Fc%3Dd%26%C3%A9~-._");
    BOOST_TEST(codec::percentDecode("a%20b+c%2f").value_or("") == "a b+c/");
    BOOST_TEST(!codec::percentDecode("50%").has_value());
    BOOST_TEST(!codec::percentDecode("%g0").has_value());
}

BOOST_AUTO_TEST_CASE(hex_round_trips_and_refuses_garbage) {
    const std::string bytes("\x00\x01\xab\xff", 4);
    BOOST_TEST(codec::hexEncode(bytes) == "0001abff");
    BOOST_TEST(codec::hexDecode("0001ABff").value_or("") == bytes);
    BOOST_TEST(codec::hexDecode("").value_or("x").empty());
    BOOST_TEST(!codec::hexDecode("abc").has_value());
    BOOST_TEST(!codec::hexDecode("zz").has_value());
}

BOOST_AUTO_TEST_CASE(base64_and_base64url_follow_rfc_4648) {
    // RFC 4648 section 10 test vectors.
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        BOOST_TEST(codec::base64Encode(plain) == encoded);
        BOOST_TEST(codec::base64Decode(encoded).value_or("?") == plain);
        std::string unpadded = encoded;
        while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
        BOOST_TEST(codec::base64UrlEncode(plain) == unpadded);
        BOOST_TEST(codec::base64UrlDecode(unpadded).value_or("?") == plain);
        BOOST_TEST(codec::base64UrlDecode(encoded).value_or("?") == plain);  // padding accepted
    }
    const std::string bytes("\xfb\xff\xbf", 3);
    BOOST_TEST(codec::base64Encode(bytes) == "+/+/");
    BOOST_TEST(codec::base64UrlEncode(bytes) == "-_-_");
    BOOST_TEST(codec::base64UrlDecode("-_-_").value_or("") == bytes);
    for (std::string_view bad :
         {"+/+/", "Zg=", "Z", "Zh", "Zg==Zg==", "Zm9v!", "=Zg", "Zg===", "Zm9vYg=x"}) {
        BOOST_TEST(!codec::base64UrlDecode(bad).has_value(), bad);
    }
    BOOST_TEST(!codec::base64Decode("-_-_").has_value());
}

BOOST_AUTO_TEST_CASE(secrets_compare_in_constant_time_and_exactly) {
    BOOST_TEST(codec::constantTimeEquals("abc", "abc"));
    BOOST_TEST(!codec::constantTimeEquals("abc", "abd"));
    BOOST_TEST(!codec::constantTimeEquals("abc", "ab"));
    BOOST_TEST(codec::constantTimeEquals("", ""));
}

BOOST_AUTO_TEST_CASE(headers_are_found_case_insensitively_and_trimmed) {
    const std::string_view headers =
        "Content-Type: application/json\r\nStripe-Signature:\t t=1,v1=ab \r\n"
        "X-Dup: first\r\nx-dup: second\nLast:no-newline";
    BOOST_TEST(codec::headerValue(headers, "stripe-signature").value_or("") == "t=1,v1=ab");
    BOOST_TEST(codec::headerValue(headers, "CONTENT-TYPE").value_or("") == "application/json");
    BOOST_TEST(codec::headerValue(headers, "x-dup").value_or("") == "first");
    BOOST_TEST(codec::headerValue(headers, "last").value_or("") == "no-newline");
    BOOST_TEST(!codec::headerValue(headers, "Content").has_value());
    BOOST_TEST(!codec::headerValue("", "a").has_value());
}

BOOST_AUTO_TEST_CASE(decimal_text_converts_to_minor_units_exactly) {
    BOOST_TEST(codec::decimalToMinor("39.5", 2).value_or(0) == 3950);
    BOOST_TEST(codec::decimalToMinor("170", 2).value_or(0) == 17000);
    BOOST_TEST(codec::decimalToMinor("-0.05", 2).value_or(0) == -5);
    BOOST_TEST(codec::decimalToMinor("1.2300", 2).value_or(0) == 123);
    BOOST_TEST(codec::decimalToMinor("155.38559757", 8).value_or(0) == 15538559757);
    BOOST_TEST(codec::decimalToMinor("7", 0).value_or(0) == 7);
    for (std::string_view bad : {"1.234", "1e3", "", ".5", "5.", "+1", " 1", "1,5", "--1"}) {
        BOOST_TEST(!codec::decimalToMinor(bad, 2).has_value(), bad);
    }
    BOOST_TEST(!codec::decimalToMinor("92233720368547758.08", 2).has_value());
    BOOST_TEST(codec::decimalToMinor("92233720368547758.07", 2).value_or(0) == INT64_MAX);
    BOOST_TEST(codec::decimalToMinor("-92233720368547758.08", 2).value_or(0) == INT64_MIN);
    BOOST_TEST(codec::minorToDecimal(3950, 2) == "39.50");
    BOOST_TEST(codec::minorToDecimal(-5, 2) == "-0.05");
    BOOST_TEST(codec::minorToDecimal(7, 0) == "7");
    BOOST_TEST(codec::minorToDecimal(INT64_MIN, 2) == "-92233720368547758.08");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
