// Kubernetes service discovery of A2A agents (A2A_SERVICE_DISCOVERY_ENABLE): every
// A2A_SERVICE_DISCOVERY_POLLING_INTERVAL it lists the labelled Services and the operator's Agent
// resources of one namespace through the API server (in-cluster credentials from the service
// account directory) and reports the complete set of agent URLs. Runs on its owner's
// ServiceHost thread (the A2A source's); see k8s_codec.h for how URLs are derived.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "a2a/k8s_codec.h"
#include "core/config.h"
#include "core/log.h"
#include "net/asio.h"
#include "net/beast.h"

namespace igw {

class DeadlineSweeper;
class ServiceHost;
class UpstreamClient;

class K8sDiscovery {
 public:
  // `on_agents` runs on the host's thread after every successful poll with the full set.
  using OnAgents = std::function<void(std::vector<a2a::DiscoveredAgent>)>;

  // `sweeper` runs on `host`'s io_context; both outlive this object.
  K8sDiscovery(ServiceHost& host, DeadlineSweeper& sweeper, const A2aConfig& cfg,
               const ClientConfig& client, const Logger& log, OnAgents on_agents);
  ~K8sDiscovery();

  // Both on the host's thread.
  void start();
  void stop();

 private:
  net::awaitable<void> loop();
  net::awaitable<bool> pollOnce();
  net::awaitable<Result<std::pair<int, std::string>>> get(const std::string& target,
                                                          const std::string& token);

  ServiceHost& host_;
  const A2aConfig& cfg_;
  ClientConfig client_cfg_;
  Logger log_;
  OnAgents on_agents_;
  std::string ns_;
  std::unique_ptr<UpstreamClient> client_;
  net::asio::steady_timer timer_;
  bool stopped_ = false;
  // Agents of the CRD from the last successful list, kept when a later list fails.
  std::vector<a2a::DiscoveredAgent> crd_agents_;
  bool crd_missing_logged_ = false;
  std::string last_error_;
};

}  // namespace igw
