// POST /v1/chat/completions: validate, route by provider, rename the model, forward, relay.
#include "api/app.h"
#include "api/chat_body.h"
#include "api/relay.h"
#include "providers/routing.h"

namespace igw {

net::awaitable<void> handleChat(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                RequestInfo& request) {
  auto body = inspectChatBody(req.body);
  if (!body) {
    co_await respondError(res, body.status());
    co_return;
  }
  auto route = resolveRoute(req.queryParam("provider"), body->model);
  if (!route) {
    co_await respondError(res, route.status());
    co_return;
  }
  const ProviderSpec& spec = *route->spec;
  request.provider = spec.id;
  request.model = route->upstream_model;
  request.stream = body->stream;
  if (!modelAllowed(*app.config, spec.id, route->upstream_model)) {
    co_await respondError(res, 403,
                          "model '" + std::string(spec.id) + "/" + route->upstream_model +
                              "' is not allowed on this gateway (ALLOWED_MODELS/DISALLOWED_MODELS)",
                          "model_not_allowed");
    co_return;
  }
  const ProviderEntry& provider = app.providers.get(spec);
  if (Status s = ProviderTable::checkUsable(provider); !s) {
    co_await respondError(res, s);
    co_return;
  }

  UpstreamRequest up;
  up.method = "POST";
  up.url = ProviderTable::endpoint(provider, spec.chat_path);
  up.stream = body->stream;
  up.headers.reserve(6);
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", body->stream ? "text/event-stream" : "application/json"});
  up.headers.push_back({"X-Request-Id", request.request_id});
  if (!request.traceparent.empty()) up.headers.push_back({"traceparent", request.traceparent});
  ProviderTable::addAuth(provider, up.headers);
  // Ask for usage on streams so token accounting works even when the client did not.
  up.body = rewriteChatBody(req.body, *body, route->upstream_model, body->stream);
  co_await relay(app, ctx, res, provider, up, RelayMode::kChat, request);
}

}  // namespace igw
