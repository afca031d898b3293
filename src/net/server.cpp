#include "net/server.h"

#include "net/session.h"
#include "net/worker.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <exception>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

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

using detail::serveConnection;
using detail::Worker;

// An accepted connection on its way to its worker: closed if the worker never takes it (a worker
// stopped with the handoff still queued).
class AcceptedFd {
 public:
  explicit AcceptedFd(int fd) : fd_(fd) {}
  AcceptedFd(AcceptedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  AcceptedFd& operator=(AcceptedFd&&) = delete;
  ~AcceptedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct Listener {
  std::string name;  // "api" | "metrics", for logs
  std::unique_ptr<tcp::acceptor> acceptor;
  tcp protocol = tcp::v4();
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

  // Accepts on worker 0 and hands each connection to a worker as a bare descriptor: the worker
  // wraps it in a socket on its own thread, so no thread but the worker's ever touches a
  // worker's reactor state for that socket (what lets worker io_contexts run without Asio's
  // per-socket I/O locks, net/worker.h). Every connection waiting is taken per wake-up, up to
  // kAcceptBatch, so one readiness event does not cost one epoll round per connection.
  static constexpr int kAcceptBatch = 64;

  awaitable<void> acceptLoop(Listener& l) {
    size_t next = 0;
    const tcp protocol = l.protocol;
    while (l.acceptor->is_open()) {
      error_code ec;
      co_await l.acceptor->async_wait(tcp::acceptor::wait_read, useAwaitableEc(ec));
      if (ec) {
        if (!l.acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
        log.warn("accept failed", {{"listener", l.name}, {"error", ec.message()}});
        co_await backOff(ec);
        continue;
      }
      for (int i = 0; i < kAcceptBatch && l.acceptor->is_open(); ++i) {
        int fd =
            ::accept4(l.acceptor->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          int err = errno;
          if (err == EAGAIN || err == EWOULDBLOCK) break;
          // The peer gave up before it was accepted: take the next one.
          if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
          // Out of descriptors and similar: back off briefly instead of spinning.
          ec.assign(err, boost::system::system_category());
          log.warn("accept failed", {{"listener", l.name}, {"error", ec.message()}});
          co_await backOff(ec);
          break;
        }
        Worker& w = *workers[next++ % workers.size()];
        asio::post(w.ioc, [this, &w, &l, protocol, conn = AcceptedFd(fd)]() mutable {
          tcp::socket sock(w.ioc);
          error_code aec;
          sock.assign(protocol, conn.release(), aec);
          if (aec) {
            log.warn("accept failed", {{"listener", l.name}, {"error", aec.message()}});
            return;
          }
          asio::co_spawn(
              w.ioc, serveConnection(w, std::move(sock), l.tls, config->server, *l.handler, log),
              asio::detached);
        });
      }
    }
  }

  awaitable<void> backOff(error_code& ec) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(useAwaitableEc(ec));
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
    l.protocol = ep.protocol();
    l.acceptor->open(ep.protocol(), ec);
    if (!ec) l.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l.acceptor->bind(ep, ec);
    if (!ec) l.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) l.acceptor->non_blocking(true, ec);  // accept4 in acceptLoop must not block
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
    w->index = static_cast<unsigned>(s.workers.size());
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

uint16_t Server::port() const {
  const auto& l = impl_->listeners;
  if (l.empty()) return 0;
  error_code ec;
  auto ep = l.front().acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::stop() {
  Impl* s = impl_.get();
  asio::post(s->first().ioc, [s] { s->beginDrain(); });
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
