#include "core/csv.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/printable.h"

namespace billwright::core {
namespace {

using billwright::testing::printable;

struct Record {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

// Reads every record; a syntax error ends the list with a record whose only field is
// "error: <message>", and reading goes on as the reader allows.
std::vector<Record> readAll(std::string_view text) {
    CsvReader reader(text);
    std::vector<Record> out;
    std::vector<std::string> fields;
    while (true) {
        if (reader.next(fields)) {
            out.push_back(Record{reader.line(), fields});
            continue;
        }
        if (reader.error().empty()) break;
        out.push_back(Record{reader.line(), {"error: " + reader.error()}});
    }
    return out;
}

std::string describe(const std::vector<Record>& records) {
    std::string out;
    for (const Record& r : records) {
        out += std::to_string(r.line) + ":";
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
            out += (i == 0 ? "[" : "|") + printable(r.fields[i]);
        }
        out += "]\n";
    }
    return out;
}

std::string expect(const std::vector<Record>& records) { return describe(records); }

}  // namespace

BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(records_split_on_commas_and_line_breaks_keeping_empty_fields) {
    BOOST_TEST(
        describe(readAll("a,b,c\n1,,3\n,\nx,y,\n")) ==
        expect({{1, {"a", "b", "c"}}, {2, {"1", "", "3"}}, {3, {"", ""}}, {4, {"x", "y", ""}}}));
}

BOOST_AUTO_TEST_CASE(quoted_fields_hold_commas_escaped_quotes_and_line_breaks) {
    BOOST_TEST(describe(readAll("\"a,b\",\"say \"\"hi\"\"\",\"\"\n"
                                "\"two\nlines\",\"\"\"\",plain\n")) ==
               expect({{1, {"a,b", "say \"hi\"", ""}}, {2, {"two\nlines", "\"", "plain"}}}));
}

BOOST_AUTO_TEST_CASE(a_record_after_a_quoted_line_break_reports_the_line_it_starts_on) {
    const auto records = readAll("h1,h2\n\"a\nb\nc\",x\nnext,row\n\"d\r\ne\",y\r\nlast,one");
    BOOST_TEST(describe(records) == expect({{1, {"h1", "h2"}},
                                            {2, {"a\nb\nc", "x"}},
                                            {5, {"next", "row"}},
                                            {6, {"d\r\ne", "y"}},
                                            {8, {"last", "one"}}}));
}

BOOST_AUTO_TEST_CASE(crlf_ends_a_record_and_is_not_part_of_the_last_field) {
    BOOST_TEST(describe(readAll("a,b\r\n\"c\",d\r\n\r\ne,\"f\"\r\n")) ==
               expect({{1, {"a", "b"}}, {2, {"c", "d"}}, {4, {"e", "f"}}}));
}

BOOST_AUTO_TEST_CASE(the_final_line_break_is_optional) {
    const std::string_view cases[] = {"a,b\nc,d", "a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,b\nc,d\r",
                                      "a,b\n\"c\",\"d\""};
    for (const std::string_view text : cases) {
        BOOST_TEST(describe(readAll(text)) == expect({{1, {"a", "b"}}, {2, {"c", "d"}}}),
                   printable(text));
    }
    BOOST_TEST(describe(readAll("a,")) == expect({{1, {"a", ""}}}));
    BOOST_TEST(describe(readAll("\"a\",")) == expect({{1, {"a", ""}}}));
}

BOOST_AUTO_TEST_CASE(blank_lines_are_skipped_but_still_counted) {
    BOOST_TEST(describe(readAll("\n\r\na\n\n\nb\n\n")) == expect({{3, {"a"}}, {6, {"b"}}}));
    BOOST_TEST(readAll("").empty());
    BOOST_TEST(readAll("\n\n\r\n").empty());
    // A quoted empty field is a record, not a blank line.
    BOOST_TEST(describe(readAll("\"\"\n")) == expect({{1, {""}}}));
}

BOOST_AUTO_TEST_CASE(spaces_and_stray_quotes_inside_unquoted_fields_are_kept_as_data) {
    BOOST_TEST(describe(readAll(" a , b\"c\" ,d\re\n")) ==
               expect({{1, {" a ", " b\"c\" ", "d\re"}}}));
}

BOOST_AUTO_TEST_CASE(an_unterminated_quote_is_an_error_at_the_line_the_record_starts_on) {
    BOOST_TEST(describe(readAll("a,b\nc,\"open\nmore\nlines\n")) ==
               expect({{1, {"a", "b"}}, {2, {"error: unterminated quoted field"}}}));
    BOOST_TEST(describe(readAll("\"")) == expect({{1, {"error: unterminated quoted field"}}}));
    BOOST_TEST(describe(readAll("\"a\"\"")) == expect({{1, {"error: unterminated quoted field"}}}));
}

BOOST_AUTO_TEST_CASE(a_character_after_a_closing_quote_is_an_error_and_reading_resumes_next_line) {
    BOOST_TEST(describe(readAll("a,b\n\"x\"y,z\nc,d\n\"p\" ,q\n")) ==
               expect({{1, {"a", "b"}},
                       {2, {"error: unexpected character after a closing quote"}},
                       {3, {"c", "d"}},
                       {4, {"error: unexpected character after a closing quote"}}}));
}

BOOST_AUTO_TEST_CASE(the_fields_vector_is_resized_to_each_record) {
    CsvReader reader("a,b,c\nd\ne,f\n");
    std::vector<std::string> fields = {"stale", "stale", "stale", "stale"};
    BOOST_TEST_REQUIRE(reader.next(fields));
    BOOST_TEST(fields == (std::vector<std::string>{"a", "b", "c"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(reader.next(fields));
    BOOST_TEST(fields == (std::vector<std::string>{"d"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(reader.next(fields));
    BOOST_TEST(fields == (std::vector<std::string>{"e", "f"}), boost::test_tools::per_element());
    BOOST_TEST(!reader.next(fields));
    BOOST_TEST(reader.error().empty());
    BOOST_TEST(!reader.next(fields));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::core
