#include "http/request_framing.h"

#include <array>
#include <vector>

namespace igw {

namespace {

bool isOws(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

// Elements of a comma-separated header list across every field line named `name`; empty
// elements are skipped as RFC 9110 section 5.6.1 asks.
std::vector<std::string_view> listElements(const Headers& headers, std::string_view name,
                                           size_t* fields) {
  std::vector<std::string_view> out;
  *fields = 0;
  for (const auto& h : headers) {
    if (!iequals(h.name, name)) continue;
    ++*fields;
    std::string_view v = h.value;
    while (true) {
      size_t comma = v.find(',');
      std::string_view e = trimOws(v.substr(0, comma));
      if (!e.empty()) out.push_back(e);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

size_t countFields(const Headers& headers, std::string_view name) {
  size_t n = 0;
  for (const auto& h : headers) n += iequals(h.name, name) ? 1 : 0;
  return n;
}

// A client-chosen token quoted in an error message: bounded, printable ASCII only.
std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 64)) out += (c > 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 64) out += "...";
  out += "'";
  return out;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// uri-host [ ":" port ] characters (RFC 3986 reg-name / IP-literal / IPv4 and a port).
bool validHost(std::string_view host) {
  static constexpr auto kAllowed = [] {
    std::array<bool, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (char c : std::string_view("-._~%!$&'()*+,;=:[]")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  for (char c : host) {
    if (!kAllowed[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

RequestHeadError bad(std::string message) {
  return {400, std::move(message)};
}

std::optional<RequestHeadError> checkTransferEncoding(const RequestHead& head) {
  size_t te_fields = 0;
  auto codings = listElements(*head.headers, "Transfer-Encoding", &te_fields);
  if (te_fields == 0) return std::nullopt;
  if (head.version < 11) {
    return bad("Transfer-Encoding is not allowed in an HTTP/1.0 request; send Content-Length");
  }
  if (countFields(*head.headers, "Content-Length") != 0) {
    return bad("a request must not carry both Transfer-Encoding and Content-Length");
  }
  if (codings.empty()) return bad("empty Transfer-Encoding header");
  // RFC 9112 section 6.3: a request whose final coding is not chunked has no reliable length.
  if (!iequals(codings.back(), "chunked")) {
    return bad("Transfer-Encoding must end with chunked (got " + quoted(codings.back()) + ")");
  }
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (iequals(codings[i], "chunked")) {
      return bad("Transfer-Encoding applies chunked more than once");
    }
    return RequestHeadError{501, "Transfer-Encoding " + quoted(codings[i]) +
                                     " is not supported; send the body with chunked alone or "
                                     "with Content-Length"};
  }
  return std::nullopt;
}

std::optional<RequestHeadError> checkHost(const RequestHead& head) {
  size_t hosts = 0;
  const std::string* host = nullptr;
  for (const auto& h : *head.headers) {
    if (iequals(h.name, "Host")) {
      ++hosts;
      host = &h.value;
    }
  }
  if (hosts > 1) return bad("more than one Host header");
  if (hosts == 0 && head.version >= 11) return bad("HTTP/1.1 request without a Host header");
  if (host != nullptr && !validHost(*host)) return bad("invalid Host header " + quoted(*host));
  return std::nullopt;
}

std::optional<RequestHeadError> checkExpect(const RequestHead& head) {
  size_t fields = 0;
  auto expectations = listElements(*head.headers, "Expect", &fields);
  for (auto e : expectations) {
    if (!iequals(e, "100-continue")) {
      return RequestHeadError{417, "Expect " + quoted(e) + " is not supported; only 100-continue"};
    }
  }
  return std::nullopt;
}

std::optional<RequestHeadError> checkTarget(RequestHead& head) {
  std::string& t = head.target;
  if (!t.empty() && t.front() == '/') return std::nullopt;  // origin-form
  if (t == "*") {
    if (head.method == "OPTIONS") return std::nullopt;  // asterisk-form
    return bad("request target '*' is only allowed with OPTIONS");
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!startsWithIgnoreCase(t, scheme)) continue;
    // absolute-form (RFC 9112 section 3.2.2): a server must accept it; the path is what routes.
    std::string_view rest = std::string_view(t).substr(scheme.size());
    size_t end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    if (authority.empty() || !validHost(authority)) {
      return bad("request target " + quoted(t) + " has no valid authority");
    }
    std::string origin =
        end == std::string_view::npos ? std::string() : std::string(rest.substr(end));
    if (origin.empty() || origin.front() == '?') origin.insert(0, "/");
    t = std::move(origin);
    return std::nullopt;
  }
  if (head.method == "CONNECT") {
    return RequestHeadError{501, "CONNECT is not supported: this is not a forward proxy"};
  }
  return bad("request target must be a path starting with '/' or an absolute http(s) URI");
}

}  // namespace

std::optional<RequestHeadError> checkRequestHead(RequestHead& head) {
  if (head.version != 10 && head.version != 11) {
    return RequestHeadError{505, "HTTP version not supported; send HTTP/1.1 or HTTP/1.0"};
  }
  if (auto e = checkTransferEncoding(head)) return e;
  if (auto e = checkHost(head)) return e;
  if (auto e = checkExpect(head)) return e;
  return checkTarget(head);
}

}  // namespace igw
