#include "providers/api_support.h"

#include <array>

#include "providers/catalog.h"

namespace igw {

namespace {

struct Support {
  std::string_view id;
  std::string_view embeddings;   // path under the base URL; empty: none
  std::string_view completions;  // path under the base URL; empty: none
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
constexpr std::array kSupport = {
    Support{"anthropic", "", ""},
    Support{"azure", "/embeddings", "/completions"},
    Support{"cloudflare", "/v1/embeddings", ""},
    Support{"cohere", "/compatibility/v1/embeddings", ""},
    Support{"deepseek", "", "/beta/completions"},
    Support{"google", "/openai/embeddings", ""},
    Support{"groq", "", ""},
    Support{"llamacpp", "/embeddings", "/completions"},
    Support{"minimax", "", ""},
    Support{"mistral", "/embeddings", ""},
    Support{"moonshot", "", ""},
    Support{"nvidia", "/embeddings", ""},
    Support{"ollama", "/embeddings", "/completions"},
    Support{"ollama_cloud", "", ""},
    Support{"openai", "/embeddings", "/completions"},
    Support{"vllm", "/embeddings", "/completions"},
    Support{"zai", "", ""},
};

const Support* find(std::string_view id) {
  for (const auto& s : kSupport) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string_view pathOf(const Support& s, OpenAIEndpoint e) {
  return e == OpenAIEndpoint::kEmbeddings ? s.embeddings : s.completions;
}

}  // namespace

std::string_view clientPath(OpenAIEndpoint e) {
  return e == OpenAIEndpoint::kEmbeddings ? "/v1/embeddings" : "/v1/completions";
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
