// Native adapter for the Google Gemini API (generativelanguage.googleapis.com/v1beta):
// OpenAI chat requests become `POST /models/{model}:generateContent` (or
// `:streamGenerateContent?alt=sse`) bodies, and Gemini responses, SSE chunks and errors become
// OpenAI chat.completion / chat.completion.chunk objects and Status codes. The caller adds the
// `x-goog-api-key` header.
//
// Fields OpenAI has no name for:
//  - Gemini function calls carry no id. Ids are made up deterministically on the way out
//    ("call_" + 16 hex digits of FNV-1a over name, arguments and position) and only used to find
//    the function name when a `role: tool` message comes back; they are never sent upstream.
//  - A thoughtSignature on a functionCall part travels in the tool call as
//    `extra_content.google.thought_signature` (the shape Google's own OpenAI-compatible endpoint
//    uses); a signature on any other part becomes `reasoning_signature` on the message (or the
//    stream delta). Both are accepted back on assistant messages so multi-turn tool use with
//    thinking models keeps working.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "http/json_scan.h"
#include "translate/translator.h"

namespace igw {

std::unique_ptr<ChatAdapter> makeGeminiAdapter();

// `GET /models` body -> model ids usable for chat ("models/x" -> "x"; only models whose
// supportedGenerationMethods include generateContent).
Result<std::vector<std::string>> parseGeminiModelList(std::string_view body);

// The pieces of the adapter, one per source file; exposed for the adapter's own files and tests.
namespace gemini {

// Thinking budgets (tokens) for OpenAI reasoning_effort; "none" turns thinking off (budget 0).
constexpr int64_t kBudgetMinimal = 512;
constexpr int64_t kBudgetLow = 1024;
constexpr int64_t kBudgetMedium = 8192;
constexpr int64_t kBudgetHigh = 24576;

// gemini_request.cpp: OpenAI chat request -> native request (path + body).
Result<NativeRequest> buildRequest(const nlohmann::json& openai_request, bool stream);

// gemini_request.cpp: OpenAI/JSON-schema -> the OpenAPI subset Gemini's `Schema` accepts.
// Keeps only keys Gemini knows (see kept list in the .cpp), turns `"type": [T, "null"]` into
// type T + nullable and `const` into a one-value enum.
nlohmann::json sanitizeSchema(const nlohmann::json& schema);

// gemini_response.cpp: GenerateContentResponse -> OpenAI chat.completion text.
Result<std::string> translateResponse(std::string_view native_body, const TranslateContext& ctx);

// gemini_stream.cpp: Gemini SSE chunks -> OpenAI chunks.
std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx);

// gemini_response.cpp: a Gemini error (HTTP status, google.rpc status string, message) -> Status
// carrying the provider's message (errors inside a response or a stream).
Status errorStatus(int http_status, std::string_view rpc_status, std::string message);
// An error response: the HTTP status passes through, but for the documented mappings
// (http/error_taxonomy.h): a bad API key (400 INVALID_ARGUMENT, "API key not valid") is 401, a
// status that is not an HTTP error is 502.
ProviderError translateError(int http_status, std::string_view native_body);

// Gemini finishReason -> OpenAI finish_reason ("tool_calls" for STOP when the candidate called
// functions).
std::string_view finishReason(std::string_view gemini_reason, bool has_tool_calls);

class JsonView;

// gemini_response.cpp: the OpenAI pieces of one candidate's parts, as JSON fragments ready to be
// spliced into output. Shared by the response and stream paths so both say the same thing.
struct PartsOut {
  std::string content;     // text parts: escaped string bytes without quotes, concatenated
  std::string reasoning;   // thought parts, same form
  std::string signature;   // last thoughtSignature of a non-call part, escaped, no quotes
  std::string tool_calls;  // comma-separated OpenAI tool call objects
  bool has_signature = false;
  int calls = 0;  // tool calls appended
  void clear();
};

// Appends the parts of Candidate `cand` to `out`. Calls are numbered from `first_call`; stream
// deltas carry that number as "index". `scratch` is a reused buffer.
void collectParts(const JsonView& v, uint32_t cand, int first_call, bool with_index, PartsOut& out,
                  std::string& scratch);

// usageMetadata -> counts (completion = candidates + thoughts tokens).
StreamTranslator::Usage readUsage(const JsonView& v, uint32_t usage_metadata);

// Appends an OpenAI "usage" object.
void appendUsage(std::string& out, const StreamTranslator::Usage& u);

void appendInt(std::string& out, int64_t v);

// The Status of an {"error":{...}} body (or a one-element array of one) in `v`, ok when there is
// none. `http_status` 0 means "take the body's code". `rpc_status` receives the google.rpc status
// string when given.
Status embeddedError(const JsonView& v, int http_status, std::string* rpc_status = nullptr);

// A validating JSON reader for the response path that builds no DOM: one pass records every
// value's byte span in a reused node array, so strings can be copied to the output still
// escaped. Rejects what nlohmann would (bad escapes, lone surrogates, invalid UTF-8), so copied
// spans are always valid JSON.
class JsonView {
 public:
  static constexpr uint32_t npos = UINT32_MAX;

  // `text` must outlive every later query. Returns false on any syntax error.
  bool parse(std::string_view text);
  // The last parse failed because the text nests deeper than jsonLimits().max_depth.
  bool tooDeep() const { return too_deep_; }

  uint32_t root() const { return 0; }
  JsonType type(uint32_t n) const { return nodes_[n].type; }
  bool is(uint32_t n, JsonType t) const { return n != npos && nodes_[n].type == t; }
  std::string_view raw(uint32_t n) const;    // the value's bytes (strings with their quotes)
  std::string_view inner(uint32_t n) const;  // a string's bytes without quotes, still escaped
  uint32_t first(uint32_t n) const;          // first element/member value, npos if none
  uint32_t next(uint32_t n) const { return nodes_[n].next; }
  uint32_t find(uint32_t obj, std::string_view key) const;  // npos unless obj has key
  int64_t integer(uint32_t n, int64_t fallback) const;      // integral number, else fallback
  bool isTrue(uint32_t n) const { return is(n, JsonType::kTrue); }

 private:
  struct Node {
    uint32_t begin, end;          // value span
    uint32_t key_begin, key_len;  // raw key (object members only)
    uint32_t next;                // next sibling
    JsonType type;
    bool has_children;
  };
  uint32_t parseValue(uint32_t key_begin, uint32_t key_len, int depth);
  bool parseContainer(uint32_t idx, int depth, char close);
  bool skipString();
  bool skipNumber();
  bool skipLiteral(std::string_view word);
  void skipWs();

  std::string_view text_;
  size_t pos_ = 0;
  bool too_deep_ = false;
  std::vector<Node> nodes_;
};

// Appends `raw_json` with insignificant whitespace removed (input must be valid JSON).
void appendMinified(std::string& out, std::string_view raw_json);

// Deterministic tool call id for a call without one.
std::string makeToolCallId(std::string_view name, std::string_view args, int index);

}  // namespace gemini
}  // namespace igw
