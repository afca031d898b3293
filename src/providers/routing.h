// Picks the provider for a request: ?provider=ID wins, else the prefix before the first '/'
// of the model. Also applies ALLOWED_MODELS / DISALLOWED_MODELS.
#pragma once

#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "providers/catalog.h"

namespace igw {

struct Route {
  const ProviderSpec* spec = nullptr;
  std::string upstream_model;  // what the provider sees ("gpt-4o")
};

// The catalog entry for `id`, or a 400 naming the valid ids.
Result<const ProviderSpec*> lookupProvider(std::string_view id);

// `query_provider` is the ?provider= value (empty when absent).
Result<Route> resolveRoute(std::string_view query_provider, std::string_view model);

// True when the model may be served; matches "provider/model" or the bare model name,
// case-insensitively. An entry in DISALLOWED_MODELS always refuses.
bool modelAllowed(const Config& cfg, std::string_view provider_id, std::string_view model);

}  // namespace igw
