// POST /v1/chat/completions: validate, route by provider, rename the model, forward, relay.
#include <ctime>
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/chat_body.h"
#include "api/relay.h"
#include "core/heap_trim.h"
#include "core/ids.h"
#include "core/json_parse.h"
#include "providers/routing.h"

namespace igw {

namespace {

// Model calls made by the agent loop say so: when the "provider" is another gateway, it must not
// run MCP/A2A tools a second time.
void addLoopHeaders(const RequestInfo& request, Headers& headers) {
  if (request.agent_iterations > 0) {
    headers.push_back({"X-MCP-Bypass", "true"});
    headers.push_back({"X-A2A-Bypass", "true"});
  }
}

// The client asked for usage on its stream unless it said include_usage: false.
bool wantsUsage(const nlohmann::json& doc) {
  auto so = doc.find("stream_options");
  if (so == doc.end() || !so->is_object()) return true;
  auto iu = so->find("include_usage");
  return iu == so->end() || !iu->is_boolean() || iu->get<bool>();
}

// Providers with a native adapter: the OpenAI request is translated, sent to the native API and
// the answer translated back.
net::awaitable<void> nativeChat(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                RequestInfo& request, const ProviderEntry& provider,
                                const ChatBodyInfo& body, const std::string& upstream_model) {
  // Declared first, so it runs last: after every buffer of this request is gone.
  ReturnMemoryAfter trim(req.body.size());
  const RequestLimitsConfig& limits = app.config->limits;
  if (Status s =
          checkTranslationLimits(body, limits.chat_max_messages, limits.chat_max_json_values);
      !s) {
    co_await respondError(res, s);
    co_return;
  }
  auto parsed = parseJson(req.body);
  if (!parsed.ok() || !parsed.value.is_object()) {  // inspectChatBody accepted it: unexpected
    co_await respondError(res, jsonStatus(parsed, Code::kInvalidArgument, "request body"));
    co_return;
  }
  nlohmann::json doc = std::move(parsed.value);
  doc["model"] = upstream_model;
  auto native = provider.adapter->buildRequest(doc, body.stream);
  if (!native) {
    co_await respondError(res, native.status());
    co_return;
  }
  if (native->body.size() > limits.chat_max_translated_bytes) {
    co_await respondError(
        res, invalidArgument(
                 "the request translated for " + std::string(provider.spec->id) + " is " +
                 std::to_string(native->body.size()) + " bytes; this gateway sends at most " +
                 std::to_string(limits.chat_max_translated_bytes) + " (CHAT_MAX_TRANSLATED_SIZE)"));
    co_return;
  }
  TranslateContext tctx;
  tctx.model = upstream_model;
  tctx.response_id = "chatcmpl-" + ctx.ids.hex(12);
  tctx.created = static_cast<int64_t>(std::time(nullptr));
  tctx.include_usage = body.stream && wantsUsage(doc);
  // The request now lives in the native body only: the client's text and its DOM (together
  // several times the body's size) are not kept for the whole upstream exchange.
  doc = nlohmann::json();
  std::string().swap(req.body);

  UpstreamRequest up;
  up.method = native->method;
  up.url = ProviderTable::endpoint(provider, native->path);
  up.stream = body.stream;
  up.headers = std::move(native->headers);
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", body.stream ? "text/event-stream" : "application/json"});
  up.headers.push_back({"X-Request-Id", request.request_id});
  if (!request.traceparent.empty()) up.headers.push_back({"traceparent", request.traceparent});
  addLoopHeaders(request, up.headers);
  ProviderTable::addAuth(provider, up.headers);
  up.body = std::move(native->body);
  co_await relayNative(app, ctx, res, provider, up, tctx, request);
}

}  // namespace

net::awaitable<void> handleChatDirect(const App& app, Request& req, Responder& res,
                                      WorkerContext& ctx, RequestInfo& request) {
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

  if (provider.adapter) {
    co_await nativeChat(app, req, res, ctx, request, provider, *body, route->upstream_model);
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
  addLoopHeaders(request, up.headers);
  ProviderTable::addAuth(provider, up.headers);
  // Ask for usage on streams so token accounting works even when the client did not.
  up.body = rewriteChatBody(req.body, *body, route->upstream_model, body->stream);
  co_await relay(app, ctx, res, provider, up, RelayMode::kChat, request);
}

}  // namespace igw
