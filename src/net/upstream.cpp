#include "net/upstream.h"

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <deque>
#include <limits>
#include <unordered_map>

#include "net/beast.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only
using Clock = std::chrono::steady_clock;

namespace {

// One pooled connection: plain TCP or TLS over TCP.
struct Connection {
  std::string origin;
  std::unique_ptr<beast::tcp_stream> tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  bool reused = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  void close() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

  // A pooled connection the peer has closed (or, for plain HTTP, sent garbage on) is stale.
  bool stale() {
    char c;
    ssize_t n = ::recv(lowest().socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    return !tls;  // TLS 1.3 session tickets may legitimately be waiting
  }
};

std::string describe(const error_code& ec) { return ec.message(); }

bool isTimeout(const error_code& ec) { return ec == beast::error::timeout; }

}  // namespace

struct UpstreamClient::Impl {
  asio::io_context& ioc;
  const ClientConfig& cfg;
  const Logger& log;
  ssl::context tls_ctx{ssl::context::tls_client};
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle;

  Impl(asio::io_context& io, const ClientConfig& c, const Logger& l) : ioc(io), cfg(c), log(l) {
    tls_ctx.set_default_verify_paths();
    tls_ctx.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_ctx.native_handle(),
                                  c.tls_min_version == "TLS13" ? TLS1_3_VERSION : TLS1_2_VERSION);
  }

  std::unique_ptr<Connection> takeIdle(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    auto now = Clock::now();
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (now - conn->idle_since < cfg.idle_conn_timeout && !conn->stale()) {
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
    }
    if (cfg.max_idle_conns_per_host == 0) {
      conn->close();
      return;
    }
    conn->idle_since = now;
    list.push_back(std::move(conn));
  }

  awaitable<Result<std::unique_ptr<Connection>>> connect(const Url& url) {
    auto executor = co_await asio::this_coro::executor;
    auto resolver = std::make_shared<tcp::resolver>(executor);
    // The resolver has no deadline of its own: a timer cancels it.
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
      co_return deadlineExceeded("resolving " + url.host + " took longer than " +
                                 formatDuration(cfg.connect_timeout) + " (CLIENT_CONNECT_TIMEOUT)");
    }
    if (ec) co_return unavailable("cannot resolve " + url.host + ": " + describe(ec));

    auto conn = std::make_unique<Connection>();
    conn->origin = url.origin();
    if (url.tls) {
      conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_ctx);
    } else {
      conn->tcp = std::make_unique<beast::tcp_stream>(executor);
    }
    auto& lowest = conn->lowest();
    lowest.expires_after(cfg.connect_timeout);
    co_await lowest.async_connect(results, useAwaitableEc(ec));
    if (ec) {
      if (isTimeout(ec)) {
        co_return deadlineExceeded("connecting to " + url.hostHeader() + " took longer than " +
                                   formatDuration(cfg.connect_timeout) +
                                   " (CLIENT_CONNECT_TIMEOUT)");
      }
      co_return unavailable("cannot connect to " + url.hostHeader() + ": " + describe(ec));
    }
    lowest.socket().set_option(tcp::no_delay(true), ec);
    if (conn->tls) {
      if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
        co_return unavailable("cannot set TLS SNI for " + url.host);
      }
      conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
      co_await conn->tls->async_handshake(ssl::stream_base::client, useAwaitableEc(ec));
      if (ec) {
        if (isTimeout(ec)) co_return deadlineExceeded("TLS handshake with " + url.host + " timed out");
        co_return unavailable("TLS handshake with " + url.host + " failed: " + describe(ec));
      }
    }
    lowest.expires_never();
    co_return conn;
  }
};

struct UpstreamResponse::Impl {
  UpstreamClient::Impl* client = nullptr;
  std::unique_ptr<Connection> conn;
  http::response_parser<http::buffer_body> parser;
  Headers headers;
  bool stream = false;
  Clock::time_point deadline{};  // non-streaming: end of the whole exchange
  bool done = false;
  bool failed = false;
  bool aborted = false;
  std::array<char, 16384> chunk{};

  template <class Stream>
  awaitable<void> readSome(Stream& s, error_code& ec) {
    co_await http::async_read_some(s, conn->buffer, parser, useAwaitableEc(ec));
  }

  void armDeadline() {
    if (stream) {
      conn->lowest().expires_after(client->cfg.idle_chunk_timeout);
    } else {
      conn->lowest().expires_at(deadline);
    }
  }
};

UpstreamResponse::UpstreamResponse(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UpstreamResponse::~UpstreamResponse() {
  if (!impl_->conn) return;
  if (impl_->done && !impl_->failed && !impl_->aborted && impl_->parser.keep_alive()) {
    impl_->conn->lowest().expires_never();
    impl_->client->release(std::move(impl_->conn));
  } else {
    impl_->conn->close();
  }
}

int UpstreamResponse::status() const { return impl_->parser.get().result_int(); }

const Headers& UpstreamResponse::headers() const { return impl_->headers; }

void UpstreamResponse::abort() {
  impl_->aborted = true;
  if (impl_->conn) impl_->conn->close();
}

awaitable<Result<std::string_view>> UpstreamResponse::read() {
  auto& s = *impl_;
  while (!s.done) {
    if (s.aborted) co_return unavailable("request cancelled");
    auto& body = s.parser.get().body();
    body.data = s.chunk.data();
    body.size = s.chunk.size();
    s.armDeadline();
    error_code ec;
    if (s.conn->tls) {
      co_await s.readSome(*s.conn->tls, ec);
    } else {
      co_await s.readSome(*s.conn->tcp, ec);
    }
    if (ec == http::error::need_buffer) ec = {};
    size_t n = s.chunk.size() - s.parser.get().body().size;
    if (s.parser.is_done()) s.done = true;
    if (ec && !(s.done && ec == http::error::end_of_stream)) {
      s.failed = true;
      if (s.aborted) co_return unavailable("request cancelled");
      if (isTimeout(ec)) {
        co_return deadlineExceeded(
            s.stream ? "upstream sent nothing for " +
                           formatDuration(s.client->cfg.idle_chunk_timeout) +
                           " (CLIENT_IDLE_CHUNK_TIMEOUT)"
                     : "upstream response did not complete within " +
                           formatDuration(s.client->cfg.timeout) + " (CLIENT_TIMEOUT)");
      }
      co_return unavailable("upstream connection broke: " + describe(ec));
    }
    if (n > 0) co_return std::string_view(s.chunk.data(), n);
  }
  co_return std::string_view();
}

awaitable<Result<std::string>> UpstreamResponse::readAll(uint64_t max_bytes) {
  std::string out;
  if (auto len = impl_->parser.content_length(); len && *len <= max_bytes) {
    out.reserve(static_cast<size_t>(*len));
  }
  while (true) {
    auto piece = co_await read();
    if (!piece) co_return piece.status();
    if (piece->empty()) break;
    if (out.size() + piece->size() > max_bytes) {
      impl_->failed = true;
      co_return unavailable("upstream response larger than " + std::to_string(max_bytes) +
                            " bytes (CLIENT_MAX_RESPONSE_SIZE)");
    }
    out.append(*piece);
  }
  co_return out;
}

UpstreamClient::UpstreamClient(asio::io_context& ioc, const ClientConfig& cfg, const Logger& log)
    : impl_(std::make_unique<Impl>(ioc, cfg, log)) {}

UpstreamClient::~UpstreamClient() = default;

size_t UpstreamClient::idleConnections() const {
  size_t n = 0;
  for (const auto& [origin, list] : impl_->idle) n += list.size();
  return n;
}

namespace {

std::string serializeRequest(const UpstreamRequest& req) {
  std::string head;
  head.reserve(256 + req.headers.size() * 48);
  head += req.method;
  head += ' ';
  head += req.url.target;
  head += " HTTP/1.1\r\nHost: ";
  head += req.url.hostHeader();
  head += "\r\n";
  for (const auto& h : req.headers) {
    head += h.name;
    head += ": ";
    head += h.value;
    head += "\r\n";
  }
  bool has_body = !req.body.empty() || req.method == "POST" || req.method == "PUT" ||
                  req.method == "PATCH";
  if (has_body) {
    head += "Content-Length: ";
    head += std::to_string(req.body.size());
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

template <class Stream>
awaitable<void> writeRequest(Stream& s, const std::string& head, const std::string& body,
                             error_code& ec) {
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  co_await asio::async_write(s, bufs, useAwaitableEc(ec));
}

template <class Stream, class Parser>
awaitable<void> readHeader(Stream& s, beast::flat_buffer& buf, Parser& p, error_code& ec) {
  co_await http::async_read_header(s, buf, p, useAwaitableEc(ec));
}

}  // namespace

awaitable<Result<std::unique_ptr<UpstreamResponse>>> UpstreamClient::send(
    const UpstreamRequest& req) {
  auto& self = *impl_;
  const std::string head = serializeRequest(req);
  const auto start = Clock::now();
  // A reused connection may have been closed by the server while idle; if it fails before any
  // response byte arrives, the request never reached the application: retry once, fresh.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = attempt == 0 ? self.takeIdle(req.url.origin()) : nullptr;
    if (!conn) {
      auto fresh = co_await self.connect(req.url);
      if (!fresh) co_return fresh.status();
      conn = std::move(fresh.value());
    }
    auto impl = std::make_unique<UpstreamResponse::Impl>();
    impl->client = &self;
    impl->stream = req.stream;
    impl->deadline = start + self.cfg.timeout;
    // Boost 1.74 compares the limit as an optional: "none" would reject every sized body.
    impl->parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    impl->parser.header_limit(64 * 1024);
    if (req.method == "HEAD") impl->parser.skip(true);
    auto header_deadline = Clock::now() + self.cfg.response_header_timeout;
    if (!req.stream && impl->deadline < header_deadline) header_deadline = impl->deadline;
    conn->lowest().expires_at(header_deadline);

    error_code ec;
    if (conn->tls) {
      co_await writeRequest(*conn->tls, head, req.body, ec);
    } else {
      co_await writeRequest(*conn->tcp, head, req.body, ec);
    }
    if (!ec) {
      if (conn->tls) {
        co_await readHeader(*conn->tls, conn->buffer, impl->parser, ec);
      } else {
        co_await readHeader(*conn->tcp, conn->buffer, impl->parser, ec);
      }
    }
    if (ec) {
      bool nothing_received = !impl->parser.got_some();
      bool retryable = conn->reused && nothing_received && !isTimeout(ec);
      conn->close();
      if (retryable) continue;
      if (isTimeout(ec)) {
        co_return deadlineExceeded(
            "no response headers within " +
            formatDuration(std::chrono::duration_cast<Millis>(header_deadline - start)) +
            " (CLIENT_RESPONSE_HEADER_TIMEOUT)");
      }
      co_return unavailable("connection to " + req.url.hostHeader() + " failed: " + describe(ec));
    }
    auto& msg = impl->parser.get();
    impl->headers.reserve(16);
    for (const auto& field : msg) {
      impl->headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    impl->conn = std::move(conn);
    if (impl->parser.is_done()) impl->done = true;  // e.g. 204 or HEAD
    co_return std::make_unique<UpstreamResponse>(std::move(impl));
  }
  co_return unavailable("connection to " + req.url.hostHeader() + " failed twice");
}

}  // namespace igw
