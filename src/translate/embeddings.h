// What the native embeddings translations (Gemini batchEmbedContents, Cohere v2 embed) share: the
// request's shape the answer's translation needs, and OpenAI's answer built from float vectors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace igw {

struct EmbeddingsShape {
  std::string model;       // as the client gets it back (the upstream name)
  bool base64 = false;     // encoding_format "base64"
  size_t inputs = 0;       // embeddings expected
  int64_t text_bytes = 0;  // of all inputs: a token estimate when the provider reports no usage
};

// A native embeddings request: path under the provider's base URL and body.
struct NativeEmbeddingsRequest {
  std::string path;
  std::string body;
};

// The texts of an OpenAI embeddings request (a string or an array of strings; token ids are
// refused: `provider` takes text), its encoding_format and its dimensions (null when absent).
// Fills `shape` (model included). 400 with what to fix.
struct EmbeddingsInput {
  std::vector<std::string> texts;
  nlohmann::json dimensions;  // a positive integer, or null
  nlohmann::json extra;       // the request's other members (object)
};
Result<EmbeddingsInput> readEmbeddingsRequest(std::string_view openai_body, std::string_view model,
                                              std::string_view provider, EmbeddingsShape& shape);

// OpenAI's embeddings list for `vectors` (each a JSON array), floats or little-endian float32 in
// base64 as `shape` says; "usage" when `prompt_tokens` >= 0. kUnavailable naming `what` when a
// vector is not an array of numbers or their count is not shape.inputs.
Result<std::string> openAIEmbeddingsList(const std::vector<const nlohmann::json*>& vectors,
                                         const EmbeddingsShape& shape, int64_t prompt_tokens,
                                         std::string_view what);

}  // namespace igw
