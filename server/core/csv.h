#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace billwright::core {

// An RFC 4180 CSV reader over a whole in-memory body: comma separated, fields optionally in
// double quotes with "" as an escaped quote, quoted fields may hold commas and line breaks,
// records end with LF or CRLF, a final line break is optional, blank lines are skipped.
class CsvReader {
public:
    explicit CsvReader(std::string_view text);

    // Reads the next record into `fields` (reusing its strings' capacity). Returns false at
    // the end of input or on a syntax error (error() is then non-empty: an unterminated quote,
    // or a character after a closing quote). line() is the 1-based line on which the record
    // started, for error reports.
    bool next(std::vector<std::string>& fields);
    std::size_t line() const { return record_line_; }
    const std::string& error() const { return error_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t record_line_ = 0;
    std::string error_;
};

}  // namespace billwright::core
