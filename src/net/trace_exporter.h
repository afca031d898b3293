// Per-worker span buffer and background exporter: requests hand finished spans over without
// waiting; every TELEMETRY_TRACE_FLUSH_INTERVAL the batch is POSTed as OTLP/HTTP JSON through
// the worker's UpstreamClient. A full buffer or a failed export drops spans and counts them.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "telemetry/tracing.h"

namespace boost::asio {
class io_context;
}

namespace igw {

class UpstreamClient;

class TraceExporter {
 public:
  TraceExporter(boost::asio::io_context& ioc, UpstreamClient& upstream, const TelemetryConfig& cfg,
                const Logger& log);
  ~TraceExporter();

  void record(Span span);
  void start();
  void stop();

  // Spans dropped (buffer full or export failed); written by this worker, read by /metrics.
  const std::atomic<int64_t>& droppedCounter() const { return dropped_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int64_t> dropped_{0};
};

}  // namespace igw
