#include "providers/table.h"

#include "translate/openai_anthropic.h"
#include "translate/openai_cohere.h"
#include "translate/openai_gemini.h"

namespace igw {

Result<ProviderTable> ProviderTable::build(const Config& cfg) {
  ProviderTable t;
  for (const auto& spec : providerCatalog()) {
    ProviderEntry e;
    e.spec = &spec;
    e.setting = cfg.providers.find(spec.id)->second;
    auto url = parseUrl(e.setting.url);
    if (!url) {
      std::string var(spec.id);
      for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return invalidArgument(var + "_API_URL: " + url.status().message());
    }
    e.base = std::move(url.value());
    if (e.base.target == "/") e.base.target.clear();
    bool has_key = !e.setting.key.empty();
    e.usable = has_key || !spec.key_required;
    e.listed = has_key || (!spec.key_required && e.setting.url_set);
    e.models_path = spec.models_path;
    if (spec.deployment_urls) {
      e.api_version = cfg.azure_api_version;
      e.models_path += "?api-version=" + e.api_version;
    }
    if (e.setting.native) {
      switch (spec.native) {
        case WireFormat::kAnthropic: {
          AnthropicOptions opts;
          opts.default_max_tokens = static_cast<int64_t>(cfg.anthropic_default_max_tokens);
          e.adapter = makeAnthropicAdapter(opts);
          break;
        }
        case WireFormat::kGemini:
          e.adapter = makeGeminiAdapter();
          break;
        case WireFormat::kCohere:
          e.adapter = makeCohereAdapter();
          break;
        case WireFormat::kOpenAI:
          break;
      }
      if (!spec.native_models_path.empty()) e.models_path = spec.native_models_path;
    }
    t.entries_.push_back(std::move(e));
  }
  return t;
}

const ProviderEntry& ProviderTable::get(const ProviderSpec& spec) const {
  return entries_[static_cast<size_t>(&spec - providerCatalog().data())];
}

Status ProviderTable::checkUsable(const ProviderEntry& e) {
  if (e.usable) return Status::ok();
  std::string var(e.spec->id);
  for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return unauthenticated("provider '" + std::string(e.spec->id) + "' is not configured: set " +
                         var + "_API_KEY");
}

void ProviderTable::addAuth(const ProviderEntry& e, Headers& headers,
                            std::string_view key_override) {
  const std::string key(key_override.empty() ? std::string_view(e.setting.key) : key_override);
  switch (e.spec->auth) {
    case AuthStyle::kXApiKey:
      headers.push_back({"x-api-key", key});
      if (findHeader(headers, "anthropic-version") == nullptr) {
        headers.push_back({"anthropic-version", "2023-06-01"});
      }
      break;
    case AuthStyle::kGoogleKey:
      if (e.adapter) {
        headers.push_back({"x-goog-api-key", key});
      } else {
        headers.push_back({"Authorization", "Bearer " + key});
      }
      break;
    case AuthStyle::kApiKey:
      headers.push_back({"api-key", key});
      break;
    case AuthStyle::kBearer:
    case AuthStyle::kNone:
      if (!key.empty()) headers.push_back({"Authorization", "Bearer " + key});
      break;
  }
}

Url ProviderTable::endpoint(const ProviderEntry& e, std::string_view path) {
  Url u = e.base;
  u.target += path;
  if (u.target.empty()) u.target = "/";
  return u;
}

Url ProviderTable::operationUrl(const ProviderEntry& e, std::string_view op,
                                std::string_view model) {
  if (!e.spec->deployment_urls) return endpoint(e, op);
  // Azure's Responses API is only on its v1 surface, the deployment named in the body.
  if (op == "/responses") return endpoint(e, "/openai/v1/responses");
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string path = "/openai/deployments/";
  for (unsigned char c : model) {  // a deployment name as one path segment
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      path += static_cast<char>(c);
    } else {
      path += '%';
      path += kHex[c >> 4];
      path += kHex[c & 15];
    }
  }
  path += op;
  path += "?api-version=";
  path += e.api_version;
  return endpoint(e, path);
}

}  // namespace igw
