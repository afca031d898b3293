#include "providers/call.h"

#include <algorithm>

#include "api/app.h"
#include "http/error_taxonomy.h"
#include "http/errors.h"
#include "http/sse.h"
#include "pipeline/chat_sink.h"
#include "pipeline/exchange.h"
#include "providers/table.h"
#include "telemetry/usage.h"
#include "translate/anthropic_openai.h"
#include "translate/responses_openai.h"
#include "translate/translator.h"

namespace igw {

namespace {

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Hop-by-hop and framing headers are ours to set; provider cookies stay with the gateway; the
// response carries the gateway's X-Request-Id (the client's own when it sent one), not a second.
bool passThroughResponseHeader(std::string_view name) {
  static constexpr std::string_view kDrop[] = {"connection",     "keep-alive", "transfer-encoding",
                                               "content-length", "upgrade",    "proxy-authenticate",
                                               "trailer",        "te",         "set-cookie",
                                               "x-request-id"};
  return std::none_of(std::begin(kDrop), std::end(kDrop),
                      [&](std::string_view d) { return iequals(d, name); });
}

// Calls `f(data, raw)` for each "data: X\n\n" event a translator appended to `out`. Translators
// write whole events in this one form, so this is a split, not a parse.
template <class F>
void forEachTranslatedEvent(std::string_view out, F&& f) {
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find("\n\n", pos);
    end = end == std::string_view::npos ? out.size() : end + 2;
    std::string_view raw = out.substr(pos, end - pos);
    std::string_view data = raw;
    if (data.rfind("data: ", 0) == 0) data.remove_prefix(6);
    while (!data.empty() && data.back() == '\n') data.remove_suffix(1);
    f(data, raw);
    pos = end;
  }
}

// The events that tell a client of an event stream in `format` that it failed midway.
// `next_sequence`: the Responses API's sequence_number for the first event written here.
std::string streamFailureEvents(UsageFormat format, const Status& failure, int64_t next_sequence) {
  std::string out;
  switch (format) {
    case UsageFormat::kNone:
      break;
    case UsageFormat::kOpenAI:
      appendSseData(out, errorJson(failure));
      appendSseData(out, "[DONE]");
      break;
    case UsageFormat::kAnthropic:
      out = "event: error\n";
      appendSseData(out, messages::errorEnvelope(anthropicErrorType(httpStatus(failure.code())),
                                                 failure.message()));
      break;
    case UsageFormat::kResponses:
      out = "event: error\n";
      appendSseData(out, responses::errorEvent(errorType(httpStatus(failure.code())),
                                               failure.message(), next_sequence));
      break;
  }
  return out;
}

}  // namespace

struct ProviderCall::AnthropicUsageState {
  AnthropicUsage usage;
};

// Watches the client while the upstream is busy: when it leaves, the upstream exchange is
// closed at once (before the response head: through the abort handle; after: the response).
struct ProviderCall::Watch {
  ProviderCall& call;
  explicit Watch(ProviderCall& c) : call(c) {
    call.ex_.res.watchDisconnect([&c = call] {
      c.client_gone_ = true;
      c.ex_.client_gone = true;
      c.abort_.fire();
      if (c.up_) c.up_->abort();
    });
  }
  ~Watch() { call.ex_.res.stopWatching(); }
};

ProviderCall::ProviderCall(Exchange& ex, const ProviderEntry& provider)
    : ex_(ex), provider_(provider) {}

ProviderCall::~ProviderCall() {
  if (ex_.info.trace.enabled && ex_.info.trace.upstream_start_unix_nano != 0) {
    ex_.info.trace.upstream_end_unix_nano = RequestInfo::unixNanoNow();
  }
}

Status ProviderCall::describe(const Status& s) const {
  return {s.code(), "upstream " + std::string(provider_.spec->id) + ": " + s.message()};
}

net::awaitable<Status> ProviderCall::start(UpstreamRequest req) {
  if (ex_.info.trace.enabled) ex_.info.trace.upstream_start_unix_nano = RequestInfo::unixNanoNow();
  Result<std::unique_ptr<UpstreamResponse>> sent = unavailable("not sent");
  {
    Watch watch(*this);
    sent = co_await ex_.ctx.upstream.send(req, &abort_);
  }
  if (!sent) {
    ex_.info.trace.upstream_error = sent.status().message();
    if (!client_gone_) {
      ex_.app.log.warn("upstream request failed", {{"request_id", ex_.info.request_id},
                                                   {"provider", provider_.spec->id},
                                                   {"error", sent.status().message()}});
    }
    co_return sent.status();
  }
  up_ = std::move(sent.value());
  ex_.info.trace.upstream_status = up_->status();
  co_return Status::ok();
}

int ProviderCall::status() const {
  return up_->status();
}

const Headers& ProviderCall::headers() const {
  return up_->headers();
}

bool ProviderCall::isEventStream() const {
  const std::string* ct = findHeader(up_->headers(), "Content-Type");
  return ct != nullptr && startsWithIgnoreCase(*ct, "text/event-stream");
}

Headers ProviderCall::passOnHeaders() const {
  Headers out;
  for (const auto& h : up_->headers()) {
    if (iequals(h.name, "retry-after") || startsWithIgnoreCase(h.name, "x-ratelimit-") ||
        startsWithIgnoreCase(h.name, "anthropic-ratelimit-")) {
      out.push_back(h);
    }
  }
  return out;
}

net::awaitable<Result<std::string>> ProviderCall::readBody(uint64_t max_bytes) {
  Watch watch(*this);
  co_return co_await up_->readAll(max_bytes);
}

net::awaitable<void> ProviderCall::streamTo(ChatSink& sink, StreamTranslator* translator) {
  RequestInfo& info = ex_.info;
  SseParser parser;
  std::string translated;
  Status failure;
  const bool usage = translator == nullptr && ex_.app.readsUsage();
  const bool tool_calls = ex_.app.readsToolCalls();
  auto deliver = [&](std::string_view data, std::string_view raw) {
    if (!data.empty() && data != "[DONE]") {
      if (!info.first_token) info.first_token = RequestInfo::Clock::now();
      if (usage) extractUsage(data, info.usage);
      if (tool_calls) extractToolCallNames(data, info.tool_calls);
    }
    sink.event(data, raw);
  };
  auto on_event = [&](const SseEvent& ev) {
    if (translator == nullptr) {
      deliver(ev.has_data ? ev.data : std::string_view(), ev.raw);
      return;
    }
    if (!ev.has_data || !failure.isOk()) return;
    translated.clear();
    failure = translator->onEvent(ev.event, ev.data, translated);
    forEachTranslatedEvent(translated, deliver);
  };
  auto finish = [&] {
    parser.finish(on_event);
    if (translator != nullptr && failure.isOk()) {
      translated.clear();
      failure = translator->finish(translated);
      forEachTranslatedEvent(translated, deliver);
    }
  };

  {
    Watch watch(*this);
    while (true) {
      auto piece = co_await up_->read();
      if (!piece) {
        failure = piece.status();
        break;
      }
      const bool complete = piece->empty() || up_->finished();
      if (!piece->empty()) {
        if (Status s = parser.feed(*piece, on_event); !s && failure.isOk()) failure = s;
      }
      if (complete && failure.isOk()) finish();
      if (!failure.isOk()) {
        up_->abort();
        (void)co_await sink.flush(false);
        break;
      }
      const bool delivered = co_await sink.flush(complete);
      if (!delivered) {
        client_gone_ = true;
        ex_.client_gone = true;
        up_->abort();
        break;
      }
      if (complete) break;
    }
  }
  if (translator != nullptr) {
    auto u = translator->usage();
    if (u.prompt >= 0) info.usage.prompt = u.prompt;
    if (u.completion >= 0) info.usage.completion = u.completion;
    if (u.total >= 0) info.usage.total = u.total;
    if (u.cached >= 0) info.usage.cached = u.cached;
    if (u.reasoning >= 0) info.usage.reasoning = u.reasoning;
  }
  if (client_gone_) co_return;
  if (!failure.isOk()) info.trace.upstream_error = failure.message();
  // Named, not a ternary inside co_await: g++ 12 destroys such temporaries twice.
  Status ending = failure;
  if (!failure.isOk()) ending = describe(failure);
  co_await sink.endStream(ending);
}

void ProviderCall::observe(UsageFormat format, std::string_view event, std::string_view data) {
  RequestInfo& info = ex_.info;
  const bool usage = ex_.app.readsUsage();
  switch (format) {
    case UsageFormat::kNone:
      return;
    case UsageFormat::kOpenAI:
      if (!data.empty() && data != "[DONE]" && !info.first_token) {
        info.first_token = RequestInfo::Clock::now();
      }
      if (usage) extractUsage(data, info.usage);
      return;
    case UsageFormat::kAnthropic:
      // The first token is the first content delta (message_start only opens the message).
      if (!info.first_token && event == "content_block_delta") {
        info.first_token = RequestInfo::Clock::now();
      }
      if (!usage) return;
      if (!anthropic_) anthropic_ = std::make_unique<AnthropicUsageState>();
      if (extractAnthropicUsage(data, anthropic_->usage)) info.usage = anthropic_->usage.tokens();
      return;
    case UsageFormat::kResponses:
      if (!event.empty() || !data.empty()) ++responses_events_;
      // The first token: the first delta of any output (text, arguments, reasoning).
      if (!info.first_token && event.ends_with(".delta")) {
        info.first_token = RequestInfo::Clock::now();
      }
      if (usage) extractResponsesUsage(data, info.usage);
      return;
  }
}

void ProviderCall::observeWhole(UsageFormat format, std::string_view body) {
  observe(format, {}, body);
  ex_.info.first_token.reset();  // not a stream: no time to first token
}

net::awaitable<void> ProviderCall::relayRaw(UsageFormat usage, bool buffer_sized) {
  Headers h;
  for (const auto& hdr : up_->headers()) {
    if (passThroughResponseHeader(hdr.name)) h.push_back(hdr);
  }
  const bool sse = isEventStream();
  const bool sized = findHeader(up_->headers(), "Content-Length") != nullptr;
  if (sized && !sse && buffer_sized) {
    auto body = co_await readBody(ex_.config.client.max_response_bytes);
    if (!body) {
      if (!client_gone_) co_await ex_.fail(describe(body.status()));
      co_return;
    }
    if (up_->status() < 400 && usage != UsageFormat::kNone) {
      observe(usage, {}, *body);
      ex_.info.first_token.reset();  // not a stream: no time to first token
    }
    co_await ex_.res.send(up_->status(), h, *body);
    co_return;
  }
  if (sse) h.push_back({"X-Accel-Buffering", "no"});
  Status begun = co_await ex_.res.beginStream(up_->status(), h);
  if (!begun) co_return;
  UsageFormat observed = UsageFormat::kNone;
  if (sse && up_->status() < 400) observed = usage;
  // A JSON answer without Content-Length (chunked): the bytes go through as they come and a copy
  // is kept on the side, up to the buffered-answer limit, to read its usage at the end.
  const std::string* ct = findHeader(up_->headers(), "Content-Type");
  const bool json = ct != nullptr && startsWithIgnoreCase(*ct, "application/json");
  UsageFormat whole = UsageFormat::kNone;
  if (!sse && json && up_->status() < 400) whole = usage;
  co_await relayRawStream(observed, whole);
}

net::awaitable<void> ProviderCall::relayRawStream(UsageFormat usage, UsageFormat whole_json) {
  SseParser parser;  // observation only: the client gets the bytes as they came
  bool observing = usage != UsageFormat::kNone;
  bool complete = false;  // the stream's own end ([DONE], message_stop) went through
  auto on_event = [&](const SseEvent& ev) {
    if (!ev.has_data) return;
    observe(usage, ev.event, ev.data);
    if (ev.data == "[DONE]" || ev.event == "message_stop" || ev.event == "response.completed" ||
        ev.event == "response.incomplete" || ev.event == "response.failed") {
      complete = true;
    }
  };
  Status failure;
  std::string last_bytes;  // the end of what was passed on: is it between two events?
  bool keeping = whole_json != UsageFormat::kNone;
  std::string kept;  // the whole JSON answer, for its usage
  {
    Watch watch(*this);
    while (true) {
      auto piece = co_await up_->read();
      if (!piece) {
        failure = piece.status();
        break;
      }
      if (piece->empty()) break;
      if (observing && !parser.feed(*piece, on_event)) observing = false;
      if (keeping) {
        keeping = kept.size() + piece->size() <= ex_.config.client.max_response_bytes;
        if (keeping) kept.append(*piece);
        // Before the last byte goes out: that is when limits settle (filters/limits.cpp).
        if (keeping && up_->finished()) {
          observeWhole(whole_json, kept);
          keeping = false;
        }
        if (!keeping) std::string().swap(kept);
      }
      last_bytes.append(piece->substr(piece->size() > 4 ? piece->size() - 4 : 0));
      if (last_bytes.size() > 4) last_bytes.erase(0, last_bytes.size() - 4);
      Status written = co_await ex_.res.writeChunk(*piece, up_->finished());
      if (!written) {
        client_gone_ = true;
        ex_.client_gone = true;
        up_->abort();
        break;
      }
    }
  }
  if (observing) parser.finish(on_event);
  if (client_gone_) co_return;
  if (keeping && failure.isOk()) observeWhole(whole_json, kept);
  if (!failure.isOk()) {
    ex_.info.trace.upstream_error = failure.message();
    // A known event stream cut short: the client learns of it the way the provider would say
    // it (an Anthropic "error" event; an OpenAI error object, then [DONE]) instead of a clean
    // end that looks complete. Only between two events, never inside a half-passed one.
    const bool between = last_bytes.empty() || last_bytes.ends_with("\n\n") ||
                         last_bytes.ends_with("\r\n\r\n") || last_bytes.ends_with("\r\r");
    std::string tail;
    if (!complete && between) {
      tail = streamFailureEvents(usage, describe(failure), responses_events_);
    }
    if (!tail.empty()) (void)co_await ex_.res.writeChunk(tail);
  }
  co_await ex_.res.endStream();
}

}  // namespace igw
