// infer status: is the gateway up, which providers it can use (configured, reachable, how many
// models), and which MCP tools and A2A agents it offers.
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
  out += mcpText(mcp);
  out += a2aText(a2a);
  writeOut(terminalSafe(out));
  return healthy ? kExitOk : kExitUpstream;
}

}  // namespace igw::cli
