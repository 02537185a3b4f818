#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace billwright::core {

// Length of the well-formed UTF-8 sequence starting at `pos` (pos < text.size()), or 0. The
// ranges are those of Unicode table 3-7, which exclude overlong forms, UTF-16 surrogates and
// code points past U+10FFFF.
std::size_t utf8SequenceLength(std::string_view text, std::size_t pos);

// The offset of the first byte that does not start a well-formed UTF-8 sequence, or
// std::string_view::npos when all of `text` is UTF-8. Text uploads (CSV, NDJSON) are checked with
// it before any of their bytes can be echoed in an error or stored.
std::size_t firstInvalidUtf8(std::string_view text);
// The 1-based line of byte `offset` of `text` (lines end with LF).
std::size_t lineOfOffset(std::string_view text, std::size_t offset);

// The value of one hexadecimal digit (0-9, a-f, A-F), or -1.
int hexDigitValue(char c);

// Appends code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void appendUtf8(std::string& out, std::uint32_t cp);

}  // namespace billwright::core
