#include "providers/routing.h"

#include <algorithm>

namespace igw {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status unknownProvider(std::string_view id) {
  return invalidArgument("unknown provider '" + std::string(id) +
                         "'; valid providers: " + std::string(providerIdList()));
}

}  // namespace

Result<const ProviderSpec*> lookupProvider(std::string_view id) {
  const ProviderSpec* spec = findProviderSpec(id);
  if (spec == nullptr) return unknownProvider(id);
  return spec;
}

Result<Route> resolveRoute(std::string_view query_provider, std::string_view model) {
  size_t slash = model.find('/');
  if (!query_provider.empty()) {
    const ProviderSpec* spec = findProviderSpec(query_provider);
    if (spec == nullptr) return unknownProvider(query_provider);
    Route r{spec, std::string(model)};
    // "openai/gpt-4o" with ?provider=openai: the prefix is redundant, strip it.
    if (slash != std::string_view::npos && findProviderSpec(model.substr(0, slash)) == spec) {
      r.upstream_model = std::string(model.substr(slash + 1));
    }
    if (r.upstream_model.empty())
      return invalidArgument("'model' names no model after the provider");
    return r;
  }
  if (slash == std::string_view::npos) {
    return invalidArgument("cannot tell the provider of model '" + std::string(model) +
                           "': use 'provider/model' (e.g. openai/gpt-4o) or ?provider=ID; "
                           "valid providers: " +
                           std::string(providerIdList()));
  }
  std::string_view prefix = model.substr(0, slash);
  const ProviderSpec* spec = findProviderSpec(prefix);
  if (spec == nullptr) return unknownProvider(prefix);
  Route r{spec, std::string(model.substr(slash + 1))};
  if (r.upstream_model.empty()) return invalidArgument("'model' names no model after the provider");
  return r;
}

bool modelAllowed(const Config& cfg, std::string_view provider_id, std::string_view model) {
  if (cfg.allowed_models.empty() && cfg.disallowed_models.empty()) return true;
  std::string bare = lower(model);
  std::string full = lower(provider_id) + "/" + bare;
  auto matches = [&](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& e) { return e == bare || e == full; });
  };
  if (matches(cfg.disallowed_models)) return false;
  return cfg.allowed_models.empty() || matches(cfg.allowed_models);
}

}  // namespace igw
