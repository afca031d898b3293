#include "cli/terminal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace igw::cli {

bool isTerminal(int fd) {
  return ::isatty(fd) == 1;
}

bool confirmOnTerminal(std::string_view question) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  std::string q = std::string(question) + " [y/N] ";
  ssize_t ignored = ::write(fd, q.data(), q.size());
  (void)ignored;
  std::string answer;
  char c;
  while (true) {
    ssize_t n = ::read(fd, &c, 1);
    if (n <= 0 || c == '\n') break;  // EOF, Ctrl-C (EINTR) or the end of the line
    answer += c;
  }
  ::close(fd);
  while (!answer.empty() && (answer.back() == ' ' || answer.back() == '\r')) answer.pop_back();
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string terminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (c == '\n' || c == '\t') {
      out += ch;
    }
  }
  return out;
}

void writeOut(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace igw::cli
