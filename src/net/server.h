// The listening side: one acceptor, N worker threads each with its own io_context and
// UpstreamClient (thread-per-core, no shared mutable state on the request path), one coroutine
// per connection, deadlines on every read and write, and a graceful drain on SIGTERM/SIGINT.
#pragma once

#include <functional>
#include <memory>

#include "core/config.h"
#include "core/log.h"
#include "core/status.h"
#include "http/message.h"
#include "http/responder.h"
#include "net/asio.h"
#include "net/upstream.h"

namespace igw {

class IdGenerator;
class MetricsShard;
class MetricsRegistry;
class TraceExporter;

// Everything a handler may use that belongs to the worker thread running it.
struct WorkerContext {
  Upstream& upstream;  // the worker's UpstreamClient; tests may substitute a fake
  IdGenerator& ids;
  MetricsShard* metrics;  // null when telemetry is off
  TraceExporter* tracer;  // null when tracing is off
  unsigned worker = 0;    // this worker's index (0..threads-1): per-worker caches use it
};

using Handler = std::function<net::awaitable<void>(Request&, Responder&, WorkerContext&)>;

struct ServerHandlers {
  Handler api;
  Handler metrics;                      // served on the telemetry port; empty = no listener
  MetricsRegistry* registry = nullptr;  // gets one shard per worker
};

class Server {
 public:
  Server(std::shared_ptr<const Config> config, const Logger& log, ServerHandlers handlers);
  ~Server();

  // Binds and listens (TLS context loaded here); logs "listening on http(s)://host:port".
  Status start();

  // Serves until SIGTERM/SIGINT and the drain complete. Returns the process exit code.
  int run();

  // The port the API listener is bound to (after a successful start(); SERVER_PORT=0 picks one).
  uint16_t port() const;

  // Begins the same graceful drain as SIGTERM. Callable from any thread, before or during run().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace igw
