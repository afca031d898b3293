#include "net/url.h"

#include <cstdlib>

#include "core/decimal.h"

namespace igw {

namespace {

void appendHost(std::string& out, const std::string& host) {
  bool v6 = host.find(':') != std::string::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
}

}  // namespace

void Url::appendHostHeader(std::string& out) const {
  appendHost(out, host);
  if ((tls && port == 443) || (!tls && port == 80)) return;
  out += ':';
  appendDecimal(out, port);
}

void Url::appendOrigin(std::string& out) const {
  out += tls ? "https://" : "http://";
  out += host;
  out += ':';
  appendDecimal(out, port);
}

std::string Url::hostHeader() const {
  std::string h;
  appendHostHeader(h);
  return h;
}

std::string Url::origin() const {
  std::string o;
  appendOrigin(o);
  return o;
}

Result<Url> parseUrl(std::string_view s) {
  Url u;
  if (s.rfind("https://", 0) == 0) {
    u.tls = true;
    s.remove_prefix(8);
  } else if (s.rfind("http://", 0) == 0) {
    s.remove_prefix(7);
  } else {
    return invalidArgument("URL must start with http:// or https://");
  }
  size_t slash = s.find_first_of("/?");
  std::string_view authority = s.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return invalidArgument("URL must not contain credentials");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalidArgument("bad IPv6 address in URL");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalidArgument("bad port in URL");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return invalidArgument("URL has no host");
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return invalidArgument("bad port in URL");
    }
    long p = std::strtol(std::string(port_text).c_str(), nullptr, 10);
    if (p <= 0 || p > 65535) return invalidArgument("port out of range in URL");
    u.port = static_cast<uint16_t>(p);
  } else {
    u.port = u.tls ? 443 : 80;
  }
  u.target = rest.empty() ? "/" : std::string(rest);
  if (u.target.front() == '?') u.target.insert(0, "/");
  return u;
}

}  // namespace igw
