#include "net/server.h"

#include <sys/socket.h>

#include <atomic>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/ids.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/tls_policy.h"
#include "net/trace_exporter.h"
#include "telemetry/metrics.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only

namespace {

// What the drain needs to know of a connection.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void closeIfIdle() = 0;
};

struct Worker {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  DeadlineSweeper deadlines{ioc, std::chrono::milliseconds(50)};
  std::unique_ptr<UpstreamClient> upstream;
  IdGenerator ids;
  MetricsShard* metrics = nullptr;
  std::unique_ptr<TraceExporter> tracer;
  std::unordered_set<SessionBase*> sessions;  // touched only on this worker's thread
  std::atomic<size_t> active{0};              // read by the drain timer on worker 0
  bool draining = false;
  std::thread thread;
};

std::string_view reason(int status) {
  return http::obsolete_reason(static_cast<http::status>(status));
}

void appendHeaders(std::string& out, const Headers& headers) {
  for (const auto& h : headers) {
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
}

void appendHead(std::string& out, int status, const Headers& headers, bool keep_alive) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason(status);
  out += "\r\n";
  appendHeaders(out, headers);
  if (!keep_alive) out += "Connection: close\r\n";
}

std::string errorBody(std::string_view message, std::string_view type) {
  std::string body = "{\"error\":{\"message\":\"";
  body += message;  // fixed ASCII strings only
  body += "\",\"type\":\"";
  body += type;
  body += "\",\"code\":null}}";
  return body;
}

template <class Stream>
class Session final : public SessionBase, public Responder {
 public:
  Session(Stream stream, Worker& worker, const ServerConfig& cfg, const Handler& handler,
          const Logger& log)
      : stream_(std::move(stream)),
        worker_(worker),
        cfg_(cfg),
        handler_(handler),
        log_(log),
        deadline_(worker.deadlines, lowest()) {
    buffer_.reserve(8 * 1024);  // read requests in few syscalls (Beast reads by spare capacity)
  }

  awaitable<void> run() {
    worker_.sessions.insert(this);
    ++worker_.active;
    co_await serve();
    stopWatching();
    error_code ec;
    auto& sock = lowest();
    sock.shutdown(tcp::socket::shutdown_send, ec);
    sock.close(ec);
    worker_.sessions.erase(this);
    --worker_.active;
  }

  void closeIfIdle() override {
    if (idle_) {
      error_code ec;
      lowest().cancel(ec);
    }
  }

  // ---- Responder ----
  awaitable<Status> send(int status, const Headers& headers, std::string_view body) override {
    started_ = true;
    responded_ = true;
    status_ = status;
    std::string head;
    head.reserve(160 + headers.size() * 40);
    appendHead(head, status, headers, keep_alive_);
    appendHeaders(head, extra_headers_);
    head += "Content-Length: ";
    head += std::to_string(body.size());
    head += "\r\n\r\n";
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head),
                                           asio::buffer(body.data(), head_only_ ? 0 : body.size())};
    co_return co_await write(bufs);
  }

  awaitable<Status> beginStream(int status, const Headers& headers) override {
    started_ = true;
    responded_ = true;
    streaming_ = true;
    status_ = status;
    pending_head_.clear();
    appendHead(pending_head_, status, headers, keep_alive_);
    appendHeaders(pending_head_, extra_headers_);
    pending_head_ += "Transfer-Encoding: chunked\r\n\r\n";
    co_return Status::ok();  // written with the first chunk
  }

  awaitable<Status> writeChunk(std::string_view data, bool last) override {
    static constexpr std::string_view kEnd = "0\r\n\r\n";
    if (!streaming_) co_return Status::ok();
    char size_line[24];
    int n = data.empty() ? 0 : std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    std::array<asio::const_buffer, 5> bufs{
        asio::buffer(pending_head_), asio::buffer(size_line, static_cast<size_t>(n)),
        asio::buffer(data.data(), data.size()), asio::buffer("\r\n", data.empty() ? 0 : 2),
        asio::buffer(kEnd.data(), last ? kEnd.size() : 0)};
    if (last) streaming_ = false;
    Status s = co_await write(bufs);
    pending_head_.clear();
    co_return s;
  }

  awaitable<Status> endStream() override {
    if (!streaming_) co_return Status::ok();
    co_return co_await writeChunk({}, true);
  }

  void watchDisconnect(std::function<void()> on_gone) override {
    stopWatching();
    watch_ = std::make_shared<Watch>();
    watch_->on_gone = std::move(on_gone);
    auto& sock = lowest();
    int fd = sock.native_handle();
    // Wait for readability without consuming: EOF or an error means the client left; data
    // (a pipelined request) means it is still there, and we simply stop watching.
    sock.async_wait(tcp::socket::wait_read, [w = watch_, fd](error_code ec) {
      if (ec || !w->on_gone) return;
      char c;
      ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        auto f = std::move(w->on_gone);
        w->on_gone = nullptr;
        f();
      }
    });
  }

  void stopWatching() override {
    if (!watch_) return;
    bool pending = static_cast<bool>(watch_->on_gone);
    watch_->on_gone = nullptr;
    watch_.reset();
    if (pending) {
      error_code ec;
      lowest().cancel(ec);
    }
  }

  bool started() const override { return started_; }
  int status() const override { return status_; }
  void addHeader(std::string name, std::string value) override {
    extra_headers_.push_back({std::move(name), std::move(value)});
  }

 private:
  struct Watch {
    std::function<void()> on_gone;
  };

  tcp::socket& lowest() { return beast::get_lowest_layer(stream_); }

  template <class Buffers>
  awaitable<Status> write(const Buffers& bufs) {
    if (broken_) co_return unavailable("client connection closed");
    deadline_.expiresAfter(cfg_.write_timeout);
    error_code ec;
    co_await asio::async_write(stream_, bufs, useAwaitableEc(ec));
    deadline_.clear();
    if (ec) {
      broken_ = true;
      co_return unavailable("client connection closed: " + ec.message());
    }
    co_return Status::ok();
  }

  awaitable<void> sendError(int status, std::string_view message, std::string_view type) {
    keep_alive_ = false;
    Headers h{Header{"Content-Type", "application/json"}};
    co_await send(status, h, errorBody(message, type));
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
      http::request_parser<http::string_body> parser;
      parser.header_limit(cfg_.max_header_bytes);
      parser.body_limit(cfg_.max_body_bytes);
      idle_ = true;
      deadline_.expiresAfter(first ? cfg_.read_timeout : cfg_.idle_timeout);
      co_await http::async_read_header(stream_, buffer_, parser, useAwaitableEc(ec));
      idle_ = false;
      if (ec == http::error::header_limit) {
        co_await sendError(431, "request headers exceed SERVER_MAX_HEADER_SIZE",
                           "invalid_request_error");
        co_return;
      }
      if (ec == http::error::body_limit) {
        co_await sendTooLarge();
        co_return;
      }
      if (ec) {
        // Closed, timed out or drained while idle: just close. Garbage gets a 400.
        if (ec.category() == error_code(http::error::end_of_stream).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
          co_await sendError(400, "malformed HTTP request", "invalid_request_error");
        }
        co_return;
      }
      if (auto len = parser.content_length(); len && *len > cfg_.max_body_bytes) {
        co_await sendTooLarge();
        co_return;
      }
      auto& hdr = parser.get();
      if (beast::iequals(hdr[http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        deadline_.expiresAfter(cfg_.write_timeout);
        co_await asio::async_write(stream_, asio::buffer(kContinue), useAwaitableEc(ec));
        if (ec) co_return;
      }
      deadline_.expiresAfter(cfg_.read_timeout);
      co_await http::async_read(stream_, buffer_, parser, useAwaitableEc(ec));
      deadline_.clear();
      if (ec == http::error::body_limit) {
        co_await sendTooLarge();
        co_return;
      }
      if (ec) co_return;

      auto msg = parser.release();
      Request req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      req.headers.reserve(16);
      for (const auto& f : msg) {
        req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
      }
      req.body = std::move(msg.body());
      keep_alive_ = msg.keep_alive() && !worker_.draining;
      head_only_ = msg.method() == http::verb::head;
      started_ = responded_ = streaming_ = false;
      status_ = 0;
      extra_headers_.clear();

      WorkerContext ctx{*worker_.upstream, worker_.ids, worker_.metrics, worker_.tracer.get()};
      co_await handler_(req, *this, ctx);
      stopWatching();
      if (!responded_) co_await sendError(500, "handler produced no response", "server_error");
      if (broken_ || streaming_ || !keep_alive_ || worker_.draining) co_return;
      first = false;
    }
  }

  awaitable<void> sendTooLarge() {
    std::string msg = "request body exceeds SERVER_MAX_REQUEST_BODY_SIZE (" +
                      std::to_string(cfg_.max_body_bytes) + " bytes)";
    co_await sendError(413, msg, "invalid_request_error");
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  Worker& worker_;
  const ServerConfig& cfg_;
  const Handler& handler_;
  const Logger& log_;
  Deadline deadline_;
  std::shared_ptr<Watch> watch_;
  bool idle_ = false;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool started_ = false;
  bool responded_ = false;
  bool streaming_ = false;
  bool broken_ = false;
  int status_ = 0;
  Headers extra_headers_;
  std::string pending_head_;  // a stream's status line and headers, until its first chunk
};

}  // namespace

struct Listener {
  std::string name;  // "api" | "metrics", for logs
  std::unique_ptr<tcp::acceptor> acceptor;
  const Handler* handler = nullptr;
  ssl::context* tls = nullptr;
};

struct Server::Impl {
  std::shared_ptr<const Config> config;
  const Logger& log;
  ServerHandlers handlers;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Listener> listeners;
  std::unique_ptr<ssl::context> tls;
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<asio::steady_timer> drain_timer;
  std::chrono::steady_clock::time_point drain_deadline{};
  bool stopping = false;

  Impl(std::shared_ptr<const Config> c, const Logger& l, ServerHandlers h)
      : config(std::move(c)), log(l), handlers(std::move(h)) {}

  Worker& first() { return *workers.front(); }

  template <class Stream>
  void spawnSession(Worker& w, Stream stream, const Handler& handler) {
    asio::co_spawn(
        w.ioc,
        [s = std::make_unique<Session<Stream>>(std::move(stream), w, config->server, handler,
                                               log)]() -> awaitable<void> { co_await s->run(); },
        asio::detached);
  }

  awaitable<void> acceptLoop(Listener& l) {
    size_t next = 0;
    while (l.acceptor->is_open()) {
      Worker& w = *workers[next++ % workers.size()];
      tcp::socket sock(w.ioc);
      error_code ec;
      co_await l.acceptor->async_accept(sock, useAwaitableEc(ec));
      if (ec) {
        if (!l.acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
        // Out of descriptors and similar: back off briefly instead of spinning.
        log.warn("accept failed", {{"listener", l.name}, {"error", ec.message()}});
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(std::chrono::milliseconds(50));
        co_await t.async_wait(useAwaitableEc(ec));
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      if (l.tls != nullptr) {
        spawnSession(w, beast::ssl_stream<tcp::socket>(std::move(sock), *l.tls), *l.handler);
      } else {
        spawnSession(w, std::move(sock), *l.handler);
      }
    }
  }

  Result<Listener> listen(std::string name, const std::string& host, uint16_t port,
                          const Handler& handler, ssl::context* tls_ctx, const char* host_var,
                          const char* port_var) {
    error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) {
      // A host name: resolve it once, synchronously, at start-up.
      tcp::resolver resolver(first().ioc);
      auto results = resolver.resolve(host, std::to_string(port), ec);
      if (ec || results.empty()) {
        return invalidArgument(std::string(host_var) + ": cannot resolve '" + host + "'");
      }
      addr = results.begin()->endpoint().address();
    }
    tcp::endpoint ep(addr, port);
    Listener l;
    l.name = std::move(name);
    l.handler = &handler;
    l.tls = tls_ctx;
    l.acceptor = std::make_unique<tcp::acceptor>(first().ioc);
    l.acceptor->open(ep.protocol(), ec);
    if (!ec) l.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l.acceptor->bind(ep, ec);
    if (!ec) l.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return unavailable(std::string(port_var) + ": cannot listen on " + host + ":" +
                         std::to_string(port) + ": " + ec.message());
    }
    auto local = l.acceptor->local_endpoint();
    std::string shown = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                : local.address().to_string();
    std::string where = std::string(tls_ctx ? "https" : "http") + "://" + shown + ":" +
                        std::to_string(local.port());
    if (l.name == "api") {
      log.info("listening on " + where, {{"threads", static_cast<int64_t>(workers.size())}});
    } else {
      log.info(l.name + " listening on " + where);
    }
    return l;
  }

  void beginDrain() {
    if (stopping) {
      log.warn("second signal: stopping now");
      stopAll();
      return;
    }
    stopping = true;
    log.info("shutting down: draining in-flight requests",
             {{"grace", formatDuration(config->server.shutdown_grace)}});
    error_code ec;
    for (auto& l : listeners) l.acceptor->close(ec);
    for (auto& w : workers) {
      asio::post(w->ioc, [wp = w.get()] {
        wp->draining = true;
        for (auto* s : wp->sessions) s->closeIfIdle();
      });
    }
    drain_deadline = std::chrono::steady_clock::now() + config->server.shutdown_grace;
    drain_timer = std::make_unique<asio::steady_timer>(first().ioc);
    checkDrained();
  }

  void checkDrained() {
    size_t active = 0;
    for (auto& w : workers) active += w->active.load();
    if (active == 0) {
      log.info("drained; exiting");
      stopAll();
      return;
    }
    if (std::chrono::steady_clock::now() >= drain_deadline) {
      log.warn("grace period over; closing remaining connections",
               {{"connections", static_cast<int64_t>(active)}});
      stopAll();
      return;
    }
    // Shutdown-only polling: nothing on the request path waits on this.
    drain_timer->expires_after(std::chrono::milliseconds(10));
    drain_timer->async_wait([this](error_code ec) {
      if (!ec) checkDrained();
    });
  }

  void stopAll() {
    for (auto& w : workers) {
      asio::post(w->ioc, [wp = w.get()] {
        wp->deadlines.stop();
        if (wp->tracer) wp->tracer->stop();
      });
      w->guard.reset();
      w->ioc.stop();
    }
  }
};

Server::Server(std::shared_ptr<const Config> config, const Logger& log, ServerHandlers handlers)
    : impl_(std::make_unique<Impl>(std::move(config), log, std::move(handlers))) {}

Server::~Server() = default;

Status Server::start() {
  auto& s = *impl_;
  const auto& sc = s.config->server;
  unsigned n = sc.threads ? sc.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->upstream = std::make_unique<UpstreamClient>(w->ioc, w->deadlines, s.config->client, s.log);
    w->deadlines.start();
    if (s.config->telemetry.tracing_enable) {
      w->tracer = std::make_unique<TraceExporter>(w->ioc, *w->upstream, s.config->telemetry, s.log);
      w->tracer->start();
    }
    s.workers.push_back(std::move(w));
  }
  if (s.handlers.registry != nullptr) {
    // The registry was created with one shard per worker.
    for (unsigned i = 0; i < n; ++i) {
      s.workers[i]->metrics = &s.handlers.registry->shard(i);
      auto& reg = *s.handlers.registry;
      reg.addProbe({"llm_upstream_idle_connections", "gauge",
                    "Idle pooled keep-alive connections to upstreams",
                    &s.workers[i]->upstream->idleGauge()});
      reg.addProbe({"llm_upstream_connections_opened_total", "counter",
                    "Connections opened to upstreams", &s.workers[i]->upstream->openedCounter()});
      if (s.workers[i]->tracer) {
        reg.addProbe({"llm_trace_spans_dropped_total", "counter",
                      "Spans dropped because the buffer was full or the collector failed",
                      &s.workers[i]->tracer->droppedCounter()});
      }
    }
  }
  if (sc.tls()) {
    s.tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    if (Status st = applyTlsPolicy(*s.tls); !st) return st;  // TLS 1.2: ECDHE + AEAD only
    error_code ec;
    s.tls->use_certificate_chain_file(sc.tls_cert_path, ec);
    if (ec)
      return invalidArgument("SERVER_TLS_CERT_PATH: cannot load certificate: " + ec.message());
    s.tls->use_private_key_file(sc.tls_key_path, ssl::context::pem, ec);
    if (ec) return invalidArgument("SERVER_TLS_KEY_PATH: cannot load private key: " + ec.message());
  }
  // Signals are caught from here on (queued until run() waits for them), so a SIGTERM that
  // arrives right after the listening line still drains instead of killing the process.
  s.signals = std::make_unique<asio::signal_set>(s.first().ioc, SIGINT, SIGTERM);
  auto api =
      s.listen("api", sc.host, sc.port, s.handlers.api, s.tls.get(), "SERVER_HOST", "SERVER_PORT");
  if (!api) return api.status();
  s.listeners.push_back(std::move(api.value()));
  if (s.handlers.metrics) {
    const auto& tc = s.config->telemetry;
    const std::string& host = tc.metrics_host.empty() ? sc.host : tc.metrics_host;
    auto metrics = s.listen("metrics", host, tc.metrics_port, s.handlers.metrics, nullptr,
                            "TELEMETRY_METRICS_HOST", "TELEMETRY_METRICS_PORT");
    if (!metrics) return metrics.status();
    s.listeners.push_back(std::move(metrics.value()));
  }
  return Status::ok();
}

int Server::run() {
  auto& s = *impl_;
  std::function<void()> arm = [&] {
    s.signals->async_wait([&](error_code ec, int) {
      if (ec) return;
      s.beginDrain();
      arm();
    });
  };
  arm();
  for (auto& l : s.listeners) asio::co_spawn(s.first().ioc, s.acceptLoop(l), asio::detached);
  for (size_t i = 1; i < s.workers.size(); ++i) {
    Worker* w = s.workers[i].get();
    w->thread = std::thread([w] { w->ioc.run(); });
  }
  s.first().ioc.run();
  for (auto& w : s.workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  return 0;
}

}  // namespace igw
