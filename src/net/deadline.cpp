#include "net/deadline.h"

namespace igw {

Deadline::Deadline(DeadlineSweeper& sweeper, net::tcp::socket& socket)
    : sweeper_(sweeper), socket_(socket) {
  sweeper_.deadlines_.insert(this);
}

Deadline::~Deadline() {
  sweeper_.deadlines_.erase(this);
}

DeadlineSweeper::DeadlineSweeper(net::asio::io_context& ioc, std::chrono::milliseconds tick)
    : timer_(ioc), tick_(tick) {}

void DeadlineSweeper::start() {
  running_ = true;
  sweep();
}

void DeadlineSweeper::stop() {
  running_ = false;
  timer_.cancel();
}

void DeadlineSweeper::sweep() {
  auto now = Deadline::Clock::now();
  for (Deadline* d : deadlines_) {
    if (!d->fired_ && d->at_ <= now) {
      d->fired_ = true;
      d->at_ = Deadline::Clock::time_point::max();
      net::error_code ec;
      d->socket_.cancel(ec);
    }
  }
  if (!running_) return;
  timer_.expires_after(tick_);
  timer_.async_wait([this](net::error_code ec) {
    if (!ec) sweep();
  });
}

}  // namespace igw
