// Native adapter for Anthropic's Messages API (POST /v1/messages): OpenAI chat requests become
// Anthropic request bodies, and Anthropic responses, stream events and errors become OpenAI
// chat.completion / chat.completion.chunk objects and Status codes.
//
// OpenAI has no field for Anthropic's thinking signature, so this adapter adds two to the
// assistant message (and to stream deltas): `reasoning_signature` (the signature of the thinking
// text in `reasoning_content`) and `reasoning_redacted` (array of opaque redacted_thinking
// blobs). Clients that send these back on the assistant turn keep extended thinking working
// across tool-use turns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "translate/translator.h"

namespace igw {

struct AnthropicOptions {
  int64_t default_max_tokens =
      4096;  // Anthropic requires max_tokens; used when the client omits it
  std::string version = "2023-06-01";  // anthropic-version header
};

std::unique_ptr<ChatAdapter> makeAnthropicAdapter(AnthropicOptions opts = {});

// The pieces of the adapter, one per source file; exposed for the adapter's own files and tests.
namespace anthropic {

// Thinking budgets for OpenAI reasoning_effort (Anthropic's minimum budget is 1024 tokens).
constexpr int64_t kBudgetLow = 1024;
constexpr int64_t kBudgetMedium = 4096;
constexpr int64_t kBudgetHigh = 16384;

// anthropic_request.cpp: OpenAI chat request -> Anthropic Messages request body.
Result<std::string> buildMessagesBody(const nlohmann::json& openai_request, bool stream,
                                      const AnthropicOptions& opts);

// anthropic.cpp: Anthropic Message -> OpenAI chat.completion.
Result<std::string> translateMessage(std::string_view native_body, const TranslateContext& ctx);

// anthropic_stream.cpp: Anthropic stream events -> OpenAI chunks.
std::unique_ptr<StreamTranslator> newMessageStream(const TranslateContext& ctx);

// Anthropic error type ("overloaded_error", ...) -> Code, through the error taxonomy
// (http/error_taxonomy.h); falls back on the HTTP status when the type is unknown or empty. For
// stream error events, which carry a type and no status.
Code errorCode(std::string_view error_type, int http_status);

// Anthropic stop_reason -> OpenAI finish_reason.
std::string_view finishReason(std::string_view stop_reason);

}  // namespace anthropic
}  // namespace igw
