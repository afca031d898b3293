// Test support: a fault-injecting Upstream and a recording Responder, so the provider call path
// (filters, endpoints, ProviderCall, the chat sinks) runs on a local io_context without sockets.
//
//   FakeUpstream  send() plays scripted outcomes in order (then the last one repeats): a connect
//                 failure, a timeout before the headers, a response whose body arrives in the
//                 given pieces (then ends, fails, or hangs until aborted), or a send() that hangs
//                 until its UpstreamAbort fires. Records every request and every abort.
//   FakeResponder records what the client would receive (status, headers, body bytes, whether
//                 the response ended) and lets a test disconnect the client: the callback given
//                 to watchDisconnect() runs, and later writes fail as on a closed socket.
//
// When an outcome hangs, `on_waiting` (if set) is posted to the executor: it runs once the
// request's coroutine is suspended in the fake, which is where a test disconnects the client.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/responder.h"
#include "net/upstream.h"

namespace igw::testing {

// What one send() does.
struct FakeOutcome {
  enum class Kind {
    kConnectFailure,        // send() fails: kUnavailable
    kTimeoutBeforeHeaders,  // send() fails: kDeadlineExceeded
    kHangBeforeHeaders,     // send() waits until its UpstreamAbort fires
    kRespond,               // status + headers; the body as `pieces`, then `after_pieces`
  };
  enum class After { kEnd, kFail, kHang };

  Kind kind = Kind::kRespond;
  int status = 200;
  Headers headers;
  std::vector<std::string> pieces;
  After after_pieces = After::kEnd;
  Status failure = unavailable("connection reset by peer");  // kFail: what read() returns

  static FakeOutcome connectFailure() {
    FakeOutcome o;
    o.kind = Kind::kConnectFailure;
    return o;
  }
  static FakeOutcome timeoutBeforeHeaders() {
    FakeOutcome o;
    o.kind = Kind::kTimeoutBeforeHeaders;
    return o;
  }
  static FakeOutcome hangBeforeHeaders() {
    FakeOutcome o;
    o.kind = Kind::kHangBeforeHeaders;
    return o;
  }
  static FakeOutcome respond(int status, Headers headers, std::vector<std::string> pieces) {
    FakeOutcome o;
    o.status = status;
    o.headers = std::move(headers);
    o.pieces = std::move(pieces);
    return o;
  }
  // A whole JSON body with its Content-Length, as a provider answers a non-streamed request.
  static FakeOutcome json(int status, std::string body, Headers extra = {}) {
    Headers h{{"Content-Type", "application/json"},
              {"Content-Length", std::to_string(body.size())}};
    for (auto& x : extra) h.push_back(std::move(x));
    return respond(status, std::move(h), {std::move(body)});
  }
  // An SSE body in pieces (chunked: no Content-Length).
  static FakeOutcome events(std::vector<std::string> pieces, Headers extra = {}) {
    Headers h{{"Content-Type", "text/event-stream"}};
    for (auto& x : extra) h.push_back(std::move(x));
    return respond(200, std::move(h), std::move(pieces));
  }
  FakeOutcome& thenFail(Status s = unavailable("connection reset by peer")) {
    after_pieces = After::kFail;
    failure = std::move(s);
    return *this;
  }
  FakeOutcome& thenHang() {
    after_pieces = After::kHang;
    return *this;
  }
};

// What the fake saw; shared with the responses it hands out, which outlive nothing.
struct FakeUpstreamLog {
  std::vector<UpstreamRequest> requests;
  int abort_fired = 0;       // UpstreamAbort::fire() reached a pending send()
  int response_aborted = 0;  // UpstreamResponse::abort() calls
  int responses_destroyed = 0;
};

namespace fake_detail {

// Waits until cancel() or the deadline (a generous bound, so a broken test fails instead of
// hanging). true: cancelled.
class Waiter {
 public:
  explicit Waiter(const boost::asio::any_io_executor& ex) : timer_(ex) {}
  net::awaitable<bool> wait(const std::function<void()>& on_waiting) {
    if (cancelled_) co_return true;
    timer_.expires_after(std::chrono::seconds(10));
    if (on_waiting) boost::asio::post(timer_.get_executor(), on_waiting);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(igw::net::useAwaitable, ec));
    co_return cancelled_;
  }
  void cancel() {
    cancelled_ = true;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  bool cancelled_ = false;
};

class FakeResponse final : public UpstreamResponse {
 public:
  FakeResponse(FakeOutcome o, std::shared_ptr<FakeUpstreamLog> log,
               const boost::asio::any_io_executor& ex, std::function<void()> on_waiting)
      : o_(std::move(o)), log_(std::move(log)), waiter_(ex), on_waiting_(std::move(on_waiting)) {}
  ~FakeResponse() override { ++log_->responses_destroyed; }

  int status() const override { return o_.status; }
  const Headers& headers() const override { return o_.headers; }

  net::awaitable<Result<std::string_view>> read() override {
    if (aborted_) co_return unavailable("request cancelled");
    if (next_ < o_.pieces.size()) {
      std::string_view piece = o_.pieces[next_++];
      co_return piece;
    }
    switch (o_.after_pieces) {
      case FakeOutcome::After::kEnd:
        done_ = true;
        co_return std::string_view();
      case FakeOutcome::After::kFail:
        co_return o_.failure;
      case FakeOutcome::After::kHang:
        break;
    }
    (void)co_await waiter_.wait(on_waiting_);
    co_return unavailable("request cancelled");
  }

  bool finished() const override { return done_; }

  void abort() override {
    ++log_->response_aborted;
    aborted_ = true;
    waiter_.cancel();
  }

 private:
  FakeOutcome o_;
  std::shared_ptr<FakeUpstreamLog> log_;
  Waiter waiter_;
  std::function<void()> on_waiting_;
  size_t next_ = 0;
  bool done_ = false;
  bool aborted_ = false;
};

}  // namespace fake_detail

class FakeUpstream final : public Upstream {
 public:
  explicit FakeUpstream(std::vector<FakeOutcome> script = {})
      : script_(script.begin(), script.end()) {}

  void push(FakeOutcome o) { script_.push_back(std::move(o)); }

  // Posted when a send() or read() starts to hang (see the file comment).
  std::function<void()> on_waiting;

  const FakeUpstreamLog& log() const { return *log_; }
  size_t calls() const { return log_->requests.size(); }
  const UpstreamRequest& lastRequest() const { return log_->requests.back(); }

  net::awaitable<Result<std::unique_ptr<UpstreamResponse>>> send(
      const UpstreamRequest& req, UpstreamAbort* abort = nullptr) override {
    log_->requests.push_back(req);
    if (!script_.empty()) {
      last_ = std::move(script_.front());
      script_.pop_front();
    }
    FakeOutcome o = last_;
    auto ex = co_await boost::asio::this_coro::executor;
    switch (o.kind) {
      case FakeOutcome::Kind::kConnectFailure:
        co_return unavailable("connect to " + req.url.host + ": connection refused");
      case FakeOutcome::Kind::kTimeoutBeforeHeaders:
        co_return deadlineExceeded("no response headers within 10000 ms (CLIENT_TIMEOUT)");
      case FakeOutcome::Kind::kHangBeforeHeaders: {
        fake_detail::Waiter waiter(ex);
        if (abort != nullptr) {
          abort->arm([&waiter, log = log_] {
            ++log->abort_fired;
            waiter.cancel();
          });
        }
        const bool cancelled = co_await waiter.wait(on_waiting);
        if (abort != nullptr) abort->disarm();
        if (cancelled) co_return unavailable("request cancelled");
        co_return deadlineExceeded("fake upstream: nobody aborted the hanging request");
      }
      case FakeOutcome::Kind::kRespond:
        break;
    }
    std::unique_ptr<UpstreamResponse> res =
        std::make_unique<fake_detail::FakeResponse>(std::move(o), log_, ex, on_waiting);
    co_return res;
  }

 private:
  std::deque<FakeOutcome> script_;
  FakeOutcome last_ = FakeOutcome::connectFailure();  // repeats once the script is played
  std::shared_ptr<FakeUpstreamLog> log_ = std::make_shared<FakeUpstreamLog>();
};

// The client's side of the connection, as the gateway would have written it.
class FakeResponder final : public Responder {
 public:
  int status_code = 0;
  Headers headers;   // the response's, added headers included
  std::string body;  // every byte written, chunks concatenated
  std::vector<std::string> chunks;
  bool streamed = false;
  bool ended = false;         // send() done, writeChunk(.., true) or endStream()
  int writes_after_gone = 0;  // attempts to write to a client that left

  // The client closes its connection: the watcher (if any) learns at once.
  void disconnect() {
    gone_ = true;
    if (on_gone_) {
      auto f = std::move(on_gone_);
      on_gone_ = nullptr;
      f();
    }
  }
  bool watching() const { return static_cast<bool>(on_gone_); }
  const std::string* header(std::string_view name) const { return findHeader(headers, name); }

  net::awaitable<Status> send(int status, const Headers& h, std::string_view b) override {
    if (gone_) {
      ++writes_after_gone;
      co_return unavailable("client gone");
    }
    start(status, h);
    body.append(b);
    ended = true;
    co_return Status::ok();
  }
  net::awaitable<Status> beginStream(int status, const Headers& h) override {
    if (gone_) {
      ++writes_after_gone;
      co_return unavailable("client gone");
    }
    start(status, h);
    streamed = true;
    co_return Status::ok();
  }
  net::awaitable<Status> writeChunk(std::string_view data, bool last) override {
    if (gone_) {
      ++writes_after_gone;
      co_return unavailable("client gone");
    }
    if (ended) co_return internalError("write after the response ended");
    chunks.emplace_back(data);
    body.append(data);
    if (last) ended = true;
    co_return Status::ok();
  }
  net::awaitable<Status> endStream() override {
    if (gone_) co_return unavailable("client gone");
    ended = true;
    co_return Status::ok();
  }
  void watchDisconnect(std::function<void()> on_gone) override {
    on_gone_ = std::move(on_gone);
    if (gone_) disconnect();
  }
  void stopWatching() override { on_gone_ = nullptr; }
  bool started() const override { return status_code != 0; }
  int status() const override { return status_code; }
  void addHeader(std::string_view name, std::string_view value) override {
    added_.push_back({std::string(name), std::string(value)});
  }

 private:
  void start(int status, const Headers& h) {
    status_code = status;
    headers = h;
    headers.insert(headers.end(), added_.begin(), added_.end());
  }

  std::function<void()> on_gone_;
  Headers added_;
  bool gone_ = false;
};

}  // namespace igw::testing
