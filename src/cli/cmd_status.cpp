// infer status: is the gateway up, which providers it can use (configured, reachable, how many
// models), its routing aliases with each deployment's circuit state, and which MCP tools and A2A
// agents it offers.
#include <map>

#include "cli/commands.h"
#include "cli/gateway_tools.h"
#include "cli/terminal.h"
#include "core/json_parse.h"
#include "providers/catalog.h"

namespace igw::cli {

namespace {

using nlohmann::json;

struct ProviderState {
  std::string id;
  bool configured = false;
  size_t models = 0;
  std::string error;  // an unexpected answer
};

std::string plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string textField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The routing aliases of a /v1/models answer: the entries that carry a "routing" object.
json routingOf(const json& body) {
  json out = json::array();
  auto data = body.find("data");
  if (data == body.end() || !data->is_array()) return out;
  for (const auto& m : *data) {
    if (!m.is_object() || !m.contains("routing") || !m["routing"].is_object()) continue;
    const json& r = m["routing"];
    json deployments = json::array();
    if (r.contains("deployments") && r["deployments"].is_array()) {
      for (const auto& d : r["deployments"]) {
        if (!d.is_object()) continue;
        deployments.push_back({{"provider", textField(d, "provider")},
                               {"model", textField(d, "model")},
                               {"state", textField(d, "state")}});
      }
    }
    out.push_back({{"alias", textField(m, "id")},
                   {"strategy", textField(r, "strategy")},
                   {"deployments", std::move(deployments)}});
  }
  return out;
}

std::string routingText(const json& aliases) {
  if (aliases.empty()) return {};
  std::string out = "Routing\n";
  for (const auto& a : aliases) {
    std::string line =
        "  " + pad(a["alias"].get<std::string>(), 14) + pad(a["strategy"].get<std::string>(), 15);
    bool first = true;
    for (const auto& d : a["deployments"]) {
      line += (first ? "" : ", ") + d["provider"].get<std::string>() + "/" +
              d["model"].get<std::string>() + " (" + d["state"].get<std::string>() + ")";
      first = false;
    }
    out += line + "\n";
  }
  return out;
}

size_t countData(const json& body) {
  auto data = body.find("data");
  return data != body.end() && data->is_array() ? data->size() : 0;
}

}  // namespace

int runStatus(Context& ctx) {
  if (!ctx.args.positionals.empty()) {
    return usageError("status", "unexpected argument '" + ctx.args.positionals[0] + "'");
  }
  GatewayClient client = gatewayClient(ctx);
  JsonReply health = callJson(client, "GET", "/health");
  if (health.error && health.error->exit_code == kExitUnreachable) return fail(*health.error);
  const bool healthy = !health.error;

  std::vector<std::string> paths;
  for (const auto& spec : providerCatalog()) {
    paths.push_back("/v1/models?provider=" + std::string(spec.id));
  }
  paths.push_back("/v1/mcp/tools");
  paths.push_back("/v1/a2a/agents");
  paths.push_back("/v1/models");  // the routing aliases, with their circuit states
  auto replies = client.getAll(paths);

  std::vector<ProviderState> providers;
  for (size_t i = 0; i < providerCatalog().size(); ++i) {
    ProviderState p;
    p.id = std::string(providerCatalog()[i].id);
    const auto& r = replies[i];
    if (!r) return fail(transportError(r.status(), client.baseUrl()));
    if (r->status == 200) {
      p.configured = true;
      p.models = countData(parseJsonOrDiscarded(r->body));
    } else if (r->status == 401 &&
               errorMessageOf(r->body).find("is not configured") != std::string::npos) {
      p.configured = false;
    } else if (r->status == 401 || r->status == 403) {
      return fail(httpError(r->status, r->body));
    } else {
      p.configured = true;
      p.error = errorMessageOf(r->body) + " (HTTP " + std::to_string(r->status) + ")";
    }
    providers.push_back(std::move(p));
  }
  Listing mcp = listingOf(replies[providerCatalog().size()]);
  Listing a2a = listingOf(replies[providerCatalog().size() + 1]);
  json routing = json::array();
  if (const auto& r = replies[providerCatalog().size() + 2]; r && r->status == 200) {
    routing = routingOf(parseJsonOrDiscarded(r->body));
  }

  if (ctx.args.has("--json")) {
    json j = {{"gateway", {{"url", client.baseUrl()}, {"healthy", healthy}}}, {"version", nullptr}};
    json ps = json::array();
    for (const auto& p : providers) {
      json e = {{"id", p.id}, {"configured", p.configured}};
      if (p.configured) {
        e["reachable"] = p.models > 0;
        e["models"] = p.models;
      }
      if (!p.error.empty()) e["error"] = p.error;
      ps.push_back(std::move(e));
    }
    j["providers"] = std::move(ps);
    j["routing"] = routing;
    j["mcp"] = listingJson(mcp);
    j["a2a"] = listingJson(a2a);
    writeOut(j.dump(2) + "\n");
    return healthy ? kExitOk : kExitUpstream;
  }
  std::string out = "Gateway     " + client.baseUrl() + "  " +
                    (healthy ? std::string("healthy") : "unhealthy: " + health.error->message) +
                    "\n";
  out += "Version     not reported by the gateway\n";
  out += "Providers\n";
  std::string unconfigured;
  for (const auto& p : providers) {
    if (!p.configured) {
      unconfigured += (unconfigured.empty() ? "" : ", ") + p.id;
      continue;
    }
    std::string state = !p.error.empty() ? "error: " + p.error
                        : p.models > 0   ? "reachable    " + plural(p.models, "model")
                                         : std::string("unreachable  (no models listed)");
    out += "  " + pad(p.id, 14) + state + "\n";
  }
  if (!unconfigured.empty()) out += "  not configured: " + unconfigured + "\n";
  out += routingText(routing);
  out += mcpText(mcp);
  out += a2aText(a2a);
  writeOut(terminalSafe(out));
  return healthy ? kExitOk : kExitUpstream;
}

}  // namespace igw::cli
