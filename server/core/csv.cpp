#include "core/csv.h"

namespace billwright::core {
namespace {

// The next field's string, reusing an existing element (and its capacity) where there is one.
std::string& fieldAt(std::vector<std::string>& fields, std::size_t index) {
    if (index < fields.size()) {
        fields[index].clear();
        return fields[index];
    }
    return fields.emplace_back();
}

}  // namespace

CsvReader::CsvReader(std::string_view text) : text_(text) {}

bool CsvReader::next(std::vector<std::string>& fields) {
    error_.clear();
    const std::size_t size = text_.size();
    // A record ends at LF, CRLF, or a lone CR that is the last byte of the input.
    const auto at_line_end = [&](std::size_t at) {
        return text_[at] == '\n' ||
               (text_[at] == '\r' && (at + 1 == size || text_[at + 1] == '\n'));
    };
    const auto skip_line_end = [&] {
        if (text_[pos_] == '\r') ++pos_;
        if (pos_ < size) ++pos_;  // the '\n'
        ++line_;
    };

    while (pos_ < size && at_line_end(pos_)) skip_line_end();
    if (pos_ >= size) return false;
    record_line_ = line_;

    std::size_t count = 0;
    while (true) {
        std::string& field = fieldAt(fields, count++);
        if (text_[pos_] == '"') {
            ++pos_;
            while (true) {
                const std::size_t quote = text_.find('"', pos_);
                const std::size_t stop = quote == std::string_view::npos ? size : quote;
                for (std::size_t i = pos_; i < stop; ++i) {
                    if (text_[i] == '\n') ++line_;
                }
                if (quote == std::string_view::npos) {
                    pos_ = size;
                    fields.resize(count);
                    error_ = "unterminated quoted field";
                    return false;
                }
                field.append(text_.substr(pos_, quote - pos_));
                pos_ = quote + 1;
                if (pos_ < size && text_[pos_] == '"') {
                    field.push_back('"');
                    ++pos_;
                    continue;
                }
                break;
            }
            if (pos_ >= size) break;
            if (text_[pos_] == ',') {
                ++pos_;
                if (pos_ >= size) {
                    fieldAt(fields, count++);
                    break;
                }
                continue;
            }
            if (at_line_end(pos_)) {
                skip_line_end();
                break;
            }
            // Resume after this physical line so one bad record does not hide the rest.
            fields.resize(count);
            error_ = "unexpected character after a closing quote";
            const std::size_t newline = text_.find('\n', pos_);
            pos_ = newline == std::string_view::npos ? size : newline + 1;
            if (newline != std::string_view::npos) ++line_;
            return false;
        }

        const std::size_t start = pos_;
        while (pos_ < size && text_[pos_] != ',' && !at_line_end(pos_)) ++pos_;
        field.assign(text_.substr(start, pos_ - start));
        if (pos_ >= size) break;
        if (text_[pos_] == ',') {
            ++pos_;
            if (pos_ >= size) {
                fieldAt(fields, count++);
                break;
            }
            continue;
        }
        skip_line_end();
        break;
    }
    fields.resize(count);
    return true;
}

}  // namespace billwright::core
