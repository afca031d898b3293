// Incremental decoder for HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1): bytes in,
// body bytes out, in any split. Chunk extensions and trailers are skipped; sizes and line
// lengths are bounded so a hostile peer cannot make it buffer or loop without end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

class ChunkedDecoder {
 public:
  // Decodes from `in`, appending body bytes to `out`. Returns how many bytes of `in` were
  // consumed (all of them unless the body ended inside `in`).
  Result<size_t> decode(std::string_view in, std::string& out);

  // The terminating zero-size chunk and the trailer section have been seen.
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State {
    kSize,
    kExtension,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailerLine,
    kTrailerEndLf,
    kDone
  };
  static constexpr size_t kMaxLine = 8192;

  State state_ = State::kSize;
  uint64_t size_ = 0;
  int size_digits_ = 0;
  size_t line_bytes_ = 0;
};

}  // namespace igw
