// Appending an unsigned number in decimal without a temporary string (std::to_string allocates
// past 15 digits of capacity and is called on every request for a Content-Length or a port).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace igw {

inline void appendDecimal(std::string& out, uint64_t value) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<size_t>(end - buf));
}

}  // namespace igw
