#include "net/trace_exporter.h"

#include "core/version.h"
#include "net/beast.h"
#include "net/upstream.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only

struct TraceExporter::Impl {
  asio::io_context& ioc;
  UpstreamClient& upstream;
  const TelemetryConfig& cfg;
  const Logger& log;
  std::atomic<int64_t>& dropped;
  std::vector<Span> buffer;
  asio::steady_timer timer{ioc};
  bool running = false;
  Url endpoint;

  Impl(asio::io_context& io, UpstreamClient& up, const TelemetryConfig& c, const Logger& l,
       std::atomic<int64_t>& d)
      : ioc(io), upstream(up), cfg(c), log(l), dropped(d) {
    auto url = parseUrl(cfg.otlp_endpoint + "/v1/traces");
    if (url) endpoint = std::move(url.value());
  }

  void countDropped(size_t n) {
    dropped.store(dropped.load(std::memory_order_relaxed) + static_cast<int64_t>(n),
                  std::memory_order_relaxed);
  }

  awaitable<void> loop() {
    while (running) {
      timer.expires_after(cfg.trace_flush_interval);
      error_code ec;
      co_await timer.async_wait(useAwaitableEc(ec));
      if (!running) break;
      if (buffer.empty()) continue;
      std::vector<Span> batch;
      batch.swap(buffer);
      UpstreamRequest req;
      req.method = "POST";
      req.url = endpoint;
      req.headers.push_back({"Content-Type", "application/json"});
      req.body = encodeOtlpJson(batch, cfg.service_name, kVersion);
      auto sent = co_await upstream.send(req);
      bool ok = false;
      if (sent) {
        auto body = co_await (*sent)->readAll(1 << 20);
        ok = body && (*sent)->status() / 100 == 2;
      }
      if (!ok) {
        countDropped(batch.size());
        log.debug("trace export failed; spans dropped",
                  {{"spans", static_cast<int64_t>(batch.size())}});
      }
    }
  }
};

TraceExporter::TraceExporter(asio::io_context& ioc, UpstreamClient& upstream,
                             const TelemetryConfig& cfg, const Logger& log)
    : impl_(std::make_unique<Impl>(ioc, upstream, cfg, log, dropped_)) {}

TraceExporter::~TraceExporter() = default;

void TraceExporter::record(Span span) {
  if (impl_->buffer.size() >= impl_->cfg.trace_max_queue) {
    impl_->countDropped(1);
    return;
  }
  boundSpan(span, impl_->cfg.max_label_length);
  impl_->buffer.push_back(std::move(span));
}

void TraceExporter::start() {
  impl_->running = true;
  asio::co_spawn(impl_->ioc, impl_->loop(), asio::detached);
}

void TraceExporter::stop() {
  impl_->running = false;
  impl_->timer.cancel();
}

}  // namespace igw
