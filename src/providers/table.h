// The providers as configured for this process: catalog row + URL/key + parsed base URL.
// Built once at start-up and shared read-only by every worker.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "http/message.h"
#include "net/url.h"
#include "providers/catalog.h"
#include "translate/translator.h"

namespace igw {

struct ProviderEntry {
  const ProviderSpec* spec = nullptr;
  ProviderSetting setting;
  Url base;
  // Usable for requests: has a key, or needs none.
  bool usable = false;
  // Worth listing models from: has a key, or needs none and its URL was set explicitly.
  bool listed = false;
  // Set when requests go through the provider's native API (translated by this adapter).
  std::shared_ptr<const ChatAdapter> adapter;
  std::string models_path;  // may carry a query (Azure's api-version)
  std::string api_version;  // Azure OpenAI: AZURE_API_VERSION
};

class ProviderTable {
 public:
  static Result<ProviderTable> build(const Config& cfg);

  const ProviderEntry& get(const ProviderSpec& spec) const;
  std::span<const ProviderEntry> all() const { return entries_; }

  // 401 naming the variable to set when the provider has no key but needs one.
  static Status checkUsable(const ProviderEntry& e);
  // Adds credentials in the provider's auth style: `key_override` when given (a key chosen for
  // this request), else the provider's configured key.
  static void addAuth(const ProviderEntry& e, Headers& headers, std::string_view key_override = {});
  // base URL + path (path starts with '/', may carry a query).
  static Url endpoint(const ProviderEntry& e, std::string_view path);
  // The URL of an OpenAI API operation (`op`: "/chat/completions", "/embeddings", ...) for
  // `model`: base URL + op, or for Azure OpenAI the deployment's URL
  // (/openai/deployments/{model}{op}?api-version=...; the Responses API at /openai/v1/responses).
  static Url operationUrl(const ProviderEntry& e, std::string_view op, std::string_view model);

 private:
  std::vector<ProviderEntry> entries_;  // catalog order
};

}  // namespace igw
