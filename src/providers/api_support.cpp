#include "providers/api_support.h"

#include <array>

#include "providers/catalog.h"

namespace igw {

namespace {

struct Support {
  std::string_view id;
  std::string_view embeddings;   // path under the base URL; empty: none
  std::string_view completions;  // path under the base URL; empty: none
  std::string_view responses;    // path under the base URL; empty: none (the bridge serves it)
};

// One row per catalog provider (tests/unit checks that none is missing). Sources, as of 2026-12:
//   anthropic   neither (no embeddings API; the OpenAI compatibility layer is chat only)
//   azure       both, on the deployment's URL (/openai/deployments/{model}/embeddings and
//               /completions?api-version=...: ProviderTable::operationUrl)
//   cloudflare  /v1/embeddings ("OpenAI compatible API endpoints"); no text completions
//   cohere      /compatibility/v1/embeddings (Compatibility API: chat and embeddings); on its
//               native API (the default) v2 embed, translated (api/openai_relay.cpp)
//   deepseek    no embeddings; FIM completion (beta) at /beta/completions, OpenAI's shape
//   google      /openai/embeddings (Gemini OpenAI compatibility); on its native API (the
//               default) batchEmbedContents, translated; no text completions
//   groq        neither (chat, responses and audio only)
//   llamacpp    both (llama-server's OpenAI-compatible /v1/embeddings, /v1/completions)
//   minimax     neither in OpenAI's shape (its embeddings API takes "texts" and "type")
//   mistral     /embeddings; its FIM endpoint (/fim/completions) is not OpenAI's completions
//   moonshot    neither
//   nvidia      /embeddings (NIM retrieval models); no text completions on the API catalog
//   ollama      both (/v1/embeddings, /v1/completions)
//   ollama_cloud neither documented
//   openai      both
//   vllm        both (its server has /v1/embeddings for pooling models, /v1/completions)
//   zai         neither documented on the international API
// Responses API (/v1/responses in OpenAI's format, streams included), byte for byte to:
//   openai      https://platform.openai.com/docs/api-reference/responses
//   azure       its v1 surface, /openai/v1/responses, the deployment named in the body
//               (ProviderTable::operationUrl)
//   groq        https://console.groq.com/docs/openai ("Groq also supports the Responses API")
//   ollama, ollama_cloud  https://docs.ollama.com/api/openai-compatibility (/v1/responses,
//               stateless only: no previous_response_id, no built-in web search)
//   vllm        its OpenAI-compatible server's /v1/responses
//               (vllm.entrypoints.openai.responses.serving)
// Every other provider gets Responses requests through the bridge onto chat (api/responses.cpp).
constexpr std::array kSupport = {
    Support{"anthropic", "", "", ""},
    Support{"azure", "/embeddings", "/completions", "/responses"},
    Support{"cloudflare", "/v1/embeddings", "", ""},
    Support{"cohere", "/compatibility/v1/embeddings", "", ""},
    Support{"deepseek", "", "/beta/completions", ""},
    Support{"google", "/openai/embeddings", "", ""},
    Support{"groq", "", "", "/responses"},
    Support{"llamacpp", "/embeddings", "/completions", ""},
    Support{"minimax", "", "", ""},
    Support{"mistral", "/embeddings", "", ""},
    Support{"moonshot", "", "", ""},
    Support{"nvidia", "/embeddings", "", ""},
    Support{"ollama", "/embeddings", "/completions", "/responses"},
    Support{"ollama_cloud", "", "", "/responses"},
    Support{"openai", "/embeddings", "/completions", "/responses"},
    Support{"vllm", "/embeddings", "/completions", "/responses"},
    Support{"zai", "", "", ""},
};

const Support* find(std::string_view id) {
  for (const auto& s : kSupport) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string_view pathOf(const Support& s, OpenAIEndpoint e) {
  switch (e) {
    case OpenAIEndpoint::kEmbeddings:
      return s.embeddings;
    case OpenAIEndpoint::kCompletions:
      return s.completions;
    case OpenAIEndpoint::kResponses:
      return s.responses;
  }
  return {};
}

}  // namespace

std::string_view clientPath(OpenAIEndpoint e) {
  switch (e) {
    case OpenAIEndpoint::kEmbeddings:
      return "/v1/embeddings";
    case OpenAIEndpoint::kCompletions:
      return "/v1/completions";
    case OpenAIEndpoint::kResponses:
      return "/v1/responses";
  }
  return {};
}

std::string_view providerPath(std::string_view provider_id, OpenAIEndpoint e) {
  const Support* s = find(provider_id);
  return s == nullptr ? std::string_view() : pathOf(*s, e);
}

bool apiSupportDecided(std::string_view provider_id) {
  return find(provider_id) != nullptr;
}

std::string providersWith(OpenAIEndpoint e) {
  std::string out;
  for (const auto& spec : providerCatalog()) {  // catalog order: alphabetical
    if (providerPath(spec.id, e).empty()) continue;
    if (!out.empty()) out += ", ";
    out += spec.id;
  }
  return out;
}

}  // namespace igw
