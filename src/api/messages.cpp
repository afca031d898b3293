// POST /v1/messages: Anthropic's Messages API in front of every provider. To Anthropic the body
// goes byte for byte (only the model renamed), so prompt caching, cache_control and thinking
// signatures are untouched, and usage and time to first token are read on the side. For every
// other provider (and for Anthropic when the gateway runs tools for the request) the request is
// translated to an OpenAI chat request and makes the same model call as /v1/chat/completions;
// the Messages sink turns the answer into Anthropic messages and events.
#include "api/app.h"
#include "api/chat_body.h"
#include "core/heap_trim.h"
#include "filters/filters.h"
#include "pipeline/chat_sinks.h"
#include "pipeline/exchange.h"
#include "providers/call.h"
#include "providers/chat_call.h"
#include "providers/request.h"
#include "translate/anthropic_openai.h"

namespace igw {

namespace {

net::awaitable<void> passThroughToAnthropic(Exchange& ex, const ProviderEntry& p) {
  if (Status s = ProviderTable::checkUsable(p); !s) {
    co_await ex.fail(s);
    co_return;
  }
  const bool stream = ex.target.stream;
  UpstreamRequest up;
  up.method = "POST";
  up.url = ProviderTable::endpoint(p, "/messages");
  up.stream = stream;
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", stream ? "text/event-stream" : "application/json"});
  // The client's API version and beta flags are part of what it asked for.
  for (const char* name : {"anthropic-version", "anthropic-beta"}) {
    if (const std::string* v = ex.req.header(name)) up.headers.push_back({name, *v});
  }
  addUpstreamHeaders(ex, p, up.headers);
  up.body = rewriteChatBody(ex.req.body, *ex.body, ex.target.upstream_model, false);
  std::string().swap(ex.req.body);
  ProviderCall call(ex, p);
  if (Status s = co_await call.start(std::move(up)); !s) {
    if (!call.clientGone()) co_await ex.fail(call.describe(s));
    co_return;
  }
  co_await call.relayRaw(UsageFormat::kAnthropic);
}

}  // namespace

net::awaitable<void> handleMessages(Exchange& ex) {
  ReturnMemoryAfter trim(ex.req.body.size());  // runs after the request's buffers are gone
  const ProviderEntry& p = *ex.target.provider;
  // Byte-for-byte to Anthropic, unless the gateway runs tools for this request: the agent loop
  // works on chat requests, so then the request is translated like for everyone else.
  if (p.spec->native == WireFormat::kAnthropic && !offersGatewayTools(ex)) {
    co_await passThroughToAnthropic(ex, p);
    co_return;
  }
  const RequestLimitsConfig& limits = ex.config.limits;
  if (Status s =
          checkTranslationLimits(*ex.body, limits.chat_max_messages, limits.chat_max_json_values);
      !s) {
    co_await ex.fail(s);
    co_return;
  }
  bool stream = false;
  auto chat = messagesToChatRequest(ex.req.body, ex.target.client_model, &stream);
  if (!chat) {
    co_await ex.fail(chat.status());
    co_return;
  }
  std::string().swap(ex.req.body);  // the translated body is all that is needed from here on
  ChatTurn turn;
  turn.body = std::move(chat.value());
  auto sink = makeClientSink(ex, ex.target.client_model);
  co_await ex.app.chain.callModel(ex, turn, *sink, callChatProvider);
}

}  // namespace igw
