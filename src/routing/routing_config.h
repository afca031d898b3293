// The routing file (ROUTING_CONFIG_PATH): model aliases, each a pool of deployments with a
// strategy, retry rules and a circuit breaker. Parsing is pure (no I/O, no provider table): the
// caller passes the environment for ${NAME} references and a check for provider ids, so the same
// code serves start-up, hot reload and the fuzz target. See docs/routing.md for the format.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/status.h"

namespace igw {

enum class Strategy : uint8_t { kRoundRobin, kWeighted, kLeastLatency, kLeastBusy, kFallback };

std::string_view strategyName(Strategy s);

// Which failed attempts are tried again (bits of RetryPolicy::retry_on).
enum RetryOn : uint32_t {
  kRetryConnect = 1u << 0,  // the provider could not be reached / broke the connection
  kRetryTimeout = 1u << 1,  // no response head in time
  kRetry429 = 1u << 2,      // rate limited
  kRetry5xx = 1u << 3,      // 500-599, Anthropic's 529 included
  kRetryAll = kRetryConnect | kRetryTimeout | kRetry429 | kRetry5xx,
};

struct RetryPolicy {
  uint32_t retries = 2;  // attempts after the first
  uint32_t retry_on = kRetryAll;
  Millis deadline{0};         // all attempts of one request together (0: no limit of its own)
  Millis attempt_timeout{0};  // one attempt until its response head (0: CLIENT_* timeouts)
  Millis backoff{100};        // first pause before trying a deployment again; doubles, jittered
  Millis max_backoff{2000};
  Millis max_retry_after{10000};  // a provider's Retry-After is honoured up to this
};

struct BreakerPolicy {
  uint32_t failures = 5;  // consecutive failed attempts that open the circuit (0: never)
  Millis cooldown{30000};
  // Also open when, within `window`, at least `min_requests` attempts were made and this share
  // of them failed (0: off).
  double error_rate = 0;
  uint32_t min_requests = 20;
  Millis window{60000};
};

struct DeploymentSpec {
  std::string provider;  // catalog id ("openai")
  std::string model;     // what the provider sees ("gpt-4o")
  uint32_t weight = 1;   // weighted
  int64_t priority = 0;  // fallback: lower first; equal priorities keep file order
  std::string api_key;   // resolved ${NAME}; empty: the provider's configured key
  std::string base_url;  // empty: the provider's configured URL
  std::string label() const { return provider + "/" + model; }
};

struct AliasSpec {
  std::string name;  // what clients send as "model" (no '/')
  Strategy strategy = Strategy::kRoundRobin;
  std::vector<DeploymentSpec> deployments;
  RetryPolicy retry;
  BreakerPolicy breaker;
};

struct RoutingConfig {
  std::vector<AliasSpec> aliases;  // file order
};

inline constexpr size_t kMaxRoutingFileBytes = 1 << 20;
inline constexpr size_t kMaxAliases = 1000;
inline constexpr size_t kMaxDeploymentsPerAlias = 64;

struct RoutingParseEnv {
  // ${NAME} in api_key and base_url; nullopt: not set (an error naming it).
  std::function<std::optional<std::string>(const std::string&)> env;
  // True for a known provider id.
  std::function<bool(std::string_view)> known_provider;
};

// The whole file, or an error that says where and what is wrong ("models.smart.deployments[1]:
// unknown provider 'opena'"). Never throws.
Result<RoutingConfig> parseRoutingConfig(std::string_view yaml, const RoutingParseEnv& penv);

}  // namespace igw
