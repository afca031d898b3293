// What every handler shares: immutable configuration, the provider table and the logger.
// Built once in main(); read-only afterwards, so workers use it without locks.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/log.h"
#include "http/message.h"
#include "http/responder.h"
#include "net/asio.h"
#include "net/server.h"
#include "providers/table.h"
#include "telemetry/request_info.h"
#include "tools/registry.h"

namespace igw {

struct App {
  std::shared_ptr<const Config> config;
  ProviderTable providers;
  const Logger& log;
  const ToolRegistry* tools = nullptr;  // MCP / A2A sources; null when both are off
};

class MetricsRegistry;

// GET /metrics on the telemetry listener.
net::awaitable<void> handleMetricsRequest(MetricsRegistry& registry, Request& req, Responder& res);

// The router: path -> handler. Unknown routes get 404.
net::awaitable<void> handleRequest(const App& app, Request& req, Responder& res,
                                   WorkerContext& ctx);

net::awaitable<void> handleChat(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                RequestInfo& info);
// One model call, no tool loop: what handleChat does when no gateway tools are offered.
net::awaitable<void> handleChatDirect(const App& app, Request& req, Responder& res,
                                      WorkerContext& ctx, RequestInfo& info);
// True when this request would be offered MCP/A2A tools (sources up, not bypassed).
bool offersGatewayTools(const App& app, const Request& req);
// GET /v1/mcp/tools, GET /v1/a2a/agents[/{id}].
net::awaitable<void> handleToolListing(const App& app, Request& req, Responder& res);
net::awaitable<void> handleModels(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                  RequestInfo& info);
net::awaitable<void> handleMessages(const App& app, Request& req, Responder& res,
                                    WorkerContext& ctx, RequestInfo& info);
net::awaitable<void> handleProxy(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                 RequestInfo& info);

}  // namespace igw
