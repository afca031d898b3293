// Untrusted text (model names, paths, tool names, upstream error strings) made safe to write into
// logs, metric labels and spans: always valid UTF-8, no raw control characters, bounded length.
// A client-chosen model name must not be able to forge a log line, break the Prometheus text or
// an OTLP JSON batch, or make a log line or a series key megabytes long.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace igw {

enum class TextStyle {
  // Metric labels and span attributes: control characters (C0, DEL, C1) and invalid UTF-8 become
  // U+FFFD; everything else is copied (the Prometheus/JSON writers add their own escapes).
  kReplace,
  // Readable logs: `\` -> `\\`, \n \r \t as such, other controls and U+2028/U+2029 as \xNN or
  // \uNNNN, invalid bytes as \xNN. The output is printable and stays on one line.
  kEscape,
  // Inside a JSON string literal (without the quotes): `"` and `\` escaped, controls, DEL, C1
  // and U+2028/U+2029 as \uNNNN, invalid UTF-8 as \ufffd.
  kJson,
};

// Appends `in` to `out` in `style`, writing at most `max_bytes` bytes, cut at a character (or
// escape) boundary. Reads at most about max_bytes of `in`, so a 1 MB input costs no more than
// a short one. Returns the number of input bytes NOT written (0 when `in` fitted).
size_t appendSafeText(std::string& out, std::string_view in, size_t max_bytes, TextStyle style);

// The same, returned as a new string.
inline std::string safeText(std::string_view in, size_t max_bytes,
                            TextStyle style = TextStyle::kReplace) {
  std::string out;
  appendSafeText(out, in, max_bytes, style);
  return out;
}

// Text from a file or a client quoted for an error message: "..." with at most 120 bytes,
// escaped.
inline std::string quoteText(std::string_view s) {
  return "\"" + safeText(s, 120, TextStyle::kEscape) + "\"";
}

}  // namespace igw
