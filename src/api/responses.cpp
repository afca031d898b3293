// POST /v1/responses: OpenAI's Responses API in front of every provider. To the providers that
// serve it in OpenAI's format (providers/api_support.cpp: OpenAI, Azure OpenAI, ...) the body
// goes byte for byte (only the model renamed), streams included, and usage is read on the side.
// For every other provider (and for all of them when the gateway runs tools for the request) the
// request is translated to an OpenAI chat request and makes the same model call as
// /v1/chat/completions; the Responses sink turns the answer into a Response object and Responses
// events (translate/responses_openai.h).
#include <algorithm>

#include "api/app.h"
#include "api/chat_body.h"
#include "api/openai_relay.h"
#include "core/heap_trim.h"
#include "filters/filters.h"
#include "pipeline/chat_sinks.h"
#include "pipeline/exchange.h"
#include "providers/api_support.h"
#include "providers/chat_call.h"
#include "routing/router.h"
#include "translate/responses_openai.h"

namespace igw {

namespace {

// Byte for byte only when every provider the request may go to serves the Responses API.
bool responsesEverywhere(const Exchange& ex) {
  if (!ex.route)
    return !providerPath(ex.target.provider->spec->id, OpenAIEndpoint::kResponses).empty();
  for (const Deployment& d : ex.route->alias().deployments) {
    if (providerPath(d.provider->spec->id, OpenAIEndpoint::kResponses).empty()) return false;
  }
  return true;
}

}  // namespace

net::awaitable<void> handleResponses(Exchange& ex) {
  // Byte for byte, unless the gateway runs tools for this request: the agent loop works on chat
  // requests, so then the request goes through the bridge like for everyone else.
  if (responsesEverywhere(ex) && !offersGatewayTools(ex)) {
    co_await relayOpenAIEndpoint(ex, OpenAIEndpoint::kResponses);
    co_return;
  }
  ReturnMemoryAfter trim(ex.req.body.size());  // runs after the request's buffers are gone
  const RequestLimitsConfig& limits = ex.config.limits;
  ChatBodyInfo counted = *ex.body;
  counted.messages = std::max(counted.messages, counted.input_items);  // input items
  if (Status s =
          checkTranslationLimits(counted, limits.chat_max_messages, limits.chat_max_json_values);
      !s) {
    co_await ex.fail(s);
    co_return;
  }
  auto chat = responsesToChatRequest(ex.req.body, ex.target.client_model);
  if (!chat) {
    co_await ex.fail(chat.status());
    co_return;
  }
  std::string().swap(ex.req.body);  // the translated body is all that is needed from here on
  ChatTurn turn;
  turn.body = std::move(chat->chat);
  auto sink = makeResponsesSink(ex, ex.target.client_model, std::move(chat->echo));
  co_await ex.app.chain.callModel(ex, turn, *sink, callChatProvider);
}

}  // namespace igw
