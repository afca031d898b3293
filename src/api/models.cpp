// GET /v1/models: every listed provider queried concurrently, ids prefixed "provider/",
// failures and timeouts of one provider leave it out instead of failing the list.
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/respond.h"
#include "core/json_parse.h"
#include "net/parallel.h"
#include "pipeline/exchange.h"
#include "providers/routing.h"
#include "routing/routing_service.h"

namespace igw {

namespace {

using nlohmann::json;

struct Listing {
  const ProviderEntry* provider = nullptr;
  json models = json::array();
};

// Provider model lists come in a few shapes: OpenAI {"data":[{"id"}]}, Cohere
// {"models":[{"name"}]}, Cloudflare {"result":[{"name"}]}.
json normalise(const ProviderEntry& p, const json& body, const Config& cfg) {
  json out = json::array();
  const json* items = nullptr;
  const char* id_key = "id";
  for (const char* key : {"data", "models", "result"}) {
    auto it = body.find(key);
    if (it != body.end() && it->is_array()) {
      items = &*it;
      if (std::string_view(key) != "data") id_key = "name";
      break;
    }
  }
  if (items == nullptr) return out;
  std::string pid(p.spec->id);
  for (const auto& m : *items) {
    if (!m.is_object()) continue;
    // Gemini lists embedding and other models too: keep those that can chat.
    auto methods = m.find("supportedGenerationMethods");
    if (methods != m.end() && methods->is_array() &&
        std::find(methods->begin(), methods->end(), "generateContent") == methods->end()) {
      continue;
    }
    auto idit = m.find(id_key);
    if (idit == m.end() || !idit->is_string()) idit = m.find("id");
    if (idit == m.end() || !idit->is_string()) continue;
    std::string id = idit->get<std::string>();
    if (id.rfind("models/", 0) == 0) id.erase(0, 7);  // Gemini names
    if (!modelAllowed(cfg, pid, id)) continue;
    json entry = {{"id", pid + "/" + id}, {"object", "model"}};
    auto created = m.find("created");
    entry["created"] = created != m.end() && created->is_number_integer() ? *created : json(0);
    auto owner = m.find("owned_by");
    entry["owned_by"] = owner != m.end() && owner->is_string() ? *owner : json(pid);
    entry["served_by"] = pid;
    out.push_back(std::move(entry));
  }
  return out;
}

net::awaitable<void> fetch(const App& app, WorkerContext& ctx, Listing& out) {
  const ProviderEntry& p = *out.provider;
  UpstreamRequest up;
  up.method = "GET";
  up.url = ProviderTable::endpoint(p, p.models_path);
  up.headers.push_back({"Accept", "application/json"});
  ProviderTable::addAuth(p, up.headers);
  auto sent = co_await ctx.upstream.send(up);
  if (!sent) {
    app.log.warn("listing models failed",
                 {{"provider", p.spec->id}, {"error", sent.status().message()}});
    co_return;
  }
  auto body = co_await (*sent)->readAll(8 << 20);
  if (!body || (*sent)->status() != 200) {
    app.log.warn("listing models failed",
                 {{"provider", p.spec->id}, {"status", (*sent)->status()}});
    co_return;
  }
  json parsed = parseJsonOrDiscarded(*body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    app.log.warn("listing models failed: not JSON", {{"provider", p.spec->id}});
    co_return;
  }
  out.models = normalise(p, parsed, *app.config);
}

// The routing aliases (ROUTING_ENABLED), with each deployment's circuit state.
void appendAliases(const App& app, json& data) {
  if (app.routing == nullptr) return;
  auto table = app.routing->current();
  if (!table) return;
  for (auto& a : describeAliases(*table, *app.config)) {
    data.push_back({{"id", a["alias"]},
                    {"object", "model"},
                    {"created", 0},
                    {"owned_by", "gateway"},
                    {"served_by", "routing"},
                    {"routing",
                     {{"strategy", a["strategy"]}, {"deployments", std::move(a["deployments"])}}}});
  }
}

}  // namespace

namespace {

net::awaitable<void> listModels(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                RequestInfo& info) {
  std::string only = req.queryParam("provider");
  info.provider = "all";
  std::vector<Listing> listings;
  if (!only.empty()) {
    auto spec = lookupProvider(only);
    if (!spec) {
      co_await respondError(res, spec.status());
      co_return;
    }
    info.provider = (*spec)->id;
    const ProviderEntry& p = app.providers.get(**spec);
    if (Status s = ProviderTable::checkUsable(p); !s) {
      co_await respondError(res, s);
      co_return;
    }
    listings.push_back({&p});
  } else {
    for (const auto& p : app.providers.all()) {
      if (p.listed) listings.push_back({&p});
    }
  }
  std::vector<Task> tasks;
  tasks.reserve(listings.size());
  for (auto& l : listings) {
    tasks.push_back([&app, &ctx, &l]() { return fetch(app, ctx, l); });
  }
  co_await runConcurrently(std::move(tasks));

  json data = json::array();
  if (only.empty()) appendAliases(app, data);
  for (auto& l : listings) {
    for (auto& m : l.models) data.push_back(std::move(m));
  }
  json body = {{"object", "list"}, {"data", std::move(data)}};
  if (!only.empty()) body["provider"] = std::string(listings.front().provider->spec->id);
  Headers h{Header{"Content-Type", "application/json"}};
  co_await res.send(200, h, body.dump());
}

}  // namespace

net::awaitable<void> handleModels(Exchange& ex) {
  co_await listModels(ex.app, ex.req, ex.res, ex.ctx, ex.info);
}

}  // namespace igw
