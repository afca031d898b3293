// Reading one HTTP/1.1 response from an upstream as RFC 9112/9110 want it, over bytes only (no
// I/O, so the fuzzer drives exactly what production runs): interim 1xx heads are skipped (101
// refused), the final head is validated strictly, its body framing is decided and decoded, and
// the reader says whether the connection may carry another request. Anything odd is an error:
// the caller answers 502 and closes the connection, never pooling it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/chunked.h"
#include "http/message.h"

namespace igw {

enum class BodyFraming { kNone, kLength, kChunked, kUntilClose };

struct ResponseLimits {
  size_t max_head_bytes = 64 * 1024;  // all heads of one response together, interim ones included
  unsigned max_interim = 8;           // 1xx responses skipped before the final one
};

struct ResponseHead {
  int status = 0;
  Headers headers;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;  // kLength
  bool keep_alive = true;       // HTTP/1.1 without "Connection: close"
};

class ResponseReader {
 public:
  ResponseReader(bool head_request, ResponseLimits limits)
      : head_request_(head_request), limits_(limits) {}

  // Parses heads from the start of `in`: the bytes received and not yet consumed, the same
  // prefix as the last call plus whatever arrived since. Returns how many bytes were consumed:
  // whole interim heads and, once it arrives, the final head. A partial head consumes nothing
  // (its parsed part is remembered, so a trickled head costs linear time); call again with
  // more bytes.
  Result<size_t> feedHead(std::string_view in);
  bool headComplete() const { return head_complete_; }
  unsigned interimCount() const { return interim_; }
  ResponseHead& head() { return head_; }
  const ResponseHead& head() const { return head_; }

  // Decodes body bytes from `in` into `out`; returns how many bytes of `in` belong to the body.
  // Bytes after the end of the body are left unconsumed (the caller must not reuse the
  // connection then).
  Result<size_t> feedBody(std::string_view in, std::string& out);
  // The peer closed the connection: ends a body framed by the close, an error for any other.
  Status onEof();
  bool bodyDone() const { return body_done_; }

  // The response was read completely, the peer allows another request, and `leftover` bytes
  // (received after the body) are zero.
  bool reusable(size_t leftover) const;

 private:
  Result<bool> parseMore(std::string_view in);
  Status finishHead(int minor);

  bool head_request_;
  ResponseLimits limits_;
  ResponseHead head_;
  bool head_complete_ = false;
  bool body_done_ = false;
  bool failed_ = false;
  unsigned interim_ = 0;
  size_t head_bytes_ = 0;  // consumed by heads so far
  // The head being parsed: where its next line starts, how far the search for LF got.
  size_t line_start_ = 0;
  size_t scan_ = 0;
  bool status_seen_ = false;
  int pending_status_ = 0;
  int pending_minor_ = 1;
  Headers pending_headers_;
  uint64_t remaining_ = 0;
  ChunkedDecoder chunked_;
};

}  // namespace igw
