// The upstream response reader (interim 1xx heads, final head, body framing, reusability):
// never crashes, never consumes more than it was given, and its verdict (status, body, whether
// the connection may be pooled) does not depend on how the bytes were split into reads.
// Input: one flag byte (bit 0: the request was HEAD; bits 1-4: read size) then the bytes the
// upstream sent before closing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/response_reader.h"

namespace {

struct Outcome {
  bool ok = false;
  int status = 0;
  size_t headers = 0;
  std::string body;
  bool reusable = false;
};

Outcome run(std::string_view in, size_t piece, bool head_request) {
  igw::ResponseReader r(head_request, {4096, 3});
  Outcome o;
  std::string buf;
  size_t fed = 0;
  auto more = [&] {
    if (fed >= in.size()) return false;
    size_t n = std::min(piece, in.size() - fed);
    buf.append(in.substr(fed, n));
    fed += n;
    return true;
  };
  while (!r.headComplete()) {
    if (!buf.empty()) {
      auto used = r.feedHead(buf);
      if (!used) return o;
      if (*used > buf.size()) std::abort();
      buf.erase(0, *used);
      if (r.headComplete()) break;
    }
    if (!more()) {
      if (r.onEof().isOk()) std::abort();  // no final head is never a success
      return o;
    }
  }
  while (!r.bodyDone()) {
    if (!buf.empty()) {
      auto used = r.feedBody(buf, o.body);
      if (!used) return o;
      if (*used > buf.size()) std::abort();
      buf.erase(0, *used);
      continue;
    }
    if (!more()) {
      if (!r.onEof().isOk()) return o;
      break;
    }
  }
  const auto& h = r.head();
  if (h.status < 200 || h.status > 599 || h.status / 100 == 3) std::abort();
  if (h.framing == igw::BodyFraming::kNone && !o.body.empty()) std::abort();
  if (h.framing == igw::BodyFraming::kLength && o.body.size() != h.content_length) std::abort();
  o.ok = true;
  o.status = h.status;
  o.headers = h.headers.size();
  o.reusable = r.reusable(buf.size() + (in.size() - fed));
  if (o.reusable && (h.framing == igw::BodyFraming::kUntilClose || !h.keep_alive)) std::abort();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  bool head_request = (data[0] & 1) != 0;
  size_t piece = ((data[0] >> 1) & 15) + 1;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = run(in, in.size() + 1, head_request);
  Outcome split = run(in, piece, head_request);
  if (whole.ok != split.ok) std::abort();
  if (whole.ok && (whole.status != split.status || whole.headers != split.headers ||
                   whole.body != split.body || whole.reusable != split.reusable)) {
    std::abort();
  }
  return 0;
}
