// POST /v1/embeddings: byte for byte to the providers that serve OpenAI's embeddings API
// (providers/api_support.cpp); encoding_format, dimensions and batches are the provider's to
// honour. Usage (prompt_tokens, total_tokens) counts for metrics, limits and budgets.
#include "api/app.h"
#include "api/openai_relay.h"

namespace igw {

net::awaitable<void> handleEmbeddings(Exchange& ex) {
  co_await relayOpenAIEndpoint(ex, OpenAIEndpoint::kEmbeddings);
}

}  // namespace igw
