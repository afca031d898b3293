// Where a chat model call delivers its answer: OpenAI Chat Completions shapes (a whole JSON
// body, or chat.completion.chunk events), whatever the provider's native API was. The client's
// API decides the sink: OpenAI clients get the events as they are, Anthropic Messages clients
// get them translated (pipeline/chat_sinks.h), and the tool loop puts its own sink in between.
// Each event is parsed out of the upstream's SSE once, by the provider call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/chat_body.h"
#include "core/status.h"
#include "http/message.h"
#include "net/asio.h"

namespace igw {

// One model call's input: an OpenAI chat request (JSON text) naming the upstream model or not;
// the provider call puts the target's upstream model in.
struct ChatTurn {
  std::string body;
  std::optional<ChatBodyInfo> info;  // the body's routing fields when already known
};

class ChatSink {
 public:
  virtual ~ChatSink() = default;

  // A complete answer: a non-streamed chat.completion, or any error (OpenAI-shaped JSON body
  // with its HTTP status). `headers` are upstream headers worth passing on (rate limits,
  // Retry-After); the sink sets Content-Type.
  virtual net::awaitable<void> answer(int status, const Headers& headers,
                                      std::string_view body) = 0;

  // A stream begins. false: the client is gone (the caller stops).
  virtual net::awaitable<bool> beginStream(int status, const Headers& headers) = 0;

  // One event: `data` is its payload (a chunk's JSON, an error object or "[DONE]"; empty for a
  // comment), `raw` its exact bytes as received or produced ("data: ...\n\n"). Buffered until
  // flush().
  virtual void event(std::string_view data, std::string_view raw) = 0;

  // Writes what the events produced. `last`: the stream is complete and this write ends it.
  // false: the client is gone.
  virtual net::awaitable<bool> flush(bool last) = 0;

  // Ends the stream unless flush(true) did: cleanly, or after a failure the client must learn
  // of (an error event, then the stream's proper end).
  virtual net::awaitable<void> endStream(const Status& failure) = 0;
};

}  // namespace igw
