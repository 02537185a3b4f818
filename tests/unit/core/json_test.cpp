#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/printable.h"

#include "core/json.h"

using billwright::core::ErrorCode;
using billwright::core::JsonParseOptions;
using billwright::core::JsonValue;
using billwright::core::parseJson;
using billwright::core::toJson;
using namespace std::string_view_literals;

namespace {

using billwright::testing::printable;

// Boost builds assertion messages eagerly, so they must not touch error() of a success.
template <typename T>
std::string detailOf(const billwright::core::Result<T>& result) {
    return result.ok() ? std::string() : result.error().detail;
}

JsonValue parseOk(std::string_view text) {
    auto result = parseJson(text);
    BOOST_TEST_REQUIRE(result.ok(),
                       "parse failed for " << printable(text) << ": " << detailOf(result));
    return std::move(result).value();
}

std::string nested(std::size_t depth, std::string_view open, std::string_view inner,
                   std::string_view close) {
    std::string out;
    for (std::size_t i = 0; i < depth; ++i) out += open;
    out += inner;
    for (std::size_t i = 0; i < depth; ++i) out += close;
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(money_number_keeps_its_literal_text) {
    const JsonValue doc = parseOk(R"({"amount": 1500.25, "tiny": 0.1000000000000000000001,
                                      "huge": 123456789012345678901234567890.00, "exp": 1E400})");
    BOOST_TEST(doc.find("amount")->numberText() == "1500.25");
    BOOST_TEST(doc.find("tiny")->numberText() == "0.1000000000000000000001");
    BOOST_TEST(doc.find("huge")->numberText() == "123456789012345678901234567890.00");
    BOOST_TEST(doc.find("exp")->numberText() == "1E400");
    BOOST_TEST(toJson(doc) == R"({"amount":1500.25,"tiny":0.1000000000000000000001,)"
                              R"("huge":123456789012345678901234567890.00,"exp":1E400})");
}

BOOST_AUTO_TEST_CASE(valid_documents_parse_and_serialize_compactly) {
    struct Case {
        std::string_view input;
        std::string_view compact;
    };
    const std::vector<Case> cases = {
        {"null", "null"},
        {"true", "true"},
        {"false", "false"},
        {"0", "0"},
        {"-0", "-0"},
        {"-0.0", "-0.0"},
        {"1e5", "1e5"},
        {"1E-2", "1E-2"},
        {"1.5e+10", "1.5e+10"},
        {"-12.340", "-12.340"},
        {"123456789012345678901234567890", "123456789012345678901234567890"},
        {R"("")", R"("")"},
        {R"("plain")", R"("plain")"},
        {"[]", "[]"},
        {"{}", "{}"},
        {"[[]]", "[[]]"},
        {" \t\r\n[ 1 , 2 ]\n", "[1,2]"},
        {R"({ "a" : { "b" : [ null , true , { } ] } })", R"({"a":{"b":[null,true,{}]}})"},
        {R"({"b":1,"a":2})", R"({"b":1,"a":2})"},
        {R"("\/")", R"("/")"},
        {R"("\"\\\b\f\n\r\t")", R"("\"\\\b\f\n\r\t")"},
        {R"("\u0041\u00e9")", "\"A\xC3\xA9\""},
        {R"("\u001F")", R"("\u001f")"},
        {R"("\u2028\u2029")", R"("\u2028\u2029")"},
        {R"("\uFFFF")", "\"\xEF\xBF\xBF\""},
        {"\"\xC2\x80\"", "\"\xC2\x80\""},                  // smallest 2-byte sequence
        {"\"\xED\x9F\xBF\"", "\"\xED\x9F\xBF\""},          // U+D7FF, just below surrogates
        {"\"\xEE\x80\x80\"", "\"\xEE\x80\x80\""},          // U+E000, just above surrogates
        {"\"\xF0\x90\x80\x80\"", "\"\xF0\x90\x80\x80\""},  // smallest 4-byte sequence
        {"\"\xF4\x8F\xBF\xBF\"", "\"\xF4\x8F\xBF\xBF\""},  // U+10FFFF
        {"\"\x7F\"", "\"\x7F\""},
        // Other characters that start with 0xE2 stay as they are: the euro sign, U+2027, U+202A.
        {"\"\xE2\x82\xAC \xE2\x80\xA7\xE2\x80\xAA\"", "\"\xE2\x82\xAC \xE2\x80\xA7\xE2\x80\xAA\""},
        {"\"a\xE2\x80\xA8"
         "b\"",
         R"("a\u2028b")"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("input " << printable(c.input)) {
            const auto result = parseJson(c.input);
            BOOST_TEST_REQUIRE(result.ok(), detailOf(result));
            BOOST_TEST(printable(toJson(*result)) == printable(c.compact));
        }
    }
}

BOOST_AUTO_TEST_CASE(invalid_documents_are_malformed_requests) {
    const std::vector<std::string_view> cases = {
        "",
        " ",
        "\n\t",
        "nul",
        "tru",
        "fals",
        "True",
        "NULL",
        "nulll",
        "NaN",
        "Infinity",
        "-Infinity",
        "+1",
        "01",
        "-01",
        "00",
        "1.",
        ".5",
        "-.5",
        "1e",
        "1e+",
        "1E-",
        "1.e5",
        "-",
        "--1",
        "0x10",
        "1_000",
        "[1,]",
        "[,1]",
        "[,]",
        "[1 2]",
        "[1;2]",
        "[1]]",
        "[1",
        "[",
        "]",
        "{",
        "}",
        R"({"a":1,})",
        R"({,"a":1})",
        R"({"a" 1})",
        R"({"a":})",
        R"({"a"})",
        R"({"a")",
        R"({"a":)",
        R"({"a":1)",
        R"({"a":1 "b":2})",
        R"({"a":1}})",
        R"({a:1})",
        R"({1:1})",
        R"({'a':1})",
        R"(["a":1])",
        "'a'",
        R"("abc)",
        R"(")",
        R"("\)",
        R"("\x")",
        R"("\U0041")",
        R"("\'")",
        R"("\u12")",
        R"("\u12G4")",
        R"("\u")",
        R"("\ud800")",
        R"("\udc00")",
        R"("\udfff\ud800")",
        R"("\ud800\u0041")",
        R"("\ud800\ud800")",
        R"("\ud800x")",
        R"("\ud800\")",
        R"("\ud800\n")",
        "\"\t\"",
        "\"\n\"",
        "\"\x01\"",
        "\"\x1f\"",
        "\"a\0b\""sv,
        "/*c*/1",
        "1 // c",
        "# c\n1",
        "1 2",
        "[] x",
        "\"a\" \"b\"",
        "\v1",
        "\f1",
        "1\v",
        "\xC2\xA0[]",      // no-break space is not JSON whitespace
        "\xEF\xBB\xBF{}",  // nor is a byte order mark
        "\0"sv,
        "1\0"sv,
        "[1]\0"sv,
        "\xFF",
    };
    for (const std::string_view input : cases) {
        BOOST_TEST_CONTEXT("input " << printable(input)) {
            const auto result = parseJson(input);
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST((result.error().code == ErrorCode::kMalformedRequest));
        }
    }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_inside_strings_is_rejected) {
    const std::vector<std::string_view> cases = {
        "\x80",  // lone continuation byte
        "\xBF",
        "\xC0\xAF",          // overlong '/'
        "\xC1\xBF",          // overlong
        "\xE0\x80\xAF",      // overlong 3-byte
        "\xE0\x9F\xBF",      // overlong 3-byte, top of range
        "\xF0\x80\x80\xAF",  // overlong 4-byte
        "\xF0\x8F\xBF\xBF",  // overlong 4-byte, top of range
        "\xED\xA0\x80",      // U+D800 encoded directly
        "\xED\xBF\xBF",      // U+DFFF encoded directly
        "\xF4\x90\x80\x80",  // U+110000
        "\xF5\x80\x80\x80",
        "\xF8\x88\x80\x80\x80",  // 5-byte form
        "\xFE",
        "\xFF",
        "\xC3",  // truncated before the closing quote
        "\xE2\x82",
        "\xF0\x9F\x98",
        "\xC3\x28",  // lead byte followed by ASCII
        "\xE2\x28\xA1",
        "\xF0\x9F\x28\x80",
    };
    for (const std::string_view bytes : cases) {
        const std::string input = "\"ok " + std::string(bytes) + " ok\"";
        BOOST_TEST_CONTEXT("input " << printable(input)) {
            const auto result = parseJson(input);
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST((result.error().code == ErrorCode::kMalformedRequest));
        }
        // Also when the input ends in the middle of the sequence.
        const std::string truncated = "\"" + std::string(bytes);
        BOOST_TEST_CONTEXT("input " << printable(truncated)) {
            BOOST_TEST(!parseJson(truncated).ok());
        }
    }
}

BOOST_AUTO_TEST_CASE(surrogate_pair_escape_becomes_one_utf8_code_point) {
    BOOST_TEST(parseOk(R"("\ud83d\ude00")").asString() == "\xF0\x9F\x98\x80");
    BOOST_TEST(parseOk(R"("\uD83D\uDE00")").asString() == "\xF0\x9F\x98\x80");
    BOOST_TEST(parseOk(R"("\udbff\udfff")").asString() == "\xF4\x8F\xBF\xBF");
    BOOST_TEST(parseOk(R"("\ud800\udc00")").asString() == "\xF0\x90\x80\x80");
    // The raw form and the escaped form are the same string.
    BOOST_TEST((parseOk(R"("\ud83d\ude00")") == parseOk("\"\xF0\x9F\x98\x80\"")));
}

BOOST_AUTO_TEST_CASE(nul_escape_produces_a_nul_byte) {
    const JsonValue v = parseOk(R"("a\u0000b")");
    BOOST_TEST(v.asString().size() == 3u);
    BOOST_TEST((v.asString() == "a\0b"sv));
    BOOST_TEST(toJson(v) == R"("a\u0000b")");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_rejected) {
    const std::vector<std::string> cases = {
        R"({"a":1,"a":1})",          // same value too
        R"({"a":1,"b":2,"a":3})",    // not adjacent
        R"({"a":1,"\u0061":2})",     // equal once unescaped
        R"({"x":{"a":[],"a":{}}})",  // in a nested object
        R"([{"a":1,"a":2}])",        // in an object inside an array
        R"({"":1,"":2})",            // the empty key
    };
    for (const std::string& input : cases) {
        BOOST_TEST_CONTEXT("input " << input) {
            const auto result = parseJson(input);
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST((result.error().code == ErrorCode::kMalformedRequest));
        }
    }
    // The same key in different objects is fine.
    BOOST_TEST(parseJson(R"({"a":{"a":1},"b":{"a":2},"c":[{"a":1},{"a":2}]})").ok());
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_found_in_large_objects) {
    std::string unique = "{";
    for (int i = 0; i < 1000; ++i) {
        if (i > 0) unique += ",";
        unique += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
    }
    const JsonValue doc = parseOk(unique + "}");
    BOOST_TEST(doc.members().size() == 1000u);
    BOOST_TEST(doc.members()[999].first == "k999");
    BOOST_TEST(doc.find("k500")->numberText() == "500");

    for (const int duplicate_of : {0, 3, 15, 16, 17, 500, 999}) {
        BOOST_TEST_CONTEXT("duplicate of k" << duplicate_of) {
            const auto result = parseJson(unique + ",\"k" + std::to_string(duplicate_of) + "\":0}");
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST((result.error().code == ErrorCode::kMalformedRequest));
        }
    }
}

BOOST_AUTO_TEST_CASE(error_detail_names_the_byte_offset_and_the_problem) {
    const auto missing_colon = parseJson(R"({"a" 1})");
    BOOST_TEST_REQUIRE(!missing_colon.ok());
    BOOST_TEST(missing_colon.error().detail == "malformed JSON at offset 5: expected ':'");

    const auto duplicate = parseJson(R"({"x":1,"x":2})");
    BOOST_TEST_REQUIRE(!duplicate.ok());
    BOOST_TEST(duplicate.error().detail == R"(malformed JSON at offset 7: duplicate key "x")");
}

BOOST_AUTO_TEST_CASE(nesting_exactly_max_depth_parses_and_one_more_level_fails) {
    const std::size_t default_depth = JsonParseOptions{}.max_depth;
    BOOST_TEST(default_depth == 64u);
    BOOST_TEST(parseJson(nested(default_depth, "[", "", "]")).ok());
    BOOST_TEST(parseJson(nested(default_depth, "[", "1", "]")).ok());
    BOOST_TEST(parseJson(nested(default_depth, R"({"a":)", "{}", "}")).ok() == false);
    BOOST_TEST(parseJson(nested(default_depth - 1, R"({"a":)", "{}", "}")).ok());

    const auto too_deep = parseJson(nested(default_depth + 1, "[", "", "]"));
    BOOST_TEST_REQUIRE(!too_deep.ok());
    BOOST_TEST((too_deep.error().code == ErrorCode::kMalformedRequest));
    BOOST_TEST(!parseJson(nested(default_depth, R"([{"a":)", "[]", "}]")).ok());

    const JsonParseOptions three{3};
    BOOST_TEST(parseJson(R"([{"a":[1]}])", three).ok());
    BOOST_TEST(!parseJson(R"([{"a":[[]]}])", three).ok());
    BOOST_TEST(!parseJson(R"([{"a":{"b":{}}}])", three).ok());
    // Depth counts nesting, not the number of containers.
    BOOST_TEST(parseJson(R"([[[]],[[]],{"a":[],"b":{}}])", three).ok());

    const JsonParseOptions scalars_only{0};
    BOOST_TEST(parseJson(R"("text")", scalars_only).ok());
    BOOST_TEST(!parseJson("[]", scalars_only).ok());
}

BOOST_AUTO_TEST_CASE(hundred_thousand_nested_containers_fail_cleanly) {
    const std::size_t depth = 100000;
    const std::vector<std::string> inputs = {
        std::string(depth, '['),
        nested(depth, "[", "", "]"),
        nested(depth, R"({"a":)", "1", "}"),
        nested(depth, R"([{"a":)", "1", "}]"),
    };
    for (const std::string& input : inputs) {
        const auto result = parseJson(input);
        BOOST_TEST_REQUIRE(!result.ok());
        BOOST_TEST((result.error().code == ErrorCode::kMalformedRequest));
    }
    // A generous limit still parses deep input without recursing.
    const JsonParseOptions generous{2000};
    const auto deep = parseJson(nested(2000, "[", "", "]"), generous);
    BOOST_TEST_REQUIRE(deep.ok());
    BOOST_TEST(toJson(*deep).size() == 4000u);
}

BOOST_AUTO_TEST_CASE(every_proper_prefix_of_a_document_fails) {
    const std::string doc =
        R"({"id":"inv_1","lines":[{"qty":2,"amount":-12.50e0,"ok":true,"n":null}],)"
        R"("note":"\u00e9\ud83d\ude00\n","empty":{},"list":[false]})";
    BOOST_TEST_REQUIRE(parseJson(doc).ok());
    for (std::size_t n = 0; n < doc.size(); ++n) {
        BOOST_TEST_CONTEXT("prefix of " << n << " bytes") {
            const auto result = parseJson(std::string_view(doc).substr(0, n));
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST((result.error().code == ErrorCode::kMalformedRequest));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_then_serialize_then_parse_gives_an_equal_value) {
    const std::vector<std::string_view> cases = {
        "null",
        "-0.0",
        "[1, 2.50, -3e-7, 4E+2]",
        R"({"customer": {"id": "cus_1", "tags": ["a", "b"], "limit": null}, "amount": "12.00"})",
        R"("quote \" backslash \\ slash \/ controls \b\f\n\r\t \u0001 \u001f")",
        R"("line \u2028 paragraph \u2029 emoji \ud83d\ude00 accented \u00e9")",
        "\"raw \xE2\x80\xA8 \xC3\xA9 \xF0\x9F\x98\x80\"",
        R"([[[{"a":[{"b":{}}]}]], {}, [], "", 0])",
        R"({"": "", "\u0000": "\u0000"})",
    };
    for (const std::string_view input : cases) {
        BOOST_TEST_CONTEXT("input " << printable(input)) {
            const JsonValue first = parseOk(input);
            const std::string serialized = toJson(first);
            const JsonValue second = parseOk(serialized);
            BOOST_TEST((first == second));
            BOOST_TEST(toJson(second) == serialized);
        }
    }
}

BOOST_AUTO_TEST_CASE(as_int64_accepts_only_exact_integer_literals) {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    struct Case {
        std::string_view literal;
        std::optional<std::int64_t> expected;
    };
    const std::vector<Case> cases = {
        {"0", 0},
        {"-0", 0},
        {"42", 42},
        {"-42", -42},
        {"9223372036854775807", kMax},
        {"9223372036854775808", std::nullopt},
        {"-9223372036854775808", kMin},
        {"-9223372036854775809", std::nullopt},
        {"99999999999999999999999", std::nullopt},
        {"1.0", std::nullopt},
        {"1.5", std::nullopt},
        {"1e2", std::nullopt},
        {"1E2", std::nullopt},
        {"-0.0", std::nullopt},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("literal " << c.literal) {
            BOOST_TEST((parseOk(c.literal).asInt64() == c.expected));
            BOOST_TEST((JsonValue::numberLiteral(std::string(c.literal)).asInt64() == c.expected));
        }
    }
    BOOST_TEST(!JsonValue::string("1").asInt64().has_value());
    BOOST_TEST(!JsonValue::null().asInt64().has_value());
    BOOST_TEST(!JsonValue::boolean(true).asInt64().has_value());
}

BOOST_AUTO_TEST_CASE(number_from_int64_round_trips_at_the_extremes) {
    for (const std::int64_t n :
         {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1500},
          std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
        const JsonValue v = JsonValue::number(n);
        BOOST_TEST(v.isNumber());
        BOOST_TEST((v.asInt64() == n));
        BOOST_TEST((parseOk(toJson(v)) == v));
    }
    BOOST_TEST(JsonValue::number(std::numeric_limits<std::int64_t>::min()).numberText() ==
               "-9223372036854775808");
}

BOOST_AUTO_TEST_CASE(number_literal_refuses_text_outside_the_json_grammar) {
    for (const std::string_view bad :
         {"", "01", "+1", "1.", ".5", "1e", "NaN", "1 ", " 1", "0x1", "1,5", "-"}) {
        BOOST_TEST_CONTEXT("literal '" << bad << "'") {
            BOOST_CHECK_THROW(JsonValue::numberLiteral(std::string(bad)), std::logic_error);
        }
    }
    BOOST_TEST(JsonValue::numberLiteral("1500.25").numberText() == "1500.25");
    BOOST_TEST(toJson(JsonValue::numberLiteral("-0.10e-3")) == "-0.10e-3");
}

BOOST_AUTO_TEST_CASE(set_replaces_an_existing_member_in_place_and_keeps_order) {
    JsonValue obj = JsonValue::object();
    obj.set("a", JsonValue::number(1))
        .set("b", JsonValue::number(2))
        .set("c", JsonValue::number(3));
    obj.set("b", JsonValue::string("two"));
    BOOST_TEST(obj.members().size() == 3u);
    BOOST_TEST(obj.members()[0].first == "a");
    BOOST_TEST(obj.members()[1].first == "b");
    BOOST_TEST(obj.members()[2].first == "c");
    BOOST_TEST(obj.find("b")->asString() == "two");
    obj.set("d", JsonValue::null());
    BOOST_TEST(toJson(obj) == R"({"a":1,"b":"two","c":3,"d":null})");
}

BOOST_AUTO_TEST_CASE(find_returns_null_for_an_absent_key_or_a_non_object) {
    const JsonValue doc = parseOk(R"({"a":1,"b":{"c":true}})");
    BOOST_TEST(doc.find("a") != nullptr);
    BOOST_TEST(doc.find("b")->find("c")->asBool());
    BOOST_TEST(doc.find("c") == nullptr);
    BOOST_TEST(doc.find("") == nullptr);
    BOOST_TEST(doc.find("a")->find("a") == nullptr);
    BOOST_TEST(JsonValue::array().find("a") == nullptr);
    BOOST_TEST(JsonValue().find("a") == nullptr);
}

BOOST_AUTO_TEST_CASE(values_built_in_code_serialize_compactly) {
    JsonValue lines = JsonValue::array();
    lines
        .push(JsonValue::object()
                  .set("qty", JsonValue::number(2))
                  .set("amount", JsonValue::numberLiteral("19.99")))
        .push(JsonValue::null());
    JsonValue doc = JsonValue::object();
    doc.set("id", JsonValue::string("inv_1"))
        .set("paid", JsonValue::boolean(false))
        .set("lines", std::move(lines))
        .set("meta", JsonValue::object());
    BOOST_TEST(toJson(doc) ==
               R"({"id":"inv_1","paid":false,"lines":[{"qty":2,"amount":19.99},null],"meta":{}})");
    BOOST_TEST(doc.find("lines")->items().size() == 2u);
    BOOST_TEST(toJson(JsonValue()) == "null");
    BOOST_TEST(JsonValue().isNull());
}

BOOST_AUTO_TEST_CASE(output_escapes_control_characters_and_line_separators) {
    const std::string raw =
        "q\" b\\ s/ \x01 \x1f \b\f\n\r\t \x7f \xE2\x80\xA8 \xE2\x80\xA9 \xE2\x80\xA7 \xC3\xA9";
    BOOST_TEST(printable(toJson(JsonValue::string(raw))) ==
               printable("\"q\\\" b\\\\ s/ \\u0001 \\u001f \\b\\f\\n\\r\\t \x7f \\u2028 \\u2029 "
                         "\xE2\x80\xA7 \xC3\xA9\""));

    // Every byte below 0x20 is escaped and reads back as itself.
    std::string controls;
    for (char c = 0; c < 0x20; ++c) controls.push_back(c);
    const std::string serialized = toJson(JsonValue::string(controls));
    for (const char c : serialized) BOOST_TEST(static_cast<unsigned char>(c) >= 0x20u);
    BOOST_TEST((parseOk(serialized).asString() == controls));

    // A separator at the very end, and one cut short, are handled without overreading.
    BOOST_TEST(toJson(JsonValue::string("\xE2\x80\xA8")) == R"("\u2028")");
    BOOST_TEST(printable(toJson(JsonValue::string("x\xE2\x80"))) == printable("\"x\xE2\x80\""));
}

BOOST_AUTO_TEST_CASE(a_character_to_escape_is_found_wherever_it_stands_in_a_long_string) {
    // Strings are scanned eight bytes at a time: put each special byte at every offset of
    // every word, and next to bytes >= 0x80 (which must not be taken for special ones).
    const std::vector<std::pair<std::string, std::string>> specials = {
        {"\"", "\\\""},      {"\\", "\\\\"},
        {"\n", "\\n"},       {std::string(1, '\0'), "\\u0000"},
        {"\x1f", "\\u001f"}, {"\xE2\x80\xA8", "\\u2028"}};
    for (const auto& [special, escaped] : specials) {
        for (std::size_t at = 0; at < 20; ++at) {
            const std::string raw = std::string(at, 'a') + special + "\xC3\xA9 \x7f" + "zzzzzzzzz";
            const std::string expected =
                "\"" + std::string(at, 'a') + escaped + "\xC3\xA9 \x7f" + "zzzzzzzzz\"";
            BOOST_TEST(printable(toJson(JsonValue::string(raw))) == printable(expected));
            BOOST_TEST((parseOk(toJson(JsonValue::string(raw))).asString() == raw));
        }
    }
    // Nothing to escape, long and with bytes of every value from 0x20 but 0xE2 ('"' and '\\'
    // aside): copied as it is.
    std::string plain;
    for (int c = 0x20; c < 0x100; ++c) {
        if (c != '"' && c != '\\' && c != 0xE2) plain.push_back(static_cast<char>(c));
    }
    BOOST_TEST(printable(toJson(JsonValue::string(plain))) == printable("\"" + plain + "\""));
}

BOOST_AUTO_TEST_CASE(append_json_string_appends_to_existing_output) {
    std::string out = "key=";
    billwright::core::appendJsonString(out, "a\"b\n");
    billwright::core::appendJsonString(out, "");
    BOOST_TEST(out == R"(key="a\"b\n""")");
}

BOOST_AUTO_TEST_CASE(equality_is_structural_with_numbers_compared_by_text) {
    BOOST_TEST((parseOk("1.0") == parseOk("1.0")));
    BOOST_TEST(!(parseOk("1.0") == parseOk("1")));
    BOOST_TEST(!(parseOk("0") == parseOk("-0")));
    BOOST_TEST(!(parseOk(R"("1")") == parseOk("1")));
    BOOST_TEST(!(parseOk("null") == parseOk("false")));
    BOOST_TEST(!(parseOk("[]") == parseOk("{}")));
    BOOST_TEST((parseOk("[1,[2]]") == parseOk(" [ 1 , [ 2 ] ] ")));
    BOOST_TEST(!(parseOk("[1,2]") == parseOk("[2,1]")));
    BOOST_TEST(!(parseOk("[1]") == parseOk("[1,1]")));
    // JSON objects are unordered.
    BOOST_TEST((parseOk(R"({"a":1,"b":{"x":[],"y":null}})") ==
                parseOk(R"({"b":{"y":null,"x":[]},"a":1})")));
    BOOST_TEST(!(parseOk(R"({"a":1,"b":2})") == parseOk(R"({"a":1,"c":2})")));
    BOOST_TEST(!(parseOk(R"({"a":1,"b":2})") == parseOk(R"({"a":1})")));
    BOOST_TEST(!(parseOk(R"({"a":1,"b":2})") == parseOk(R"({"b":1,"a":2})")));
    BOOST_TEST((JsonValue() == JsonValue::null()));
}

BOOST_AUTO_TEST_CASE(copies_are_deep_and_moves_keep_the_value) {
    JsonValue original = parseOk(R"({"a":[1,2],"b":"x"})");
    JsonValue copy = original;
    copy.set("b", JsonValue::string("changed"));
    BOOST_TEST(original.find("b")->asString() == "x");
    BOOST_TEST(copy.find("b")->asString() == "changed");

    const std::string before = toJson(original);
    const JsonValue moved = std::move(original);
    BOOST_TEST(toJson(moved) == before);

    JsonValue assigned;
    assigned = moved;
    BOOST_TEST((assigned == moved));
}

BOOST_AUTO_TEST_CASE(type_preconditions_throw_logic_error) {
    const JsonValue number = JsonValue::number(1);
    JsonValue array = JsonValue::array();
    JsonValue object = JsonValue::object();
    BOOST_CHECK_THROW(static_cast<void>(number.asBool()), std::logic_error);
    BOOST_CHECK_THROW(static_cast<void>(number.asString()), std::logic_error);
    BOOST_CHECK_THROW(static_cast<void>(JsonValue::string("1").numberText()), std::logic_error);
    BOOST_CHECK_THROW(static_cast<void>(object.items()), std::logic_error);
    BOOST_CHECK_THROW(object.push(JsonValue()), std::logic_error);
    BOOST_CHECK_THROW(static_cast<void>(array.members()), std::logic_error);
    BOOST_CHECK_THROW(array.set("a", JsonValue()), std::logic_error);
    BOOST_CHECK_THROW(static_cast<void>(JsonValue().asBool()), std::logic_error);
    BOOST_TEST(array.items().empty());
    BOOST_TEST(object.members().empty());
}

BOOST_AUTO_TEST_CASE(type_names_are_the_json_names) {
    using Type = JsonValue::Type;
    BOOST_TEST(billwright::core::jsonTypeName(Type::kNull) == "null");
    BOOST_TEST(billwright::core::jsonTypeName(Type::kBool) == "boolean");
    BOOST_TEST(billwright::core::jsonTypeName(Type::kNumber) == "number");
    BOOST_TEST(billwright::core::jsonTypeName(Type::kString) == "string");
    BOOST_TEST(billwright::core::jsonTypeName(Type::kArray) == "array");
    BOOST_TEST(billwright::core::jsonTypeName(Type::kObject) == "object");
    BOOST_TEST((parseOk("true").type() == Type::kBool));
    BOOST_TEST((parseOk("{}").type() == Type::kObject));
}

BOOST_AUTO_TEST_CASE(mutated_documents_never_crash_and_valid_results_round_trip) {
    // A deterministic smoke test for the fuzzer to come: flip, insert and drop bytes.
    const std::string seed =
        R"({"a":[1,-2.5e3,true,false,null,"s\u00e9\ud83d\ude00\n"],"b":{"c":{}},"d":"x"})";
    std::uint32_t state = 12345;
    const auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    const std::string alphabet = "{}[]\",:\\u0123456789abcdefE.-+ \t\ntrue\x80\xC3\xED\xF0\xFF";
    std::size_t accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string doc = seed;
        const std::uint32_t edits = 1 + next() % 4;
        for (std::uint32_t e = 0; e < edits && !doc.empty(); ++e) {
            const std::size_t at = next() % doc.size();
            const char c = alphabet[next() % alphabet.size()];
            switch (next() % 3) {
                case 0:
                    doc[at] = c;
                    break;
                case 1:
                    doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                default:
                    doc.erase(at, 1);
                    break;
            }
        }
        const auto result = parseJson(doc);
        if (!result.ok()) {
            BOOST_TEST_REQUIRE((result.error().code == ErrorCode::kMalformedRequest));
            continue;
        }
        ++accepted;
        const std::string serialized = toJson(*result);
        const auto reparsed = parseJson(serialized);
        BOOST_TEST_REQUIRE(reparsed.ok(), printable(doc));
        BOOST_TEST_REQUIRE((*reparsed == *result), printable(doc));
    }
    BOOST_TEST_MESSAGE(accepted << " of 20000 mutated documents were valid JSON");
    BOOST_TEST(accepted > 0u);
}

BOOST_AUTO_TEST_CASE(writer_gives_the_text_toJson_gives_for_the_same_members) {
    // The tree...
    JsonValue inner = JsonValue::object();
    inner.set("name", JsonValue::string("a \"quoted\"\n\u2028 name"))
        .set("empty", JsonValue::object())
        .set("none", JsonValue::array());
    JsonValue items = JsonValue::array();
    items.push(JsonValue::number(-9223372036854775807 - 1))
        .push(JsonValue::numberLiteral("1500.25"))
        .push(JsonValue::boolean(false))
        .push(JsonValue::null())
        .push(std::move(inner));
    JsonValue tree = JsonValue::object();
    tree.set("id", JsonValue::string("inv_1"))
        .set("missing", JsonValue::null())
        .set("items", std::move(items))
        .set("nested", JsonValue::array().push(JsonValue::array()).push(JsonValue::object()))
        .set("ok", JsonValue::boolean(true))
        .set("q\"k\n", JsonValue::string("v"))  // a name that must be escaped
        .set("", JsonValue::string(""));
    // ...and the same members written, from a buffer of 8 bytes so it grows many times.
    billwright::core::JsonWriter w(8);
    using namespace billwright::core::json_literals;
    w.beginObject()
        .key("id"_name)
        .string("inv_1")
        .key("missing")
        .optionalString(std::nullopt)
        .key("items")
        .beginArray()
        .number(-9223372036854775807 - 1)
        .numberLiteral("1500.25")
        .boolean(false)
        .null()
        .beginObject()
        .key("name")
        .optionalString(std::string("a \"quoted\"\n\u2028 name"))
        .key("empty")
        .beginObject()
        .endObject()
        .key("none")
        .value(JsonValue::array())
        .endObject()
        .endArray()
        .key("nested")
        .beginArray()
        .beginArray()
        .endArray()
        .beginObject()
        .endObject()
        .endArray()
        .key("ok"_name)
        .boolean(true)
        .key("q\"k\n")
        .string("v")
        .key("")
        .string("")
        .endObject();
    const std::string text = std::move(w).take();
    BOOST_TEST(text == toJson(tree));
    const auto parsed = parseJson(text);
    BOOST_TEST_REQUIRE(parsed.ok());
    BOOST_TEST((*parsed == tree));
}

BOOST_AUTO_TEST_CASE(name_literals_carry_their_quotes_and_colon) {
    using namespace billwright::core::json_literals;
    constexpr auto id = "id"_name;
    BOOST_TEST(id.text() == "id");
    BOOST_TEST(id.member() == "\"id\":");
    BOOST_TEST(("billed_wh"_name.member() == "\"billed_wh\":"));
    BOOST_TEST(("x"_name.text() == "x"));
    billwright::core::JsonWriter w;
    w.beginObject().key("a"_name).number(1).key("bc"_name).string("d").endObject();
    BOOST_TEST(std::move(w).take() == R"({"a":1,"bc":"d"})");
}

BOOST_AUTO_TEST_SUITE_END()
