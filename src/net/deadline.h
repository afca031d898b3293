// Coarse deadlines for socket operations: one periodic sweep per worker instead of a timer
// armed and cancelled around every read and write (which costs timer-queue and timerfd work on
// each I/O). Setting a deadline is a plain store; the sweep cancels the socket's pending
// operations once it has passed, and the operation sees `fired()`.
//
// Threading: a Deadline and its sweeper belong to one worker's io_context thread.
#pragma once

#include <chrono>
#include <unordered_set>

#include "net/beast.h"

namespace igw {

class DeadlineSweeper;

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  Deadline(DeadlineSweeper& sweeper, net::tcp::socket& socket);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void expiresAfter(std::chrono::milliseconds d) { expiresAt(Clock::now() + d); }
  void expiresAt(Clock::time_point at) {
    at_ = at;
    fired_ = false;
  }
  void clear() { at_ = Clock::time_point::max(); }
  // The sweep cancelled the socket because the deadline passed.
  bool fired() const { return fired_; }

 private:
  friend class DeadlineSweeper;
  DeadlineSweeper& sweeper_;
  net::tcp::socket& socket_;
  Clock::time_point at_ = Clock::time_point::max();
  bool fired_ = false;
};

class DeadlineSweeper {
 public:
  DeadlineSweeper(net::asio::io_context& ioc, std::chrono::milliseconds tick);
  void start();
  void stop();

 private:
  friend class Deadline;
  void sweep();

  net::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  std::unordered_set<Deadline*> deadlines_;
  bool running_ = false;
};

}  // namespace igw
