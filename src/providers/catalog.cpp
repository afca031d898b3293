#include "providers/catalog.h"

#include <array>

namespace igw {

namespace {

// Defaults follow the Go inference-gateway so existing deployments keep working.
constexpr std::array kCatalog = {
    ProviderSpec{"anthropic", "Anthropic", "https://api.anthropic.com/v1", AuthStyle::kXApiKey,
                 true, "/chat/completions", "/models", WireFormat::kAnthropic},
    // Azure OpenAI: {RESOURCE} is the resource name; the model is the deployment's name.
    ProviderSpec{"azure",
                 "Azure OpenAI",
                 "https://{RESOURCE}.openai.azure.com",
                 AuthStyle::kApiKey,
                 true,
                 "/chat/completions",
                 "/openai/models",
                 WireFormat::kOpenAI,
                 {},
                 true},
    ProviderSpec{"cloudflare", "Cloudflare",
                 "https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai",
                 AuthStyle::kBearer, true, "/v1/chat/completions", "/finetunes/public?limit=1000"},
    ProviderSpec{"cohere", "Cohere", "https://api.cohere.ai", AuthStyle::kBearer, true,
                 "/compatibility/v1/chat/completions", "/v1/models", WireFormat::kCohere},
    ProviderSpec{"deepseek", "DeepSeek", "https://api.deepseek.com", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    // Native Gemini lives at the base URL; its OpenAI-compatible API under /openai.
    ProviderSpec{"google", "Google", "https://generativelanguage.googleapis.com/v1beta",
                 AuthStyle::kGoogleKey, true, "/openai/chat/completions", "/openai/models",
                 WireFormat::kGemini, "/models?pageSize=1000"},
    ProviderSpec{"groq", "Groq", "https://api.groq.com/openai/v1", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    ProviderSpec{"llamacpp", "llama.cpp", "http://llamacpp:8080/v1", AuthStyle::kNone, false,
                 "/chat/completions", "/models"},
    ProviderSpec{"minimax", "MiniMax", "https://api.minimax.io/v1", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    ProviderSpec{"mistral", "Mistral", "https://api.mistral.ai/v1", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    ProviderSpec{"moonshot", "Moonshot", "https://api.moonshot.ai/v1", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    ProviderSpec{"nvidia", "NVIDIA", "https://integrate.api.nvidia.com/v1", AuthStyle::kBearer,
                 true, "/chat/completions", "/models"},
    ProviderSpec{"ollama", "Ollama", "http://ollama:8080/v1", AuthStyle::kNone, false,
                 "/chat/completions", "/models"},
    ProviderSpec{"ollama_cloud", "Ollama Cloud", "https://ollama.com/v1", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    ProviderSpec{"openai", "OpenAI", "https://api.openai.com/v1", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
    ProviderSpec{"vllm", "vLLM", "http://vllm:8000/v1", AuthStyle::kNone, false,
                 "/chat/completions", "/models"},
    ProviderSpec{"zai", "Z.AI", "https://api.z.ai/api/paas/v4", AuthStyle::kBearer, true,
                 "/chat/completions", "/models"},
};

constexpr std::string_view kIdList =
    "anthropic, azure, cloudflare, cohere, deepseek, google, groq, llamacpp, minimax, mistral, "
    "moonshot, "
    "nvidia, ollama, ollama_cloud, openai, vllm, zai";

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::span<const ProviderSpec> providerCatalog() {
  return kCatalog;
}

const ProviderSpec* findProviderSpec(std::string_view id) {
  for (const auto& spec : kCatalog) {
    if (equalsIgnoreCase(id, spec.id)) return &spec;
  }
  return nullptr;
}

std::string_view providerIdList() {
  return kIdList;
}

}  // namespace igw
