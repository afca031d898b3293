// ROUTING_ENABLED: loads the routing file, publishes its table as a snapshot, and loads it
// again on SIGHUP or when the file changes (polled every ROUTING_WATCH_INTERVAL). A valid file
// replaces the table atomically (requests in flight keep the one they started with); an invalid
// one keeps the old table and logs exactly why. Runs on a thread of its own.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/config.h"
#include "core/log.h"
#include "core/snapshot.h"
#include "providers/table.h"
#include "routing/router.h"

namespace igw {

class MetricsRegistry;

class RoutingService {
 public:
  RoutingService(const Config& cfg, const Logger& log, unsigned workers);
  ~RoutingService();
  RoutingService(const RoutingService&) = delete;
  RoutingService& operator=(const RoutingService&) = delete;

  // Loads the file (an error stops start-up) and starts watching it.
  Status start();
  void stop();

  // The current table, through worker `worker`'s own cache (no lock): call from that worker.
  std::shared_ptr<const RoutingTable> table(unsigned worker) const;
  // Any thread (listings, metrics).
  std::shared_ptr<const RoutingTable> current() const { return snapshot_.load(); }

  // Loads the file now. Returns what went wrong, the old table staying in force.
  Status reload();
  uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }

  // Adds llm_routing_deployment_state to the registry's exposition.
  void exportMetrics(MetricsRegistry& registry) const;

 private:
  struct Watcher;
  Result<std::string> readFile() const;

  const Config& cfg_;
  const Logger& log_;
  ProviderTable providers_;  // what deployments without their own key or URL point into
  Snapshot<RoutingTable> snapshot_;
  mutable std::vector<Snapshot<RoutingTable>::Reader> readers_;
  std::mutex reload_mu_;     // one reload at a time (SIGHUP and the file watch)
  DeploymentStates states_;  // guarded by reload_mu_
  std::string loaded_text_;  // guarded by reload_mu_
  std::atomic<uint64_t> reloads_{0};
  std::unique_ptr<Watcher> watcher_;
};

// The aliases ALLOWED_MODELS / DISALLOWED_MODELS let through, as /v1/models and the web UI show
// them: [{alias, strategy, deployments: [{provider, model, state, in_flight, latency_ms}]}].
nlohmann::json describeAliases(const RoutingTable& table, const Config& cfg);

}  // namespace igw
