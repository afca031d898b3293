// What `infer` needs from the terminal: whether a stream is one, a yes/no question asked on
// /dev/tty (so it works while stdin is a pipe), and text made safe to print.
#pragma once

#include <string>
#include <string_view>

namespace igw::cli {

bool isTerminal(int fd);

// Asks on /dev/tty; false when there is no terminal, on EOF or Ctrl-C.
bool confirmOnTerminal(std::string_view question);

// Model output for a terminal: escape sequences and other control characters (but newline and
// tab) are dropped, so an answer cannot move the cursor or retitle the window.
std::string terminalSafe(std::string_view text);

// Writes all of `text` to stdout now (unbuffered: streamed answers appear as they come).
void writeOut(std::string_view text);

}  // namespace igw::cli
