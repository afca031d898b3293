// Relaying a provider's native API: errors, whole responses and stream events pass through the
// provider's adapter on their way back, so the client always sees OpenAI shapes.
#include <algorithm>

#include "api/relay.h"
#include "http/errors.h"
#include "http/sse.h"

namespace igw {

namespace {

const Headers kJson{Header{"Content-Type", "application/json"}};

// Telemetry from translated OpenAI SSE output (one or more "data: ..." events).
void observeChunks(std::string_view out, RequestInfo& info) {
  size_t pos = 0;
  while ((pos = out.find("data: ", pos)) != std::string_view::npos) {
    pos += 6;
    size_t end = out.find('\n', pos);
    std::string_view data = out.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (!info.first_token && data != "[DONE]") info.first_token = RequestInfo::Clock::now();
    extractToolCallNames(data, info.tool_calls);
    pos = end == std::string_view::npos ? out.size() : end;
  }
}

void takeUsage(const StreamTranslator& t, RequestInfo& info) {
  auto u = t.usage();
  if (u.prompt >= 0) info.usage.prompt = u.prompt;
  if (u.completion >= 0) info.usage.completion = u.completion;
  if (u.total >= 0) info.usage.total = u.total;
}

net::awaitable<void> streamEvents(const ProviderEntry& p, Responder& res, UpstreamResponse& up,
                                  StreamTranslator& translator, RequestInfo& info) {
  SseParser parser;
  std::string out;
  bool client_gone = false;
  res.watchDisconnect([&] {
    client_gone = true;
    up.abort();
  });
  Status failure;
  while (true) {
    auto piece = co_await up.read();
    if (!piece) {
      failure = piece.status();
      break;
    }
    out.clear();
    Status translate_status;
    auto on_event = [&](const SseEvent& ev) {
      if (!ev.has_data || !translate_status.isOk()) return;
      translate_status = translator.onEvent(ev.event, ev.data, out);
    };
    if (piece->empty()) {
      parser.finish(on_event);
      if (translate_status.isOk()) translate_status = translator.finish(out);
    } else if (Status s = parser.feed(*piece, on_event); !s) {
      translate_status = s;
    }
    if (!out.empty()) {
      observeChunks(out, info);
      if (!(co_await res.writeChunk(out))) {
        client_gone = true;
        up.abort();
        break;
      }
    }
    if (!translate_status.isOk()) {
      failure = translate_status;
      up.abort();
      break;
    }
    if (piece->empty()) break;
  }
  res.stopWatching();
  takeUsage(translator, info);
  if (client_gone) co_return;
  if (!failure.isOk()) {
    std::string tail;
    appendSseData(tail, errorJson(upstreamStatus(p, failure)));
    appendSseData(tail, "[DONE]");
    co_await res.writeChunk(tail);
  }
  co_await res.endStream();
}

}  // namespace

net::awaitable<void> relayNative(const App& app, WorkerContext& ctx, Responder& res,
                                 const ProviderEntry& p, const UpstreamRequest& req,
                                 const TranslateContext& tctx, RequestInfo& info) {
  const ChatAdapter& adapter = *p.adapter;
  if (info.trace.enabled) info.trace.upstream_start_unix_nano = RequestInfo::unixNanoNow();
  auto sent = co_await ctx.upstream.send(req);
  if (!sent) {
    info.trace.upstream_error = sent.status().message();
    if (info.trace.enabled) info.trace.upstream_end_unix_nano = RequestInfo::unixNanoNow();
    app.log.warn("upstream request failed",
                 {{"provider", p.spec->id}, {"error", sent.status().message()}});
    co_await respondError(res, upstreamStatus(p, sent.status()));
    co_return;
  }
  UpstreamResponse& up = **sent;
  info.trace.upstream_status = up.status();

  if (up.status() >= 400) {
    auto body = co_await up.readAll(1 << 20);
    ProviderError err = adapter.translateError(up.status(), body ? *body : std::string());
    if (info.trace.enabled) info.trace.upstream_end_unix_nano = RequestInfo::unixNanoNow();
    Headers h = kJson;
    if (const std::string* ra = findHeader(up.headers(), "retry-after")) {
      h.push_back({"Retry-After", *ra});
    }
    std::string message = "upstream " + std::string(p.spec->id) + " returned " +
                          std::to_string(up.status()) + ": " + err.message;
    int status = err.status;
    co_await res.send(status, h, errorJson(message, errorType(status)));
    co_return;
  }

  if (req.stream) {
    auto translator = adapter.newStream(tctx);
    Headers h{Header{"Content-Type", "text/event-stream"}, Header{"Cache-Control", "no-cache"},
              Header{"X-Accel-Buffering", "no"}};
    if (co_await res.beginStream(200, h)) co_await streamEvents(p, res, up, *translator, info);
    if (info.trace.enabled) info.trace.upstream_end_unix_nano = RequestInfo::unixNanoNow();
    co_return;
  }

  auto body = co_await up.readAll(app.config->client.max_response_bytes);
  if (info.trace.enabled) info.trace.upstream_end_unix_nano = RequestInfo::unixNanoNow();
  if (!body) {
    co_await respondError(res, upstreamStatus(p, body.status()));
    co_return;
  }
  auto translated = adapter.translateResponse(*body, tctx);
  if (!translated) {
    co_await respondError(res, upstreamStatus(p, translated.status()));
    co_return;
  }
  extractUsage(*translated, info.usage);
  extractToolCallNames(*translated, info.tool_calls);
  co_await res.send(200, kJson, *translated);
}

}  // namespace igw
