#include "store/redis_client.h"

#include <array>
#include <chrono>
#include <deque>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace igw {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

auto useAwaitableEc(error_code& ec) {
  return asio::redirect_error(net::useAwaitable, ec);
}

// One call waiting for its reply. The timer is both its deadline and its wake-up: the reader
// stores the result and cancels the timer.
struct Pending {
  explicit Pending(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::optional<Result<RedisReply>> result;

  void complete(Result<RedisReply> r) {
    result.emplace(std::move(r));
    timer.cancel();
  }
};

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

class RedisConnection::Impl : public std::enable_shared_from_this<Impl> {
 public:
  enum class State { kIdle, kConnecting, kConnected, kDown };

  Impl(net::Executor ex, RedisOptions opts)
      : ex_(std::move(ex)), opts_(std::move(opts)), endpoint_(opts_.endpoint()) {}

  net::awaitable<Result<RedisReply>> command(std::vector<std::string> args) {
    auto self = shared_from_this();  // alive until this call returns, whatever happens
    if (args.empty()) co_return invalidArgument("empty redis command");
    if (state_ == State::kDown) {
      const auto now = Clock::now();
      if (now < down_until_) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(down_until_ - now);
        co_return unavailable(last_error_.message() + " (next attempt in " + ms(left) + ")");
      }
      state_ = State::kIdle;
    }
    if (pending_.size() >= opts_.max_pending) {
      co_return unavailable("redis " + endpoint_ + ": more than " +
                            std::to_string(opts_.max_pending) + " calls pending");
    }
    auto p = std::make_shared<Pending>(ex_);
    out_ += formatRedisCommand(args);
    pending_.push_back(p);
    if (state_ == State::kIdle) {
      startConnect();
    } else if (state_ == State::kConnected) {
      startWrite();
    }
    p->timer.expires_after(opts_.command_timeout);
    if (!p->result) {
      error_code ec;
      co_await p->timer.async_wait(useAwaitableEc(ec));
    }
    if (!p->result) {
      // Still in pending_: the reply may yet come and would be taken for the next call's.
      const size_t n = pending_.size();
      fail(unavailable("redis " + endpoint_ + ": no reply within " + ms(opts_.command_timeout) +
                       " (connection closed, " + std::to_string(n) + " pending call" +
                       (n == 1 ? "" : "s") + " failed)"),
           true);
    }
    co_return std::move(*p->result);
  }

  bool healthy() const { return state_ != State::kDown || Clock::now() >= down_until_; }
  bool connected() const { return state_ == State::kConnected; }
  const RedisOptions& options() const { return opts_; }

  // Drops the connection: every pending call fails with `why`. With `back_off` (a failed
  // connect, or a server that does not answer in time) calls then fail at once for the backoff
  // pause; otherwise (connection lost, closed) the next call reconnects at once.
  void fail(Status why, bool back_off) {
    ++gen_;
    if (socket_) {
      error_code ignored;
      socket_->close(ignored);
      socket_.reset();
    }
    reader_.reset();
    out_.clear();
    writing_ = false;
    auto failed = std::move(pending_);
    pending_.clear();
    if (back_off) {
      backoff_ =
          backoff_.count() == 0 ? opts_.min_backoff : std::min(backoff_ * 2, opts_.max_backoff);
      down_until_ = Clock::now() + backoff_;
      last_error_ = why;
      state_ = State::kDown;
    } else {
      state_ = State::kIdle;
    }
    for (auto& p : failed) {
      if (!p->result) p->complete(why);
    }
  }

 private:
  void startConnect() {
    state_ = State::kConnecting;
    socket_ = std::make_shared<tcp::socket>(ex_);
    reader_ = std::make_unique<RedisReplyReader>(opts_.limits);
    asio::co_spawn(ex_, connect(shared_from_this(), gen_, socket_), asio::detached);
  }

  void startWrite() {
    if (writing_ || out_.empty()) return;
    writing_ = true;
    asio::co_spawn(ex_, writeLoop(shared_from_this(), gen_, socket_), asio::detached);
  }

  Status connectError(const std::string& what) {
    return unavailable("redis " + endpoint_ + ": " + what);
  }

  static net::awaitable<void> connect(std::shared_ptr<Impl> self, uint64_t gen,
                                      std::shared_ptr<tcp::socket> sock) {
    Impl& c = *self;
    auto resolver = std::make_shared<tcp::resolver>(c.ex_);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer timer(c.ex_);
    timer.expires_after(c.opts_.connect_timeout);
    timer.async_wait([sock, resolver, timed_out](error_code ec) {
      if (ec) return;
      *timed_out = true;
      resolver->cancel();
      error_code ignored;
      sock->close(ignored);
    });
    Status st = co_await c.handshake(gen, *sock, *resolver, *timed_out);
    timer.cancel();
    if (gen != c.gen_) co_return;  // closed meanwhile; the pending calls were failed then
    if (!st.isOk()) {
      c.fail(std::move(st), true);
      co_return;
    }
    c.state_ = State::kConnected;
    c.backoff_ = std::chrono::milliseconds(0);
    asio::co_spawn(c.ex_, readLoop(self, gen, sock), asio::detached);
    c.startWrite();
  }

  // Resolve, connect (each address in turn), AUTH and SELECT. Not ok on any failure.
  net::awaitable<Status> handshake(uint64_t gen, tcp::socket& sock, tcp::resolver& resolver,
                                   const bool& timed_out) {
    const std::string timeout_msg = "connect timed out after " + ms(opts_.connect_timeout);
    error_code ec;
    std::vector<tcp::endpoint> endpoints;
    auto address = asio::ip::make_address(opts_.host, ec);
    if (!ec) {
      endpoints.emplace_back(address, opts_.port);  // an IP address: no resolver thread hop
    } else {
      auto port = std::to_string(opts_.port);
      auto found = co_await resolver.async_resolve(opts_.host, port, useAwaitableEc(ec));
      if (gen != gen_) co_return Status();
      if (timed_out) co_return connectError(timeout_msg);
      if (ec) co_return connectError("cannot resolve host: " + ec.message());
      for (const auto& entry : found) endpoints.push_back(entry.endpoint());
    }
    ec = asio::error::host_not_found;
    for (const auto& endpoint : endpoints) {
      error_code ignored;
      sock.close(ignored);
      sock.open(endpoint.protocol(), ec);
      if (ec) continue;
      co_await sock.async_connect(endpoint, useAwaitableEc(ec));
      if (gen != gen_) co_return Status();
      if (timed_out) co_return connectError(timeout_msg);
      if (!ec) break;
    }
    if (ec) co_return connectError("connect failed: " + ec.message());
    error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);

    std::string hello;
    std::vector<std::string> what;
    if (!opts_.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!opts_.username.empty()) auth.push_back(opts_.username);
      auth.push_back(opts_.password);
      hello += formatRedisCommand(auth);
      what.push_back("AUTH");
    }
    if (opts_.db != 0) {
      std::vector<std::string> select{"SELECT", std::to_string(opts_.db)};
      hello += formatRedisCommand(select);
      what.push_back("SELECT " + std::to_string(opts_.db));
    }
    if (what.empty()) co_return Status();
    co_await asio::async_write(sock, asio::buffer(hello), useAwaitableEc(ec));
    if (gen != gen_) co_return Status();
    if (timed_out) co_return connectError(timeout_msg);
    if (ec) co_return connectError("write failed: " + ec.message());
    std::array<char, 4096> buf;
    size_t answered = 0;
    while (answered < what.size()) {
      size_t n = co_await sock.async_read_some(asio::buffer(buf), useAwaitableEc(ec));
      if (gen != gen_) co_return Status();
      if (timed_out) co_return connectError(timeout_msg);
      if (ec) co_return connectError(what[answered] + " failed: " + lostMessage(ec));
      reader_->feed(std::string_view(buf.data(), n));
      while (answered < what.size()) {
        auto r = reader_->next();
        if (!r) co_return connectError(r.status().message());
        if (!r->has_value()) break;
        const RedisReply& reply = **r;
        if (reply.isError()) co_return connectError(what[answered] + " failed: " + reply.str);
        ++answered;
      }
    }
    co_return Status();
  }

  static std::string lostMessage(const error_code& ec) {
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      return "connection closed by the server";
    }
    return ec.message();
  }

  static net::awaitable<void> readLoop(std::shared_ptr<Impl> self, uint64_t gen,
                                       std::shared_ptr<tcp::socket> sock) {
    Impl& c = *self;
    std::array<char, 16384> buf;
    for (;;) {
      error_code ec;
      size_t n = co_await sock->async_read_some(asio::buffer(buf), useAwaitableEc(ec));
      if (gen != c.gen_) co_return;
      if (ec) {
        c.fail(c.connectError("connection lost: " + lostMessage(ec)), false);
        co_return;
      }
      c.reader_->feed(std::string_view(buf.data(), n));
      for (;;) {
        auto r = c.reader_->next();
        if (!r) {
          c.fail(c.connectError(r.status().message()), false);
          co_return;
        }
        if (!r->has_value()) break;
        if (c.pending_.empty()) {
          c.fail(c.connectError("reply nobody asked for"), false);
          co_return;
        }
        auto p = std::move(c.pending_.front());
        c.pending_.pop_front();
        p->complete(std::move(**r));
      }
    }
  }

  static net::awaitable<void> writeLoop(std::shared_ptr<Impl> self, uint64_t gen,
                                        std::shared_ptr<tcp::socket> sock) {
    Impl& c = *self;
    std::string buf;
    while (gen == c.gen_ && !c.out_.empty()) {
      buf.clear();
      buf.swap(c.out_);
      error_code ec;
      co_await asio::async_write(*sock, asio::buffer(buf), useAwaitableEc(ec));
      if (gen != c.gen_) co_return;
      if (ec) {
        c.fail(c.connectError("write failed: " + lostMessage(ec)), false);
        co_return;
      }
    }
    c.writing_ = false;
  }

  net::Executor ex_;
  RedisOptions opts_;
  std::string endpoint_;
  State state_ = State::kIdle;
  uint64_t gen_ = 0;  // bumped when a connection is dropped; its coroutines then stand down
  std::shared_ptr<tcp::socket> socket_;
  std::unique_ptr<RedisReplyReader> reader_;
  std::deque<std::shared_ptr<Pending>> pending_;  // in the order their commands were queued
  std::string out_;                               // commands not yet handed to a write
  bool writing_ = false;
  Clock::time_point down_until_{};
  std::chrono::milliseconds backoff_{0};
  Status last_error_;
};

RedisConnection::RedisConnection(net::Executor ex, RedisOptions opts)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(opts))) {}

RedisConnection::~RedisConnection() {
  close();
}

net::awaitable<Result<RedisReply>> RedisConnection::command(std::vector<std::string> args) {
  return impl_->command(std::move(args));
}

net::awaitable<Result<RedisReply>> RedisConnection::eval(const RedisScript& s,
                                                         std::vector<std::string> keys,
                                                         std::vector<std::string> args) {
  auto impl = impl_;
  auto sha = evalShaCommand(s, keys, args);
  Result<RedisReply> r = co_await impl->command(std::move(sha));
  if (!r.isOk() || !isNoScript(*r)) co_return r;
  auto full = evalCommand(s, keys, args);
  co_return co_await impl->command(std::move(full));
}

bool RedisConnection::healthy() const {
  return impl_->healthy();
}

bool RedisConnection::connected() const {
  return impl_->connected();
}

void RedisConnection::close() {
  impl_->fail(unavailable("redis " + impl_->options().endpoint() + ": connection closed"), false);
}

const RedisOptions& RedisConnection::options() const {
  return impl_->options();
}

}  // namespace igw
