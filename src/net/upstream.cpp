#include "net/upstream.h"

#include <sys/socket.h>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <deque>
#include <limits>
#include <unordered_map>

#include "core/decimal.h"
#include "http/response_reader.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/tls_policy.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only
using Clock = std::chrono::steady_clock;

namespace {

using TlsStream = beast::ssl_stream<tcp::socket>;

// One pooled connection: plain TCP or TLS over TCP, with its deadline.
struct Connection {
  std::string origin;
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<TlsStream> tls;
  std::unique_ptr<Deadline> deadline;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  bool reused = false;

  tcp::socket& socket() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void close() {
    error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  // Bytes already taken off the socket and not read: in the buffer, or held by TLS (decrypted or
  // not). No system call.
  bool holdsUnreadBytes() {
    if (buffer.size() > 0) return true;
    if (tls) {
      SSL* ssl = tls->native_handle();
      if (SSL_pending(ssl) > 0 || SSL_has_pending(ssl) == 1) return true;
      BIO* rbio = SSL_get_rbio(ssl);
      if (rbio != nullptr && BIO_ctrl_pending(rbio) > 0) return true;
    }
    return false;
  }

  // Something nobody asked for is waiting, or the peer has closed: such a connection must not
  // carry another request, or its next user would read the bytes as their answer. Looks at the
  // read buffer, at TLS bytes already taken off the socket (decrypted or not), and peeks at the
  // TCP socket without blocking. TLS 1.3 session tickets come before the first response, so a
  // connection whose response was read has no legitimate bytes left.
  bool dirty() {
    if (holdsUnreadBytes()) return true;
    char c;
    ssize_t n = ::recv(socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) return true;  // a byte, or 0: closed
    return errno != EAGAIN && errno != EWOULDBLOCK;
  }
};

// Starts `op(stream)` on whichever stream the connection has and hands back its awaitable. Not a
// coroutine itself: a wrapper frame (two, with a coroutine lambda) per read and write would cost
// every request several allocations for a branch.
template <class Op>
auto onStream(Connection& c, Op&& op) {
  if (c.tls) return op(*c.tls);
  return op(*c.plain);
}

}  // namespace

struct UpstreamClient::Impl {
  asio::io_context& ioc;
  DeadlineSweeper& deadlines;
  const ClientConfig& cfg;
  const Logger& log;
  ssl::context tls_ctx{ssl::context::tls_client};
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle;
  std::string origin_key;  // takeIdle's scratch
  std::atomic<int64_t> idle_count{0};
  std::atomic<int64_t> opened{0};

  // Client-facing messages never name the upstream's host or port (internal addresses stay
  // internal); the log line does.
  Status failure(const Url& url, Status s) const {
    log.warn("upstream exchange failed",
             {{"host", url.host}, {"port", static_cast<int>(url.port)}, {"error", s.message()}});
    return s;
  }

  ResponseLimits limits() const {
    return {cfg.max_response_header_bytes, cfg.max_interim_responses};
  }

  void setIdle(int64_t delta) {
    idle_count.store(idle_count.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  Impl(asio::io_context& io, DeadlineSweeper& d, const ClientConfig& c, const Logger& l,
       const std::string& ca_file)
      : ioc(io), deadlines(d), cfg(c), log(l) {
    tls_ctx.set_default_verify_paths();
    if (!ca_file.empty()) {
      error_code ec;
      tls_ctx.load_verify_file(ca_file, ec);
      if (ec) log.warn("cannot load CA file", {{"path", ca_file}, {"error", ec.message()}});
    }
    tls_ctx.set_verify_mode(ssl::verify_peer);
    if (Status s = applyTlsPolicy(tls_ctx, c.tls_min_version); !s) {
      log.error("cannot apply the TLS policy to the upstream client", {{"error", s.message()}});
    }
  }

  std::unique_ptr<Connection> takeIdle(const Url& url, Clock::time_point now) {
    origin_key.clear();  // reused: no allocation per request
    url.appendOrigin(origin_key);
    auto it = idle.find(origin_key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      setIdle(-1);
      if (now - conn->idle_since < cfg.idle_conn_timeout && !conn->dirty()) {
        conn->reused = true;
        return conn;
      }
      conn->close();
    }
    return nullptr;
  }

  void release(std::unique_ptr<Connection> conn) {
    auto& list = idle[conn->origin];
    auto now = Clock::now();
    // Drop the oldest connections first: they are the likeliest to have been closed remotely.
    while (!list.empty() && (list.size() >= cfg.max_idle_conns_per_host ||
                             now - list.front()->idle_since >= cfg.idle_conn_timeout)) {
      list.front()->close();
      list.pop_front();
      setIdle(-1);
    }
    if (cfg.max_idle_conns_per_host == 0) {
      conn->close();
      return;
    }
    conn->deadline->clear();
    conn->idle_since = now;
    list.push_back(std::move(conn));
    setIdle(1);
  }

  awaitable<Result<std::unique_ptr<Connection>>> connect(const Url& url) {
    auto executor = co_await asio::this_coro::executor;
    auto resolver = std::make_shared<tcp::resolver>(executor);
    // Name resolution runs on Asio's resolver thread and has no deadline of its own.
    asio::steady_timer timer(executor);
    timer.expires_after(cfg.connect_timeout);
    timer.async_wait([resolver](error_code ec) {
      if (!ec) resolver->cancel();
    });
    error_code ec;
    auto results =
        co_await resolver->async_resolve(url.host, std::to_string(url.port), useAwaitableEc(ec));
    timer.cancel();
    if (ec == asio::error::operation_aborted) {
      co_return failure(
          url, deadlineExceeded("resolving the upstream's name took longer than " +
                                formatDuration(cfg.connect_timeout) + " (CLIENT_CONNECT_TIMEOUT)"));
    }
    if (ec) {
      co_return failure(url, unavailable("cannot resolve the upstream's name: " + ec.message()));
    }

    auto conn = std::make_unique<Connection>();
    conn->origin = url.origin();
    // Beast sizes each socket read by the buffer's spare capacity: reserve enough that a burst
    // of streamed events arrives in one read.
    conn->buffer.reserve(16 * 1024);
    if (url.tls) {
      conn->tls = std::make_unique<TlsStream>(executor, tls_ctx);
    } else {
      conn->plain = std::make_unique<tcp::socket>(executor);
    }
    conn->deadline = std::make_unique<Deadline>(deadlines, conn->socket());
    conn->deadline->expiresAfter(cfg.connect_timeout);
    co_await asio::async_connect(conn->socket(), results, useAwaitableEc(ec));
    if (ec) {
      if (conn->deadline->fired()) {
        co_return failure(url, deadlineExceeded("connecting to the upstream took longer than " +
                                                formatDuration(cfg.connect_timeout) +
                                                " (CLIENT_CONNECT_TIMEOUT)"));
      }
      co_return failure(url, unavailable("cannot connect to the upstream: " + ec.message()));
    }
    opened.store(opened.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    conn->socket().set_option(tcp::no_delay(true), ec);
    if (conn->tls) {
      if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
        co_return failure(url, unavailable("cannot set the TLS server name for the upstream"));
      }
      conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
      co_await conn->tls->async_handshake(ssl::stream_base::client, useAwaitableEc(ec));
      if (ec) {
        if (conn->deadline->fired()) {
          co_return failure(
              url,
              deadlineExceeded("TLS handshake with the upstream took longer than " +
                               formatDuration(cfg.connect_timeout) + " (CLIENT_CONNECT_TIMEOUT)"));
        }
        co_return failure(url,
                          unavailable("TLS handshake with the upstream failed: " + ec.message()));
      }
    }
    conn->deadline->clear();
    co_return conn;
  }
};

struct PooledResponseState {
  UpstreamClient::Impl* client = nullptr;
  std::unique_ptr<Connection> conn;
  ResponseReader reader;
  bool stream = false;
  Clock::time_point deadline{};  // non-streaming: end of the whole exchange
  bool done = false;
  bool failed = false;
  bool aborted = false;
  std::string out;  // the piece handed to the caller; reused

  std::string timeoutMessage() const {
    if (stream) {
      return "upstream sent nothing for " + formatDuration(client->cfg.idle_chunk_timeout) +
             " (CLIENT_IDLE_CHUNK_TIMEOUT)";
    }
    return "upstream response did not complete within " + formatDuration(client->cfg.timeout) +
           " (CLIENT_TIMEOUT)";
  }

  explicit PooledResponseState(ResponseReader r) : reader(std::move(r)) {
    done = reader.bodyDone();
  }

  // Moves body bytes from the connection buffer to `out` according to the framing; bytes after
  // the end of the body stay in the buffer (and keep the connection out of the pool).
  Status drainBuffer() {
    auto& buf = conn->buffer;
    std::string_view in(static_cast<const char*>(buf.data().data()), buf.size());
    auto used = reader.feedBody(in, out);
    if (!used) return used.status();
    buf.consume(*used);
    done = reader.bodyDone();
    return Status::ok();
  }
};

// The real response: reads from a pooled connection and gives it back when done.
class PooledResponse final : public UpstreamResponse {
 public:
  explicit PooledResponse(std::unique_ptr<PooledResponseState> impl) : impl_(std::move(impl)) {}
  ~PooledResponse() override;
  int status() const override;
  const Headers& headers() const override;
  awaitable<Result<std::string_view>> read() override;
  awaitable<Result<std::string>> readAll(uint64_t max_bytes) override;
  bool finished() const override;
  void abort() override;

 private:
  std::unique_ptr<PooledResponseState> impl_;
};

PooledResponse::~PooledResponse() {
  auto& s = *impl_;
  if (!s.conn) return;
  // Only a response read to its end, with nothing unasked-for behind it, frees the connection.
  // What is still on the socket is looked at once, when the connection is taken again (dirty()
  // in take()): a peek here too would cost every request a failed recv for nothing.
  bool reusable = s.done && !s.failed && !s.aborted && s.reader.reusable(s.conn->buffer.size()) &&
                  !s.conn->holdsUnreadBytes();
  if (reusable) {
    s.client->release(std::move(s.conn));
  } else {
    s.conn->close();
  }
}

int PooledResponse::status() const {
  return impl_->reader.head().status;
}

bool PooledResponse::finished() const {
  return impl_->done;
}

const Headers& PooledResponse::headers() const {
  return impl_->reader.head().headers;
}

void PooledResponse::abort() {
  impl_->aborted = true;
  if (impl_->conn) impl_->conn->close();
}

awaitable<Result<std::string_view>> PooledResponse::read() {
  auto& s = *impl_;
  s.out.clear();
  // Hands out everything that is already buffered, reading from the socket only when nothing
  // is: a burst of small chunks becomes one piece and one client write.
  while (!s.done) {
    if (s.aborted) co_return unavailable("request cancelled");
    if (s.conn->buffer.size() > 0) {
      size_t before = s.conn->buffer.size();
      if (Status st = s.drainBuffer(); !st) {
        s.failed = true;
        co_return st;
      }
      if (s.conn->buffer.size() < before) continue;
      if (!s.done) {
        s.failed = true;  // the reader took nothing and wants nothing: cannot happen
        co_return unavailable("upstream response reader made no progress");
      }
      break;
    }
    if (!s.out.empty()) break;
    if (s.stream) {
      s.conn->deadline->expiresAfter(s.client->cfg.idle_chunk_timeout);
    } else {
      s.conn->deadline->expiresAt(s.deadline);
    }
    error_code ec;
    size_t n = 0;
    auto space = s.conn->buffer.prepare(16 * 1024);
    n = co_await onStream(
        *s.conn, [&](auto& stream) { return stream.async_read_some(space, useAwaitableEc(ec)); });
    s.conn->buffer.commit(n);
    if (ec) {
      bool closed = ec == asio::error::eof || ec == ssl::error::stream_truncated;
      if (closed && !s.aborted) {
        Status st = s.reader.onEof();
        if (st) {
          s.done = true;
          break;
        }
        s.failed = true;
        co_return st;
      }
      s.failed = true;
      if (s.aborted) co_return unavailable("request cancelled");
      if (s.conn->deadline->fired()) co_return deadlineExceeded(s.timeoutMessage());
      co_return unavailable("upstream connection broke: " + ec.message());
    }
  }
  co_return std::string_view(s.out);
}

awaitable<Result<std::string>> PooledResponse::readAll(uint64_t max_bytes) {
  std::string all;
  const ResponseHead& head = impl_->reader.head();
  if (head.framing == BodyFraming::kLength && head.content_length <= max_bytes) {
    all.reserve(static_cast<size_t>(head.content_length));
  }
  while (true) {
    auto piece = co_await read();
    if (!piece) co_return piece.status();
    if (piece->empty()) break;
    if (all.size() + piece->size() > max_bytes) {
      impl_->failed = true;
      co_return unavailable("upstream response larger than " + std::to_string(max_bytes) +
                            " bytes (CLIENT_MAX_RESPONSE_SIZE)");
    }
    all.append(*piece);
  }
  co_return all;
}

UpstreamClient::UpstreamClient(asio::io_context& ioc, DeadlineSweeper& deadlines,
                               const ClientConfig& cfg, const Logger& log,
                               const std::string& ca_file)
    : impl_(std::make_unique<Impl>(ioc, deadlines, cfg, log, ca_file)) {}

UpstreamClient::~UpstreamClient() = default;

const std::atomic<int64_t>& UpstreamClient::idleGauge() const {
  return impl_->idle_count;
}
const std::atomic<int64_t>& UpstreamClient::openedCounter() const {
  return impl_->opened;
}

size_t UpstreamClient::idleConnections() const {
  size_t n = 0;
  for (const auto& [origin, list] : impl_->idle) n += list.size();
  return n;
}

namespace {

std::string serializeRequest(const UpstreamRequest& req) {
  using namespace std::string_view_literals;
  std::string head;
  head.reserve(256 + req.headers.size() * 48);
  head += req.method;
  head += ' ';
  head += req.url.target;
  head += " HTTP/1.1\r\nHost: "sv;
  req.url.appendHostHeader(head);
  head += "\r\n"sv;
  for (const auto& h : req.headers) {
    if (iequals(h.name, "accept-encoding")) continue;
    head += h.name;
    head += ": "sv;
    head += h.value;
    head += "\r\n"sv;
  }
  // The gateway relays and parses bodies as they are: no compressed answers.
  head += "Accept-Encoding: identity\r\n"sv;
  bool has_body =
      !req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  if (has_body) {
    head += "Content-Length: "sv;
    appendDecimal(head, req.body.size());
    head += "\r\n"sv;
  }
  head += "\r\n"sv;
  return head;
}

}  // namespace

awaitable<Result<std::string>> UpstreamResponse::readAll(uint64_t max_bytes) {
  std::string all;
  while (true) {
    auto piece = co_await read();
    if (!piece) co_return piece.status();
    if (piece->empty()) break;
    if (all.size() + piece->size() > max_bytes) {
      abort();
      co_return unavailable("upstream response larger than " + std::to_string(max_bytes) +
                            " bytes (CLIENT_MAX_RESPONSE_SIZE)");
    }
    all.append(*piece);
  }
  co_return all;
}

awaitable<Result<std::unique_ptr<UpstreamResponse>>> UpstreamClient::send(
    const UpstreamRequest& req, UpstreamAbort* abort) {
  auto& self = *impl_;
  auto cancelled = [] { return unavailable("request cancelled"); };  // not a failure: no log
  if (abort != nullptr && abort->fired()) co_return cancelled();
  const std::string head = serializeRequest(req);
  const auto start = Clock::now();
  // A reused connection may have been closed by the server while idle; if it fails before any
  // response byte arrives, the request never reached the application: retry once, fresh.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = attempt == 0 ? self.takeIdle(req.url, start) : nullptr;
    // The header timeout runs from the request's write: now, unless a connection was taken
    // from the pool at once (one clock read less per request).
    Clock::time_point sent_at = start;
    if (!conn) {
      auto fresh = co_await self.connect(req.url);
      if (!fresh) co_return fresh.status();
      conn = std::move(fresh.value());
      sent_at = Clock::now();
    }
    // The client may have left while we connected; from here on, leaving closes the socket.
    if (abort != nullptr) {
      if (abort->fired()) {
        conn->close();
        co_return cancelled();
      }
      abort->arm([c = conn.get()] { c->close(); });
    }
    const bool stream = req.stream;
    auto response_deadline = start + self.cfg.timeout;
    auto header_deadline = sent_at + self.cfg.response_header_timeout;
    if (!stream && response_deadline < header_deadline) header_deadline = response_deadline;
    const bool own_head_timeout =
        req.head_timeout.count() > 0 && sent_at + req.head_timeout < header_deadline;
    if (own_head_timeout) header_deadline = sent_at + req.head_timeout;
    conn->deadline->expiresAt(header_deadline);

    error_code ec;
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(req.body)};
    co_await onStream(*conn,
                      [&](auto& s) { return asio::async_write(s, bufs, useAwaitableEc(ec)); });
    // Interim (1xx) heads are skipped until the final head is complete.
    ResponseReader reader(req.method == "HEAD", self.limits());
    bool got_some = false;
    Status invalid;
    while (!ec) {
      auto& buf = conn->buffer;
      if (buf.size() > 0) {
        auto used = reader.feedHead(
            std::string_view(static_cast<const char*>(buf.data().data()), buf.size()));
        if (!used) {
          invalid = used.status();
          break;
        }
        buf.consume(*used);
        if (reader.headComplete()) break;
      }
      size_t n = 0;
      auto space = buf.prepare(16 * 1024);
      n = co_await onStream(*conn,
                            [&](auto& s) { return s.async_read_some(space, useAwaitableEc(ec)); });
      buf.commit(n);
      if (n > 0) got_some = true;
    }
    if (abort != nullptr) abort->disarm();
    if (abort != nullptr && abort->fired()) {
      conn->close();
      co_return cancelled();
    }
    if (!invalid.isOk()) {
      conn->close();
      co_return self.failure(req.url, invalid);
    }
    if (ec) {
      bool timed_out = conn->deadline->fired();
      bool closed = ec == asio::error::eof || ec == ssl::error::stream_truncated;
      bool retryable = conn->reused && !got_some && !timed_out;
      conn->close();
      if (retryable) continue;
      if (timed_out) {
        co_return self.failure(
            req.url, deadlineExceeded("no response headers within " +
                                      formatDuration(std::chrono::duration_cast<Millis>(
                                          header_deadline - start)) +
                                      (own_head_timeout ? " (the routing alias's attempt_timeout)"
                                                        : " (CLIENT_RESPONSE_HEADER_TIMEOUT)")));
      }
      if (closed) co_return self.failure(req.url, reader.onEof());
      co_return self.failure(req.url,
                             unavailable("connection to the upstream failed: " + ec.message()));
    }
    auto impl = std::make_unique<PooledResponseState>(std::move(reader));
    impl->client = &self;
    impl->stream = stream;
    impl->deadline = response_deadline;
    impl->conn = std::move(conn);
    if (abort != nullptr) abort->disarm();
    co_return std::unique_ptr<UpstreamResponse>(std::make_unique<PooledResponse>(std::move(impl)));
  }
  co_return self.failure(req.url, unavailable("connection to the upstream failed twice"));
}

}  // namespace igw
