// Routing at run time: the table of aliases built from the routing file (immutable, published
// as a snapshot and swapped whole on reload), the live state of each deployment (in flight,
// latency, circuit breaker: atomics shared by all workers, kept across reloads for a
// deployment that stays), and the per-request plan that picks deployments attempt by attempt.
//
// No lock on the request path: picking reads atomics; recording an outcome writes them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "providers/table.h"
#include "routing/routing_config.h"

namespace igw {

using SteadyClock = std::chrono::steady_clock;

inline int64_t steadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

enum class BreakerState : uint8_t { kClosed, kOpen, kHalfOpen };
std::string_view breakerStateName(BreakerState s);

// How one attempt ended, as far as routing is concerned.
enum class AttemptOutcome : uint8_t {
  kSuccess,      // a response head the client gets (any status the retry rules do not cover)
  kConnect,      // could not reach the provider, or it broke the connection
  kTimeout,      // no response head in time
  kRateLimited,  // 429
  kServerError,  // 5xx (529 included)
};
std::string_view outcomeName(AttemptOutcome o);

// Live state of one deployment. Shared by every alias and table version naming the same
// (provider, model, base_url, api_key).
struct DeploymentState {
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> latency_us{0};  // moving average of time to first token; 0: unknown
  std::atomic<uint32_t> consecutive_failures{0};
  std::atomic<int64_t> open_until_ns{0};   // breaker open until (steady ns); 0: closed
  std::atomic<bool> probing{false};        // half open: the one probe is out
  std::atomic<int64_t> avoid_until_ns{0};  // a 429's Retry-After: try elsewhere until then
  // Error-rate window.
  std::atomic<int64_t> window_start_ns{0};
  std::atomic<uint32_t> window_attempts{0};
  std::atomic<uint32_t> window_failures{0};

  BreakerState state(int64_t now_ns) const;
};

struct Deployment {
  DeploymentSpec spec;
  std::string label;                         // "provider/model"
  const ProviderEntry* provider = nullptr;   // the table's entry, or own_entry
  std::unique_ptr<ProviderEntry> own_entry;  // when the deployment has its own key or URL
  std::shared_ptr<DeploymentState> state;
};

struct Alias {
  AliasSpec spec;  // spec.deployments mirrors `deployments`
  std::vector<Deployment> deployments;
  std::vector<uint32_t> by_priority;      // fallback order
  mutable std::atomic<uint64_t> turn{0};  // round robin position; also seeds weighted picks
};

class Logger;

// Deployment states by identity, kept across reloads. Touched only when a table is built.
class DeploymentStates {
 public:
  std::shared_ptr<DeploymentState> get(const DeploymentSpec& d);
  // Forgets the states no table refers to any more.
  void prune();

 private:
  std::unordered_map<std::string, std::shared_ptr<DeploymentState>> states_;
};

class RoutingTable {
 public:
  // Builds the aliases of `cfg` over `providers` (which must outlive the table).
  static Result<std::shared_ptr<const RoutingTable>> build(const RoutingConfig& cfg,
                                                           const ProviderTable& providers,
                                                           DeploymentStates& states);

  const Alias* find(std::string_view name) const;
  const std::vector<std::unique_ptr<Alias>>& aliases() const { return aliases_; }

 private:
  std::vector<std::unique_ptr<Alias>> aliases_;
  std::unordered_map<std::string_view, const Alias*> by_name_;
};

// What one request does with an alias: which deployments it tried and how they ended.
class RoutePlan {
 public:
  RoutePlan(std::shared_ptr<const RoutingTable> table, const Alias& alias);
  ~RoutePlan();  // releases an attempt still active (the client left)
  RoutePlan(const RoutePlan&) = delete;
  RoutePlan& operator=(const RoutePlan&) = delete;

  const Alias& alias() const { return *alias_; }

  // A new model call of the same request (the tool loop's next turn): fresh attempts, tried
  // set and deadline.
  void restart();

  // The deployment to try next, or null when none is healthy. Untried deployments come first
  // (in the strategy's order), then tried ones again. `*again` is set when the pick was tried
  // before (the caller then waits the backoff). Takes the half-open probe when it picks one.
  const Deployment* pick(int64_t now_ns, bool* again);
  // The first deployment the strategy would look at (no side effects): what filters that run
  // before any attempt (allow-lists, limits) see.
  const Deployment& preview() const;

  // A pick that is not tried after all (its wait would be too long): gives its probe back.
  void unpick(const Deployment& d);

  // The attempt on `d` (the last pick) starts: it counts as in flight until release().
  void begin(const Deployment& d);
  // How it ended, for the circuit breaker (and a 429's Retry-After).
  void end(AttemptOutcome outcome, int64_t now_ns, int64_t retry_after_ms, const Logger* log);
  // The attempt is over (failed, or its answer delivered). `latency_ns` > 0: time to its first
  // token (or whole answer), least_latency's input.
  void release(int64_t latency_ns);
  const Deployment* active() const { return active_; }
  int64_t activeStartNs() const { return active_start_ns_; }

  // Why no deployment could be tried: 429 when providers asked to wait (Retry-After), 503 when
  // every circuit is open. `*retry_after_s`: when one may be usable again.
  Status unavailable(int64_t now_ns, int64_t* retry_after_s) const;

  uint32_t attempts() const { return attempts_; }
  bool mayRetry(AttemptOutcome o) const;
  // The pause before trying deployment `d` again: jittered exponential backoff, or its
  // Retry-After when that is longer (and within max_retry_after).
  int64_t backoffMs(const Deployment& d, int64_t now_ns) const;
  // Deadline of all attempts (steady ns); 0: none.
  int64_t deadlineNs() const { return deadline_ns_; }

  // "openai/gpt-4o=503, groq/llama-3=connect" — what was tried, for the X-Attempted-Deployments
  // header and the access log.
  const std::string& tried() const { return tried_; }
  void noteTried(const Deployment& d, std::string_view what);

  // "openai/gpt-4o=open, groq/llama=half_open": the alias's deployments whose circuit is not
  // closed (empty when all are), for the access log.
  std::string circuits(int64_t now_ns) const;

  bool headers_added = false;

 private:
  static bool usable(const Deployment& d, int64_t now_ns);

  std::shared_ptr<const RoutingTable> table_;  // keeps the alias alive
  const Alias* alias_;
  uint64_t tried_mask_ = 0;
  int last_index_ = -1;  // the deployment of the last attempt
  bool probe_ = false;   // the current attempt is a half-open circuit's probe
  const Deployment* active_ = nullptr;
  int64_t active_start_ns_ = 0;
  uint32_t attempts_ = 0;
  uint32_t retries_on_same_ = 0;
  int64_t deadline_ns_ = 0;
  std::string tried_;
};

}  // namespace igw
