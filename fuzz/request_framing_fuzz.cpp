// Request-head framing checks (RFC 9112): never crash, answer only with the documented statuses,
// and never let a request through whose body framing is ambiguous (Transfer-Encoding together
// with Content-Length, a Transfer-Encoding not ending in chunked, or one on HTTP/1.0).
// Input: first byte picks version and method, the rest is "target\nName: value\n...".
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "http/request_framing.h"

namespace {

constexpr std::string_view kMethods[] = {"GET",    "POST",    "HEAD",    "PUT",
                                         "DELETE", "OPTIONS", "CONNECT", "PATCH"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// The non-empty elements of every Transfer-Encoding field, in order (RFC 9110 section 5.6.1:
// several fields form one list, and empty elements are ignored).
std::vector<std::string> codings(const igw::Headers& headers) {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (!igw::iequals(h.name, "transfer-encoding")) continue;
    std::string_view v = h.value;
    while (true) {
      size_t comma = v.find(',');
      std::string_view e = v.substr(0, comma);
      while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
      while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
      if (!e.empty()) out.push_back(lower(e));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  igw::RequestHead head;
  head.version = (data[0] & 1) ? 11 : 10;
  head.method = kMethods[(data[0] >> 1) % std::size(kMethods)];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t nl = rest.find('\n');
  head.target = std::string(rest.substr(0, nl));
  igw::Headers headers;
  while (nl != std::string_view::npos) {
    rest.remove_prefix(nl + 1);
    nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  head.headers = &headers;
  auto err = igw::checkRequestHead(head);
  if (err) {
    if (err->status != 400 && err->status != 417 && err->status != 501 && err->status != 505)
      std::abort();
    if (err->message.empty()) std::abort();
    return 0;
  }
  // Accepted: the framing must be unambiguous. A Transfer-Encoding means exactly "chunked",
  // on HTTP/1.1, without Content-Length.
  bool has_cl = false, has_te = false;
  for (const auto& h : headers) {
    has_cl = has_cl || igw::iequals(h.name, "content-length");
    has_te = has_te || igw::iequals(h.name, "transfer-encoding");
  }
  if (has_te) {
    if (has_cl || head.version == 10) std::abort();
    if (codings(headers) != std::vector<std::string>{"chunked"}) std::abort();
  }
  // Origin-form after the rewrite, or "*" with OPTIONS: what the router sees is always a path.
  bool path = !head.target.empty() && head.target.front() == '/';
  if (!path && !(head.target == "*" && head.method == "OPTIONS")) std::abort();
  return 0;
}
