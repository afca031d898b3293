// The chain's order, built once per configuration snapshot (see filters.h).
#include "filters/filters.h"

namespace igw {

FilterChain buildFilterChain(const Config& config, const ToolRegistry* tools) {
  std::vector<std::unique_ptr<Filter>> filters;
  filters.push_back(makeRequestIdFilter(config));
  filters.push_back(makeTelemetryFilter(config));
  if (auto auth = makeAuthFilter(config)) filters.push_back(std::move(auth));
  filters.push_back(makeRouteFilter(config));
  if (auto allow = makeModelAllowListFilter(config)) filters.push_back(std::move(allow));
  if (auto models = makeKeyModelsFilter(config)) filters.push_back(std::move(models));
  if (auto limits = makeLimitsFilter(config)) filters.push_back(std::move(limits));
  if (auto loop = makeToolLoopFilter(config, tools)) filters.push_back(std::move(loop));
  return FilterChain(std::move(filters));
}

}  // namespace igw
