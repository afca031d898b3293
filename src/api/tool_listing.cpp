// GET /v1/mcp/tools and GET /v1/a2a/agents[/{id}]: what the gateway's tool sources offer right
// now. Each is refused with 403 unless exposed (MCP_EXPOSE / A2A_EXPOSE): tool schemas and
// agent URLs describe the inside of a deployment.
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/respond.h"
#include "core/json_parse.h"
#include "pipeline/exchange.h"
#include "tools/loop_codec.h"

namespace igw {

namespace {

using nlohmann::json;

const Headers kJson{Header{"Content-Type", "application/json"}};

const ToolSource* sourceOf(const App& app, std::string_view kind) {
  return app.tools != nullptr ? app.tools->find(kind) : nullptr;
}

net::awaitable<void> listMcpTools(const App& app, Responder& res) {
  json data = json::array();
  if (const ToolSource* mcp = sourceOf(app, "mcp")) {
    if (auto tools = mcp->tools()) {
      for (const auto& t : *tools) {
        json schema = parseJsonOrDiscarded(t.parameters);
        if (!schema.is_object()) schema = json::object();
        data.push_back(json{{"name", t.remote_name},
                            {"tool", t.name},
                            {"server", t.server},
                            {"description", t.description},
                            {"input_schema", std::move(schema)}});
      }
    }
  }
  std::string body = agent::safeDump(json{{"object", "list"}, {"data", std::move(data)}});
  co_await res.send(200, kJson, body);
}

net::awaitable<void> listA2aAgents(const App& app, Responder& res, std::string_view id) {
  json agents = json::array();
  if (const ToolSource* a2a = sourceOf(app, "a2a")) {
    agents = parseJsonOrDiscarded(a2a->describe());
    if (!agents.is_array()) agents = json::array();
  }
  if (id.empty()) {
    std::string body = agent::safeDump(json{{"object", "list"}, {"data", std::move(agents)}});
    co_await res.send(200, kJson, body);
    co_return;
  }
  for (auto& a : agents) {
    auto it = a.find("id");
    if (it != a.end() && it->is_string() && it->get<std::string>() == id) {
      std::string body = agent::safeDump(a);
      co_await res.send(200, kJson, body);
      co_return;
    }
  }
  co_await respondError(res, 404, "no A2A agent with id '" + std::string(id) + "'", "not_found");
}

}  // namespace

namespace {

net::awaitable<void> listTools(const App& app, Request& req, Responder& res) {
  std::string_view path = req.path();
  if (path == "/v1/mcp/tools") {
    if (!app.config->mcp.expose) {
      co_await respondError(res, 403, "the MCP tools endpoint is not exposed (set MCP_EXPOSE=true)",
                            "forbidden");
      co_return;
    }
    co_await listMcpTools(app, res);
    co_return;
  }
  if (!app.config->a2a.expose) {
    co_await respondError(res, 403, "the A2A agents endpoint is not exposed (set A2A_EXPOSE=true)",
                          "forbidden");
    co_return;
  }
  constexpr std::string_view kPrefix = "/v1/a2a/agents";
  std::string_view id = path.substr(kPrefix.size());
  if (!id.empty()) id.remove_prefix(1);  // the '/'
  co_await listA2aAgents(app, res, id);
}

}  // namespace

net::awaitable<void> handleToolListing(Exchange& ex) {
  co_await listTools(ex.app, ex.req, ex.res);
}

}  // namespace igw
