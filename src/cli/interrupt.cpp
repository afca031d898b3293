#include "cli/interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace igw::cli {

namespace {

// Async-signal-safe: the handler only writes one byte.
volatile sig_atomic_t g_signal_fd = -1;

void onSigint(int) {
  int fd = g_signal_fd;
  if (fd >= 0) {
    char c = 'i';
    ssize_t ignored = ::write(fd, &c, 1);
    (void)ignored;
  }
}

}  // namespace

Interrupt::Interrupt() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  g_signal_fd = write_fd_;
  struct sigaction sa {};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  ::sigaction(SIGINT, &sa, nullptr);
}

Interrupt::~Interrupt() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  g_signal_fd = -1;
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

bool Interrupt::pending() const {
  pollfd p{read_fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

void Interrupt::clear() {
  char buf[64];
  while (::read(read_fd_, buf, sizeof buf) > 0) {
  }
}

}  // namespace igw::cli
