// The routing file parser (ROUTING_CONFIG_PATH, YAML) fed untrusted bytes: no crash, no hang, no
// exception; a file it accepts has aliases with at least one deployment each, names without '/',
// bounded counts, known strategies and no control characters in what ends up in headers.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routing/routing_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  igw::RoutingParseEnv env;
  env.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  env.known_provider = [](std::string_view id) { return id == "openai" || id == "anthropic"; };
  auto cfg = igw::parseRoutingConfig(text, env);
  if (!cfg) {
    if (cfg.status().message().empty()) std::abort();
    return 0;
  }
  if (cfg->aliases.size() > igw::kMaxAliases) std::abort();
  for (const auto& a : cfg->aliases) {
    if (a.name.empty() || a.name.find('/') != std::string::npos) std::abort();
    if (a.deployments.empty() || a.deployments.size() > igw::kMaxDeploymentsPerAlias) std::abort();
    if (a.retry.retries > 10 || a.retry.max_backoff < a.retry.backoff) std::abort();
    for (const auto& d : a.deployments) {
      if (d.provider != "openai" && d.provider != "anthropic") std::abort();
      for (char c : d.provider + d.model + a.name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
      }
    }
  }
  return 0;
}
