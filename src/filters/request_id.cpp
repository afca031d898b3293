// Request id and trace context: the first filter, so every later step and every log line can
// name the request. The id comes from a usable X-Request-Id, else a new one; it is echoed in the
// response. With tracing on, the request gets a server span (and the upstream call a client
// span), exported when the request completes.
#include "api/app.h"
#include "core/ids.h"
#include "filters/filters.h"
#include "filters/labels.h"
#include "net/trace_exporter.h"
#include "pipeline/exchange.h"
#include "telemetry/tracing.h"

namespace igw {

namespace {

// A client-supplied id is kept when it is short and printable; otherwise we make one.
bool usableRequestId(const std::string* id) {
  if (id == nullptr || id->empty() || id->size() > 128) return false;
  for (char c : *id) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
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

// gen_ai.operation.name of the upstream call (OpenTelemetry GenAI conventions; "proxy" for the
// raw passthrough and for a request that names no model).
std::string_view operationName(Endpoint endpoint, const RequestInfo& info) {
  if (endpoint == Endpoint::kProxy || info.model.empty()) return "proxy";
  if (endpoint == Endpoint::kEmbeddings) return "embeddings";
  if (endpoint == Endpoint::kCompletions) return "text_completion";
  if (endpoint == Endpoint::kImages) return "images";  // no GenAI convention name yet
  if (endpoint == Endpoint::kAudio) return "audio";
  return "chat";
}

void endTrace(TraceExporter& tracer, const Request& req, Endpoint endpoint, const RequestInfo& info,
              int status) {
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
    const std::string_view operation = operationName(endpoint, info);
    client.name =
        std::string(operation) + " " + (operation == "proxy" ? info.provider : info.model);
    client.kind = SpanKind::kClient;
    client.start_unix_nano = t.upstream_start_unix_nano;
    client.end_unix_nano = std::max(t.upstream_end_unix_nano, t.upstream_start_unix_nano);
    client.attributes = {{"gen_ai.provider.name", info.provider},
                         {"gen_ai.operation.name", std::string(operation)}};
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

class RequestIdFilter final : public Filter {
 public:
  explicit RequestIdFilter(double sample_ratio) : sample_ratio_(sample_ratio) {}
  std::string_view name() const override { return "request_id"; }

  Status onRequest(Exchange& ex) const override {
    RequestInfo& info = ex.info;
    const std::string* given = ex.req.header("X-Request-Id");
    info.request_id = usableRequestId(given) ? *given : ex.ctx.ids.hex(16);
    ex.res.addHeader("X-Request-Id", info.request_id);
    if (ex.ctx.tracer != nullptr && ex.endpoint != Endpoint::kHealth) {
      beginTrace(info, ex.req, ex.ctx.ids, sample_ratio_);
    } else if (const std::string* tp = ex.req.header("traceparent")) {
      info.traceparent = *tp;  // not tracing ourselves: pass the client's context on unchanged
    }
    return Status::ok();
  }

  void onComplete(Exchange& ex) const override {
    if (ex.info.trace.enabled)
      endTrace(*ex.ctx.tracer, ex.req, ex.endpoint, ex.info, ex.res.status());
  }

 private:
  double sample_ratio_;
};

}  // namespace

std::unique_ptr<Filter> makeRequestIdFilter(const Config& config) {
  return std::make_unique<RequestIdFilter>(config.telemetry.trace_sample_ratio);
}

}  // namespace igw
