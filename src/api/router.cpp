// Path -> handler. Kept to a handful of comparisons: no regex, no allocation.
#include "api/app.h"
#include "api/relay.h"

namespace igw {

namespace {

const Headers kJson{Header{"Content-Type", "application/json"}};

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

net::awaitable<void> handleRequest(const App& app, Request& req, Responder& res,
                                   WorkerContext& ctx) {
  std::string_view path = req.path();
  const std::string& m = req.method;
  if (path == "/v1/chat/completions") {
    if (m == "POST") {
      co_await handleChat(app, req, res, ctx);
    } else {
      co_await respondError(res, 405, "use POST for /v1/chat/completions", "method_not_allowed");
    }
  } else if (path == "/health") {
    co_await res.send(200, kJson, "{\"message\":\"OK\"}");
  } else if (path == "/v1/models") {
    if (m == "GET") {
      co_await handleModels(app, req, res, ctx);
    } else {
      co_await respondError(res, 405, "use GET for /v1/models", "method_not_allowed");
    }
  } else if (startsWith(path, "/proxy/")) {
    co_await handleProxy(app, req, res, ctx);
  } else {
    co_await respondError(res, 404, "no route for " + m + " " + std::string(path),
                          "not_found");
  }
}

}  // namespace igw
