// Wiring only: configuration -> provider table -> server -> run.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "a2a/a2a_source.h"
#include "api/app.h"
#include "api/model_info.h"
#include "auth/auth_service.h"
#include "core/config.h"
#include "core/json_parse.h"
#include "core/log.h"
#include "core/snapshot.h"
#include "core/version.h"
#include "filters/filters.h"
#include "limits/limits_service.h"
#include "mcp/mcp_source.h"
#include "net/server.h"
#include "routing/routing_service.h"
#include "telemetry/metrics.h"

int main(int argc, char** argv) {
  using namespace igw;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(configHelp().c_str(), stdout);
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("inference-gateway %s\n", kVersion);
      return 0;
    }
    if (std::strcmp(argv[i], "--config-table") == 0) {  // regenerates the README table
      std::fputs(configMarkdownTable().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "unknown argument '%s' (try --help)\n", argv[i]);
    return 2;
  }

  auto loaded = loadConfig(processEnv());
  if (!loaded) {
    std::fprintf(stderr, "configuration error: %s\n", loaded.status().message().c_str());
    return 1;
  }
  auto config = std::make_shared<const Config>(std::move(loaded.value()));
  Logger log(config->environment == "production", parseLogLevel(config->log_level),
             config->log_max_field_length);
  // Before any thread starts. No JSON from outside is larger than what some channel accepts.
  setJsonLimits({config->limits.json_max_depth,
                 std::max({config->server.max_body_bytes, config->client.max_response_bytes,
                           uint64_t{16} << 20})});

  auto table = ProviderTable::build(*config);
  if (!table) {
    std::fprintf(stderr, "configuration error: %s\n", table.status().message().c_str());
    return 1;
  }
  for (const auto& p : table->all()) {
    // Presence only: keys are never logged.
    log.info(p.usable ? "provider configured" : "provider not configured",
             {{"provider", p.spec->id}, {"url", p.setting.url}});
  }

  // Tool sources connect in the background: a tool server or agent that is down never delays or
  // fails start-up.
  ToolRegistry tools;
  if (config->mcp.enable) {
    if (config->mcp.servers.empty()) log.warn("MCP_ENABLE is set but MCP_SERVERS is empty", {});
    tools.add(makeMcpSource(config->mcp, config->client, log));
  }
  if (config->a2a.enable) {
    if (config->a2a.agents.empty() && !config->a2a.discovery_enable) {
      log.warn("A2A_ENABLE is set but neither A2A_AGENTS nor A2A_SERVICE_DISCOVERY_ENABLE", {});
    }
    tools.add(makeA2aSource(config->a2a, config->client, log));
  }
  tools.start();

  const unsigned worker_count = config->server.threads
                                    ? config->server.threads
                                    : std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<AuthService> auth;
  std::unique_ptr<LimitsService> limits;
  if (config->auth.enable) {
    auth = std::make_unique<AuthService>(*config, log, worker_count);
    if (Status s = auth->start(); !s) {
      std::fprintf(stderr, "start-up error: %s\n", s.message().c_str());
      tools.stop();
      return 1;
    }
    log.info("authentication on",
             {{"oidc_issuer", config->auth.oidc_issuer},
              {"admin_key", config->auth.admin_key.empty() ? "unset" : "set"}});
    limits = std::make_unique<LimitsService>(*config, log, worker_count);
    if (Status s = limits->start(); !s) {
      std::fprintf(stderr, "start-up error: %s\n", s.message().c_str());
      auth->stop();
      tools.stop();
      return 1;
    }
    log.info("limits and spend log on",
             {{"counters", config->spend.redis_url.empty() ? "in process" : "redis"}});
  } else if (config->server.host != "127.0.0.1" && config->server.host != "localhost" &&
             config->server.host != "::1") {
    log.warn(
        "authentication is off and the gateway listens beyond loopback: anyone who can "
        "reach it spends your provider keys (set AUTH_ENABLED=true)",
        {{"host", config->server.host}});
  }

  // Before the App: the web UI's dashboard reads it (/ui/api/metrics).
  std::unique_ptr<MetricsRegistry> metrics;
  if (config->telemetry.enable) {
    MetricsLimits metric_limits{config->telemetry.max_series_per_metric,
                                config->telemetry.max_label_length};
    metrics = std::make_unique<MetricsRegistry>(worker_count, kVersion, metric_limits);
  }

  // Model aliases (ROUTING_ENABLED): the routing file, loaded again on SIGHUP or when it changes.
  std::unique_ptr<RoutingService> routing;
  if (config->routing.enable) {
    routing = std::make_unique<RoutingService>(*config, log, worker_count);
    if (Status s = routing->start(); !s) {
      std::fprintf(stderr, "start-up error: %s\n", s.message().c_str());
      if (limits) limits->stop();
      if (auth) auth->stop();
      tools.stop();
      return 1;
    }
    if (metrics) routing->exportMetrics(*metrics);
  } else {
    // Nothing to reload: a stray SIGHUP must not end the process.
    std::signal(SIGHUP, SIG_IGN);
  }

  // Context windows, modalities and prices for GET /v1/models?include=.
  auto model_info = loadModelInfo(*config);
  if (!model_info) {
    std::fprintf(stderr, "start-up error: %s\n", model_info.status().message().c_str());
    if (routing) routing->stop();
    if (limits) limits->stop();
    if (auth) auth->stop();
    tools.stop();
    return 1;
  }

  // What requests read, as one immutable snapshot: a reload publishes a new one, and a request
  // keeps the one it started with. Each worker reads through its own cache (no shared lock).
  FilterChain chain = buildFilterChain(*config, &tools);
  auto tool_views = std::make_unique<WorkerToolViews>();
  if (!tools.empty()) {
    for (unsigned i = 0; i < worker_count; ++i) tool_views->views.emplace_back(tools);
  }
  Snapshot<App> snapshot(std::make_shared<const App>(
      App{config, std::move(table.value()), log, &tools, std::move(chain), std::move(tool_views),
          auth.get(), limits.get(), metrics.get(), routing.get(), std::move(model_info).value()}));
  std::vector<Snapshot<App>::Reader> readers(worker_count, Snapshot<App>::Reader(snapshot));
  ServerHandlers handlers;
  handlers.api = [&snapshot, &readers](Request& req, Responder& res, WorkerContext& ctx) {
    std::shared_ptr<const App> app =
        ctx.worker < readers.size() ? readers[ctx.worker].pin() : snapshot.load();
    return handleRequest(std::move(app), req, res, ctx);
  };
  if (metrics) {
    handlers.registry = metrics.get();
    handlers.metrics = [reg = metrics.get()](Request& req, Responder& res, WorkerContext&) {
      return handleMetricsRequest(*reg, req, res);
    };
  }
  Server server(config, log, std::move(handlers));
  if (Status s = server.start(); !s) {
    std::fprintf(stderr, "start-up error: %s\n", s.message().c_str());
    if (routing) routing->stop();
    if (limits) limits->stop();
    if (auth) auth->stop();
    tools.stop();
    return 1;
  }
  log.info("inference-gateway started", {{"version", kVersion}});
  int code = server.run();
  if (routing) routing->stop();
  if (limits) limits->stop();  // writes the spend log's last batch
  if (auth) auth->stop();
  tools.stop();
  tools.clear();  // before ~Server: see ToolRegistry::clear
  return code;
}
