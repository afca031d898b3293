#include "api/relay.h"

#include <algorithm>

#include "http/errors.h"
#include "http/sse.h"

namespace igw {

namespace {

const Headers kJson{Header{"Content-Type", "application/json"}};

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool isEventStream(const UpstreamResponse& up) {
  const std::string* ct = findHeader(up.headers(), "Content-Type");
  return ct != nullptr && startsWithIgnoreCase(*ct, "text/event-stream");
}

// Upstream headers worth handing to a chat client: rate-limit information and retry hints.
Headers chatResponseHeaders(const UpstreamResponse& up, std::string_view content_type) {
  Headers out{{"Content-Type", std::string(content_type)}};
  for (const auto& h : up.headers()) {
    if (iequals(h.name, "retry-after") || startsWithIgnoreCase(h.name, "x-ratelimit-")) {
      out.push_back(h);
    }
  }
  return out;
}

// Hop-by-hop and framing headers are ours to set; provider cookies stay with the gateway.
bool passThroughResponseHeader(std::string_view name) {
  static constexpr std::string_view kDrop[] = {"connection",     "keep-alive", "transfer-encoding",
                                               "content-length", "upgrade",    "proxy-authenticate",
                                               "trailer",        "te",         "set-cookie"};
  return std::none_of(std::begin(kDrop), std::end(kDrop),
                      [&](std::string_view d) { return iequals(d, name); });
}

net::awaitable<void> relayChatError(const App& app, Responder& res, const ProviderEntry& p,
                                    UpstreamResponse& up) {
  int status = up.status();
  auto body = co_await up.readAll(1 << 20);
  std::string message = body ? upstreamErrorMessage(*body) : body.status().message();
  std::string full = "upstream " + std::string(p.spec->id) + " returned " + std::to_string(status) +
                     ": " + message;
  app.log.debug("upstream error", {{"provider", p.spec->id}, {"status", status}});
  co_await res.send(status, chatResponseHeaders(up, "application/json"),
                    errorJson(full, errorType(status)));
}

// Forwards complete SSE events as they arrive. On upstream failure after the stream began, the
// client gets an error event and a clean end instead of a cut connection.
net::awaitable<void> relayEvents(const ProviderEntry& p, Responder& res, UpstreamResponse& up,
                                 RequestInfo& info) {
  SseParser parser;
  std::string out;
  bool client_gone = false;
  bool saw_done = false;
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
    auto collect = [&](const SseEvent& ev) {
      if (ev.data == "[DONE]") {
        saw_done = true;
      } else if (ev.has_data) {
        if (!info.first_token) info.first_token = RequestInfo::Clock::now();
        extractUsage(ev.data, info.usage);
        extractToolCallNames(ev.data, info.tool_calls);
      }
      out.append(ev.raw);
    };
    if (piece->empty()) {
      parser.finish(collect);
      if (!out.empty()) {
        if (out.back() != '\n') out += "\n\n";
        co_await res.writeChunk(out);
      }
      break;
    }
    if (Status s = parser.feed(*piece, collect); !s) {
      failure = s;
      up.abort();
      break;
    }
    // The body is complete: this write also ends the response.
    const bool last = up.finished();
    if (last) {
      parser.finish(collect);
      if (!out.empty() && out.back() != '\n') out += "\n\n";
    }
    if (!out.empty() || last) {
      if (!(co_await res.writeChunk(out, last))) {
        client_gone = true;
        up.abort();
        break;
      }
    }
    if (last) break;
  }
  res.stopWatching();
  if (client_gone) co_return;
  if (!failure.isOk()) {
    std::string tail;
    Status s = upstreamStatus(p, failure);
    appendSseData(tail, errorJson(s));
    if (!saw_done) appendSseData(tail, "[DONE]");
    co_await res.writeChunk(tail);
  }
  co_await res.endStream();
}

// Proxy streams: bytes exactly as received.
net::awaitable<void> relayBytes(Responder& res, UpstreamResponse& up) {
  bool client_gone = false;
  res.watchDisconnect([&] {
    client_gone = true;
    up.abort();
  });
  while (true) {
    auto piece = co_await up.read();
    if (!piece || piece->empty()) break;
    if (!(co_await res.writeChunk(*piece, up.finished()))) {
      client_gone = true;
      up.abort();
      break;
    }
  }
  res.stopWatching();
  if (!client_gone) co_await res.endStream();
}

}  // namespace

Status upstreamStatus(const ProviderEntry& p, const Status& s) {
  return {s.code(), "upstream " + std::string(p.spec->id) + ": " + s.message()};
}

net::awaitable<void> respondError(Responder& res, const Status& status) {
  co_await res.send(httpStatus(status.code()), kJson, errorJson(status));
}

net::awaitable<void> respondError(Responder& res, int http_status, std::string_view message,
                                  std::string_view code) {
  co_await res.send(http_status, kJson, errorJson(message, errorType(http_status), code));
}

net::awaitable<void> relay(const App& app, WorkerContext& ctx, Responder& res,
                           const ProviderEntry& p, const UpstreamRequest& req, RelayMode mode,
                           RequestInfo& info) {
  // Times the upstream call for its trace span, whichever way this function ends.
  struct UpstreamTiming {
    RequestInfo& info;
    explicit UpstreamTiming(RequestInfo& i) : info(i) {
      if (info.trace.enabled) info.trace.upstream_start_unix_nano = RequestInfo::unixNanoNow();
    }
    ~UpstreamTiming() {
      if (info.trace.enabled) info.trace.upstream_end_unix_nano = RequestInfo::unixNanoNow();
    }
  } timing(info);

  auto sent = co_await ctx.upstream.send(req);
  if (!sent) {
    info.trace.upstream_error = sent.status().message();
    app.log.warn("upstream request failed",
                 {{"provider", p.spec->id}, {"error", sent.status().message()}});
    co_await respondError(res, upstreamStatus(p, sent.status()));
    co_return;
  }
  UpstreamResponse& up = **sent;
  info.trace.upstream_status = up.status();
  const bool sse = isEventStream(up);

  if (mode == RelayMode::kChat) {
    if (up.status() >= 400) {
      co_await relayChatError(app, res, p, up);
    } else if (sse) {
      Headers h = chatResponseHeaders(up, "text/event-stream");
      h.push_back({"Cache-Control", "no-cache"});
      h.push_back({"X-Accel-Buffering", "no"});
      if (co_await res.beginStream(up.status(), h)) co_await relayEvents(p, res, up, info);
    } else {
      auto body = co_await up.readAll(app.config->client.max_response_bytes);
      if (!body) {
        co_await respondError(res, upstreamStatus(p, body.status()));
        co_return;
      }
      // Named, not a ternary inside co_await: g++ 12 destroys such temporaries twice.
      const std::string* ct = findHeader(up.headers(), "Content-Type");
      std::string_view content_type = "application/json";
      if (ct != nullptr) content_type = *ct;
      Headers headers = chatResponseHeaders(up, content_type);
      extractUsage(*body, info.usage);
      extractToolCallNames(*body, info.tool_calls);
      co_await res.send(up.status(), headers, *body);
    }
    co_return;
  }

  Headers h;
  for (const auto& hdr : up.headers()) {
    if (passThroughResponseHeader(hdr.name)) h.push_back(hdr);
  }
  const bool sized = findHeader(up.headers(), "Content-Length") != nullptr;
  if (sized && !sse) {
    auto body = co_await up.readAll(app.config->client.max_response_bytes);
    if (!body) {
      co_await respondError(res, upstreamStatus(p, body.status()));
      co_return;
    }
    co_await res.send(up.status(), h, *body);
    co_return;
  }
  if (sse) h.push_back({"X-Accel-Buffering", "no"});
  if (co_await res.beginStream(up.status(), h)) co_await relayBytes(res, up);
}

}  // namespace igw
