// ANY /proxy/{provider}/{path...}: raw passthrough to the provider's base URL with the
// provider's credentials; only allow-listed request headers go upstream (never the caller's
// credentials or hop-by-hop headers).
#include <algorithm>

#include "api/app.h"
#include "api/chat_body.h"
#include "api/relay.h"
#include "http/path.h"
#include "providers/routing.h"

namespace igw {

namespace {

// An allow-list, not a drop list: a header reaches the provider only if it is known to be safe
// and useful there. Anything else stays here: the caller's credentials under any spelling
// (X-Auth-Token, Cookie2, OpenAI-Organization, ...) and hop-by-hop and framing headers, which
// the upstream client sets itself. Names compare case-insensitively; a name with an underscore
// never matches (X_Api_Key is not X-Api-Key, though some servers treat them alike).
bool forwardRequestHeader(std::string_view name) {
  static constexpr std::string_view kAllow[] = {
      "content-type",       // the body's media type
      "accept",             // e.g. text/event-stream for streams
      "user-agent",         // SDK identification, no credentials
      "anthropic-version",  // API version pin (the gateway adds 2023-06-01 when absent)
      "anthropic-beta",     // opt-in to Anthropic beta features
      "openai-beta",        // opt-in to OpenAI beta features (assistants=v2, ...)
      "idempotency-key",    // safe retries of POSTs
      "x-request-id",       // correlation with the caller's logs
  };
  return std::any_of(std::begin(kAllow), std::end(kAllow),
                     [&](std::string_view a) { return iequals(a, name); });
}

}  // namespace

net::awaitable<void> handleProxy(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                 RequestInfo& info) {
  std::string_view rest = req.path().substr(std::string_view("/proxy/").size());
  size_t slash = rest.find('/');
  std::string_view id = rest.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  auto spec = lookupProvider(id);
  if (!spec) {
    co_await respondError(res, spec.status());
    co_return;
  }
  info.provider = (*spec)->id;
  const ProviderEntry& provider = app.providers.get(**spec);
  if (Status s = ProviderTable::checkUsable(provider); !s) {
    co_await respondError(res, s);
    co_return;
  }
  auto path = sanitizeProxyPath(tail);
  if (!path) {
    co_await respondError(res, path.status());
    co_return;
  }
  std::string target = *path;
  if (!req.query().empty()) {
    target += '?';
    target += req.query();
  }

  UpstreamRequest up;
  up.method = req.method;
  up.url = ProviderTable::endpoint(provider, target);
  for (auto& h : req.headers) {
    if (forwardRequestHeader(h.name)) up.headers.push_back(std::move(h));
  }
  if (!info.traceparent.empty()) up.headers.push_back({"traceparent", info.traceparent});
  ProviderTable::addAuth(provider, up.headers);
  // Streams get idle-between-chunks deadlines instead of the whole-exchange timeout.
  const std::string* accept = findHeader(up.headers, "Accept");
  bool wants_sse = accept != nullptr && accept->find("text/event-stream") != std::string::npos;
  if (!wants_sse && !req.body.empty() && req.body.front() == '{') {
    auto info = inspectChatBody(req.body);
    wants_sse = info && info->stream;
  }
  up.stream = wants_sse;
  up.body = std::move(req.body);
  co_await relay(app, ctx, res, provider, up, RelayMode::kProxy, info);
}

}  // namespace igw
