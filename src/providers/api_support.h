// Which providers serve the OpenAI API's other endpoints (embeddings, legacy text completions,
// the Responses API) and where: a decision per catalog row, from each provider's documentation.
// The gateway relays these requests byte for byte (only the model renamed) to the path given
// here; a provider without one gets a 400 naming those that have it — except for the Responses
// API, which the others get through the bridge onto chat (api/responses.cpp).
#pragma once

#include <string>
#include <string_view>

namespace igw {

enum class OpenAIEndpoint {
  kEmbeddings,   // POST /v1/embeddings
  kCompletions,  // POST /v1/completions
  kResponses,    // POST /v1/responses (byte for byte where served; the bridge elsewhere)
};

// "/v1/embeddings", "/v1/completions", "/v1/responses": as clients call it.
std::string_view clientPath(OpenAIEndpoint e);

// The provider's OpenAI-compatible path for `e`, appended to its base URL; empty when the
// provider has none. `provider_id` as in the catalog.
std::string_view providerPath(std::string_view provider_id, OpenAIEndpoint e);

// True when api_support.cpp has decided for `provider_id` (tests: every catalog row is).
bool apiSupportDecided(std::string_view provider_id);

// "cloudflare, cohere, ...": the catalog ids of the providers that have `e`, for messages.
std::string providersWith(OpenAIEndpoint e);

}  // namespace igw
