// POST /v1/chat/completions: validate, route by provider, rename the model, forward, relay.
#include "api/app.h"
#include "api/chat_body.h"
#include "api/relay.h"
#include "providers/routing.h"

namespace igw {

net::awaitable<void> handleChat(const App& app, Request& req, Responder& res, WorkerContext& ctx) {
  auto info = inspectChatBody(req.body);
  if (!info) {
    co_await respondError(res, info.status());
    co_return;
  }
  auto route = resolveRoute(req.queryParam("provider"), info->model);
  if (!route) {
    co_await respondError(res, route.status());
    co_return;
  }
  const ProviderSpec& spec = *route->spec;
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
  up.stream = info->stream;
  up.headers.reserve(4);
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", info->stream ? "text/event-stream" : "application/json"});
  ProviderTable::addAuth(provider, up.headers);
  // Ask for usage on streams so token accounting works even when the client did not.
  up.body = rewriteChatBody(req.body, *info, route->upstream_model, info->stream);
  co_await relay(app, ctx, res, provider, up, RelayMode::kChat);
}

}  // namespace igw
