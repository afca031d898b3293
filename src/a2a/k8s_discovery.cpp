#include "a2a/k8s_discovery.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "net/deadline.h"
#include "net/upstream.h"
#include "service/service_host.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only

namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

K8sDiscovery::K8sDiscovery(ServiceHost& host, DeadlineSweeper& sweeper, const A2aConfig& cfg,
                           const ClientConfig& client, const Logger& log, OnAgents on_agents)
    : host_(host),
      cfg_(cfg),
      client_cfg_(client),
      log_(log),
      on_agents_(std::move(on_agents)),
      timer_(host.context()) {
  std::string dir = cfg.discovery_service_account_dir;
  ns_ = cfg.discovery_namespace;
  if (ns_.empty()) ns_ = trim(readFile(dir + "/namespace").value_or(""));
  if (ns_.empty()) ns_ = "default";
  // The API server's certificate is signed by the cluster CA in the service account directory.
  std::string ca = dir + "/ca.crt";
  if (!readFile(ca)) ca.clear();
  client_ = std::make_unique<UpstreamClient>(host.context(), sweeper, client_cfg_, log_, ca);
}

K8sDiscovery::~K8sDiscovery() = default;

void K8sDiscovery::start() {
  if (cfg_.discovery_api_url.empty()) {
    log_.error("a2a service discovery disabled: no Kubernetes API URL",
               {{"hint", "set A2A_SERVICE_DISCOVERY_API_URL or run in a pod"}});
    return;
  }
  log_.info("a2a service discovery started",
            {{"namespace", ns_}, {"selector", cfg_.discovery_label_selector}});
  host_.spawn(loop());
}

void K8sDiscovery::stop() {
  stopped_ = true;
  timer_.cancel();
}

awaitable<void> K8sDiscovery::loop() {
  while (!stopped_) {
    co_await pollOnce();
    if (stopped_) break;
    timer_.expires_after(cfg_.discovery_polling_interval);
    error_code ec;
    co_await timer_.async_wait(useAwaitableEc(ec));
  }
}

awaitable<Result<std::pair<int, std::string>>> K8sDiscovery::get(const std::string& target,
                                                                 const std::string& token) {
  std::string base = cfg_.discovery_api_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto url = parseUrl(base + target);
  if (!url) co_return url.status();
  UpstreamRequest req;
  req.method = "GET";
  req.url = std::move(url.value());
  req.headers = {{"Accept", "application/json"}};
  if (!token.empty()) req.headers.push_back({"Authorization", "Bearer " + token});
  auto resp = co_await client_->send(req);
  if (!resp) co_return resp.status();
  auto body = co_await (*resp)->readAll(client_cfg_.max_response_bytes);
  if (!body) co_return body.status();
  co_return std::make_pair((*resp)->status(), std::move(body.value()));
}

// One round: services (required) and the operator's agents (optional). Reports only when the
// services list succeeded so that a flaky API server does not make agents flap.
awaitable<bool> K8sDiscovery::pollOnce() {
  // Projected service account tokens rotate: read the file every time.
  std::string token =
      trim(readFile(cfg_.discovery_service_account_dir + "/token").value_or(std::string()));
  auto fail = [&](const std::string& error) {
    if (error != last_error_) log_.warn("a2a service discovery failed", {{"error", error}});
    last_error_ = error;
    return false;
  };
  // Named first: g++ 12 mishandles a temporary bound to a reference inside a co_await operand.
  std::string services_target = a2a::servicesTarget(ns_, cfg_.discovery_label_selector);
  auto svc = co_await get(services_target, token);
  if (!svc) co_return fail(svc.status().message());
  if (svc->first != 200) {
    co_return fail("listing services answered HTTP " + std::to_string(svc->first) + ": " +
                   svc->second.substr(0, 200));
  }
  auto services = a2a::parseServiceList(svc->second, ns_);
  if (!services) co_return fail(services.status().message());

  std::string agents_target = a2a::agentsTarget(ns_);
  auto crd = co_await get(agents_target, token);
  if (crd && crd->first == 200) {
    auto agents = a2a::parseAgentList(crd->second, ns_);
    if (agents) crd_agents_ = std::move(agents.value());
  } else if (crd && crd->first == 404) {
    // The operator's CRD is not installed: services are the only source.
    crd_agents_.clear();
    if (!crd_missing_logged_) log_.debug("a2a discovery: no Agent resources (CRD not installed)");
    crd_missing_logged_ = true;
  } else {
    log_.debug("a2a discovery: listing Agent resources failed",
               {{"error", crd ? "HTTP " + std::to_string(crd->first) : crd.status().message()}});
  }
  if (!last_error_.empty()) log_.info("a2a service discovery recovered");
  last_error_.clear();

  std::vector<a2a::DiscoveredAgent> all = std::move(services.value());
  for (const auto& a : crd_agents_) {
    bool dup = std::any_of(all.begin(), all.end(), [&](const auto& b) { return b.url == a.url; });
    if (!dup) all.push_back(a);
  }
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  if (!stopped_) on_agents_(std::move(all));
  co_return true;
}

}  // namespace igw
