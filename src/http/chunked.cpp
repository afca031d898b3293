#include "http/chunked.h"
#include "core/hex.h"

#include <algorithm>

namespace igw {

namespace {

Status bad(const char* what) {
  return unavailable(std::string("malformed chunked response from upstream: ") + what);
}

}  // namespace

Result<size_t> ChunkedDecoder::decode(std::string_view in, std::string& out) {
  size_t i = 0;
  while (i < in.size() && state_ != State::kDone) {
    char c = in[i];
    switch (state_) {
      case State::kSize: {
        int d = hexDigitValue(c);
        if (d >= 0) {
          if (++size_digits_ > 15) return bad("chunk size too large");
          size_ = size_ * 16 + static_cast<uint64_t>(d);
        } else if (size_digits_ == 0) {
          return bad("chunk size expected");
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
          line_bytes_ = 0;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          state_ = size_ == 0 ? State::kTrailerStart : State::kData;
        } else {
          return bad("invalid character in chunk size");
        }
        ++i;
        break;
      }
      case State::kExtension:
        if (++line_bytes_ > kMaxLine) return bad("chunk extension too long");
        if (c == '\r') state_ = State::kSizeLf;
        if (c == '\n') state_ = size_ == 0 ? State::kTrailerStart : State::kData;
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return bad("expected LF after chunk size");
        state_ = size_ == 0 ? State::kTrailerStart : State::kData;
        ++i;
        break;
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(size_, in.size() - i));
        out.append(in.data() + i, n);
        i += n;
        size_ -= n;
        if (size_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
        } else if (c == '\n') {
          state_ = State::kSize;
          size_digits_ = 0;
        } else {
          return bad("expected CRLF after chunk data");
        }
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return bad("expected LF after chunk data");
        state_ = State::kSize;
        size_digits_ = 0;
        ++i;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kTrailerEndLf;
        } else if (c == '\n') {
          state_ = State::kDone;
        } else {
          state_ = State::kTrailerLine;
          line_bytes_ = 0;
        }
        ++i;
        break;
      case State::kTrailerLine:
        if (++line_bytes_ > kMaxLine) return bad("trailer line too long");
        if (c == '\n') state_ = State::kTrailerStart;
        ++i;
        break;
      case State::kTrailerEndLf:
        if (c != '\n') return bad("expected LF after trailers");
        state_ = State::kDone;
        ++i;
        break;
      case State::kDone:
        break;
    }
  }
  return i;
}

}  // namespace igw
