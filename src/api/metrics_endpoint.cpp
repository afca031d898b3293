// The telemetry listener: GET /metrics in Prometheus text format, nothing else.
#include "api/app.h"
#include "api/respond.h"
#include "telemetry/metrics.h"

namespace igw {

net::awaitable<void> handleMetricsRequest(MetricsRegistry& registry, Request& req, Responder& res) {
  if (req.path() != "/metrics") {
    co_await respondError(res, 404, "the telemetry port serves GET /metrics only", "not_found");
    co_return;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    co_await respondError(res, 405, "use GET for /metrics", "method_not_allowed");
    co_return;
  }
  std::string text = registry.renderPrometheus();
  Headers h{Header{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
  co_await res.send(200, h, text);
}

}  // namespace igw
