// The seam between the canonical (OpenAI Chat Completions) API and a provider's native wire
// format. An adapter is pure: no I/O, no clocks it doesn't get passed, no global state, so
// golden-file tests drive it directly. One adapter instance is shared read-only by all workers;
// per-request state lives in the StreamTranslator it creates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "http/message.h"
#include "telemetry/usage.h"

namespace igw {

// What to send upstream, relative to the provider's base URL.
struct NativeRequest {
  std::string method = "POST";
  std::string path;  // e.g. "/messages", "/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
  Headers headers;   // extra headers beyond auth/content-type (e.g. anthropic-beta)
  std::string body;  // native JSON
};

// Facts about the request the translators need when producing OpenAI output.
struct TranslateContext {
  std::string model;           // model name as the client should see it (e.g. "claude-3-5-haiku")
  std::string response_id;     // id to use when the provider gives none ("chatcmpl-...")
  int64_t created = 0;         // unix seconds for "created"
  bool include_usage = false;  // stream: emit a final usage chunk (stream_options.include_usage)
};

// A provider's error response as the client will see it: status and the provider's message.
struct ProviderError {
  int status;
  std::string message;
};

// Per-request state machine: native stream events in, OpenAI SSE bytes out.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;

  // One native SSE event (its "event:" name, possibly empty, and its data). Appends zero or
  // more complete OpenAI SSE events ("data: {chat.completion.chunk}\n\n") to `out`.
  // A native error event becomes an OpenAI error event `data: {"error":{...}}\n\n`.
  virtual Status onEvent(std::string_view event, std::string_view data, std::string& out) = 0;

  // The upstream body ended. Appends whatever is still owed (final usage chunk when asked,
  // then "data: [DONE]\n\n"). Fails if the stream ended before the provider said it was done.
  virtual Status finish(std::string& out) = 0;

  // Token usage seen so far (for metrics and budgets): the gateway's one usage type, -1 for
  // what is unknown.
  using Usage = TokenUsage;
  virtual Usage usage() const = 0;
};

class ChatAdapter {
 public:
  virtual ~ChatAdapter() = default;

  // OpenAI chat completion request (already validated as a JSON object; "model" holds the
  // provider's model name without prefix) -> native request. 400 for what the provider cannot
  // express, with a message saying what to change.
  virtual Result<NativeRequest> buildRequest(const nlohmann::json& openai_request,
                                             bool stream) const = 0;

  // Native non-streaming response body -> OpenAI "chat.completion" JSON text.
  virtual Result<std::string> translateResponse(std::string_view native_body,
                                                const TranslateContext& ctx) const = 0;

  virtual std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx) const = 0;

  // Native error response -> the status to answer with and the provider's message. The status
  // is the provider's HTTP status passed through unchanged (a 529 stays a 529); only the
  // mappings documented in http/error_taxonomy.h and docs/errors.md change it (a status that is
  // not an HTTP error becomes 502; Gemini's 400 for a bad API key becomes 401).
  virtual ProviderError translateError(int http_status, std::string_view native_body) const = 0;
};

}  // namespace igw
