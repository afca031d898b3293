// The static catalog of providers the gateway knows: id, defaults and wire details.
// Adding an OpenAI-compatible provider is one row here.
#pragma once

#include <span>
#include <string_view>

namespace igw {

enum class AuthStyle {
  kBearer,     // Authorization: Bearer KEY
  kXApiKey,    // x-api-key: KEY (+ anthropic-version)
  kGoogleKey,  // native: x-goog-api-key: KEY; OpenAI-compatible endpoint: Bearer
  kApiKey,     // api-key: KEY (Azure OpenAI)
  kNone,       // no credentials (local servers); a key, if set, is sent as Bearer
};

// Which adapter translates requests for this provider's native API. kOpenAI: the provider
// speaks the OpenAI dialect, requests are forwarded as they are.
enum class WireFormat { kOpenAI, kAnthropic, kGemini, kCohere };

struct ProviderSpec {
  std::string_view id;            // "openai", "ollama_cloud"
  std::string_view display_name;  // "OpenAI"
  std::string_view default_url;   // base URL, no trailing slash
  AuthStyle auth;
  bool key_required;
  std::string_view chat_path;    // OpenAI-compatible chat endpoint, appended to the base URL
  std::string_view models_path;  // appended to the base URL
  WireFormat native = WireFormat::kOpenAI;   // its own API, used by default when not kOpenAI
  std::string_view native_models_path = {};  // models endpoint of the native API, if different
  // Azure OpenAI: the model is a deployment named in the URL
  // (/openai/deployments/{model}/chat/completions?api-version=...), not in the body alone
  // (ProviderTable::operationUrl).
  bool deployment_urls = false;
};

std::span<const ProviderSpec> providerCatalog();

// nullptr when the id is unknown. Ids are lower-case; lookup is case-insensitive.
const ProviderSpec* findProviderSpec(std::string_view id);

// "anthropic, cloudflare, ..." for error messages.
std::string_view providerIdList();

}  // namespace igw
