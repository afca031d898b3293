#include "http/response_reader.h"

#include <algorithm>

namespace igw {

namespace {

Status bad(std::string_view what) {
  return unavailable("upstream sent an invalid HTTP response: " + std::string(what));
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// One table lookup per byte of a header line (the head is read on every upstream answer).
struct CharClasses {
  bool tchar[256] = {};  // RFC 9110 5.6.2 tchar
  bool field[256] = {};  // field values and reason phrases: HTAB, SP, VCHAR, obs-text
  constexpr CharClasses() {
    for (int c = 0; c < 256; ++c) {
      bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      tchar[c] = alnum || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                              std::string_view::npos;
      field[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
    }
    tchar[0] = false;
  }
};
constexpr CharClasses kChars;

bool isTchar(char ch) {
  return kChars.tchar[static_cast<unsigned char>(ch)];
}

bool isFieldChar(char ch) {
  return kChars.field[static_cast<unsigned char>(ch)];
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f on each non-empty element of a comma-separated list (RFC 9110 5.6.1); returns how
// many there were.
template <class F>
size_t forEachElement(std::string_view v, F&& f) {
  size_t n = 0;
  while (true) {
    size_t comma = v.find(',');
    std::string_view e = trimOws(v.substr(0, comma));
    if (!e.empty()) {
      ++n;
      f(e);
    }
    if (comma == std::string_view::npos) return n;
    v.remove_prefix(comma + 1);
  }
}

Status parseStatusLine(std::string_view line, int& status, int& minor) {
  // HTTP-version SP 3DIGIT SP [reason-phrase]; the SP before an empty reason is often missing.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' ||
      !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) ||
      (line.size() > 12 && line[12] != ' ')) {
    return bad("malformed status line");
  }
  if (!std::all_of(line.begin() + 12, line.end(), isFieldChar)) {
    return bad("control character in the reason phrase");
  }
  minor = line[7] - '0';
  status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100) return bad("status code below 100");
  return Status::ok();
}

}  // namespace

// Continues parsing the current head (status line, fields, empty line), which starts at
// in[0], from where the last call stopped: each byte is looked at once however the head
// trickles in. True once the empty line ending it arrived.
Result<bool> ResponseReader::parseMore(std::string_view in) {
  while (true) {
    size_t lf = in.find('\n', scan_);
    if (lf == std::string_view::npos) {
      scan_ = in.size();
      return false;
    }
    if (lf == line_start_ || in[lf - 1] != '\r') return bad("line not terminated by CRLF");
    std::string_view line = in.substr(line_start_, lf - 1 - line_start_);
    line_start_ = scan_ = lf + 1;
    if (!status_seen_) {
      if (Status s = parseStatusLine(line, pending_status_, pending_minor_); !s) return s;
      status_seen_ = true;
      continue;
    }
    if (line.empty()) return true;
    // RFC 9112 5.2: a gateway may answer 502 to obsolete line folding; it is never legitimate.
    if (line.front() == ' ' || line.front() == '\t') return bad("obsolete line folding");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad("header line without a name");
    std::string_view name = line.substr(0, colon);
    // Includes whitespace before the colon, which RFC 9112 5.1 says must be rejected.
    if (!std::all_of(name.begin(), name.end(), [](char c) { return isTchar(c); })) {
      return bad("invalid header name");
    }
    std::string_view value = trimOws(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(), [](char c) { return isFieldChar(c); })) {
      return bad("control character in a header value");
    }
    if (pending_headers_.capacity() == 0) pending_headers_.reserve(16);
    pending_headers_.push_back({std::string(name), std::string(value)});
  }
}

Result<size_t> ResponseReader::feedHead(std::string_view in) {
  size_t used = 0;
  auto fail = [&](Status s) {
    failed_ = true;
    return s;
  };
  if (failed_) return bad("reading continued after an error");
  while (!head_complete_) {
    std::string_view rest = in.substr(used);
    auto complete = parseMore(rest);
    if (!complete) return fail(complete.status());
    size_t size = *complete ? line_start_ : rest.size();
    if (head_bytes_ + size > limits_.max_head_bytes) {
      return fail(unavailable("upstream response headers larger than " +
                              std::to_string(limits_.max_head_bytes) +
                              " bytes (CLIENT_MAX_RESPONSE_HEADER_SIZE)"));
    }
    if (!*complete) break;
    head_bytes_ += size;
    used += size;
    const int status = pending_status_;
    const int minor = pending_minor_;
    Headers headers = std::move(pending_headers_);
    pending_headers_.clear();
    line_start_ = scan_ = 0;
    status_seen_ = false;
    if (status / 100 == 1) {
      // RFC 9110 15.2: interim responses precede the final one and are skipped; 101 would
      // hand the connection to another protocol, which a gateway to HTTP APIs never asks for.
      if (status == 101) {
        return fail(unavailable(
            "upstream answered 101 Switching Protocols, which the gateway never asks for"));
      }
      if (++interim_ > limits_.max_interim) {
        return fail(unavailable("upstream sent more than " + std::to_string(limits_.max_interim) +
                                " interim (1xx) responses (CLIENT_MAX_INTERIM_RESPONSES)"));
      }
      continue;
    }
    head_.status = status;
    head_.headers = std::move(headers);
    if (Status s = finishHead(minor); !s) return fail(s);
    head_complete_ = true;
  }
  return used;
}

Status ResponseReader::finishHead(int minor) {
  const int status = head_.status;
  if (status > 599) {
    return unavailable("upstream answered with status " + std::to_string(status) +
                       ", outside 200-599");
  }
  if (status / 100 == 3) {
    return unavailable("upstream answered with status " + std::to_string(status) +
                       "; the gateway neither follows nor relays redirects (check the provider "
                       "URL)");
  }
  bool has_length = false;
  uint64_t length = 0;
  size_t codings = 0;
  bool chunked_last = false;
  bool close = false;
  std::string encoding;
  Status error;
  for (const auto& h : head_.headers) {
    if (iequals(h.name, "content-length")) {
      size_t n = forEachElement(h.value, [&](std::string_view e) {
        if (e.size() > 18 || !std::all_of(e.begin(), e.end(), isDigit)) {
          error = bad("invalid Content-Length");
          return;
        }
        uint64_t v = 0;
        for (char c : e) v = v * 10 + static_cast<uint64_t>(c - '0');
        if (has_length && v != length) error = bad("conflicting Content-Length values");
        has_length = true;
        length = v;
      });
      if (n == 0) error = bad("empty Content-Length");
    } else if (iequals(h.name, "transfer-encoding")) {
      size_t n = forEachElement(h.value, [&](std::string_view e) {
        ++codings;
        chunked_last = iequals(e, "chunked");
      });
      if (n == 0) error = bad("empty Transfer-Encoding");
    } else if (iequals(h.name, "connection")) {
      forEachElement(h.value, [&](std::string_view e) {
        if (iequals(e, "close")) close = true;
      });
    } else if (iequals(h.name, "content-encoding")) {
      forEachElement(h.value, [&](std::string_view e) {
        if (!iequals(e, "identity")) encoding = e;
      });
    }
    if (!error) return error;
  }
  // RFC 9112 6.1: both at once may be an attempt at response splitting; handled as an error.
  if (has_length && codings > 0) return bad("both Content-Length and Transfer-Encoding");
  // Only plain chunked is decodable; any other coding (gzip, chunked) is refused.
  if (codings > 0 && (codings != 1 || !chunked_last)) {
    return bad("unsupported Transfer-Encoding (only chunked is accepted)");
  }
  if (codings > 0 && minor == 0) return bad("Transfer-Encoding in an HTTP/1.0 response");
  head_.keep_alive = !close && minor >= 1;  // HTTP/1.0 connections are never reused
  if (head_request_ || status == 204) {
    head_.framing = BodyFraming::kNone;
  } else if (codings > 0) {
    head_.framing = BodyFraming::kChunked;
  } else if (has_length) {
    head_.framing = BodyFraming::kLength;
    head_.content_length = length;
    remaining_ = length;
  } else {
    head_.framing = BodyFraming::kUntilClose;
    head_.keep_alive = false;
  }
  if (!encoding.empty() && head_.framing != BodyFraming::kNone &&
      !(head_.framing == BodyFraming::kLength && length == 0)) {
    return unavailable(
        "upstream sent a body with Content-Encoding: " + encoding +
        " although the gateway asks for identity; compressed bodies are not relayed");
  }
  if (head_.framing == BodyFraming::kNone ||
      (head_.framing == BodyFraming::kLength && length == 0)) {
    body_done_ = true;
  }
  return Status::ok();
}

Result<size_t> ResponseReader::feedBody(std::string_view in, std::string& out) {
  if (failed_ || !head_complete_) return bad("body read without a valid head");
  if (body_done_) return size_t{0};
  switch (head_.framing) {
    case BodyFraming::kNone:
      body_done_ = true;
      return size_t{0};
    case BodyFraming::kLength: {
      auto n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
      out.append(in.data(), n);
      remaining_ -= n;
      if (remaining_ == 0) body_done_ = true;
      return n;
    }
    case BodyFraming::kChunked: {
      auto n = chunked_.decode(in, out);
      if (!n) {
        failed_ = true;
        return n.status();
      }
      if (chunked_.done()) body_done_ = true;
      return *n;
    }
    case BodyFraming::kUntilClose:
      out.append(in);
      return in.size();
  }
  return size_t{0};
}

Status ResponseReader::onEof() {
  head_.keep_alive = false;
  if (!head_complete_) {
    failed_ = true;
    if (interim_ > 0) {
      return unavailable(
          "upstream closed the connection after an interim (1xx) response, "
          "without a final response");
    }
    return unavailable("upstream closed the connection before a complete response head");
  }
  if (body_done_) return Status::ok();
  if (head_.framing == BodyFraming::kUntilClose) {
    body_done_ = true;
    return Status::ok();
  }
  failed_ = true;
  return unavailable("upstream closed the connection before the body ended");
}

bool ResponseReader::reusable(size_t leftover) const {
  return !failed_ && head_complete_ && body_done_ && head_.keep_alive &&
         head_.framing != BodyFraming::kUntilClose && leftover == 0;
}

}  // namespace igw
