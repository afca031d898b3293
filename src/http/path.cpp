#include "http/path.h"
#include "core/hex.h"

namespace igw {

namespace {

Status refuse(std::string_view why) {
  return invalidArgument("proxy path refused: " + std::string(why));
}

}  // namespace

Result<std::string> sanitizeProxyPath(std::string_view tail) {
  if (tail.empty()) return std::string("/");
  if (tail.front() != '/') return refuse("must start with '/'");
  if (tail.find("://") != std::string_view::npos) return refuse("must not contain a URL");
  // Decode each segment once and check it; the original bytes are what we forward.
  size_t pos = 1;
  while (pos <= tail.size()) {
    size_t end = tail.find('/', pos);
    if (end == std::string_view::npos) end = tail.size();
    std::string decoded;
    for (size_t i = pos; i < end; ++i) {
      auto c = static_cast<unsigned char>(tail[i]);
      if (c < 0x20 || c == 0x7f) return refuse("control character in path");
      if (c == '\\') return refuse("backslash in path");
      if (c == '%') {
        if (i + 2 >= end) return refuse("truncated percent escape");
        int hi = hexDigitValue(tail[i + 1]);
        int lo = hexDigitValue(tail[i + 2]);
        if (hi < 0 || lo < 0) return refuse("malformed percent escape");
        char d = static_cast<char>(hi * 16 + lo);
        if (d == '/' || d == '\\') return refuse("encoded slash or backslash in path");
        if (d == '%') return refuse("double-encoded escape in path");
        if (static_cast<unsigned char>(d) < 0x20) return refuse("encoded control character");
        decoded.push_back(d);
        i += 2;
      } else {
        decoded.push_back(static_cast<char>(c));
      }
    }
    if (decoded == "." || decoded == "..") return refuse("dot segments are not allowed");
    if (end == tail.size()) break;
    pos = end + 1;
  }
  if (tail.size() >= 2 && tail[1] == '/') return refuse("path must not start with '//'");
  return std::string(tail);
}

std::string_view proxyRoutePart(std::string_view path) {
  for (std::string_view prefix : {std::string_view("/proxy/"), std::string_view("/v1/proxy/")}) {
    if (path.substr(0, prefix.size()) == prefix) return path.substr(prefix.size());
  }
  return {};
}

}  // namespace igw
