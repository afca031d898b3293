// The pure parts of the agent loop (filters/tool_loop.cpp): offering tools in a chat request,
// reading the model's tool calls out of a whole response or a stream of chunks, and writing the
// assistant turn and the tool results back into the conversation. OpenAI shapes only: the loop
// sits above the provider layer, which translates native APIs to and from these.
//
// A turn goes back to the model as the model produced it: with its reasoning
// (`reasoning_content`, `reasoning_signature`, `reasoning_redacted`, the fields the native
// translators map thinking blocks and thought signatures to) and each tool call's
// `extra_content` (Gemini's per-call thought signature). Anthropic refuses a tool_use turn whose
// signed thinking block is missing or changed; Gemini 3 refuses a function call without its
// thought signature.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "tools/tool_types.h"

namespace igw::agent {

// JSON text that never throws: invalid UTF-8 (a tool server's error page, say) becomes U+FFFD
// instead of an exception on the data path.
std::string safeDump(const nlohmann::json& doc);

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;      // JSON text as the model wrote it
  std::string extra_content;  // the call's `extra_content` object as JSON text, or empty
};

// The model's reasoning in one turn (or several, joined), in the OpenAI-shaped fields above.
struct Reasoning {
  std::string text;                   // reasoning_content
  std::string signature;              // reasoning_signature: a whole value, never a fragment
  std::vector<std::string> redacted;  // reasoning_redacted: opaque blobs, in order
  bool has_text = false;              // reasoning_content was present (possibly "")
  bool has_signature = false;
  bool empty() const { return !has_text && !has_signature && redacted.empty(); }
  // Reads the fields of an assistant message or a stream delta; ignores anything malformed.
  static Reasoning of(const nlohmann::json& message);
  // Puts the fields on an assistant message, exactly those that were present.
  void writeTo(nlohmann::json& message) const;
};

// `first` then `second` (two turns' reasoning) as one: the texts and redacted blobs joined. A
// signature is kept only while it still signs the joined text (the other side has no text and
// no signature of its own); otherwise it is dropped, and the translators drop unsigned
// reasoning on a replay to Anthropic rather than failing the request.
Reasoning joinReasoning(const Reasoning& first, const Reasoning& second);

// A non-streaming answer: reasoning of the turns the loop ran itself (`earlier`) goes onto the
// message the client gets (the response's first choice), so the client sees it, as a streaming
// client sees it in the deltas. A message with its own signature is left alone: that signature
// must still verify when the client replays the message with a client tool's result.
void surfaceReasoning(nlohmann::json& response, const Reasoning& earlier);

// Token counts summed over the model calls of one client request.
struct UsageTotals {
  int64_t prompt = 0;
  int64_t completion = 0;
  int64_t total = 0;
  bool seen = false;
  void add(const nlohmann::json& usage);  // an OpenAI "usage" object; ignores anything else
  nlohmann::json toJson() const;
};

// Names of the tools in the request's own `tools` array (the client's tools).
std::vector<std::string> clientToolNames(const nlohmann::json& request);

// Appends each offered tool as {"type":"function","function":{name,description,parameters}}
// unless the client already has a tool of that name (the client's wins). Returns how many were
// added. A schema that is not valid JSON is offered as an empty object schema.
size_t offerTools(nlohmann::json& request, const std::vector<const ToolSpec*>& tools);

// A whole chat.completion: the first choice's tool calls, text and reasoning.
struct Completion {
  std::vector<ToolCall> calls;
  std::string finish_reason;
  std::string content;
  Reasoning reasoning;
};
Result<Completion> readCompletion(const nlohmann::json& response);

// Reads a streamed answer chunk by chunk and says what to do with each chunk:
//   kForward: text/reasoning/role deltas — the client sees them at once (reasoning of every
//             turn, the loop's own tool turns included, and its signature);
//   kHold:    tool-call deltas and the finish chunk — forwarded later only if this turn goes
//             back to the client (it calls a client tool, or it is the last turn);
//   kDrop:    usage-only chunks — the loop sends one usage chunk with the totals at the end;
//   kSplit:   text or reasoning in the same chunk as tool-call deltas or the finish: forward
//             `rewritten` (the chunk without them) now and hold heldPart() (only them).
// A chunk carrying an "error" object is forwarded and marks the stream failed.
class StreamAccumulator {
 public:
  enum class Action { kForward, kHold, kDrop, kSplit };

  // One SSE data payload (never "[DONE]"). `rewritten` is set when the chunk must be sent in a
  // changed form (usage removed from a chunk that also has choices).
  Action onChunk(std::string_view data, std::string& rewritten, UsageTotals& usage);

  // After kSplit: the part of the chunk to hold (its tool-call deltas and finish_reason).
  const std::string& heldPart() const { return held_part_; }

  std::vector<ToolCall> calls() const;
  const std::string& content() const { return content_; }
  // The turn's reasoning: reasoning_content deltas joined, the last reasoning_signature (each
  // is a whole signature), reasoning_redacted blobs in order.
  const Reasoning& reasoning() const { return reasoning_; }
  const std::string& finishReason() const { return finish_reason_; }
  bool failed() const { return failed_; }
  // The id/model/created of the last chunk, for the usage chunk the loop writes at the end.
  std::string usageChunk(const UsageTotals& totals) const;

 private:
  struct Partial {
    std::string id, name, arguments, extra_content;
  };
  std::vector<Partial> calls_;
  std::string content_;
  Reasoning reasoning_;
  std::string finish_reason_;
  std::string chunk_id_, model_;
  std::string held_part_;
  int64_t created_ = 0;
  bool failed_ = false;
};

// The assistant turn as it goes back into `messages`: content (or null), tool_calls (each with
// its extra_content) and the turn's reasoning, so the replay is the model's turn as it was.
nlohmann::json assistantMessage(const std::string& content, const std::vector<ToolCall>& calls,
                                const Reasoning& reasoning = {});

// A `role: tool` message; errors are prefixed so the model cannot mistake them for output, and
// content longer than max_bytes is cut (on a UTF-8 boundary) with a note saying so.
nlohmann::json toolMessage(const ToolCall& call, const ToolOutcome& outcome, uint64_t max_bytes);

}  // namespace igw::agent
