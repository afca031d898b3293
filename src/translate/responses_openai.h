// Inbound OpenAI Responses API (POST /v1/responses) over chat: the bridge for providers that do
// not serve the Responses API themselves. Pure translation, no I/O. A Responses request becomes
// an OpenAI chat request; the chat.completion and its chat.completion.chunk stream become the
// Response object and the Responses stream events.
//
// Conventions shared with the rest of the gateway: reasoning travels as `reasoning_content` on
// chat messages and deltas, an Anthropic thinking signature as `reasoning_signature`. On the
// Responses side reasoning is a reasoning item whose summary holds the text; the signature goes
// in its encrypted_content, so a client that sends the item back (as Responses clients do
// without stored responses) keeps extended thinking across tool calls.
//
// What the bridge cannot carry is a 400 naming the field: previous_response_id and conversation
// (no stored responses), background, prompt templates, item references, and every tool other
// than function tools (web_search, file_search, computer_use, code_interpreter, mcp, ...).
//
// Files: responses_openai_request.cpp (request), responses_openai_response.cpp (Response object,
// shared helpers), responses_openai_stream.cpp (ResponsesStreamWriter).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"

namespace igw {

struct ResponsesChatRequest {
  std::string chat;  // the OpenAI chat request (JSON text)
  std::string echo;  // JSON object text: the request's settings the Response object repeats
  bool stream = false;
};

// Responses request JSON -> OpenAI chat request. `model` is what to put in the chat request's
// "model". 400 with a message naming the field for what the bridge cannot carry.
Result<ResponsesChatRequest> responsesToChatRequest(std::string_view body, std::string_view model);

// OpenAI chat.completion JSON text -> Response object JSON text: id "resp_..." derived from the
// completion id, model = the client's model string, `echo` from responsesToChatRequest. 502
// (kUnavailable) when the body is not a chat.completion.
Result<std::string> chatResponseToResponse(std::string_view openai_body,
                                           std::string_view client_model, std::string_view echo);

namespace responses {

// "resp_..." for an OpenAI completion id: "chatcmpl-X" -> "resp_X", "resp_X" stays, "X" ->
// "resp_X", "" -> a random id.
std::string responseId(std::string_view openai_id);

// The data of an `error` stream event:
// {"type":"error","code":...,"message":...,"param":null,"sequence_number":N}.
std::string errorEvent(std::string_view code, std::string_view message, int64_t sequence);

// Shared by the module's files (and its tests).

// Token counts as chat reports them; -1: not reported.
struct UsageCounts {
  int64_t prompt = -1, cached = -1, completion = -1, reasoning = -1, total = -1;
};

// The Response object's usage: {input_tokens, input_tokens_details: {cached_tokens},
// output_tokens, output_tokens_details: {reasoning_tokens}, total_tokens}; null when chat
// reported none.
nlohmann::ordered_json usageObject(const UsageCounts& u);

// Reads chat usage ({prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details,
// completion_tokens_details}) into `u`, keeping what it does not say.
void readChatUsage(const nlohmann::json& usage, UsageCounts& u);

// The fields every Response object has, in OpenAI's order, then `echo`'s (the request
// settings). `status`: completed, incomplete, failed or in_progress; `finish_reason` decides
// incomplete_details ("length" -> max_output_tokens, "content_filter" -> content_filter).
nlohmann::ordered_json responseObject(std::string_view id, int64_t created_at,
                                      std::string_view status, std::string_view finish_reason,
                                      std::string_view model, const nlohmann::json& echo);

// "incomplete" for the finish reasons that cut the output short (length, content_filter),
// else "completed".
std::string_view statusFor(std::string_view finish_reason);

// The id of output item `index` of response `response_id`: "rs_", "msg_" or "fc_" + the
// response id's own part + "_" + index.
std::string itemId(std::string_view prefix, std::string_view response_id, size_t index);

}  // namespace responses

// Per-request stream state machine: OpenAI chat.completion.chunk SSE data in, Responses API
// events out ("event: NAME\ndata: {"type":"NAME",...,"sequence_number":N}\n\n", whole events
// only, numbered from 0).
//
// The sequence: response.created, response.in_progress, then per output item
// response.output_item.added, its content events, response.output_item.done; then
// response.completed (or response.incomplete when the output was cut at max_output_tokens or
// by a content filter) with the whole Response, usage included. Items: reasoning (summary part,
// reasoning_summary_text deltas), message (output_text or refusal part, text deltas),
// function_call (function_call_arguments deltas). One item is open at a time.
//
// Contract for the caller: whatever is appended to `out` is always valid to send. A non-ok
// Status means the stream is over: the writer has appended an `error` event and a
// response.failed event and ignores all later input. The Status is for logs and metrics.
class ResponsesStreamWriter {
 public:
  ResponsesStreamWriter(std::string client_model, std::string_view echo);
  ~ResponsesStreamWriter();
  ResponsesStreamWriter(const ResponsesStreamWriter&) = delete;
  ResponsesStreamWriter& operator=(const ResponsesStreamWriter&) = delete;

  // One OpenAI SSE data payload (JSON chunk, "[DONE]", or an OpenAI error object {"error":{...}}).
  Status onChunk(std::string_view data, std::string& out);

  // Upstream ended; appends whatever is owed. Without a finish_reason or [DONE] first, the stream
  // was cut short: an error instead.
  Status finish(std::string& out);

  // Ends the stream with an `error` event (code e.g. "server_error") and response.failed, for a
  // failure the caller saw itself. Writes nothing when the stream already ended.
  Status fail(std::string_view code, std::string_view message, std::string& out);

 private:
  enum class Kind { kReasoning, kMessage, kFunctionCall };
  struct Item {
    Kind kind = Kind::kMessage;
    std::string id;
    std::string text;                       // reasoning summary / message text / function arguments
    std::string refusal;                    // message: refusal text
    int text_part = -1, refusal_part = -1;  // message: content index of each part (-1: none)
    int open_part = -1;         // message: content index of the open part; reasoning: 0 when open
    std::string signature;      // reasoning: encrypted_content
    std::string call_id, name;  // function call
    int64_t openai_index = 0;   // function call: index in the chat tool_calls deltas
    bool named = false;         // function call: added (its name known)
    std::string pending_args;   // arguments received before the name
    bool done = false;
  };

  void start(std::string_view openai_id, int64_t created, std::string& out);
  void onDelta(const nlohmann::json& delta, std::string& out);
  void onToolDelta(const nlohmann::json& call, std::string& out);
  void onUsage(const nlohmann::json& usage);
  void reasoning(std::string_view piece, std::string& out);
  void messageText(std::string_view piece, bool refusal, std::string& out);
  void openItem(Kind kind, std::string& out);
  void addFunctionCall(Item& item, std::string& out);
  void closePart(Item& item, std::string& out);
  void closeItem(std::string& out);
  void finalize(std::string& out);
  void beginEvent(std::string_view type, std::string& out);
  void endEvent(std::string& out);
  std::string responseJson(std::string_view status, const nlohmann::json* error) const;
  nlohmann::ordered_json itemObject(const Item& item, bool done) const;
  std::string itemJson(const Item& item, bool done) const;

  std::string model_;
  std::unique_ptr<nlohmann::json> echo_;  // the request settings the Response repeats
  std::string id_, item_base_;
  int64_t created_ = 0;
  int64_t sequence_ = 0;
  std::vector<Item> items_;
  int open_ = -1;  // index in items_ of the open item
  std::string finish_reason_;
  int64_t prompt_tokens_ = -1, cached_tokens_ = -1, completion_tokens_ = -1, reasoning_tokens_ = -1,
          total_tokens_ = -1;
  bool started_ = false, finish_seen_ = false, done_ = false;
};

}  // namespace igw
