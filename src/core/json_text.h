// Minimal JSON string helpers shared by the logger, the error writer and the request scanner.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

// `s` without leading and trailing JSON whitespace (space, tab, CR, LF).
inline std::string_view trimJsonSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Appends `s` as a quoted JSON string (with escapes) to `out`. Bytes that are not well-formed
// UTF-8 are written as \ufffd, so the result is always valid JSON.
void appendJsonString(std::string& out, std::string_view s);

// Decodes the contents of a JSON string literal *without* its quotes (escapes resolved,
// \uXXXX including surrogate pairs to UTF-8). Fails on malformed escapes.
Result<std::string> decodeJsonString(std::string_view raw);

}  // namespace igw
