#include "net/session.h"

#include <poll.h>

#include <atomic>
#include <charconv>
#include <exception>
#include <optional>
#include <span>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/decimal.h"
#include "core/heap_trim.h"
#include "core/ids.h"
#include "http/errors.h"
#include "http/request_framing.h"
#include "http/request_reader.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/tls_policy.h"
#include "net/trace_exporter.h"
#include "telemetry/metrics.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only
using namespace std::string_view_literals;

namespace detail {

namespace {

// What a handler's exception says, for the log.
std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "exception of unknown type";
  }
}

std::string_view reason(int status) {
  return http::obsolete_reason(static_cast<http::status>(status));
}

void appendHeaders(std::string& out, std::span<const Header> headers) {
  for (const auto& h : headers) {
    out += h.name;
    out += ": "sv;
    out += h.value;
    out += "\r\n"sv;
  }
}

// An HTTP/1.0 client keeps the connection only when told so (`Connection: keep-alive`).
void appendHead(std::string& out, int status, const Headers& headers, bool keep_alive,
                bool http10) {
  out += "HTTP/1.1 "sv;
  appendDecimal(out, static_cast<unsigned>(status));
  out += ' ';
  out += reason(status);
  out += "\r\n"sv;
  appendHeaders(out, headers);
  if (!keep_alive) {
    out += "Connection: close\r\n"sv;
  } else if (http10) {
    out += "Connection: keep-alive\r\n"sv;
  }
}

// Responses that never have a body, whatever the handler produced (RFC 9110 sections 6.4.1,
// 15.3.5, 15.4.5): answers to HEAD, 1xx, 204 and 304.
bool statusHasNoBody(int status) {
  return status < 200 || status == 204 || status == 304;
}

// Why a request could not be read, for the 400 answer; empty when the client just went away.
std::string_view readFailure(const error_code& ec) {
  if (ec.category() != error_code(http::error::end_of_stream).category()) return {};
  switch (static_cast<http::error>(ec.value())) {
    case http::error::end_of_stream:
    case http::error::partial_message:
      return {};
    case http::error::bad_content_length:
      return "invalid Content-Length: not a number, several differing values, or together with "
             "Transfer-Encoding";
    case http::error::bad_transfer_encoding:
      return "invalid Transfer-Encoding: together with Content-Length, or chunked more than once";
    case http::error::bad_version:
      return "malformed or unsupported HTTP version; send HTTP/1.1";
    case http::error::bad_chunk:
      return "malformed chunk size line in the chunked request body";
    case http::error::bad_chunk_extension:
      return "malformed chunk extension in the chunked request body";
    case http::error::buffer_overflow:
      return "chunk size line or extension too long in the chunked request body";
    default:
      return "malformed HTTP request";
  }
}

template <class Stream>
class Session final : public SessionBase, public Responder {
 public:
  // Constructed on the thread of `worker`: the Deadline registers in that worker's sweeper.
  Session(Stream stream, Worker& worker, const ServerConfig& cfg, const Handler& handler,
          const Logger& log)
      : stream_(std::move(stream)),
        // Unparsed bytes are at most a header block plus one read: bounds chunk-size lines and
        // extensions too, which the parser does not limit itself.
        buffer_(cfg.max_header_bytes + kReadSize),
        worker_(worker),
        cfg_(cfg),
        handler_(handler),
        log_(log),
        deadline_(worker.deadlines, lowest()),
        registration_(worker, this) {
    buffer_.reserve(kBufferReserve);  // read requests in few syscalls (reads fill spare capacity)
  }

  ~Session() override {
    stopWatching();
    if (watch_queued_) worker_.unqueueWatch(this);
  }

  awaitable<void> run() {
    std::exception_ptr failure;
    try {
      co_await serve();
    } catch (...) {
      // Not from a handler (serve() catches those): the connection's own code, e.g. out of
      // memory while parsing. Nothing more can be said to this client.
      failure = std::current_exception();
    }
    if (failure) log_.error("connection ended by an exception", {{"error", describe(failure)}});
    stopWatching();
    error_code ec;
    auto& sock = lowest();
    sock.shutdown(tcp::socket::shutdown_send, ec);
    sock.close(ec);
  }

  void closeIfIdle() override {
    if (idle_) {
      error_code ec;
      lowest().cancel(ec);
    }
  }

  // ---- Responder ----
  // Framing is decided here, once, for every route: no body bytes for HEAD, 1xx, 204 and 304;
  // HTTP/1.0 clients get close-delimited streams instead of chunked coding.
  awaitable<Status> send(int status, const Headers& headers, std::string_view body) override {
    started_ = true;
    responded_ = true;
    status_ = status;
    head_.clear();
    appendHead(head_, status, headers, keep_alive_, http10_);
    appendHeaders(head_, extraHeaders());
    bool no_body = head_only_ || statusHasNoBody(status);
    // A HEAD answer relayed from upstream has an empty body whatever the GET would have had:
    // then no Content-Length rather than a wrong one.
    if (!statusHasNoBody(status) && !(head_only_ && body.empty())) {
      head_ += "Content-Length: "sv;
      appendDecimal(head_, body.size());
      head_ += "\r\n"sv;
    }
    head_ += "\r\n"sv;
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                           asio::buffer(body.data(), no_body ? 0 : body.size())};
    if (!beginWrite()) co_return unavailable("client connection closed");
    error_code ec;
    co_await asio::async_write(stream_, bufs, useAwaitableEc(ec));
    co_return endWrite(ec);
  }

  awaitable<Status> beginStream(int status, const Headers& headers) override {
    started_ = true;
    responded_ = true;
    streaming_ = true;
    status_ = status;
    framing_ = Framing::kChunked;
    if (head_only_ || statusHasNoBody(status)) {
      framing_ = Framing::kNone;
    } else if (http10_) {
      // HTTP/1.0 has no chunked coding: the body ends when the connection closes.
      framing_ = Framing::kClose;
      keep_alive_ = false;
    }
    head_.clear();
    appendHead(head_, status, headers, keep_alive_, http10_);
    appendHeaders(head_, extraHeaders());
    if (framing_ == Framing::kChunked) head_ += "Transfer-Encoding: chunked\r\n";
    head_ += "\r\n";
    head_pending_ = true;  // written with the first chunk
    // A stream holds its connection for long: the request buffer is not needed until the
    // next request, so a held stream does not keep it (it is reserved again before that read).
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    co_return Status::ok();
  }

  awaitable<Status> writeChunk(std::string_view data, bool last) override {
    static constexpr std::string_view kEnd = "0\r\n\r\n";
    if (!streaming_) co_return Status::ok();
    auto head = asio::buffer(head_.data(), head_pending_ ? head_.size() : 0);
    error_code ec;
    if (framing_ != Framing::kChunked) {
      if (framing_ == Framing::kNone) data = {};
      if (last) streaming_ = false;
      if (data.empty() && !head_pending_) co_return Status::ok();
      std::array<asio::const_buffer, 2> bufs{head, asio::buffer(data.data(), data.size())};
      if (!beginWrite()) co_return unavailable("client connection closed");
      co_await asio::async_write(stream_, bufs, useAwaitableEc(ec));
      co_return endWrite(ec);
    }
    char size_line[24];
    size_t n = 0;
    if (!data.empty()) {
      n = static_cast<size_t>(std::to_chars(size_line, size_line + 20, data.size(), 16).ptr -
                              size_line);
      size_line[n++] = '\r';
      size_line[n++] = '\n';
    }
    std::array<asio::const_buffer, 5> bufs{head, asio::buffer(size_line, n),
                                           asio::buffer(data.data(), data.size()),
                                           asio::buffer("\r\n", data.empty() ? 0 : 2),
                                           asio::buffer(kEnd.data(), last ? kEnd.size() : 0)};
    if (last) streaming_ = false;
    if (!beginWrite()) co_return unavailable("client connection closed");
    co_await asio::async_write(stream_, bufs, useAwaitableEc(ec));
    co_return endWrite(ec);
  }

  awaitable<Status> endStream() override {
    if (!streaming_) co_return Status::ok();
    co_return co_await writeChunk({}, true);
  }

  // A watch is armed kArmWatchAfter after it begins (Worker::queueWatch): a wait on the socket,
  // whose readiness wakes the watch at once (epoll; arming it also reports a hang-up that came
  // meanwhile), before and after the response started. poll(POLLRDHUP) then tells a hang-up
  // from data: a pipelined request or a TLS close_notify is data, and while unread data sits in
  // the socket readiness would report it again and again, so the watch looks every
  // kPollWhileData instead until the peer hangs up. Worst case from hang-up to on_gone: about
  // 1.5 x kArmWatchAfter (30 ms).
  void watchDisconnect(std::function<void()> on_gone) override {
    stopWatching();
    // The watch object is reused unless a finished wait still holds it.
    if (!watch_ || watch_.use_count() > 1) watch_ = std::make_shared<Watch>();
    watch_->on_gone = std::move(on_gone);
    watch_->armed = false;
    watch_->since = std::chrono::steady_clock::now();
    if (!watch_queued_) {
      watch_queued_ = true;
      worker_.queueWatch(this);
    }
  }

  void stopWatching() override {
    if (!watch_ || !watch_->on_gone) return;
    watch_->on_gone = nullptr;
    if (!watch_->armed) return;  // still queued: the tick drops it
    watch_->armed = false;
    if (watch_->timer) watch_->timer->cancel();
    error_code ec;
    lowest().cancel(ec);
  }

  bool armWatch(std::chrono::steady_clock::time_point due_before) override {
    if (!watch_ || !watch_->on_gone || watch_->armed) {
      watch_queued_ = false;
      return false;
    }
    if (watch_->since > due_before) return true;  // young: stays queued
    watch_queued_ = false;
    watch_->armed = true;
    waitReadable(watch_);
    return false;
  }

  bool started() const override { return started_; }
  int status() const override { return status_; }
  // Into slots kept from earlier requests on this connection: their strings' capacity is reused,
  // so the usual headers (X-Request-Id, x-ratelimit-*) allocate only on a connection's first
  // request.
  void addHeader(std::string_view name, std::string_view value) override {
    if (extra_count_ < extra_headers_.size()) {
      Header& h = extra_headers_[extra_count_];
      h.name.assign(name);
      h.value.assign(value);
    } else {
      extra_headers_.push_back({std::string(name), std::string(value)});
    }
    ++extra_count_;
  }
  std::span<const Header> extraHeaders() const {
    return std::span<const Header>(extra_headers_.data(), extra_count_);
  }

 private:
  static constexpr size_t kReadSize = 64 * 1024;  // Beast's largest single read
  // What a connection keeps between requests; more is released after the request that grew it.
  static constexpr size_t kBufferReserve = 8 * 1024;
  static constexpr size_t kKeepBodyCapacity = 64 * 1024;
  static constexpr size_t kKeepHeaderCount = 64;
  static constexpr size_t kKeepHeadCapacity = 4 * 1024;

  enum class Framing { kChunked, kClose, kNone };

  static constexpr std::chrono::milliseconds kPollWhileData{20};

  // Shared with the pending wait, which may complete after stopWatching() (or the session's
  // end): a null `on_gone` tells it to do nothing, and then it touches nothing of the session.
  struct Watch {
    std::function<void()> on_gone;
    bool armed = false;                           // a wait or a timer of this watch is pending
    std::chrono::steady_clock::time_point since;  // when the watch began
    std::optional<asio::steady_timer> timer;      // only while unread data hides a hang-up
  };

  enum class Peer { kGone, kData, kQuiet };

  static Peer peerState(int fd) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return Peer::kQuiet;
    if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) return Peer::kGone;
    return (p.revents & POLLIN) != 0 ? Peer::kData : Peer::kQuiet;
  }

  void waitReadable(const std::shared_ptr<Watch>& w) {
    lowest().async_wait(tcp::socket::wait_read, [this, w](error_code ec) {
      if (ec || !w->on_gone) return;  // cancelled, or the watch is over
      checkPeer(w);
    });
  }

  void checkPeer(const std::shared_ptr<Watch>& w) {
    switch (peerState(lowest().native_handle())) {
      case Peer::kGone: {
        auto f = std::move(w->on_gone);
        w->on_gone = nullptr;
        w->armed = false;
        f();
        return;
      }
      case Peer::kQuiet:
        waitReadable(w);
        return;
      case Peer::kData:
        if (!w->timer) w->timer.emplace(lowest().get_executor());
        w->timer->expires_after(kPollWhileData);
        w->timer->async_wait([this, w](error_code ec) {
          if (ec || !w->on_gone) return;
          checkPeer(w);
        });
        return;
    }
  }

  tcp::socket& lowest() { return beast::get_lowest_layer(stream_); }

  // Around each response write (inline in the writers: one coroutine frame less per write).
  // False when the connection already failed; the caller answers "client connection closed".
  bool beginWrite() {
    if (broken_) return false;
    wrote_ = true;
    deadline_.expiresAfter(cfg_.write_timeout);
    return true;
  }
  Status endWrite(const error_code& ec) {
    deadline_.clear();
    head_pending_ = false;
    if (ec) {
      broken_ = true;
      return unavailable("client connection closed: " + ec.message());
    }
    return Status::ok();
  }

  awaitable<void> sendError(int status, std::string_view message) {
    keep_alive_ = false;
    Headers h{Header{"Content-Type", "application/json"}};
    co_await send(status, h, errorJson(message, errorType(status)));
  }

  // RFC 9112 section 2.2: empty lines before a request-line are ignored (some clients end a
  // body with an extra CRLF). A few at most; more reach the parser and get a 400.
  void skipEmptyLines(int& skipped) {
    static constexpr int kMaxEmptyLines = 4;
    std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    size_t i = 0;
    while (i < data.size() && skipped < kMaxEmptyLines) {
      if (data[i] == '\n') {
        i += 1;
      } else if (data.substr(i, 2) == "\r\n") {
        i += 2;
      } else {
        break;
      }
      ++skipped;
    }
    buffer_.consume(i);
  }

  // Per-connection buffers grow with a large request; a long-lived connection (a held stream,
  // an idle keep-alive) should not keep that peak for its whole life.
  void releaseLargeBuffers() {
    if (buffer_.size() == 0 && buffer_.capacity() > kBufferReserve) {
      buffer_.shrink_to_fit();
      buffer_.reserve(kBufferReserve);
    }
    if (req_.body.capacity() > kKeepBodyCapacity) {
      ReturnMemoryAfter trim(req_.body.capacity());
      std::string().swap(req_.body);
    }
    if (req_.headers.capacity() > kKeepHeaderCount) Headers().swap(req_.headers);
    if (head_.capacity() > kKeepHeadCapacity) std::string().swap(head_);
  }

  awaitable<void> serve() {
    error_code ec;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      deadline_.expiresAfter(cfg_.read_timeout);
      co_await stream_.async_handshake(ssl::stream_base::server, useAwaitableEc(ec));
      if (ec) co_return;
    }
    bool first = true;
    while (!worker_.draining) {
      // The first request on a connection has SERVER_READ_TIMEOUT from the accept; a later one
      // may idle for SERVER_IDLE_TIMEOUT, then has SERVER_READ_TIMEOUT from its first byte.
      Deadline::Clock::time_point request_deadline;
      if (first) {
        request_deadline = Deadline::Clock::now() + cfg_.read_timeout;
        deadline_.expiresAt(request_deadline);
      } else {
        deadline_.expiresAfter(cfg_.idle_timeout);
      }
      // Wait for the first byte that is not an ignorable empty line (pipelined bytes count).
      int skipped = 0;
      skipEmptyLines(skipped);
      if (buffer_.capacity() < kBufferReserve) buffer_.reserve(kBufferReserve);  // after a stream
      while (buffer_.size() == 0) {
        idle_ = true;
        size_t n = co_await stream_.async_read_some(
            buffer_.prepare(beast::read_size(buffer_, kReadSize)), useAwaitableEc(ec));
        idle_ = false;
        if (ec) co_return;  // closed, idle too long, or drained while idle
        buffer_.commit(n);
        skipEmptyLines(skipped);
      }
      if (!first) {
        request_deadline = Deadline::Clock::now() + cfg_.read_timeout;
        deadline_.expiresAt(request_deadline);
      }

      RequestParser parser(req_);
      parser.header_limit(cfg_.max_header_bytes);
      parser.body_limit(cfg_.max_body_bytes);
      parser.eager(false);  // the head is checked before any of the body is taken
      while (parseBuffered(parser, buffer_, true, ec) == Parsed::kNeedMore) {
        if (buffer_.size() >= buffer_.max_size()) {
          ec = http::error::buffer_overflow;
          break;
        }
        size_t n = co_await stream_.async_read_some(
            buffer_.prepare(beast::read_size(buffer_, kReadSize)), useAwaitableEc(ec));
        buffer_.commit(n);
        readEnded(parser, ec, ec == asio::error::eof);
        if (ec) break;
      }
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        co_await sendError(431, "request headers exceed SERVER_MAX_HEADER_SIZE");
        co_return;
      }
      if (ec == http::error::body_limit) {
        co_await sendTooLarge();
        co_return;
      }
      if (ec) {
        // Closed or timed out: just close. Anything the parser rejected gets a 400.
        if (auto why = readFailure(ec); !why.empty()) co_await sendError(400, why);
        co_return;
      }

      // The target moves into the check and back: no copy.
      RequestHead head{parser.version(), req_.method, std::move(req_.target), &req_.headers};
      auto bad = checkRequestHead(head);
      req_.target = std::move(head.target);
      if (bad) {
        co_await sendError(bad->status, bad->message);
        co_return;
      }
      if (auto len = parser.content_length(); len && *len > cfg_.max_body_bytes) {
        co_await sendTooLarge();
        co_return;
      }
      http10_ = parser.version() < 11;
      // An HTTP/1.0 client does not know 1xx answers; its 100-continue is ignored (RFC 9110).
      if (!http10_ && !parser.is_done() && findHeader(req_.headers, "Expect") != nullptr) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        deadline_.expiresAfter(cfg_.write_timeout);
        co_await asio::async_write(stream_, asio::buffer(kContinue), useAwaitableEc(ec));
        if (ec) co_return;
        request_deadline = Deadline::Clock::now() + cfg_.read_timeout;
      }
      deadline_.expiresAt(request_deadline);
      parser.eager(true);
      while (!parser.is_done() && parseBuffered(parser, buffer_, false, ec) == Parsed::kNeedMore) {
        if (buffer_.size() >= buffer_.max_size()) {
          ec = http::error::buffer_overflow;  // an endless chunk-size line or extension
          break;
        }
        size_t n = co_await stream_.async_read_some(
            buffer_.prepare(beast::read_size(buffer_, kReadSize)), useAwaitableEc(ec));
        buffer_.commit(n);
        readEnded(parser, ec, ec == asio::error::eof);
        if (ec) break;
      }
      deadline_.clear();
      if (ec == http::error::body_limit) {
        co_await sendTooLarge();
        co_return;
      }
      if (ec) {
        if (auto why = readFailure(ec); !why.empty()) co_await sendError(400, why);
        co_return;
      }

      keep_alive_ = parser.keep_alive() && !worker_.draining;
      head_only_ = parser.method() == http::verb::head;
      started_ = responded_ = streaming_ = wrote_ = false;
      status_ = 0;
      extra_count_ = 0;
      if (extra_headers_.size() > kKeepHeaderCount) extra_headers_.clear();

      WorkerContext ctx{*worker_.upstream, worker_.ids, worker_.metrics, worker_.tracer.get(),
                        worker_.index};
      std::exception_ptr thrown;
      try {
        co_await handler_(req_, *this, ctx);
      } catch (...) {
        thrown = std::current_exception();  // no co_await inside a handler block
      }
      stopWatching();
      if (thrown) {
        co_await handlerThrew(req_, thrown);
        co_return;
      }
      if (!responded_) co_await sendError(500, "handler produced no response");
      if (broken_ || streaming_ || !keep_alive_ || worker_.draining) co_return;
      releaseLargeBuffers();
      first = false;
    }
  }

  // A handler's exception is a bug, not a client error: logged once (the message only, never the
  // request), answered with a 500 while nothing of the response is on the wire, and the
  // connection closed either way, since the handler's state is unknown. A response already begun
  // is cut off without its last chunk, so the client sees it incomplete rather than complete.
  awaitable<void> handlerThrew(const Request& req, const std::exception_ptr& e) {
    log_.error("request handler threw; the connection is closed",
               {{"error", describe(e)},
                {"method", std::string_view(req.method)},
                {"path", req.path()},
                {"response_started", wrote_}});
    keep_alive_ = false;
    if (wrote_) co_return;
    streaming_ = false;  // a stream begun but not yet written: its head is dropped
    head_pending_ = false;
    co_await sendError(500, "internal error: the request handler failed");
  }

  awaitable<void> sendTooLarge() {
    std::string msg = "request body exceeds SERVER_MAX_REQUEST_BODY_SIZE (" +
                      std::to_string(cfg_.max_body_bytes) + " bytes)";
    co_await sendError(413, msg);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  Worker& worker_;
  const ServerConfig& cfg_;
  const Handler& handler_;
  const Logger& log_;
  Deadline deadline_;
  std::shared_ptr<Watch> watch_;
  bool watch_queued_ = false;  // in worker_.unarmed_watches
  bool idle_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_only_ = false;
  bool started_ = false;
  bool responded_ = false;
  bool streaming_ = false;
  bool broken_ = false;
  bool wrote_ = false;  // some byte of this request's response went to the socket
  Framing framing_ = Framing::kChunked;
  int status_ = 0;
  Headers extra_headers_;  // the first extra_count_ are this request's
  size_t extra_count_ = 0;
  std::string head_;           // status line and headers of the response (capacity kept)
  bool head_pending_ = false;  // a stream's head_ waits for its first chunk
  Request req_;                // reused from request to request (capacity kept)
  Registration registration_;  // last: unregistered before the stream it points at closes
};

}  // namespace

// One connection, from its first instruction on the worker that owns it: the session (and its
// Deadline, which registers in that worker's sweeper) is built here, never on the acceptor's
// thread. co_spawn posts to `w.ioc` before running any of this body.
awaitable<void> serveConnection(Worker& w, tcp::socket sock, ssl::context* tls,
                                const ServerConfig& cfg, const Handler& handler,
                                const Logger& log) {
  error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  if (tls != nullptr) {
    Session<beast::ssl_stream<tcp::socket>> s(beast::ssl_stream<tcp::socket>(std::move(sock), *tls),
                                              w, cfg, handler, log);
    co_await s.run();
  } else {
    Session<tcp::socket> s(std::move(sock), w, cfg, handler, log);
    co_await s.run();
  }
}

}  // namespace detail
}  // namespace igw
