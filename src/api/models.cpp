// GET /v1/models: every listed provider queried concurrently, ids prefixed "provider/",
// failures and timeouts of one provider leave it out instead of failing the list.
// ?include=context_window,pricing,modalities adds those fields to every model (null when
// unknown) from the metadata and price tables (api/model_info.h).
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/model_info.h"
#include "api/respond.h"
#include "core/json_parse.h"
#include "core/safe_text.h"
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

// What ?include= asked for.
struct Includes {
  bool context_window = false;
  bool pricing = false;
  bool modalities = false;
  bool any() const { return context_window || pricing || modalities; }
};

Result<Includes> parseIncludes(std::string_view text) {
  Includes in;
  constexpr std::string_view kKnown = "context_window, pricing, modalities";
  if (text.size() > 256) return invalidArgument("include is too long; use " + std::string(kKnown));
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    if (item == "context_window") {
      in.context_window = true;
    } else if (item == "pricing") {
      in.pricing = true;
    } else if (item == "modalities") {
      in.modalities = true;
    } else {
      return invalidArgument("unknown include '" + safeText(item, 40, TextStyle::kEscape) +
                             "'; use any of " + std::string(kKnown) + ", comma-separated");
    }
  }
  return in;
}

json tokensOrNull(int64_t n) {
  return n >= 0 ? json(n) : json(nullptr);
}

// The fields ?include= asked for on one model entry; null for what the tables do not know
// (and for routing aliases, whose deployments may differ).
void addIncludes(json& entry, const Includes& in, const ModelInfo* info, std::string_view provider,
                 std::string_view model) {
  const bool known = info != nullptr && !provider.empty();
  const ModelMetadata* meta = known ? info->metadata.find(provider, model) : nullptr;
  if (in.context_window) {
    entry["context_window"] = meta ? tokensOrNull(meta->context_window) : json(nullptr);
    entry["max_output_tokens"] = meta ? tokensOrNull(meta->max_output_tokens) : json(nullptr);
  }
  if (in.pricing) {
    const ModelPrice* price = known ? info->prices.find(provider, model) : nullptr;
    entry["pricing"] = price ? json{{"input", price->input},
                                    {"output", price->output},
                                    {"cached_input", price->cached_input},
                                    {"reasoning", price->reasoning},
                                    {"currency", "USD"},
                                    {"per_tokens", 1000000}}
                             : json(nullptr);
  }
  if (in.modalities) {
    entry["modalities"] = meta && meta->has_modalities ? json{{"input", meta->input_modalities},
                                                              {"output", meta->output_modalities}}
                                                       : json(nullptr);
  }
}

// The routing aliases (ROUTING_ENABLED), with each deployment's circuit state.
void appendAliases(const App& app, json& data) {
  if (app.routing == nullptr) return;
  auto table = app.routing->current();
  if (!table) return;
  for (auto& a : describeAliases(*table, *app.config)) {
    data.push_back(
        {{"id", a["alias"]},
         {"object", "model"},
         {"created", 0},
         {"owned_by", "gateway"},
         {"served_by", "routing"},
         {"routing", {{"strategy", a["strategy"]}, {"deployments", std::move(a["deployments"])}}}});
  }
}

}  // namespace

namespace {

net::awaitable<void> listModels(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                RequestInfo& info) {
  std::string only = req.queryParam("provider");
  info.provider = "all";
  auto includes = parseIncludes(req.queryParam("include"));
  if (!includes) {
    co_await respondError(res, includes.status());
    co_return;
  }
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
  const ModelInfo* model_info = app.model_info.get();
  for (auto& l : listings) {
    for (auto& m : l.models) {
      if (includes->any()) {
        // The id is "provider/model": the tables are keyed the same way.
        const std::string id = m["id"].get<std::string>();
        const size_t slash = id.find('/');
        addIncludes(m, *includes, model_info, std::string_view(id).substr(0, slash),
                    std::string_view(id).substr(slash + 1));
      }
      data.push_back(std::move(m));
    }
  }
  if (includes->any()) {
    for (auto& m : data) {
      if (m.contains("routing")) addIncludes(m, *includes, nullptr, {}, {});
    }
  }
  json body = {{"object", "list"}, {"data", std::move(data)}};
  if (includes->any() && model_info != nullptr) {
    body["sources"] = {
        {"metadata",
         {{"source", model_info->metadata.source()}, {"updated", model_info->metadata.updated()}}},
        {"pricing",
         {{"source", model_info->prices.source()}, {"updated", model_info->prices.updated()}}}};
  }
  if (!only.empty()) body["provider"] = std::string(listings.front().provider->spec->id);
  Headers h{Header{"Content-Type", "application/json"}};
  co_await res.send(200, h, body.dump());
}

}  // namespace

net::awaitable<void> handleModels(Exchange& ex) {
  co_await listModels(ex.app, ex.req, ex.res, ex.ctx, ex.info);
}

}  // namespace igw
