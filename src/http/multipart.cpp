#include "http/multipart.h"

#include <cstring>
#include <utility>

namespace igw {

namespace {

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A printable rendering of client bytes for error messages: at most 60 characters, controls and
// non-ASCII bytes as '?'.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 60)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (s.size() > 60) out += "...";
  return out;
}

Status bad(std::string m) {
  return invalidArgument("malformed multipart/form-data body: " + std::move(m));
}

using Params = std::vector<std::pair<std::string, std::string>>;

// `; name=value; name="quoted \" value"` after a media type or disposition type. Names are
// lower-cased; a name given twice is an error (which one would count?).
Result<Params> parseParams(std::string_view s, std::string_view what) {
  Params out;
  size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && isSpace(s[i])) ++i;
  };
  while (true) {
    skip();
    if (i == s.size()) return out;
    if (s[i] != ';')
      return bad(std::string(what) + std::string(": expected ';' before '") + shown(s.substr(i)) +
                 "'");
    ++i;
    skip();
    if (i == s.size()) return out;  // a trailing ';'
    size_t name_begin = i;
    while (i < s.size() && isTokenChar(s[i])) ++i;
    std::string name(s.substr(name_begin, i - name_begin));
    if (name.empty() || i == s.size() || s[i] != '=') {
      return bad(std::string(what) + ": parameter '" + shown(s.substr(name_begin)) +
                 "' is not name=value");
    }
    for (auto& c : name) c = lower(c);
    ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < s.size()) c = s[i++];
        value += c;
      }
      if (!closed) return bad(std::string(what) + ": unterminated quoted " + name);
    } else {
      size_t value_begin = i;
      while (i < s.size() && s[i] != ';' && !isSpace(s[i]) && s[i] != '"') ++i;
      value.assign(s.substr(value_begin, i - value_begin));
      if (value.empty()) return bad(std::string(what) + ": empty " + name);
    }
    for (const auto& [n, v] : out) {
      if (n == name) return bad(std::string(what) + ": parameter " + name + " given twice");
    }
    out.emplace_back(std::move(name), std::move(value));
  }
}

const std::string* param(const Params& ps, std::string_view name) {
  for (const auto& [n, v] : ps) {
    if (n == name) return &v;
  }
  return nullptr;
}

size_t find(std::string_view hay, std::string_view needle, size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  const void* hit = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  if (hit == nullptr) return std::string_view::npos;
  return static_cast<size_t>(static_cast<const char*>(hit) - hay.data());
}

// One part's header block (without its final CRLF CRLF) into `part`.
Status parseHeaders(std::string_view block, MultipartPart& part, size_t index,
                    const MultipartLimits& limits) {
  const std::string where = "part " + std::to_string(index + 1);
  bool disposition = false;
  size_t lines = 0;
  while (!block.empty()) {
    size_t end = block.find("\r\n");
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
    if (++lines > limits.max_headers) {
      return bad(where + " has more than " + std::to_string(limits.max_headers) + " header lines");
    }
    if (line.empty() || isSpace(line.front())) {
      return bad(where + ": header lines may not be empty or folded (start with a space)");
    }
    for (char c : line) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return bad(where + ": header lines end in CRLF and hold no bare CR, LF or NUL");
      }
    }
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    bool token = colon != std::string_view::npos && !name.empty();
    for (char c : name) token = token && isTokenChar(c);
    if (!token) return bad(where + ": '" + shown(line) + "' is not a header line (Name: value)");
    std::string_view value = trim(line.substr(colon + 1));
    if (iequal(name, "Content-Disposition")) {
      if (disposition) return bad(where + " has two Content-Disposition headers");
      disposition = true;
      size_t semi = value.find(';');
      std::string_view type = trim(value.substr(0, semi));
      if (!iequal(type, "form-data")) {
        return bad(where + ": Content-Disposition must be form-data, got '" + shown(type) + "'");
      }
      auto ps =
          parseParams(semi == std::string_view::npos ? std::string_view() : value.substr(semi),
                      where + " Content-Disposition");
      if (!ps) return ps.status();
      const std::string* n = param(*ps, "name");
      if (n == nullptr) return bad(where + ": Content-Disposition has no name");
      part.name = *n;
      const std::string* f = param(*ps, "filename");
      const std::string* fx = param(*ps, "filename*");
      part.has_filename = f != nullptr || fx != nullptr;
      if (f != nullptr) part.filename = *f;
    } else if (iequal(name, "Content-Type")) {
      part.content_type = std::string(value);
    }
  }
  if (!disposition) return bad(where + " has no Content-Disposition header");
  return Status::ok();
}

}  // namespace

Result<std::string> multipartBoundary(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view type = trim(content_type.substr(0, semi));
  if (!iequal(type, "multipart/form-data")) {
    return invalidArgument("this endpoint takes a multipart/form-data body; Content-Type is '" +
                           shown(type) + "'");
  }
  auto ps =
      parseParams(semi == std::string_view::npos ? std::string_view() : content_type.substr(semi),
                  "Content-Type");
  if (!ps) return ps.status();
  const std::string* b = param(*ps, "boundary");
  if (b == nullptr) return invalidArgument("Content-Type multipart/form-data has no boundary");
  // RFC 2046 5.1.1: 1 to 70 of these, the last not a space.
  bool ok = !b->empty() && b->size() <= 70 && b->back() != ' ';
  for (char c : *b) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    ok = ok && (alnum || (c != '\0' && std::strchr("'()+_,-./:=? ", c) != nullptr));
  }
  if (!ok) {
    return invalidArgument("the multipart boundary '" + shown(*b) +
                           "' is not allowed (RFC 2046: 1-70 letters, digits or '()+_,-./:=? "
                           "characters, not ending in a space)");
  }
  return *b;
}

Result<std::vector<MultipartPart>> parseMultipart(std::string_view body, std::string_view boundary,
                                                  const MultipartLimits& limits) {
  if (boundary.empty()) return bad("empty boundary");
  const std::string dash = "--" + std::string(boundary);
  const std::string delim = "\r\n" + dash;
  size_t pos = 0;
  if (body.substr(0, dash.size()) != dash) {
    size_t first = find(body, delim, 0);  // after a preamble
    if (first == std::string_view::npos) {
      return bad("the boundary given in Content-Type ('" + shown(boundary) +
                 "') does not occur in the body");
    }
    pos = first + 2;
  }
  std::vector<MultipartPart> parts;
  while (true) {
    size_t p = pos + dash.size();
    if (body.substr(p, 2) == "--") return parts;      // the close delimiter; the rest is epilogue
    while (p < body.size() && isSpace(body[p])) ++p;  // transport padding
    if (body.substr(p, 2) != "\r\n") {
      return bad("a boundary line must end in CRLF (or '--' for the last one)");
    }
    p += 2;
    if (parts.size() == limits.max_parts) {
      return bad("more than " + std::to_string(limits.max_parts) + " parts");
    }
    MultipartPart part;
    std::string_view window = body.substr(p, limits.max_header_bytes + 4);
    size_t header_end;
    if (window.substr(0, 2) == "\r\n") {
      header_end = p;  // no header lines at all
      part.data_begin = p + 2;
    } else {
      size_t blank = window.find("\r\n\r\n");
      if (blank == std::string_view::npos) {
        if (window.size() > limits.max_header_bytes) {
          return bad("part " + std::to_string(parts.size() + 1) + " has a header block over " +
                     std::to_string(limits.max_header_bytes) + " bytes");
        }
        return bad("part " + std::to_string(parts.size() + 1) +
                   "'s headers do not end with an empty line (the body is cut short?)");
      }
      header_end = p + blank;
      part.data_begin = header_end + 4;
    }
    if (Status s = parseHeaders(body.substr(p, header_end - p), part, parts.size(), limits); !s) {
      return s;
    }
    size_t next = find(body, delim, part.data_begin);
    if (next == std::string_view::npos) {
      return bad("no closing boundary after part " + std::to_string(parts.size() + 1) +
                 " (the body is cut short?)");
    }
    part.data_end = next;
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace igw
