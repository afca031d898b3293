// OpenAI embeddings <-> Cohere's v2 embed (docs.cohere.com/reference/embed):
//
//   {"model","input","dimensions","encoding_format","input_type"?}  ->  POST /v2/embed
//   {"model","texts":[...],"input_type","embedding_types":["float"],"output_dimension"?}
//
//   {"embeddings":{"float":[[...]]},"meta":{"billed_units":{"input_tokens"}}}  ->  OpenAI's list,
//   floats or little-endian float32 in base64 (packed by the gateway) as the request asked.
//
// Cohere's embed v3+ models require input_type: the request's own "input_type" (an extension
// OpenAI clients can send as an extra body field) or "search_document". "truncate" is carried
// too. Token-id inputs are refused with a 400.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "translate/embeddings.h"

namespace igw {

Result<NativeEmbeddingsRequest> cohereEmbeddingsRequest(std::string_view openai_body,
                                                        std::string_view model,
                                                        EmbeddingsShape& shape);

// `prompt_tokens` from meta.billed_units.input_tokens (-1 when absent). 502 (kUnavailable) when
// the answer is not the documented shape or holds another number of embeddings.
Result<std::string> openAIEmbeddingsFromCohere(std::string_view cohere_body,
                                               const EmbeddingsShape& shape,
                                               int64_t& prompt_tokens);

}  // namespace igw
