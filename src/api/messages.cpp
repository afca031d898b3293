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
#include "providers/attempts.h"
#include "providers/call.h"
#include "providers/chat_call.h"
#include "providers/request.h"
#include "routing/router.h"
#include "translate/anthropic_openai.h"

namespace igw {

namespace {

net::awaitable<void> passThroughToAnthropic(Exchange& ex) {
  if (!ex.route) {
    if (Status s = ProviderTable::checkUsable(*ex.target.provider); !s) {
      co_await ex.fail(s);
      co_return;
    }
  }
  const bool stream = ex.target.stream;
  BuildAttempt build = [&](const ProviderEntry& p) -> Result<UpstreamRequest> {
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
    // Only a routed request may need the client's body for another attempt.
    if (!ex.route) std::string().swap(ex.req.body);
    return up;
  };
  co_await relayAttempts(ex, build, UsageFormat::kAnthropic);
}

// Byte for byte only when every provider the request may go to speaks Anthropic's API.
bool anthropicOnly(const Exchange& ex) {
  if (!ex.route) return ex.target.provider->spec->native == WireFormat::kAnthropic;
  for (const Deployment& d : ex.route->alias().deployments) {
    if (d.provider->spec->native != WireFormat::kAnthropic) return false;
  }
  return true;
}

}  // namespace

net::awaitable<void> handleMessages(Exchange& ex) {
  ReturnMemoryAfter trim(ex.req.body.size());  // runs after the request's buffers are gone
  // Byte-for-byte to Anthropic, unless the gateway runs tools for this request: the agent loop
  // works on chat requests, so then the request is translated like for everyone else.
  if (anthropicOnly(ex) && !offersGatewayTools(ex)) {
    co_await passThroughToAnthropic(ex);
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
