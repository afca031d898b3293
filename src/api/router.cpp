// Path -> endpoint. Every request, answered or refused, runs through the app's filter chain
// (request id, telemetry, route, allow-lists, ...: filters/filters.h), so a 404 or 405 is
// counted and logged like any other answer. Kept to a handful of comparisons: no regex.
#include "api/app.h"
#include "pipeline/exchange.h"
#include "providers/media_support.h"

namespace igw {

namespace {

const Headers kJson{Header{"Content-Type", "application/json"}};

bool startsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

net::awaitable<void> health(Exchange& ex) {
  co_await ex.res.send(200, kJson, "{\"message\":\"OK\"}");
}

net::awaitable<void> notFound(Exchange& ex) {
  co_await ex.fail(404, "no route for " + ex.req.method + " " + std::string(ex.req.path()),
                   "not_found");
}

net::awaitable<void> methodNotAllowed(Exchange& ex) {
  std::string_view path = ex.req.path();
  const bool post = path == "/v1/chat/completions" || path == "/v1/messages" ||
                    path == "/v1/embeddings" || path == "/v1/completions" ||
                    path == "/v1/responses" || mediaEndpointOf(path).has_value();
  const char* use = post ? "POST" : "GET";
  co_await ex.fail(405, std::string("use ") + use + " for " + std::string(path),
                   "method_not_allowed");
}

struct Match {
  Endpoint kind;
  EndpointHandler handler;
  ClientApi api = ClientApi::kOpenAI;
};

Match match(const Request& req) {
  std::string_view path = req.path();
  const std::string& m = req.method;
  if (path == "/v1/chat/completions") {
    if (m == "POST") return {Endpoint::kChat, handleChat};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (path == "/v1/messages") {
    if (m == "POST") return {Endpoint::kMessages, handleMessages, ClientApi::kAnthropic};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (path == "/v1/embeddings") {
    if (m == "POST") return {Endpoint::kEmbeddings, handleEmbeddings};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (path == "/v1/completions") {
    if (m == "POST") return {Endpoint::kCompletions, handleCompletions};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (path == "/v1/responses") {
    if (m == "POST") return {Endpoint::kResponses, handleResponses, ClientApi::kResponses};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (startsWith(path, "/v1/images/") || startsWith(path, "/v1/audio/")) {
    if (auto e = mediaEndpointOf(path)) {
      if (m != "POST") return {Endpoint::kOther, methodNotAllowed};
      return {isImages(*e) ? Endpoint::kImages : Endpoint::kAudio, handleMedia};
    }
  }
  if (path == "/health") return {Endpoint::kHealth, health};
  if (path == "/v1/models") {
    if (m == "GET") return {Endpoint::kModels, handleModels};
    return {Endpoint::kOther, methodNotAllowed};
  }
  // /v1/proxy/...: the alias the Go project's TypeScript SDK uses (its base URL ends in /v1).
  if (startsWith(path, "/proxy/") || startsWith(path, "/v1/proxy/")) {
    return {Endpoint::kProxy, handleProxy};
  }
  if (path == "/v1/mcp/tools" || path == "/v1/a2a/agents" || startsWith(path, "/v1/a2a/agents/")) {
    if (m == "GET") return {Endpoint::kToolListing, handleToolListing};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (path == "/admin" || startsWith(path, "/admin/")) return {Endpoint::kAdmin, handleAdmin};
  if (path == "/v1/key") {
    if (m == "GET") return {Endpoint::kOther, handleKeyInfo};
    return {Endpoint::kOther, methodNotAllowed};
  }
  if (path == "/ui" || startsWith(path, "/ui/")) {
    if (m != "GET" && m != "HEAD") return {Endpoint::kOther, methodNotAllowed};
    if (startsWith(path, "/ui/api/")) return {Endpoint::kUiApi, handleUiApi};
    return {Endpoint::kUi, handleUi};
  }
  return {Endpoint::kOther, notFound};
}

}  // namespace

net::awaitable<void> handleRequest(std::shared_ptr<const App> app, Request& req, Responder& res,
                                   WorkerContext& ctx) {
  Match m = match(req);
  co_await app->chain.run(*app, req, res, ctx, m.kind, m.api, m.handler);
}

}  // namespace igw
