#include "providers/chat_call.h"

#include "api/app.h"
#include "api/chat_body.h"
#include "http/error_taxonomy.h"
#include "http/errors.h"
#include "pipeline/chat_sink.h"
#include "pipeline/exchange.h"
#include "providers/attempts.h"
#include "providers/call.h"
#include "providers/request.h"
#include "providers/table.h"
#include "telemetry/usage.h"

namespace igw {

namespace {

net::awaitable<void> answerError(ChatSink& sink, const Status& s, const Headers& headers = {}) {
  int status = httpStatus(s.code());
  co_await sink.answer(status, headers, errorJson(s));
}

// The provider's error, with the provider's status (a 529 stays a 529) and its message.
net::awaitable<void> relayProviderError(Exchange& ex, ProviderCall& call, ChatSink& sink,
                                        const ProviderEntry& p) {
  int status = call.status();
  auto body = co_await call.readBody(1 << 20);
  if (call.clientGone()) co_return;
  std::string message;
  if (p.adapter) {
    ProviderError err = p.adapter->translateError(status, body ? *body : std::string());
    message = std::move(err.message);
    status = err.status;  // the provider's, unless docs/errors.md documents a mapping
  } else {
    message = body ? upstreamErrorMessage(*body) : body.status().message();
    status = providerErrorStatus(status);  // one rule for every provider: docs/errors.md
  }
  std::string full = "upstream " + std::string(p.spec->id) + " returned " +
                     std::to_string(call.status()) + ": " + message;
  ex.app.log.debug(
      "upstream error",
      {{"request_id", ex.info.request_id}, {"provider", p.spec->id}, {"status", call.status()}});
  Headers h = call.passOnHeaders();
  co_await sink.answer(status, h, errorJson(full, errorType(status)));
}

}  // namespace

net::awaitable<void> callChatProvider(Exchange& ex, ChatTurn& turn, ChatSink& sink) {
  if (!ex.route) {
    if (Status s = ProviderTable::checkUsable(*ex.target.provider); !s) {
      co_await answerError(sink, s);
      co_return;
    }
  }
  Result<ChatBodyInfo> info =
      turn.info ? Result<ChatBodyInfo>(*turn.info) : inspectChatBody(turn.body);
  if (!info) {
    co_await answerError(sink, info.status());
    co_return;
  }
  TranslateContext tctx;
  // A routed request may need the body for another attempt: each attempt builds from a copy.
  const bool again = ex.route != nullptr;
  BuildAttempt build = [&](const ProviderEntry& p) -> Result<UpstreamRequest> {
    tctx = TranslateContext{};
    if (!again) return buildChatRequest(ex, p, turn, *info, tctx);
    ChatTurn copy{turn.body, turn.info};
    return buildChatRequest(ex, p, copy, *info, tctx);
  };
  std::optional<ProviderCall> started;
  AttemptScope scope{ex};
  if (Status s = co_await startAttempts(ex, started, build); !s) {
    if (!ex.client_gone) co_await answerError(sink, s);
    co_return;
  }
  ProviderCall& call = *started;
  const ProviderEntry& p = *ex.target.provider;  // the deployment that answered
  const bool stream = info->stream;
  if (call.status() >= 400) {
    co_await relayProviderError(ex, call, sink, p);
    co_return;
  }
  // Native providers stream when asked to; OpenAI-compatible ones say so in Content-Type.
  const bool events = p.adapter ? stream : call.isEventStream();
  if (events) {
    std::unique_ptr<StreamTranslator> translator;
    if (p.adapter) translator = p.adapter->newStream(tctx);
    Headers h = call.passOnHeaders();
    const bool begun = co_await sink.beginStream(call.status(), h);
    if (!begun) co_return;
    co_await call.streamTo(sink, translator.get());
    co_return;
  }
  auto body = co_await call.readBody(ex.config.client.max_response_bytes);
  if (call.clientGone()) co_return;
  if (!body) {
    co_await answerError(sink, call.describe(body.status()));
    co_return;
  }
  Headers h = call.passOnHeaders();
  if (p.adapter) {
    auto translated = p.adapter->translateResponse(*body, tctx);
    if (!translated) {
      co_await answerError(sink, call.describe(translated.status()));
      co_return;
    }
    *body = std::move(translated.value());
  }
  if (ex.app.readsUsage()) extractUsage(*body, ex.info.usage);
  if (ex.app.readsToolCalls()) extractToolCallNames(*body, ex.info.tool_calls);
  co_await sink.answer(call.status(), h, *body);
}

}  // namespace igw
