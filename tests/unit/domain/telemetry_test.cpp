#include "domain/telemetry.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/printable.h"

namespace billwright::domain {
namespace {

using billwright::testing::printable;

constexpr std::int64_t kNov1 = 1793491200;  // 2026-11-01T00:00:00Z

TelemetryParse ndjson(std::string_view body) {
    return parseTelemetry(body, TelemetryFormat::kNdjson);
}

TelemetryParse csv(std::string_view body) { return parseTelemetry(body, TelemetryFormat::kCsv); }

// "line field code" per error, "; " between them.
std::string errors(const TelemetryParse& parse) {
    std::string out;
    for (const TelemetryRowError& e : parse.errors) {
        if (!out.empty()) out += "; ";
        out += std::to_string(e.line) + " " + e.field + " " + e.code;
    }
    return out;
}

std::string rowText(const TelemetryRow& row) {
    return std::to_string(row.line) + " " + std::string(sampleKindName(row.kind)) + " " +
           row.equipment_id + "|" + row.pdu_port + " " + std::to_string(row.ts) + " " +
           telemetryValueText(row.kind, row.value);
}

std::string rows(const TelemetryParse& parse) {
    std::string out;
    for (const TelemetryRow& row : parse.rows) {
        if (!out.empty()) out += "; ";
        out += rowText(row);
    }
    return out;
}

// One NDJSON line with the given members after a fixed kind and equipment.
std::string energyLine(std::string_view members) {
    return R"({"kind":"energy","equipment_id":"eqp_1",)" + std::string(members) + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(telemetry)

BOOST_AUTO_TEST_CASE(ndjson_rows_of_every_kind_become_fixed_point_rows) {
    const auto parse = ndjson(
        R"({"kind": "energy", "equipment_id": "eqp_01", "ts": "2026-11-01T00:00:00Z", "value": "1234.567"})"
        "\n"
        R"({"kind":"power","equipment_id":"eqp_01","ts":1793491200,"value":3250.5})"
        "\n"
        R"({"kind":"hashrate","pdu_port":"PDU-A1/07","ts":"1793491200","value":"110"})"
        "\n"
        R"({"kind":"status","pdu_port":"PDU-A1/07","ts":1793491200,"value":"online"})"
        "\n"
        R"({"value":"offline","ts":1793491260,"equipment_id":"eqp_01","kind":"status"})"
        "\n");
    BOOST_TEST(errors(parse) == "");
    BOOST_TEST(!parse.fatal);
    BOOST_TEST(parse.lines == 5U);
    BOOST_TEST(rows(parse) ==
               "1 energy eqp_01| 1793491200 1234.567; "
               "2 power eqp_01| 1793491200 3250.500; "
               "3 hashrate |PDU-A1/07 1793491200 110.000; "
               "4 status |PDU-A1/07 1793491200 online; "
               "5 status eqp_01| 1793491260 offline");
    BOOST_TEST_REQUIRE(parse.rows.size() == 5U);
    BOOST_TEST(parse.rows[0].value == 1234567);
    BOOST_TEST(parse.rows[1].value == 3250500);
    BOOST_TEST(parse.rows[2].value == 110000);
    BOOST_TEST(parse.rows[3].value == 1);
    BOOST_TEST(parse.rows[4].value == 0);
}

BOOST_AUTO_TEST_CASE(csv_rows_of_every_kind_are_read_with_columns_in_any_order) {
    const auto parse =
        csv("value,ts,pdu_port,kind,equipment_id\r\n"
            "1234.567,2026-11-01T00:00:00Z,,energy,eqp_01\r\n"
            "3250.5,1793491200,,power,eqp_01\r\n"
            "110,1793491200,\"PDU-A1,07\",hashrate,\r\n"
            "online,1793491200,PDU-A1/07,status,\r\n"
            "offline,\"1793491260\",,\"status\",\"eqp_01\"");
    BOOST_TEST(errors(parse) == "");
    BOOST_TEST(parse.lines == 5U);
    BOOST_TEST(rows(parse) ==
               "2 energy eqp_01| 1793491200 1234.567; "
               "3 power eqp_01| 1793491200 3250.500; "
               "4 hashrate |PDU-A1,07 1793491200 110.000; "
               "5 status |PDU-A1/07 1793491200 online; "
               "6 status eqp_01| 1793491260 offline");
}

BOOST_AUTO_TEST_CASE(csv_needs_only_one_of_the_equipment_columns) {
    BOOST_TEST(rows(csv("kind,pdu_port,ts,value\npower,P1,1793491200,1\n")) ==
               "2 power |P1 1793491200 1.000");
    BOOST_TEST(rows(csv("equipment_id,kind,ts,value\neqp_9,power,1793491200,2\n")) ==
               "2 power eqp_9| 1793491200 2.000");
}

BOOST_AUTO_TEST_CASE(timestamps_are_rfc3339_with_z_or_an_offset_or_unix_seconds) {
    struct Case {
        std::string_view json;  // the ts member's JSON value
        std::string_view cell;  // the same as a CSV cell ("" when there is no CSV form)
        std::int64_t expected;
    };
    const Case cases[] = {
        {R"("2026-11-01T00:00:00Z")", "2026-11-01T00:00:00Z", kNov1},
        {R"("2026-11-01T02:00:00+02:00")", "2026-11-01T02:00:00+02:00", kNov1},
        {R"("2026-10-31T19:30:00-04:30")", "2026-10-31T19:30:00-04:30", kNov1},
        {R"("2026-11-01T00:00:00.999Z")", "2026-11-01T00:00:00.999Z", kNov1},
        {R"("2026-11-01t00:00:00z")", "2026-11-01t00:00:00z", kNov1},
        {"1793491200", "1793491200", kNov1},
        {R"("1793491200")", "", kNov1},
        {R"("2000-01-01T00:00:00Z")", "2000-01-01T00:00:00Z", 946684800},
        {"946684800", "946684800", 946684800},
        {R"("9999-12-31T23:59:59Z")", "9999-12-31T23:59:59Z", 253402300799},
        {"253402300799", "253402300799", 253402300799},
    };
    for (const Case& c : cases) {
        const auto parse = ndjson(energyLine(R"("value":"1","ts":)" + std::string(c.json)));
        BOOST_TEST(errors(parse) == "", c.json);
        BOOST_TEST_REQUIRE(parse.rows.size() == 1U, c.json);
        BOOST_TEST(parse.rows[0].ts == c.expected, c.json);
        if (c.cell.empty()) continue;
        const auto from_csv =
            csv("kind,equipment_id,ts,value\nenergy,eqp_1," + std::string(c.cell) + ",1\n");
        BOOST_TEST(errors(from_csv) == "", c.cell);
        BOOST_TEST_REQUIRE(from_csv.rows.size() == 1U, c.cell);
        BOOST_TEST(from_csv.rows[0].ts == c.expected, c.cell);
    }
}

BOOST_AUTO_TEST_CASE(values_take_up_to_three_decimals_as_a_string_or_a_number) {
    struct Case {
        std::string_view text;
        std::int64_t expected;  // -1: refused with too_many_decimals
    };
    const Case cases[] = {
        {"0", 0},        {"7", 7000},    {"1.5", 1500},  {"1.25", 1250},
        {"1.125", 1125}, {"0.001", 1},   {"0.000", 0},   {"1234567.891", 1234567891},
        {"1.1250", -1},  {"0.0001", -1}, {"2.5000", -1}, {"12.34567", -1},
    };
    for (const Case& c : cases) {
        const std::string text(c.text);
        for (const std::string& body :
             {energyLine(R"("ts":1793491200,"value":")" + text + "\""),
              energyLine(R"("ts":1793491200,"value":)" + text),
              "kind,equipment_id,ts,value\nenergy,e,1793491200," + text}) {
            const auto parse = body.starts_with("kind") ? csv(body) : ndjson(body);
            if (c.expected < 0) {
                BOOST_TEST(parse.rows.empty(), printable(body));
                BOOST_TEST(errors(parse) == std::to_string(body.starts_with("kind") ? 2 : 1) +
                                                " value too_many_decimals",
                           printable(body));
                continue;
            }
            BOOST_TEST(errors(parse) == "", printable(body));
            BOOST_TEST_REQUIRE(parse.rows.size() == 1U, printable(body));
            BOOST_TEST(parse.rows[0].value == c.expected, printable(body));
        }
    }
}

BOOST_AUTO_TEST_CASE(each_bad_ndjson_field_reports_its_error_code_and_keeps_the_row_out) {
    struct Case {
        std::string_view line;
        std::string_view expected;  // "field code"
    };
    const Case cases[] = {
        {R"({"equipment_id":"e","ts":1793491200,"value":"1"})", "kind required"},
        {R"({"kind":null,"equipment_id":"e","ts":1793491200,"value":"1"})", "kind required"},
        {R"({"kind":"","equipment_id":"e","ts":1793491200,"value":"1"})", "kind required"},
        {R"({"kind":"Energy","equipment_id":"e","ts":1793491200,"value":"1"})",
         "kind invalid_enum"},
        {R"({"kind":"temperature","equipment_id":"e","ts":1793491200,"value":"1"})",
         "kind invalid_enum"},
        {R"({"kind":1,"equipment_id":"e","ts":1793491200,"value":"1"})", "kind wrong_type"},
        {R"({"kind":"energy","ts":1793491200,"value":"1"})", "equipment_id required"},
        {R"({"kind":"energy","equipment_id":"","pdu_port":null,"ts":1793491200,"value":"1"})",
         "equipment_id required"},
        {R"({"kind":"energy","equipment_id":"e","pdu_port":"p","ts":1793491200,"value":"1"})",
         "equipment_id ambiguous_equipment"},
        {R"({"kind":"energy","equipment_id":12,"ts":1793491200,"value":"1"})",
         "equipment_id wrong_type"},
        {R"({"kind":"energy","pdu_port":true,"ts":1793491200,"value":"1"})", "pdu_port wrong_type"},
        {R"({"kind":"energy","equipment_id":"e","value":"1"})", "ts required"},
        {R"({"kind":"energy","equipment_id":"e","ts":"","value":"1"})", "ts required"},
        {R"({"kind":"energy","equipment_id":"e","ts":false,"value":"1"})", "ts wrong_type"},
        {R"({"kind":"energy","equipment_id":"e","ts":"yesterday","value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":-1,"value":"1"})", "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":"-1793491200","value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200.5,"value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":1.7934912e9,"value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":946684799,"value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":0,"value":"1"})", "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200000,"value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":253402300800,"value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":"1999-12-31T23:59:59Z","value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":"2026-02-30T00:00:00Z","value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":"2026-11-01 00:00:00Z","value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":"2026-11-01T00:00:00","value":"1"})",
         "ts invalid_timestamp"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200})", "value required"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":null})", "value required"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":""})", "value required"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1.2345"})",
         "value too_many_decimals"},
        {R"({"kind":"power","equipment_id":"e","ts":1793491200,"value":1.2345})",
         "value too_many_decimals"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"-1"})",
         "value out_of_range"},
        {R"({"kind":"hashrate","equipment_id":"e","ts":1793491200,"value":-0.5})",
         "value out_of_range"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"99999999999999999"})",
         "value out_of_range"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1e3"})",
         "value invalid_number"},
        {R"({"kind":"power","equipment_id":"e","ts":1793491200,"value":1E3})",
         "value invalid_number"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"abc"})",
         "value invalid_number"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1."})",
         "value invalid_number"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":" 1"})",
         "value invalid_number"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1,5"})",
         "value invalid_number"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":true})",
         "value wrong_type"},
        {R"({"kind":"status","equipment_id":"e","ts":1793491200,"value":"on"})",
         "value invalid_enum"},
        {R"({"kind":"status","equipment_id":"e","ts":1793491200,"value":"Online"})",
         "value invalid_enum"},
        {R"({"kind":"status","equipment_id":"e","ts":1793491200,"value":"1"})",
         "value invalid_enum"},
        {R"({"kind":"status","equipment_id":"e","ts":1793491200,"value":1})", "value wrong_type"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1","temp":21})",
         "temp unknown_field"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1","Kind":"x"})",
         "Kind unknown_field"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"ts":1793491201,"value":"1"})",
         "ts duplicate_field"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1","value":"2"})",
         "value duplicate_field"},
        {R"({"kind":"energy","equipment_id":"e","ts":null,"ts":1793491200,"value":"1"})",
         "ts duplicate_field"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":{"kwh":"1"}})",
         " malformed_json"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":["1"]})",
         " malformed_json"},
        {R"({"kind":"energy","equipment_id":"e","ts":1793491200,"value":"1","x":{}})",
         " malformed_json"},
    };
    for (const Case& c : cases) {
        const auto parse = ndjson(c.line);
        BOOST_TEST(errors(parse) == "1 " + std::string(c.expected), c.line);
        BOOST_TEST(parse.rows.empty(), c.line);
        BOOST_TEST(parse.lines == 1U, c.line);
        BOOST_TEST(!parse.fatal, c.line);
    }
}

BOOST_AUTO_TEST_CASE(anything_but_one_flat_json_object_per_line_is_malformed_json) {
    const std::string_view cases[] = {
        "[]",
        R"("kind")",
        "5",
        "null",
        "{",
        R"({"kind":"energy")",
        R"({"kind":"energy",})",
        R"({"kind":"energy" "ts":1})",
        R"({"kind" "energy"})",
        R"({kind:"energy"})",
        R"({'kind':'energy'})",
        R"({"kind":"energy"} x)",
        R"({"kind":"energy"}{})",
        R"({"kind":"energy"},)",
        R"({"kind":"ener)",
        R"({"kind":"energy","value":01})",
        R"({"kind":"energy","value":-})",
        R"({"kind":"energy","value":1.})",
        R"({"kind":"energy","value":.5})",
        R"({"kind":"energy","value":+1})",
        R"({"kind":"energy","value":1e})",
        R"({"kind":"energy","value":tru})",
        R"({"kind":"energy","value":NaN})",
        R"({"kind":"energy","value":})",
        R"({"kind":"energy","equipment_id":"a\x"})",
        R"({"kind":"energy","equipment_id":"a\u12"})",
        R"({"kind":"energy","equipment_id":"a\u12G4"})",
        R"({"kind":"energy","equipment_id":"\ud800"})",
        R"({"kind":"energy","equipment_id":"\ud800\u0041"})",
        R"({"kind":"energy","equipment_id":"\udc00\ud800"})",
        "{\"kind\":\"energy\",\"equipment_id\":\"a\tb\"}",
        "{\"kind\":\"energy\",\"equipment_id\":\"a\xff\"}",
        "{\"kind\":\"energy\",\"equipment_id\":\"\xc0\xaf\"}",
        "{\"kind\":\"energy\",\"equipment_id\":\"\xed\xa0\x80\"}",
        "{\"kind\":\"energy\",\"equipment_id\":\"\xe2\x82\"}",
        "{\"kind\":\"energy\",\"equipment_id\":\"a\\u00e9\xff\"}",
        "\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}",  // a byte order mark only at the very start
    };
    for (const std::string_view line : cases) {
        const auto parse = ndjson(line);
        BOOST_TEST(errors(parse).ends_with(" malformed_json"), printable(line));
        BOOST_TEST(parse.rows.empty(), printable(line));
    }
}

BOOST_AUTO_TEST_CASE(each_bad_csv_cell_reports_its_error_code) {
    struct Case {
        std::string_view row;  // under the header kind,equipment_id,pdu_port,ts,value
        std::string_view expected;
    };
    const Case cases[] = {
        {",e,,1793491200,1", "2 kind required"},
        {"Energy,e,,1793491200,1", "2 kind invalid_enum"},
        {"energy,,,1793491200,1", "2 equipment_id required"},
        {"energy,e,p,1793491200,1", "2 equipment_id ambiguous_equipment"},
        {"energy,e,,,1", "2 ts required"},
        {"energy,e,,1793491200.0,1", "2 ts invalid_timestamp"},
        {"energy,e,,-1793491200,1", "2 ts invalid_timestamp"},
        {"energy,e,,17934912OO,1", "2 ts invalid_timestamp"},
        {"energy,e,,1793491200,", "2 value required"},
        {"energy,e,,1793491200,1.0001", "2 value too_many_decimals"},
        {"energy,e,,1793491200,-3", "2 value out_of_range"},
        {"energy,e,,1793491200,1e3", "2 value invalid_number"},
        {"energy,e,,1793491200,\"1,5\"", "2 value invalid_number"},
        {"status,e,,1793491200,1", "2 value invalid_enum"},
        {"energy,e,,1793491200", "2  malformed_csv"},
        {"energy,e,,1793491200,1,extra", "2  malformed_csv"},
        {"energy,e,,1793491200,\"1", "2  malformed_csv"},
        {"energy,e,,1793491200,\"1\"0", "2  malformed_csv"},
    };
    for (const Case& c : cases) {
        const auto parse = csv("kind,equipment_id,pdu_port,ts,value\n" + std::string(c.row));
        BOOST_TEST(errors(parse) == c.expected, c.row);
        BOOST_TEST(parse.rows.empty(), c.row);
        BOOST_TEST(parse.lines == 1U, c.row);
        BOOST_TEST(!parse.fatal, c.row);
    }
}

BOOST_AUTO_TEST_CASE(every_bad_field_of_a_row_is_reported) {
    const auto from_json = ndjson(
        R"({"kind":"nope","equipment_id":"a","pdu_port":"b","ts":"x","value":"1.2345","extra":1})"
        "\n"
        R"({"foo":1,"kind":"power","ts":true,"value":"-1","bar":null,"foo":2})");
    BOOST_TEST(errors(from_json) ==
               "1 extra unknown_field; 1 kind invalid_enum; 1 equipment_id ambiguous_equipment; "
               "1 ts invalid_timestamp; "
               "2 foo unknown_field; 2 bar unknown_field; 2 equipment_id required; "
               "2 ts wrong_type; 2 value out_of_range");
    BOOST_TEST(from_json.rows.empty());
    BOOST_TEST(from_json.lines == 2U);

    const auto from_csv =
        csv("kind,equipment_id,ts,value,pdu_port\n"
            "energy,,then,1.2345,\n"
            ",,,,\n");
    BOOST_TEST(errors(from_csv) ==
               "2 equipment_id required; 2 ts invalid_timestamp; 2 value too_many_decimals; "
               "3 kind required; 3 equipment_id required; 3 ts required; 3 value required");
    BOOST_TEST(from_csv.rows.empty());
}

BOOST_AUTO_TEST_CASE(good_rows_are_kept_next_to_bad_rows) {
    const auto from_json = ndjson(energyLine(R"("ts":1793491200,"value":"1")") + "\n" +
                                  energyLine(R"("ts":1793491200,"value":"x")") + "\n" +
                                  "not json\n" + energyLine(R"("ts":1793491260,"value":"2")"));
    BOOST_TEST(rows(from_json) ==
               "1 energy eqp_1| 1793491200 1.000; 4 energy eqp_1| 1793491260 2.000");
    BOOST_TEST(errors(from_json) == "2 value invalid_number; 3  malformed_json");
    BOOST_TEST(from_json.lines == 4U);

    const auto from_csv =
        csv("kind,equipment_id,ts,value\n"
            "energy,e,1793491200,1\n"
            "energy,e,1793491200\n"
            "power,e,1793491200,-1\n"
            "energy,e,\"1793491260\",2\n"
            "energy,\"unterminated,1793491200,1\n"
            "energy,e,1793491320,3\n");
    BOOST_TEST(rows(from_csv) == "2 energy e| 1793491200 1.000; 5 energy e| 1793491260 2.000");
    BOOST_TEST(errors(from_csv) == "3  malformed_csv; 4 value out_of_range; 6  malformed_csv");
    BOOST_TEST(from_csv.lines == 5U);
}

BOOST_AUTO_TEST_CASE(line_numbers_count_blank_lines_which_are_not_rows) {
    const auto from_json =
        ndjson("\n" + energyLine(R"("ts":1793491200,"value":"1")") + "\n\n  \t\r\n" +
               energyLine(R"("ts":1793491200,"value":"1.0000")") + "\r\n" +
               energyLine(R"("ts":1793491260,"value":"2")") + "\r\n\n");
    BOOST_TEST(rows(from_json) ==
               "2 energy eqp_1| 1793491200 1.000; 6 energy eqp_1| 1793491260 2.000");
    BOOST_TEST(errors(from_json) == "5 value too_many_decimals");
    BOOST_TEST(from_json.lines == 3U);

    const auto from_csv =
        csv("\r\n"
            "kind,equipment_id,ts,value\r\n"
            "\r\n"
            "energy,\"multi\nline\",1793491200,1\r\n"
            "energy,e,1793491200,x\r\n"
            "\r\n"
            "energy,e,1793491260,2\r\n");
    BOOST_TEST(rows(from_csv) ==
               "4 energy multi\nline| 1793491200 1.000; 8 energy e| 1793491260 2.000");
    BOOST_TEST(errors(from_csv) == "6 value invalid_number");
    BOOST_TEST(from_csv.lines == 3U);

    const auto empty = ndjson("\n\n \n");
    BOOST_TEST(empty.lines == 0U);
    BOOST_TEST(empty.rows.empty());
    BOOST_TEST(empty.errors.empty());
}

BOOST_AUTO_TEST_CASE(ndjson_allows_whitespace_between_tokens_and_a_trailing_cr) {
    const auto parse = ndjson(
        " \t{ \"kind\" :\t\"power\" , \"equipment_id\" : \"e\" ,\"ts\":1793491200 ,"
        "\"value\": 5 } \t\r\n"
        "{\"kind\":\"power\",\"equipment_id\":\"e\",\"ts\":1793491200,\"value\":6}\r");
    BOOST_TEST(errors(parse) == "");
    BOOST_TEST(rows(parse) == "1 power e| 1793491200 5.000; 2 power e| 1793491200 6.000");
}

BOOST_AUTO_TEST_CASE(json_escapes_in_strings_and_keys_are_decoded_to_utf8) {
    const auto parse = ndjson(
        R"({"kind":"en\u0065rgy","equipment_id":"eqp_\u00e9\ud83d\ude00\n\"\\\/\t\b\f\r","\u0074s":1793491200,"value":"1"})"
        "\n"
        "{\"kind\":\"status\",\"pdu_port\":\"PDU-\xc3\x84/07 \xe2\x82\xac \xf0\x9f\x98\x80\","
        "\"ts\":1793491200,\"value\":\"\\u006fnline\"}");
    BOOST_TEST(errors(parse) == "");
    BOOST_TEST_REQUIRE(parse.rows.size() == 2U);
    BOOST_TEST(sampleKindName(parse.rows[0].kind) == "energy");
    BOOST_TEST(printable(parse.rows[0].equipment_id) ==
               printable("eqp_\xc3\xa9\xf0\x9f\x98\x80\n\"\\/\t\b\f\r"));
    BOOST_TEST(parse.rows[0].ts == kNov1);
    BOOST_TEST(printable(parse.rows[1].pdu_port) ==
               printable("PDU-\xc3\x84/07 \xe2\x82\xac \xf0\x9f\x98\x80"));
    BOOST_TEST(parse.rows[1].value == 1);
}

BOOST_AUTO_TEST_CASE(a_duplicate_key_is_reported_once_on_its_field_and_checks_go_on) {
    const auto parse = ndjson(
        R"({"kind":"energy","equipment_id":"a","equipment_id":"a","equipment_id":"b","ts":"x","value":"1","extra":1,"extra":2})");
    BOOST_TEST(errors(parse) ==
               "1 equipment_id duplicate_field; 1 extra unknown_field; 1 ts invalid_timestamp");
    BOOST_TEST(parse.rows.empty());
}

BOOST_AUTO_TEST_CASE(csv_header_problems_reject_the_whole_body_naming_the_header_line) {
    struct Case {
        std::string_view body;
        std::string_view expected;
    };
    const Case cases[] = {
        {"equipment_id,ts,value\n", "1 kind required"},
        {"kind,equipment_id,value\n", "1 ts required"},
        {"kind,equipment_id,ts\n", "1 value required"},
        {"kind,ts,value\n", "1 equipment_id required"},
        {"kind,equipment_id,ts,value,temp\n", "1 temp unknown_field"},
        {"kind,equipment_id,ts,value,ts\n", "1 ts duplicate_field"},
        {"Kind,equipment_id,ts,value\n", "1 Kind unknown_field; 1 kind required"},
        {"kind, equipment_id,ts,value\n", "1  equipment_id unknown_field; 1 equipment_id required"},
        {"kind,equipment_id,ts,value,\n", "1  malformed_csv"},
        {"\n\r\nkind,ts,value,ts\n", "3 ts duplicate_field; 3 equipment_id required"},
        {"\"kind,equipment_id,ts,value\n", "1  malformed_csv"},
        {"kind\"x\",equipment_id,ts,value\n", "1 kind\"x\" unknown_field; 1 kind required"},
    };
    for (const Case& c : cases) {
        const auto parse = csv(std::string(c.body) + "energy,e,1793491200,1\n");
        BOOST_TEST(parse.fatal, printable(c.body));
        BOOST_TEST(errors(parse) == c.expected, printable(c.body));
        BOOST_TEST(parse.rows.empty(), printable(c.body));
        BOOST_TEST(parse.lines == 0U, printable(c.body));
    }
    for (const std::string_view body : {"", "\n\r\n"}) {
        const auto empty = csv(body);
        BOOST_TEST(empty.fatal, printable(body));
        BOOST_TEST(errors(empty) == "1  malformed_csv", printable(body));
    }
}

BOOST_AUTO_TEST_CASE(a_csv_header_alone_is_an_empty_upload) {
    const auto parse = csv("kind,equipment_id,ts,value\r\n\r\n");
    BOOST_TEST(!parse.fatal);
    BOOST_TEST(parse.errors.empty());
    BOOST_TEST(parse.rows.empty());
    BOOST_TEST(parse.lines == 0U);
}

BOOST_AUTO_TEST_CASE(a_leading_byte_order_mark_is_ignored) {
    BOOST_TEST(rows(csv("\xEF\xBB\xBFkind,equipment_id,ts,value\nenergy,e,1793491200,1\n")) ==
               "2 energy e| 1793491200 1.000");
    BOOST_TEST(rows(ndjson("\xEF\xBB\xBF" + energyLine(R"("ts":1793491200,"value":"1")"))) ==
               "1 energy eqp_1| 1793491200 1.000");
}

BOOST_AUTO_TEST_CASE(a_csv_body_that_is_not_utf8_is_refused_whole) {
    // Found by fuzzing (tests/fuzz/corpus/equipment_csv/regression-*): a header name's raw bytes
    // were echoed as an error's field, which made the API's answer invalid JSON.
    const auto header = csv("kind,equipment_id,ts,value,t\xFF\n");
    BOOST_TEST(header.fatal);
    BOOST_TEST(errors(header) == "1  malformed_csv");
    const auto row = csv("kind,equipment_id,ts,value\nenergy,e,1793491200,1\nenergy,\xC3(,1,1\n");
    BOOST_TEST(row.fatal);
    BOOST_TEST(errors(row) == "3  malformed_csv");
    BOOST_TEST(row.rows.empty());
}

BOOST_AUTO_TEST_CASE(value_text_and_kind_names_match_the_api) {
    BOOST_TEST(telemetryValueText(SampleKind::kEnergy, 1234567) == "1234.567");
    BOOST_TEST(telemetryValueText(SampleKind::kPower, 0) == "0.000");
    BOOST_TEST(telemetryValueText(SampleKind::kHashrate, 5) == "0.005");
    BOOST_TEST(telemetryValueText(SampleKind::kStatus, 1) == "online");
    BOOST_TEST(telemetryValueText(SampleKind::kStatus, 0) == "offline");
    BOOST_TEST(sampleKindName(SampleKind::kEnergy) == "energy");
    BOOST_TEST(sampleKindName(SampleKind::kPower) == "power");
    BOOST_TEST(sampleKindName(SampleKind::kHashrate) == "hashrate");
    BOOST_TEST(sampleKindName(SampleKind::kStatus) == "status");
}

BOOST_AUTO_TEST_CASE(two_hundred_thousand_generated_ndjson_rows_are_all_parsed) {
    constexpr std::size_t kRows = 200000;
    std::string body;
    body.reserve(kRows * 110);
    for (std::size_t i = 0; i < kRows; ++i) {
        const std::string n = std::to_string(i);
        switch (i % 4) {
            case 0:
                body += R"({"kind":"energy","equipment_id":"eqp_0000000000)" + n +
                        R"(","ts":"2026-11-01T00:00:00Z","value":")" + n + ".125\"}\n";
                break;
            case 1:
                body += R"({"kind":"power","equipment_id":"eqp_)" + n +
                        R"(","ts":1793491200,"value":3250.5})"
                        "\n";
                break;
            case 2:
                body += R"({"kind":"hashrate","pdu_port":"PDU-A1/)" + n +
                        R"(","ts":"1793491200","value":"110"})"
                        "\n";
                break;
            default:
                body +=
                    R"({"kind": "status", "pdu_port": "PDU-A1/07", "ts": 1793491200, "value": "online"})"
                    "\r\n";
                break;
        }
    }
    const auto parse = ndjson(body);
    BOOST_TEST(errors(parse).substr(0, 200) == "");
    BOOST_TEST(parse.lines == kRows);
    BOOST_TEST_REQUIRE(parse.rows.size() == kRows);
    BOOST_TEST(rowText(parse.rows[0]) == "1 energy eqp_00000000000| 1793491200 0.125");
    BOOST_TEST(rowText(parse.rows[kRows - 4]) ==
               "199997 energy eqp_0000000000199996| 1793491200 199996.125");
    BOOST_TEST(rowText(parse.rows[kRows - 1]) == "200000 status |PDU-A1/07 1793491200 online");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
