// POST /v1/chat/completions: the route filter has read the model and stream flag and chosen the
// provider; the body goes, as one model call, through the filters that wrap model calls (the
// tool loop) to the provider call, and the answer to the client as OpenAI shapes.
#include "api/app.h"
#include "core/heap_trim.h"
#include "pipeline/chat_sinks.h"
#include "pipeline/exchange.h"
#include "providers/chat_call.h"

namespace igw {

net::awaitable<void> handleChat(Exchange& ex) {
  // Declared first, so it runs last: after every buffer of this request is gone.
  ReturnMemoryAfter trim(ex.req.body.size());
  ChatTurn turn;
  turn.body = std::move(ex.req.body);
  turn.info = std::move(ex.body);  // one ChatBodyInfo per request, not a copy
  auto sink = makeClientSink(ex, ex.target.client_model);
  co_await ex.app.chain.callModel(ex, turn, *sink, callChatProvider);
}

}  // namespace igw
