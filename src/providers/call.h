// The one path from the gateway to a provider. Every route that calls a provider (chat,
// messages, proxy) goes through ProviderCall:
//
//   build:  the upstream request for (provider, request, credentials) — providers/request.h
//   start:  send it and wait for the status and headers. Nothing has been committed to the
//           client yet: this is where retries, fallbacks and circuit breakers go.
//   then:   readBody(), streamTo(sink, translator) — one stream loop for every provider, the
//           translator being the identity for OpenAI-compatible ones — or relayRaw() for the
//           byte-for-byte routes.
//
// Whatever the route, the same upstream headers are passed on (passOnHeaders), the provider's
// status is kept, and usage and time to first token are recorded the same way. A client that
// disconnects cancels the upstream exchange at once, before or after the response started.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "http/message.h"
#include "net/asio.h"
#include "net/upstream.h"

namespace igw {

class Exchange;
class ChatSink;
class StreamTranslator;
struct ProviderEntry;

// How token usage is read from answers that are relayed without translation. kResponses: OpenAI's
// Responses API (the Response object's usage; in streams, response.completed's response.usage).
enum class UsageFormat { kNone, kOpenAI, kAnthropic, kResponses };

class ProviderCall {
 public:
  ProviderCall(Exchange& ex, const ProviderEntry& provider);
  ~ProviderCall();  // ends the upstream span's timing
  ProviderCall(const ProviderCall&) = delete;
  ProviderCall& operator=(const ProviderCall&) = delete;

  // Sends `req` and waits for the response head. Fails (kUnavailable, kDeadlineExceeded) when
  // the provider cannot be reached, times out, or the client left meanwhile (clientGone()).
  net::awaitable<Status> start(UpstreamRequest req);

  int status() const;
  const Headers& headers() const;
  bool isEventStream() const;
  bool clientGone() const { return client_gone_; }

  // Upstream headers every route passes on to the client: Retry-After, x-ratelimit-*,
  // anthropic-ratelimit-*.
  Headers passOnHeaders() const;

  // The whole body (non-streamed answers, errors), at most `max_bytes`.
  net::awaitable<Result<std::string>> readBody(uint64_t max_bytes);

  // The stream loop: upstream SSE events, through `translator` (null: the identity), into
  // `sink` one event at a time, flushed once per upstream read. Records time to first token,
  // usage and tool-call names. A failure mid-stream ends the sink's stream with an error.
  // The caller has called sink.beginStream() already.
  net::awaitable<void> streamTo(ChatSink& sink, StreamTranslator* translator);

  // Byte-for-byte to the client: status, the upstream's headers (hop-by-hop and cookies
  // dropped) and body, streamed when it is. Usage (and time to first token on event streams)
  // is read on the side in `usage` format. `buffer_sized`: false streams a body the upstream
  // sized too (audio), instead of reading it whole to send it with its Content-Length.
  net::awaitable<void> relayRaw(UsageFormat usage, bool buffer_sized = true);

  // `s` with "upstream ID: " in front, so users see which provider failed.
  Status describe(const Status& s) const;

 private:
  struct Watch;
  // `usage`: read from SSE events; `whole_json`: read from the whole body (a JSON answer).
  net::awaitable<void> relayRawStream(UsageFormat usage, UsageFormat whole_json);
  void observe(UsageFormat format, std::string_view event, std::string_view data);
  void observeWhole(UsageFormat format, std::string_view body);  // a whole JSON answer

  Exchange& ex_;
  const ProviderEntry& provider_;
  UpstreamAbort abort_;
  std::unique_ptr<UpstreamResponse> up_;
  bool client_gone_ = false;
  struct AnthropicUsageState;
  std::unique_ptr<AnthropicUsageState> anthropic_;
  int64_t responses_events_ = 0;  // Responses API events seen: the next sequence_number
};

}  // namespace igw
