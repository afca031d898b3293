#include "store/redis_url.h"

#include <charconv>

#include "core/hex.h"

namespace igw {

namespace {

Status bad(std::string why) {
  return invalidArgument("REDIS_URL: " + std::move(why));
}

// %XX decoding of the user info. Fails on a malformed escape; the text is never echoed.
bool percentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hexDigitValue(in[i + 1]);
    int lo = hexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool parseDecimal(std::string_view s, long max, long* out) {
  if (s.empty() || s.size() > 10) return false;
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string RedisOptions::endpoint() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<RedisOptions> parseRedisUrl(std::string_view url) {
  RedisOptions o;
  std::string_view rest;
  if (url.starts_with("redis://")) {
    rest = url.substr(8);
  } else if (url.starts_with("rediss://")) {
    return bad("rediss:// (TLS) is not supported; use redis:// on a trusted network");
  } else {
    return bad("must start with redis:// (redis://[[user]:password@]host[:port][/db])");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("query strings and fragments are not supported");
  }
  // The user info ends at the last '@' before the path (a password may contain '@' or '/' only
  // percent-encoded, but an unencoded '@' is tolerated).
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = info.find(':');
    if (colon == std::string_view::npos) {
      return bad(
          "the part before '@' has no ':'; write redis://:PASSWORD@host for a password "
          "alone, or redis://USER:PASSWORD@host");
    }
    if (!percentDecode(info.substr(0, colon), &o.username)) {
      return bad("bad percent-encoding in the user name");
    }
    if (!percentDecode(info.substr(colon + 1), &o.password)) {
      return bad("bad percent-encoding in the password");
    }
    if (o.password.empty()) return bad("empty password after ':'");
  }
  std::string_view hostport = rest;
  std::string_view path;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  std::string_view port_text;
  if (hostport.starts_with('[')) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unterminated '[' in the IPv6 host");
    o.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    size_t colon = hostport.find(':');
    o.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
  }
  if (o.host.empty()) return bad("no host");
  for (char c : o.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) return bad("invalid character in the host name");
  }
  if (!port_text.empty()) {
    long port = 0;
    if (!parseDecimal(port_text, 65535, &port) || port == 0) {
      return bad("port must be a number from 1 to 65535");
    }
    o.port = static_cast<uint16_t>(port);
  }
  if (!path.empty()) {
    long db = 0;
    if (!parseDecimal(path, 1 << 20, &db)) {
      return bad("the path must be a database number (redis://host:port/0)");
    }
    o.db = static_cast<int>(db);
  }
  return o;
}

}  // namespace igw
