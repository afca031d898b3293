// What every request reads: immutable configuration, the provider table, the tool sources and
// the filter chain built from them. One App is one configuration snapshot (main() publishes it
// through core/snapshot.h; a request keeps the one it started with). Read-only once built, so
// workers use it without locks.
#pragma once

#include <memory>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "http/message.h"
#include "http/responder.h"
#include "net/asio.h"
#include "net/server.h"
#include "pipeline/chain.h"
#include "providers/table.h"
#include "tools/registry.h"

namespace igw {

// One ToolView per worker (index WorkerContext::worker): each worker reads the tool lists
// through its own snapshot readers, so the chat path takes no lock. A worker touches only its
// own element.
struct WorkerToolViews {
  std::vector<ToolView> views;
  // Null for an index without a view (then read through ToolSource::tools()).
  ToolView* forWorker(unsigned worker) { return worker < views.size() ? &views[worker] : nullptr; }
};

class AuthService;
class LimitsService;
struct ModelInfo;
class MetricsRegistry;
class RoutingService;

struct App {
  std::shared_ptr<const Config> config;
  ProviderTable providers;
  const Logger& log;
  const ToolRegistry* tools = nullptr;  // MCP / A2A sources; null when both are off
  FilterChain chain;
  std::unique_ptr<WorkerToolViews> tool_views;  // per worker; null without tool sources
  AuthService* auth = nullptr;                  // null when AUTH_ENABLED is off; outlives App
  LimitsService* limits = nullptr;              // null when AUTH_ENABLED is off; outlives App
  MetricsRegistry* metrics = nullptr;  // null when TELEMETRY_ENABLE is off; outlives App (/ui)
  RoutingService* routing = nullptr;   // null when ROUTING_ENABLED is off; outlives App
  std::shared_ptr<const ModelInfo> model_info;  // /v1/models?include= (api/model_info.h)

  // Whether anything reads a request's token usage: the metrics, traces, the access log (info
  // level), limits and the spend log. When nothing does, answers are not walked for it.
  bool readsUsage() const {
    return metrics != nullptr || limits != nullptr || config->telemetry.tracing_enable ||
           log.enabled(LogLevel::kInfo);
  }
  // The names of the tool calls a model asked for feed only the tool-call metrics.
  bool readsToolCalls() const { return metrics != nullptr; }
};

// GET /metrics on the telemetry listener.
net::awaitable<void> handleMetricsRequest(MetricsRegistry& registry, Request& req, Responder& res);

// The router: path -> endpoint, run through the app's filter chain. Unknown routes get 404.
// `app` is the snapshot the request keeps until it is done.
net::awaitable<void> handleRequest(std::shared_ptr<const App> app, Request& req, Responder& res,
                                   WorkerContext& ctx);

// Endpoints (api/*.cpp), run by the chain after the request filters.
net::awaitable<void> handleChat(Exchange& ex);         // POST /v1/chat/completions
net::awaitable<void> handleMessages(Exchange& ex);     // POST /v1/messages
net::awaitable<void> handleEmbeddings(Exchange& ex);   // POST /v1/embeddings
net::awaitable<void> handleCompletions(Exchange& ex);  // POST /v1/completions
net::awaitable<void> handleMedia(Exchange& ex);        // POST /v1/images/*, /v1/audio/*
net::awaitable<void> handleResponses(Exchange& ex);    // POST /v1/responses
net::awaitable<void> handleProxy(Exchange& ex);        // ANY /proxy/, /v1/proxy/{provider}/...
net::awaitable<void> handleModels(Exchange& ex);       // GET /v1/models
net::awaitable<void> handleToolListing(Exchange& ex);  // GET /v1/mcp/tools, /v1/a2a/agents[/id]
net::awaitable<void> handleAdmin(Exchange& ex);        // /admin/keys[/{id}[/rotate]]
// /admin/teams[/{id}] and /admin/spend (api/admin_limits.cpp); `rest` is the path after /admin.
net::awaitable<void> handleAdminLimits(Exchange& ex, std::string_view rest);
net::awaitable<void> handleKeyInfo(Exchange& ex);  // GET /v1/key: the caller's own limits
net::awaitable<void> handleUi(Exchange& ex);       // GET /ui, /ui/{asset}, /ui/session
net::awaitable<void> handleUiApi(Exchange& ex);    // GET /ui/api/metrics, /ui/api/providers

}  // namespace igw
