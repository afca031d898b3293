// Path -> handler, plus what every request gets around its handler: a request id, the access
// log line and the request metrics. Kept to a handful of comparisons: no regex.
#include "api/app.h"
#include "api/relay.h"
#include "core/ids.h"
#include "net/trace_exporter.h"
#include "telemetry/metrics.h"
#include "telemetry/tracing.h"

namespace igw {

namespace {

const Headers kJson{Header{"Content-Type", "application/json"}};

bool startsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// A client-supplied id is kept when it is short and printable; otherwise we make one.
bool usableRequestId(const std::string* id) {
  if (id == nullptr || id->empty() || id->size() > 128) return false;
  for (char c : *id) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// Metric label for the path: fixed routes as they are, proxy paths collapsed per provider so
// that client-chosen paths cannot create unbounded series.
std::string_view metricPath(std::string_view path) {
  if (path == "/v1/chat/completions" || path == "/v1/models" || path == "/v1/messages" ||
      path == "/v1/mcp/tools" || path == "/v1/a2a/agents") {
    return path;
  }
  if (startsWith(path, "/v1/a2a/agents/")) return "/v1/a2a/agents/{id}";
  if (startsWith(path, "/proxy/")) return "/proxy";
  return "other";
}

// Metric label for the method: any token is a valid HTTP method, so only the standard ones are
// kept; a client sending random methods must not fill llm_requests_total with its own series.
std::string_view metricMethod(std::string_view method) {
  for (std::string_view known :
       {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE"}) {
    if (method == known) return known;
  }
  return "other";
}

void recordMetrics(MetricsShard& m, const Request& req, const RequestInfo& info, int status) {
  std::string_view path = metricPath(req.path());
  std::string_view method = metricMethod(req.method);
  std::string code = std::to_string(status);
  m.add(Metric::kRequests, {info.provider, method, path});
  m.add(Metric::kResponses, {info.provider, method, path, code});
  m.observe(Histo::kRequestDuration, {info.provider, method, path}, info.elapsedMs());
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

void beginTrace(RequestInfo& info, const Request& req, IdGenerator& ids, double sample_ratio) {
  auto& t = info.trace;
  t.enabled = true;
  t.start_unix_nano = RequestInfo::unixNanoNow();
  if (const std::string* tp = req.header("traceparent")) {
    if (auto parent = parseTraceParent(*tp)) {
      t.trace_id = parent->trace_id;
      t.parent_span_id = parent->span_id;
      t.sampled = parent->sampled;
    }
  }
  if (t.trace_id.empty()) {
    // A new trace: sampled with the configured ratio (parent-based otherwise).
    t.trace_id = ids.hex(16);
    t.sampled =
        sample_ratio >= 1.0 || static_cast<double>(ids.next() >> 11) * 0x1.0p-53 < sample_ratio;
  }
  t.span_id = ids.hex(8);
  t.upstream_span_id = ids.hex(8);
  // The provider sees the upstream call's span as its parent.
  info.traceparent = formatTraceParent(t.trace_id, t.upstream_span_id, t.sampled);
}

void endTrace(TraceExporter& tracer, const Request& req, const RequestInfo& info, int status) {
  const auto& t = info.trace;
  if (!t.sampled) return;
  uint64_t end = t.start_unix_nano + static_cast<uint64_t>(info.elapsedMs() * 1e6);
  Span server;
  server.trace_id = t.trace_id;
  server.span_id = t.span_id;
  server.parent_span_id = t.parent_span_id;
  server.name = std::string(metricMethod(req.method)) + " " + std::string(metricPath(req.path()));
  server.kind = SpanKind::kServer;
  server.start_unix_nano = t.start_unix_nano;
  server.end_unix_nano = end;
  server.attributes = {{"http.request.method", req.method},
                       {"url.path", std::string(req.path())},
                       {"http.response.status_code", int64_t{status}},
                       {"gen_ai.provider.name", info.provider},
                       {"inference_gateway.request_id", info.request_id}};
  if (!info.model.empty()) server.attributes.push_back({"gen_ai.request.model", info.model});
  server.error = status >= 500;
  if (t.upstream_start_unix_nano != 0) {
    Span client;
    client.trace_id = t.trace_id;
    client.span_id = t.upstream_span_id;
    client.parent_span_id = t.span_id;
    client.name = info.model.empty() ? "proxy " + info.provider : "chat " + info.model;
    client.kind = SpanKind::kClient;
    client.start_unix_nano = t.upstream_start_unix_nano;
    client.end_unix_nano = std::max(t.upstream_end_unix_nano, t.upstream_start_unix_nano);
    client.attributes = {{"gen_ai.provider.name", info.provider},
                         {"gen_ai.operation.name", info.model.empty() ? "proxy" : "chat"}};
    if (!info.model.empty()) client.attributes.push_back({"gen_ai.request.model", info.model});
    if (info.usage.prompt >= 0)
      client.attributes.push_back({"gen_ai.usage.input_tokens", info.usage.prompt});
    if (info.usage.completion >= 0) {
      client.attributes.push_back({"gen_ai.usage.output_tokens", info.usage.completion});
    }
    if (t.upstream_status != 0) {
      client.attributes.push_back({"http.response.status_code", int64_t{t.upstream_status}});
    }
    client.error = !t.upstream_error.empty() || t.upstream_status >= 500;
    client.status_message = t.upstream_error;
    tracer.record(std::move(client));
  }
  tracer.record(std::move(server));
}

net::awaitable<void> dispatch(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                              RequestInfo& info) {
  std::string_view path = req.path();
  const std::string& m = req.method;
  if (path == "/v1/chat/completions") {
    if (m == "POST") {
      co_await handleChat(app, req, res, ctx, info);
    } else {
      co_await respondError(res, 405, "use POST for /v1/chat/completions", "method_not_allowed");
    }
  } else if (path == "/v1/messages") {
    if (m == "POST") {
      co_await handleMessages(app, req, res, ctx, info);
    } else {
      co_await respondError(res, 405, "use POST for /v1/messages", "method_not_allowed");
    }
  } else if (path == "/health") {
    co_await res.send(200, kJson, "{\"message\":\"OK\"}");
  } else if (path == "/v1/models") {
    if (m == "GET") {
      co_await handleModels(app, req, res, ctx, info);
    } else {
      co_await respondError(res, 405, "use GET for /v1/models", "method_not_allowed");
    }
  } else if (startsWith(path, "/proxy/")) {
    co_await handleProxy(app, req, res, ctx, info);
  } else if (path == "/v1/mcp/tools" || path == "/v1/a2a/agents" ||
             startsWith(path, "/v1/a2a/agents/")) {
    if (m == "GET") {
      co_await handleToolListing(app, req, res);
    } else {
      co_await respondError(res, 405, "use GET for " + std::string(path), "method_not_allowed");
    }
  } else {
    co_await respondError(res, 404, "no route for " + m + " " + std::string(path), "not_found");
  }
}

}  // namespace

net::awaitable<void> handleRequest(const App& app, Request& req, Responder& res,
                                   WorkerContext& ctx) {
  RequestInfo info;
  const std::string* given = req.header("X-Request-Id");
  info.request_id = usableRequestId(given) ? *given : ctx.ids.hex(16);
  res.addHeader("X-Request-Id", info.request_id);
  if (ctx.tracer != nullptr && req.path() != "/health") {
    beginTrace(info, req, ctx.ids, app.config->telemetry.trace_sample_ratio);
  } else if (const std::string* tp = req.header("traceparent")) {
    info.traceparent = *tp;  // not tracing ourselves: pass the client's context on unchanged
  }
  const bool health = req.path() == "/health";
  if (ctx.metrics != nullptr && !health) ctx.metrics->addInFlight(1);
  if (app.config->log_message_content && app.log.enabled(LogLevel::kDebug)) {
    app.log.debug("request body", {{"request_id", info.request_id}, {"body", req.body}});
  }

  co_await dispatch(app, req, res, ctx, info);

  if (health) co_return;
  if (info.trace.enabled) endTrace(*ctx.tracer, req, info, res.status());
  if (ctx.metrics != nullptr) {
    ctx.metrics->addInFlight(-1);
    recordMetrics(*ctx.metrics, req, info, res.status());
  }
  if (app.log.enabled(LogLevel::kInfo)) {
    // One access-log line per request. Never headers, keys or message contents.
    std::initializer_list<LogField> fields = {{"request_id", info.request_id},
                                              {"method", req.method},
                                              {"path", req.path()},
                                              {"status", res.status()},
                                              {"duration_ms", info.elapsedMs()},
                                              {"provider", info.provider},
                                              {"model", info.model},
                                              {"stream", info.stream},
                                              {"prompt_tokens", info.usage.prompt},
                                              {"completion_tokens", info.usage.completion}};
    // Token counts only when the provider reported them.
    size_t n = info.usage.known() ? fields.size() : fields.size() - 2;
    app.log.log(LogLevel::kInfo, "request", std::span<const LogField>(fields.begin(), n));
  }
}

}  // namespace igw
