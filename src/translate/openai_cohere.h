// Cohere v2 Chat API adapter (POST /v2/chat on https://api.cohere.com). Translates OpenAI Chat
// Completions requests to Cohere's native body and Cohere responses / SSE events back to
// OpenAI "chat.completion" / "chat.completion.chunk" objects.
//
// Mapping choices that OpenAI and Cohere do not settle by themselves:
//  - tool_choice "auto" is omitted (Cohere's default); "none" -> NONE; "required" -> REQUIRED; a
//    named function -> REQUIRED with `tools` narrowed to that one function, since Cohere cannot
//    name a tool to force.
//  - parallel_tool_calls is ignored: Cohere has no switch for it (strict_tools is a different
//    feature: schema-constrained arguments).
//  - reasoning_effort -> thinking: "none" -> {type:"disabled"}; "minimal" 1024, "low" 2048,
//    "medium" 8192, "high" 16384 -> {type:"enabled", token_budget:N}.
//  - Cohere's tool_plan (the model's note before calling tools) and thinking content both become
//    reasoning_content, in the order they arrive; an assistant message's reasoning_content goes
//    back as tool_plan (with tool_calls) or as a thinking content part (without).
//  - finish_reason COMPLETE/STOP_SEQUENCE -> stop, MAX_TOKENS -> length, TOOL_CALL -> tool_calls.
//    ERROR and TIMEOUT are surfaced as errors, not as a silent "stop": non-streaming they fail
//    the request (502 / 504); streaming they become an OpenAI error event after what was sent.
//  - citations are dropped (OpenAI chat has no place for them).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "translate/translator.h"

namespace igw {

std::unique_ptr<ChatAdapter> makeCohereAdapter();

// GET /v1/models body {"models":[{"name","endpoints":[...]}]} -> names of the chat models.
Result<std::vector<std::string>> parseCohereModelList(std::string_view body);

// The pieces the adapter is assembled from, exposed for tests and the fuzz target.
namespace cohere {

Result<NativeRequest> buildRequest(const nlohmann::json& openai_request, bool stream);
Result<std::string> translateResponse(std::string_view native_body, const TranslateContext& ctx);
std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx);
// An error response: the HTTP status passes through (one that is not an HTTP error becomes
// 502, see http/error_taxonomy.h); the message is Cohere's {"message"} or the body's text.
ProviderError translateError(int http_status, std::string_view native_body);

// Cohere finish_reason -> OpenAI finish_reason; empty for ERROR/TIMEOUT (the caller reports
// those as errors). Unknown values map to "stop".
std::string_view openAiFinishReason(std::string_view cohere_reason);

// Cohere usage {billed_units, tokens, cached_tokens} -> counts: tokens.* first, billed_units.*
// as the fallback; total = prompt + completion; cached is part of prompt, never added to it.
StreamTranslator::Usage usageFrom(const nlohmann::json& cohere_usage);

// The OpenAI "usage" object for `u` (unknown counts as 0; cached only when known).
nlohmann::json usageJson(const StreamTranslator::Usage& u);

// Up to `max` bytes of upstream text for an error message, as valid UTF-8 (bytes of broken
// sequences become '?') so the error JSON built from it stays valid.
std::string quoteForError(std::string_view text, size_t max = 300);

// reasoning_effort -> thinking token budget; 0 means "disabled", -1 means not recognised.
int thinkingBudget(std::string_view effort);

}  // namespace cohere
}  // namespace igw
