// ANY /proxy/{provider}/{path...} (and its alias /v1/proxy/...): raw passthrough to the provider's
// base URL with the provider's credentials; only allow-listed request headers go upstream (never
// the caller's credentials or hop-by-hop headers). The route filter has found the provider (and the
// model, when the body names one, so the allow-lists apply); usage is read on the side.
#include <algorithm>

#include "api/app.h"
#include "http/path.h"
#include "pipeline/exchange.h"
#include "providers/call.h"
#include "providers/request.h"

namespace igw {

namespace {

// An allow-list, not a drop list: a header reaches the provider only if it is known to be safe
// and useful there. Anything else stays here: the caller's credentials under any spelling
// (X-Auth-Token, Cookie2, OpenAI-Organization, ...) and hop-by-hop and framing headers, which
// the upstream client sets itself. Names compare case-insensitively; a name with an underscore
// never matches (X_Api_Key is not X-Api-Key, though some servers treat them alike).
// X-Request-Id goes too, as the request's id (the client's when it sent a usable one).
bool forwardRequestHeader(std::string_view name) {
  static constexpr std::string_view kAllow[] = {
      "content-type",       // the body's media type
      "accept",             // e.g. text/event-stream for streams
      "user-agent",         // SDK identification, no credentials
      "anthropic-version",  // API version pin (the gateway adds 2023-06-01 when absent)
      "anthropic-beta",     // opt-in to Anthropic beta features
      "openai-beta",        // opt-in to OpenAI beta features (assistants=v2, ...)
      "idempotency-key",    // safe retries of POSTs
  };
  return std::any_of(std::begin(kAllow), std::end(kAllow),
                     [&](std::string_view a) { return iequals(a, name); });
}

// How usage is read from what the provider answers on its own API.
UsageFormat usageFormat(const ProviderEntry& p) {
  if (p.spec->native == WireFormat::kAnthropic) return UsageFormat::kAnthropic;
  if (p.adapter) return UsageFormat::kNone;  // Gemini, Cohere: their own shapes
  return UsageFormat::kOpenAI;
}

}  // namespace

net::awaitable<void> handleProxy(Exchange& ex) {
  const ProviderEntry& p = *ex.target.provider;
  if (Status s = ProviderTable::checkUsable(p); !s) {
    co_await ex.fail(s);
    co_return;
  }
  std::string_view rest = proxyRoutePart(ex.req.path());
  size_t slash = rest.find('/');
  std::string_view tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  auto path = sanitizeProxyPath(tail);
  if (!path) {
    co_await ex.fail(path.status());
    co_return;
  }
  std::string target = *path;
  if (!ex.req.query().empty()) {
    target += '?';
    target += ex.req.query();
  }

  UpstreamRequest up;
  up.method = ex.req.method;
  up.url = ProviderTable::endpoint(p, target);
  for (const auto& h : ex.req.headers) {
    if (forwardRequestHeader(h.name)) up.headers.push_back(h);
  }
  addUpstreamHeaders(ex, p, up.headers);
  // Streams get idle-between-chunks deadlines instead of the whole-exchange timeout.
  const std::string* accept = findHeader(up.headers, "Accept");
  up.stream = ex.target.stream ||
              (accept != nullptr && accept->find("text/event-stream") != std::string::npos);
  up.body = std::move(ex.req.body);
  ProviderCall call(ex, p);
  if (Status s = co_await call.start(std::move(up)); !s) {
    if (!call.clientGone()) co_await ex.fail(call.describe(s));
    co_return;
  }
  co_await call.relayRaw(usageFormat(p));
}

}  // namespace igw
