// The RFC 4180 CSV reader (core::CsvReader) under the equipment import and the telemetry CSV.
// Input: the text.
//
// Invariants: reading always ends (every call consumes input or reports the end); records start on
// increasing lines; every record has at least one field; and the records read, written back with
// every field quoted, read again as the same records.

#include <cstdint>
#include <string>
#include <vector>

#include "core/csv.h"
#include "fuzz_support.h"

using billwright::fuzz::check;
namespace core = billwright::core;

namespace {

using Records = std::vector<std::vector<std::string>>;

// Reads every record; syntax errors are skipped the way the importers skip them (the reader
// resumes after the bad line).
Records readAll(std::string_view text, std::size_t* errors) {
    Records out;
    core::CsvReader reader(text);
    std::vector<std::string> fields;
    std::size_t last_line = 0;
    std::size_t calls = 0;
    while (true) {
        check(++calls <= text.size() + 2, "every read consumes input");
        if (!reader.next(fields)) {
            if (reader.error().empty()) break;
            if (errors != nullptr) ++*errors;
            continue;
        }
        check(reader.line() > last_line, "records start on increasing lines");
        last_line = reader.line();
        check(!fields.empty(), "a record has at least one field");
        out.push_back(fields);
    }
    return out;
}

std::string writeQuoted(const Records& records) {
    std::string out;
    for (const auto& record : records) {
        for (std::size_t i = 0; i < record.size(); ++i) {
            if (i > 0) out.push_back(',');
            out.push_back('"');
            for (const char c : record[i]) {
                if (c == '"') out.push_back('"');
                out.push_back(c);
            }
            out.push_back('"');
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t errors = 0;
    const Records records = readAll(text, &errors);
    const std::string written = writeQuoted(records);
    std::size_t errors_again = 0;
    const Records again = readAll(written, &errors_again);
    check(errors_again == 0, "quoted records read without errors", written);
    check(again == records, "quoted records read back as the same records", written);
    return 0;
}
