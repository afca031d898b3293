// The static catalog of providers the gateway knows: id, defaults and wire details.
// Adding an OpenAI-compatible provider is one row here.
#pragma once

#include <span>
#include <string_view>

namespace igw {

enum class AuthStyle {
  kBearer,     // Authorization: Bearer KEY
  kXApiKey,    // x-api-key: KEY (+ anthropic-version)
  kNone,       // no credentials (local servers); a key, if set, is sent as Bearer
};

// Which adapter translates requests for this provider. Every provider speaks the OpenAI
// dialect through its compatibility endpoint today; native adapters add values here.
enum class WireFormat { kOpenAI };

struct ProviderSpec {
  std::string_view id;            // "openai", "ollama_cloud"
  std::string_view display_name;  // "OpenAI"
  std::string_view default_url;   // base URL, no trailing slash
  AuthStyle auth;
  bool key_required;
  std::string_view chat_path;    // appended to the base URL
  std::string_view models_path;  // appended to the base URL
  WireFormat wire = WireFormat::kOpenAI;
};

std::span<const ProviderSpec> providerCatalog();

// nullptr when the id is unknown. Ids are lower-case; lookup is case-insensitive.
const ProviderSpec* findProviderSpec(std::string_view id);

// "anthropic, cloudflare, ..." for error messages.
std::string_view providerIdList();

}  // namespace igw
