#include "cli/line_reader.h"

#include <unistd.h>

#include <cerrno>

#include "cli/interrupt.h"

namespace igw::cli {

LineStatus LineReader::read(std::string& line) {
  while (true) {
    if (auto nl = buf_.find('\n'); nl != std::string::npos) {
      line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return LineStatus::kLine;
    }
    if (eof_) {
      if (buf_.empty()) return LineStatus::kEof;
      line = std::move(buf_);
      buf_.clear();
      return LineStatus::kLine;
    }
    if (interrupt_.pending()) {
      interrupt_.clear();
      buf_.clear();
      return LineStatus::kInterrupted;
    }
    char chunk[4096];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      eof_ = true;
    } else if (errno != EINTR) {
      eof_ = true;
    }
  }
}

}  // namespace igw::cli
