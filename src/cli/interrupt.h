// Ctrl-C while `infer` waits for an answer: SIGINT is caught and written to a pipe, which the
// streaming request watches (the answer stops, the chat goes on) and the prompt polls.
// The handler's only state is the pipe's write end, set once by the one Interrupt object.
#pragma once

namespace igw::cli {

class Interrupt {
 public:
  Interrupt();   // installs the SIGINT handler (no SA_RESTART: a blocked read() returns EINTR)
  ~Interrupt();  // restores the default action
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  // Readable once Ctrl-C was pressed, until clear().
  int fd() const { return read_fd_; }
  bool pending() const;
  void clear();

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace igw::cli
