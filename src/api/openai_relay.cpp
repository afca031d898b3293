#include "api/openai_relay.h"

#include "api/app.h"
#include "api/chat_body.h"
#include "core/heap_trim.h"
#include "pipeline/exchange.h"
#include "providers/call.h"
#include "providers/request.h"
#include "providers/table.h"

namespace igw {

net::awaitable<void> relayOpenAIEndpoint(Exchange& ex, OpenAIEndpoint which) {
  ReturnMemoryAfter trim(ex.req.body.size());  // runs after the request's buffers are gone
  const ProviderEntry& p = *ex.target.provider;
  if (Status s = ProviderTable::checkUsable(p); !s) {
    co_await ex.fail(s);
    co_return;
  }
  const bool stream = ex.target.stream;
  UpstreamRequest up;
  up.method = "POST";
  up.url = ProviderTable::endpoint(p, providerPath(p.spec->id, which));
  up.stream = stream;
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", stream ? "text/event-stream" : "application/json"});
  addUpstreamHeaders(ex, p, up.headers);
  // Streams ask for usage (stream_options.include_usage) unless the client chose otherwise, so
  // that token accounting works: the same splice as chat.
  up.body = rewriteChatBody(ex.req.body, *ex.body, ex.target.upstream_model, stream);
  std::string().swap(ex.req.body);
  ProviderCall call(ex, p);
  if (Status s = co_await call.start(std::move(up)); !s) {
    if (!call.clientGone()) co_await ex.fail(call.describe(s));
    co_return;
  }
  co_await call.relayRaw(UsageFormat::kOpenAI);
}

}  // namespace igw
