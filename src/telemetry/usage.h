// Reads what telemetry needs out of OpenAI-shaped responses and stream chunks: token usage and
// the names of tool calls. Cheap when there is nothing to find (substring checks first).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace igw {

// Token counts of one model answer (or a request's sum), the one usage type of the gateway:
// translators report it, the provider call records it for every route, telemetry and (next)
// budgets read it. -1: the provider did not say. `prompt` includes `cached` (input tokens read
// from a prompt cache); `completion` includes `reasoning`.
struct TokenUsage {
  int64_t prompt = -1;
  int64_t completion = -1;
  int64_t total = -1;
  int64_t cached = -1;
  int64_t reasoning = -1;
  bool known() const { return prompt >= 0 || completion >= 0 || total >= 0; }
};

// Top-level "usage" of a chat.completion or chat.completion.chunk (prompt_tokens, ...), or of an
// Images / Audio API answer or event (input_tokens, output_tokens); false when absent or null.
bool extractUsage(std::string_view json, TokenUsage& out);

// OpenAI Responses API usage: the Response object's "usage" ({input_tokens, output_tokens,
// total_tokens, input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens}), or
// a stream event's "response".usage (response.completed, response.incomplete, response.failed).
// False when neither is there (or null).
bool extractResponsesUsage(std::string_view json, TokenUsage& out);

// Anthropic Messages usage, gathered from a whole message or from stream events: message_start
// carries it under "message", message_delta at the top level. Prompt tokens count the cached
// ones too (as the OpenAI translation of Anthropic answers does).
struct AnthropicUsage {
  int64_t input = -1, cache_read = 0, cache_creation = 0, output = -1;
  TokenUsage tokens() const;
};
// Reads the usage of one Anthropic message or stream event into `acc`; false when none.
bool extractAnthropicUsage(std::string_view json, AnthropicUsage& acc);

// Appends function names of tool calls: choices[].message.tool_calls[] (complete responses) or
// choices[].delta.tool_calls[] carrying a name (the first delta of each streamed call).
void extractToolCallNames(std::string_view json, std::vector<std::string>& names);

// "mcp", "a2a" or "standard_tool_use", from the tool name's prefix.
std::string_view toolType(std::string_view tool_name);

}  // namespace igw
