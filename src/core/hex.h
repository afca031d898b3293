// Hex digit decoding shared by the parsers (JSON escapes, percent-encoding, chunk sizes).
#pragma once

namespace igw {

// 0-15 for a hex digit of either case, -1 otherwise.
constexpr int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace igw
