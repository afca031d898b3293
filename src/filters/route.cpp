// The route: which provider and upstream model a request is for, read from its body ("model",
// "stream") and ?provider= — or, for /proxy/{provider}/..., from the path (and the model from a
// JSON body that names one, so that the allow-lists and usage metrics see it). Answers 400 for
// a body a chat route cannot use, with a message saying what to fix.
#include "api/app.h"
#include "filters/filters.h"
#include "http/path.h"
#include "pipeline/exchange.h"
#include "providers/routing.h"
#include "routing/router.h"
#include "routing/routing_service.h"

namespace igw {

namespace {

class RouteFilter final : public Filter {
 public:
  std::string_view name() const override { return "route"; }

  Status onRequest(Exchange& ex) const override {
    switch (ex.endpoint) {
      case Endpoint::kChat:
      case Endpoint::kMessages:
      case Endpoint::kResponses:  // every provider: byte for byte or through the bridge
        return routeChat(ex);
      case Endpoint::kEmbeddings:
      case Endpoint::kCompletions:
        if (Status s = routeChat(ex); !s) return s;
        return checkOpenAIEndpoint(ex);  // route_api.cpp
      case Endpoint::kImages:
      case Endpoint::kAudio:
        return routeMedia(ex);  // route_media.cpp
      case Endpoint::kProxy:
        return routeProxy(ex);
      default:
        return Status::ok();
    }
  }

 private:
  static Status routeChat(Exchange& ex) {
    auto body = inspectChatBody(ex.req.body);
    if (!body) return body.status();
    return routeBody(ex, std::move(body));
  }

 public:
  // The routing fields of a body already inspected (a multipart one too: route_media.cpp).
  static Status routeBody(Exchange& ex, Result<ChatBodyInfo> body) {
    if (routeAlias(ex, *body)) {
      ex.body = std::move(body.value());
      return Status::ok();
    }
    auto route = resolveRoute(ex.req.queryParam("provider"), body->model);
    if (!route) return route.status();
    ex.target.provider = &ex.app.providers.get(*route->spec);
    ex.target.client_model = body->model;
    ex.target.upstream_model = route->upstream_model;
    ex.target.stream = body->stream;
    ex.info.provider = route->spec->id;
    ex.info.model = route->upstream_model;
    ex.info.stream = body->stream;
    ex.body = std::move(body.value());
    return Status::ok();
  }

  // A bare model name that is a routing alias (ROUTING_ENABLED; ?provider= and provider/model
  // bypass routing): the request gets a plan, and the filters before the first attempt see the
  // deployment the strategy would look at first.
  static bool routeAlias(Exchange& ex, const ChatBodyInfo& body) {
    if (ex.app.routing == nullptr || body.model.find('/') != std::string::npos ||
        !ex.req.queryParam("provider").empty()) {
      return false;
    }
    auto table = ex.app.routing->table(ex.ctx.worker);
    const Alias* alias = table ? table->find(body.model) : nullptr;
    if (alias == nullptr) return false;
    ex.route = std::make_unique<RoutePlan>(std::move(table), *alias);
    const Deployment& first = ex.route->preview();
    ex.target.provider = first.provider;
    ex.target.client_model = body.model;
    ex.target.upstream_model = first.spec.model;
    ex.target.stream = body.stream;
    ex.info.provider = first.provider->spec->id;
    ex.info.model = first.spec.model;
    ex.info.stream = body.stream;
    return true;
  }

  static Status routeProxy(Exchange& ex) {
    std::string_view rest = proxyRoutePart(ex.req.path());  // /proxy/ or /v1/proxy/
    std::string_view id = rest.substr(0, rest.find('/'));
    auto spec = lookupProvider(id);
    if (!spec) return spec.status();
    ex.target.provider = &ex.app.providers.get(**spec);
    ex.info.provider = (*spec)->id;
    // A JSON body naming a model: the allow-lists apply and usage is counted under it. Other
    // bodies go through untouched.
    if (!ex.req.body.empty() && ex.req.body.front() == '{') {
      if (auto body = inspectChatBody(ex.req.body)) {
        ex.target.client_model = body->model;
        ex.target.upstream_model = body->model;
        ex.target.stream = body->stream;
        ex.info.model = body->model;
        ex.info.stream = body->stream;
        ex.body = std::move(body.value());
      }
    }
    return Status::ok();
  }
};

// ALLOWED_MODELS / DISALLOWED_MODELS on every route that names a model, /proxy included.
class ModelAllowListFilter final : public Filter {
 public:
  std::string_view name() const override { return "model_allowlist"; }

  Status onRequest(Exchange& ex) const override {
    const Target& t = ex.target;
    if (ex.route) {  // an alias is allowed or refused by its own name
      if (modelAllowed(ex.config, {}, t.client_model)) return Status::ok();
      ex.refusal_code = "model_not_allowed";
      return permissionDenied(
          "model '" + t.client_model +
          "' is not allowed on this gateway (ALLOWED_MODELS/DISALLOWED_MODELS)");
    }
    if (t.provider == nullptr || t.upstream_model.empty()) return Status::ok();
    std::string_view id = t.provider->spec->id;
    if (modelAllowed(ex.config, id, t.upstream_model)) return Status::ok();
    ex.refusal_code = "model_not_allowed";
    return permissionDenied("model '" + std::string(id) + "/" + t.upstream_model +
                            "' is not allowed on this gateway (ALLOWED_MODELS/DISALLOWED_MODELS)");
  }
};

}  // namespace

Status routeByBody(Exchange& ex, ChatBodyInfo body) {
  return RouteFilter::routeBody(ex, std::move(body));
}

std::unique_ptr<Filter> makeRouteFilter(const Config&) {
  return std::make_unique<RouteFilter>();
}

std::unique_ptr<Filter> makeModelAllowListFilter(const Config& config) {
  if (config.allowed_models.empty() && config.disallowed_models.empty()) return nullptr;
  return std::make_unique<ModelAllowListFilter>();
}

}  // namespace igw
