// Telemetry: the in-flight gauge, the request, token, tool and time-to-first-token metrics, and
// one access-log line per request — all from what the request recorded in its Exchange, when it
// completes. /health is not counted.
#include <algorithm>

#include "api/app.h"
#include "filters/filters.h"
#include "filters/labels.h"
#include "pipeline/exchange.h"
#include "routing/router.h"
#include "telemetry/metrics.h"

namespace igw {

namespace {

void recordMetrics(MetricsShard& m, const Request& req, const RequestInfo& info, int status) {
  std::string_view path = metricPath(req.path());
  std::string_view method = metricMethod(req.method);
  std::string code = std::to_string(status);
  m.add(Metric::kRequests, {info.provider, method, path});
  m.add(Metric::kResponses, {info.provider, method, path, code});
  m.observe(Histo::kRequestDuration, {info.provider, method, path}, info.elapsedMs());
  // The team, not the key: teams are few and named by the operator; series beyond
  // TELEMETRY_MAX_SERIES_PER_METRIC still fold into "__other__".
  if (!info.team.empty()) {
    m.add(Metric::kTeamRequests, {info.team});
    int64_t tokens =
        std::max<int64_t>(info.usage.prompt, 0) + std::max<int64_t>(info.usage.completion, 0);
    if (tokens > 0) m.add(Metric::kTeamTokens, {info.team}, static_cast<uint64_t>(tokens));
  }
  if (info.usage.known() && !info.model.empty()) {
    if (info.usage.prompt >= 0) {
      m.add(Metric::kPromptTokens, {info.provider, info.model},
            static_cast<uint64_t>(info.usage.prompt));
    }
    if (info.usage.completion >= 0) {
      m.add(Metric::kCompletionTokens, {info.provider, info.model},
            static_cast<uint64_t>(info.usage.completion));
    }
    if (info.usage.total >= 0) {
      m.add(Metric::kTotalTokens, {info.provider, info.model},
            static_cast<uint64_t>(info.usage.total));
    }
  }
  for (const auto& name : info.tool_calls) {
    m.add(Metric::kToolCalls, {info.provider, info.model, toolType(name), name});
  }
  for (const auto& t : info.tool_executions) {
    std::string_view type = toolType(t.name);
    if (t.ok) {
      m.add(Metric::kToolCallsSuccess, {info.provider, info.model, type, t.name});
    } else {
      m.add(Metric::kToolCallsFailure, {info.provider, info.model, type, t.name, t.error_type});
    }
    m.observe(Histo::kToolCallDuration, {info.provider, info.model, type, t.name}, t.duration_ms);
  }
  if (info.first_token && !info.model.empty()) {
    m.observe(Histo::kTimeToFirstToken, {info.provider, info.model},
              std::chrono::duration<double, std::milli>(*info.first_token - info.start).count());
  }
}

// The web UI's own requests (its files, the dashboard's polling) are logged but not counted:
// the charts would otherwise show the dashboard watching itself.
bool counted(Endpoint e) {
  return e != Endpoint::kUi && e != Endpoint::kUiApi;
}

class TelemetryFilter final : public Filter {
 public:
  explicit TelemetryFilter(bool log_content) : log_content_(log_content) {}
  std::string_view name() const override { return "telemetry"; }

  Status onRequest(Exchange& ex) const override {
    if (ex.endpoint == Endpoint::kHealth) return Status::ok();
    if (ex.ctx.metrics != nullptr && counted(ex.endpoint)) ex.ctx.metrics->addInFlight(1);
    const Logger& log = ex.app.log;
    if (log_content_ && log.enabled(LogLevel::kDebug)) {
      log.debug("request body", {{"request_id", ex.info.request_id}, {"body", ex.req.body}});
    }
    return Status::ok();
  }

  void onComplete(Exchange& ex) const override {
    if (ex.endpoint == Endpoint::kHealth) return;
    const RequestInfo& info = ex.info;
    if (ex.ctx.metrics != nullptr && counted(ex.endpoint)) {
      ex.ctx.metrics->addInFlight(-1);
      recordMetrics(*ex.ctx.metrics, ex.req, info, ex.res.status());
    }
    const Logger& log = ex.app.log;
    if (log.enabled(LogLevel::kInfo)) {
      // One access-log line per request. Never headers, keys or message contents.
      // The caller (key id or token subject, and team) when authentication is on: never the
      // credential itself.
      const bool who = !info.caller.empty();
      LogField fields[] = {{"request_id", info.request_id},
                           {"method", ex.req.method},
                           {"path", ex.req.path()},
                           {"status", ex.res.status()},
                           {"duration_ms", info.elapsedMs()},
                           {"provider", info.provider},
                           {"model", info.model},
                           {"stream", info.stream},
                           {"caller", info.caller},
                           {"team", info.team},
                           {"prompt_tokens", info.usage.prompt},
                           {"completion_tokens", info.usage.completion},
                           {"alias", std::string_view()},
                           {"attempts", std::string_view()},
                           {"circuits", std::string_view()}};
      // Token counts only when the provider reported them; the routing alias and what was
      // tried (with each deployment's outcome) only for routed requests.
      const bool routed = ex.route != nullptr;
      std::string circuits;
      if (routed) {
        circuits = ex.route->circuits(steadyNowNs());
        fields[12] = {"alias", ex.route->alias().spec.name};
        fields[13] = {"attempts", ex.route->tried()};
        fields[14] = {"circuits", circuits};
      }
      size_t n = 0;
      for (size_t i = 0; i < std::size(fields); ++i) {
        if (!who && (i == 8 || i == 9)) continue;
        if (!info.usage.known() && (i == 10 || i == 11)) continue;
        if (!routed && i >= 12) continue;
        if (i == 13 && ex.route->tried().empty()) continue;
        if (i == 14 && circuits.empty()) continue;
        if (n != i) fields[n] = fields[i];
        ++n;
      }
      log.log(LogLevel::kInfo, "request", std::span<const LogField>(fields, n));
    }
  }

 private:
  bool log_content_;
};

}  // namespace

std::unique_ptr<Filter> makeTelemetryFilter(const Config& config) {
  return std::make_unique<TelemetryFilter>(config.log_message_content);
}

}  // namespace igw
