// Lines from the terminal (or a pipe) for `infer chat`. The terminal stays in canonical mode,
// so its own line editing (backspace, Ctrl-U, Ctrl-W) applies; Ctrl-C while typing discards the
// line (the read is interrupted, see Interrupt) instead of ending the program.
#pragma once

#include <string>

namespace igw::cli {

class Interrupt;

enum class LineStatus { kLine, kInterrupted, kEof };

class LineReader {
 public:
  LineReader(int fd, Interrupt& interrupt) : fd_(fd), interrupt_(interrupt) {}

  // The next line without its '\n' (a last line without one counts too).
  LineStatus read(std::string& line);

 private:
  int fd_;
  Interrupt& interrupt_;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace igw::cli
