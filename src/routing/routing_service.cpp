#include "routing/routing_service.h"

#include <utility>

#include <csignal>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "net/beast.h"
#include "providers/routing.h"
#include "telemetry/metrics.h"

namespace igw {

namespace asio = net::asio;
using net::error_code;

struct RoutingService::Watcher {
  asio::io_context ioc;
  asio::signal_set hup{ioc, SIGHUP};
  asio::steady_timer timer{ioc};
  std::thread thread;
  std::string failed_text;         // the last file that did not load (not reported twice)
  std::function<void()> arm_hup;   // waits for the next SIGHUP
  std::function<void()> arm_tick;  // waits for the next file check
};

RoutingService::RoutingService(const Config& cfg, const Logger& log, unsigned workers)
    : cfg_(cfg), log_(log), providers_(ProviderTable::build(cfg).value()) {
  readers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) readers_.emplace_back(snapshot_);
}

RoutingService::~RoutingService() {
  stop();
}

std::shared_ptr<const RoutingTable> RoutingService::table(unsigned worker) const {
  if (worker < readers_.size()) return readers_[worker].pin();
  return snapshot_.load();
}

Result<std::string> RoutingService::readFile() const {
  const std::string& path = cfg_.routing.config_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidArgument("ROUTING_CONFIG_PATH: cannot read '" + path + "'");
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxRoutingFileBytes) {
      return invalidArgument("ROUTING_CONFIG_PATH: '" + path + "' is larger than 1 MiB");
    }
  }
  return text;
}

Status RoutingService::reload() {
  std::lock_guard lock(reload_mu_);
  auto text = readFile();
  if (!text) return text.status();
  RoutingParseEnv penv;
  penv.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  penv.known_provider = [](std::string_view id) { return findProviderSpec(id) != nullptr; };
  auto parsed = parseRoutingConfig(*text, penv);
  if (!parsed) return parsed.status();
  auto table = RoutingTable::build(*parsed, providers_, states_);
  if (!table) return table.status();
  size_t deployments = 0;
  for (const auto& a : (*table)->aliases()) deployments += a->deployments.size();
  snapshot_.publish(std::move(table.value()));
  loaded_text_ = std::move(text.value());
  reloads_.fetch_add(1, std::memory_order_relaxed);
  log_.info("routing configuration loaded",
            {{"path", cfg_.routing.config_path},
             {"aliases", static_cast<int64_t>(parsed->aliases.size())},
             {"deployments", static_cast<int64_t>(deployments)}});
  return Status::ok();
}

Status RoutingService::start() {
  if (Status s = reload(); !s) return s;
  watcher_ = std::make_unique<Watcher>();
  Watcher& w = *watcher_;
  // SIGHUP: load the file again, whatever it looks like now. The handlers re-arm through the
  // Watcher's own functions (the Watcher outlives its io_context's thread), not through
  // shared_ptrs to themselves, which would never be freed.
  w.arm_hup = [this, &w] {
    w.hup.async_wait([this, &w](boost::system::error_code ec, int) {
      if (ec) return;
      log_.info("SIGHUP: loading the routing file again", {{"path", cfg_.routing.config_path}});
      if (Status s = reload(); !s) {
        log_.error("routing file not reloaded, the previous configuration stays in force",
                   {{"error", s.message()}});
      }
      w.arm_hup();
    });
  };
  w.arm_hup();
  // The file watch: a changed file is loaded; a broken one is reported once.
  const Millis interval = cfg_.routing.watch_interval;
  w.arm_tick = [this, &w, interval] {
    if (interval.count() == 0) return;
    w.timer.expires_after(interval);
    w.timer.async_wait([this, &w](boost::system::error_code ec) {
      if (ec) return;
      auto text = readFile();
      bool changed = false;
      {
        std::lock_guard lock(reload_mu_);
        changed = text && *text != loaded_text_ && *text != w.failed_text;
      }
      if (changed) {
        log_.info("routing file changed, loading it", {{"path", cfg_.routing.config_path}});
        if (Status s = reload(); !s) {
          w.failed_text = *text;
          log_.error("routing file not reloaded, the previous configuration stays in force",
                     {{"error", s.message()}});
        } else {
          w.failed_text.clear();
        }
      }
      w.arm_tick();
    });
  };
  w.arm_tick();
  w.thread = std::thread([&w] { w.ioc.run(); });
  return Status::ok();
}

void RoutingService::stop() {
  if (!watcher_) return;
  Watcher& w = *watcher_;
  w.ioc.stop();
  if (w.thread.joinable()) w.thread.join();
  watcher_.reset();
}

void RoutingService::exportMetrics(MetricsRegistry& registry) const {
  registry.addCollector([this](std::string& out) {
    auto table = snapshot_.load();
    if (!table) return;
    out +=
        "# HELP llm_routing_deployment_state Circuit breaker state of each routed deployment "
        "(0 closed, 1 open, 2 half open)\n";
    out += "# TYPE llm_routing_deployment_state gauge\n";
    const int64_t now = steadyNowNs();
    for (const auto& a : table->aliases()) {
      for (const auto& d : a->deployments) {
        out += "llm_routing_deployment_state{alias=\"";
        appendLabelValue(out, a->spec.name);
        out += "\",provider=\"";
        appendLabelValue(out, d.spec.provider);
        out += "\",model=\"";
        appendLabelValue(out, d.spec.model);
        out += "\"} ";
        out += std::to_string(static_cast<int>(d.state->state(now)));
        out += '\n';
      }
    }
  });
}

nlohmann::json describeAliases(const RoutingTable& table, const Config& cfg) {
  using nlohmann::json;
  json out = json::array();
  const int64_t now = steadyNowNs();
  for (const auto& a : table.aliases()) {
    if (!modelAllowed(cfg, {}, a->spec.name)) continue;
    json deployments = json::array();
    for (const auto& d : a->deployments) {
      int64_t latency = d.state->latency_us.load(std::memory_order_relaxed);
      deployments.push_back(
          {{"provider", d.spec.provider},
           {"model", d.spec.model},
           {"state", breakerStateName(d.state->state(now))},
           {"in_flight", d.state->in_flight.load(std::memory_order_relaxed)},
           {"latency_ms",
            latency == 0 ? json(nullptr) : json(static_cast<double>(latency) / 1000)}});
    }
    out.push_back({{"alias", a->spec.name},
                   {"strategy", strategyName(a->spec.strategy)},
                   {"deployments", std::move(deployments)}});
  }
  return out;
}

}  // namespace igw
