// Inbound Anthropic Messages API (POST /v1/messages) over OpenAI-compatible providers: pure
// translation, no I/O. An Anthropic Messages request becomes an OpenAI chat request; the OpenAI
// chat.completion, its error bodies and its chat.completion.chunk stream become the Anthropic
// message, error envelope and Anthropic SSE events.
//
// Conventions shared with the outbound Anthropic adapter (translate/openai_anthropic.h):
// thinking text travels as `reasoning_content`, its signature as `reasoning_signature` and
// redacted thinking as `reasoning_redacted` (array of opaque strings) on OpenAI messages and
// stream deltas, so extended thinking survives a round trip through the gateway.
//
// Files: anthropic_openai_request.cpp (request), anthropic_openai_response.cpp (response,
// errors, shared helpers), anthropic_openai_stream.cpp (MessagesStreamWriter).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"

namespace igw {

// Anthropic Messages request JSON -> OpenAI chat request JSON text. `model` is what to put in
// the OpenAI "model" field (the caller strips/keeps provider prefixes). *stream_out (optional)
// receives the request's `stream` flag. 400 with a message naming the field for anything an
// OpenAI chat request cannot express (document blocks, server tools, mcp_servers, ...).
Result<std::string> messagesToChatRequest(std::string_view anthropic_body, std::string_view model,
                                          bool* stream_out);

// OpenAI chat.completion JSON text -> Anthropic message JSON text (id "msg_..." derived from the
// OpenAI id, type "message", role "assistant", model = the client's requested model string).
// 502 (kUnavailable) when the body is not a chat.completion.
Result<std::string> chatResponseToMessage(std::string_view openai_body,
                                          std::string_view client_model);

// OpenAI error (HTTP status + body, OpenAI-shaped or not) -> Anthropic error envelope
// {"type":"error","error":{"type":...,"message":...}}; the type follows the HTTP status.
std::string chatErrorToMessagesError(int http_status, std::string_view openai_error_body);

// Anthropic error type for an HTTP status, the Anthropic column of the error taxonomy
// (http/error_taxonomy.h): 400 invalid_request_error, 401 authentication_error, 402
// billing_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429
// rate_limit_error, 503/529 overloaded_error, other 5xx api_error, other 4xx
// invalid_request_error.
std::string_view messagesErrorType(int http_status);

// Pieces shared by the module's own files (and its tests).
namespace messages {

// "msg_..." for an OpenAI completion id: "chatcmpl-msg_X" -> "msg_X" (round trip through the
// outbound Anthropic adapter), "chatcmpl-X" -> "msg_X", "X" -> "msg_X", "" -> a random id.
std::string messageId(std::string_view openai_id);

// OpenAI finish_reason -> Anthropic stop_reason. "stop" (or none) after tool calls is
// "tool_use": some OpenAI-compatible servers report stop there, and Anthropic clients only run
// tools on tool_use.
std::string_view stopReason(std::string_view finish_reason, bool had_tool_calls);

// The Anthropic error type for an OpenAI-style error object's type/code (stream errors carry
// no HTTP status). Anthropic types pass through; unknown kinds are api_error.
std::string_view errorTypeFor(std::string_view openai_type, std::string_view openai_code);

// {"type":"error","error":{"type":<type>,"message":<message>}}
std::string errorEnvelope(std::string_view type, std::string_view message);

}  // namespace messages

// Per-request stream state machine: OpenAI chat.completion.chunk SSE data in, Anthropic SSE
// events out ("event: NAME\ndata: {...}\n\n", whole events only).
//
// Contract for the caller: whatever is appended to `out` is always valid to send. A non-ok
// Status means the stream is over: the writer has already appended an Anthropic `error` event
// (e.g. for a chunk that is not JSON, or a stream that ended early) and ignores all later input;
// send `out`, then close the stream. The Status is for logs and metrics.
class MessagesStreamWriter {
 public:
  explicit MessagesStreamWriter(std::string client_model);

  // One OpenAI SSE data payload (JSON chunk, "[DONE]", or an OpenAI error object {"error":{...}}).
  Status onChunk(std::string_view data, std::string& out);

  // Upstream ended; appends whatever is owed (content_block_stop, message_delta, message_stop).
  // Without a finish_reason or [DONE] first, the stream was cut short: an `error` event instead.
  Status finish(std::string& out);

  // Ends the stream with an Anthropic `error` event of `type` (e.g. "api_error") for a failure
  // the caller saw itself (an SSE event too large, an upstream read error). Writes nothing when
  // the stream already ended; returns the matching non-ok Status.
  Status fail(std::string_view type, std::string_view message, std::string& out);

  // Token counts reported by the upstream usage chunk (-1 while unknown).
  int64_t inputTokens() const { return prompt_tokens_; }
  int64_t outputTokens() const { return completion_tokens_; }

 private:
  enum class Block { kNone, kText, kThinking, kTool };

  struct ToolCall {
    int64_t openai_index = 0;  // index in OpenAI tool_calls deltas
    std::string id;
    std::string name;
    std::string pending_args;  // arguments received before the block could be opened
    bool opened = false;       // content_block_start sent
    bool closed = false;       // content_block_stop sent
  };

  void start(std::string_view openai_id, std::string& out);
  void onDelta(const nlohmann::json& delta, std::string& out);
  void onToolDelta(const nlohmann::json& call, std::string& out);
  void onUsage(const nlohmann::json& usage);
  void text(std::string_view piece, std::string& out);
  void thinking(std::string_view piece, std::string& out);
  void signature(std::string_view sig, std::string& out);
  void redacted(std::string_view data, std::string& out);
  void openTool(ToolCall& call, std::string& out);
  void toolArgs(ToolCall& call, std::string_view piece, std::string& out);
  void openBlock(Block kind, std::string& out);
  void closeBlock(std::string& out);
  void finalize(std::string& out);
  void beginEvent(std::string_view name, std::string& out);

  std::string model_;
  std::string id_;
  std::string scratch_id_, scratch_text_;  // reused by the fast path
  Block open_ = Block::kNone;
  int block_index_ = -1;  // index of the last block started
  std::vector<ToolCall> tools_;
  int open_tool_ = -1;  // position in tools_ of the open (or pending) tool block
  std::string stop_reason_;
  int64_t prompt_tokens_ = -1, cached_tokens_ = 0, completion_tokens_ = -1;
  bool started_ = false, finish_seen_ = false, done_ = false;
};

}  // namespace igw
