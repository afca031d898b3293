#include "core/safe_text.h"

#include "core/utf8.h"

#include <cstdint>

namespace igw {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr char kHex[] = "0123456789abcdef";

bool isControl(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// U+2028/U+2029 end lines for some log viewers and JavaScript.
bool isLineSeparator(uint32_t cp) {
  return cp == 0x2028 || cp == 0x2029;
}

void hexByte(std::string& t, const char* prefix, unsigned v) {
  t += prefix;
  t.push_back(kHex[(v >> 4) & 15]);
  t.push_back(kHex[v & 15]);
}

void u4(std::string& t, uint32_t cp) {
  t += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) t.push_back(kHex[(cp >> shift) & 15]);
}

// The text for one character (or one invalid byte) in `style`, into `t`; empty when it is to be
// copied as is.
void translate(std::string_view raw, bool valid, uint32_t cp, TextStyle style, std::string& t) {
  t.clear();
  switch (style) {
    case TextStyle::kReplace:
      if (!valid || isControl(cp)) t = kReplacement;
      return;
    case TextStyle::kEscape:
      if (!valid) {
        hexByte(t, "\\x", static_cast<unsigned char>(raw[0]));
      } else if (cp == '\\') {
        t = "\\\\";
      } else if (cp == '\n') {
        t = "\\n";
      } else if (cp == '\r') {
        t = "\\r";
      } else if (cp == '\t') {
        t = "\\t";
      } else if (cp < 0x80 && isControl(cp)) {
        hexByte(t, "\\x", cp);
      } else if (isControl(cp) || isLineSeparator(cp)) {
        u4(t, cp);
      }
      return;
    case TextStyle::kJson:
      if (!valid) {
        t = "\\ufffd";
      } else if (cp == '"') {
        t = "\\\"";
      } else if (cp == '\\') {
        t = "\\\\";
      } else if (cp == '\n') {
        t = "\\n";
      } else if (cp == '\r') {
        t = "\\r";
      } else if (cp == '\t') {
        t = "\\t";
      } else if (isControl(cp) || isLineSeparator(cp)) {
        u4(t, cp);
      }
      return;
  }
}

}  // namespace

size_t appendSafeText(std::string& out, std::string_view in, size_t max_bytes, TextStyle style) {
  size_t written = 0;
  size_t i = 0;
  std::string t;
  while (i < in.size()) {
    uint32_t cp = 0;
    size_t n = utf8Decode(in, i, cp);
    const bool valid = n != 0;
    if (!valid) n = 1;
    // Fast path: printable ASCII needs no translation in any style except `\` and `"`.
    const auto c = static_cast<unsigned char>(in[i]);
    if (valid && n == 1 && c >= 0x20 && c < 0x7F && c != '\\' &&
        !(c == '"' && style == TextStyle::kJson)) {
      if (written + 1 > max_bytes) break;
      out.push_back(static_cast<char>(c));
      ++written;
      ++i;
      continue;
    }
    translate(in.substr(i, n), valid, cp, style, t);
    const std::string_view piece = t.empty() ? in.substr(i, n) : std::string_view(t);
    if (written + piece.size() > max_bytes) break;
    out.append(piece);
    written += piece.size();
    i += n;
  }
  return in.size() - i;
}

}  // namespace igw
