// OpenAI embeddings <-> Gemini's native batchEmbedContents (ai.google.dev/api/embeddings):
//
//   {"model","input","dimensions","encoding_format"}  ->  POST /models/{model}:batchEmbedContents
//   {"requests":[{"model":"models/M","content":{"parts":[{"text"}]},"outputDimensionality"}]}
//
//   {"embeddings":[{"values":[...]}], "usageMetadata"?}  ->  OpenAI's embeddings list, floats or
//   little-endian float32 in base64 as the request asked.
//
// Gemini takes text only: token-id inputs are refused with a 400 that says so.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "translate/embeddings.h"

namespace igw {

// 400 with what to fix for a body Gemini cannot take (not JSON, no or empty input, token ids,
// a bad dimensions or encoding_format, a model name that is not Gemini's).
Result<NativeEmbeddingsRequest> geminiEmbeddingsRequest(std::string_view openai_body,
                                                        std::string_view model,
                                                        EmbeddingsShape& shape);

// The OpenAI list for a batchEmbedContents answer; `prompt_tokens` is set from usageMetadata
// when Gemini reports it (-1 otherwise, and the answer then has no "usage"). 502 (kUnavailable)
// when the answer is not the documented shape or holds another number of embeddings.
Result<std::string> openAIEmbeddingsFromGemini(std::string_view gemini_body,
                                               const EmbeddingsShape& shape,
                                               int64_t& prompt_tokens);

}  // namespace igw
