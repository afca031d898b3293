#include "api/openai_relay.h"

#include "api/app.h"
#include "api/chat_body.h"
#include "core/heap_trim.h"
#include "pipeline/exchange.h"
#include "providers/attempts.h"
#include "providers/call.h"
#include "providers/request.h"
#include "providers/table.h"
#include "translate/cohere_embeddings.h"
#include "translate/gemini_embeddings.h"

namespace igw {

namespace {

// Embeddings on a provider's native API (Google, Cohere: native as for chat), translated both
// ways: Gemini's batchEmbedContents (translate/gemini_embeddings.h), Cohere's v2 embed
// (translate/cohere_embeddings.h).
net::awaitable<void> embedNative(Exchange& ex, const ProviderEntry& p) {
  const bool gemini = p.spec->native == WireFormat::kGemini;
  EmbeddingsShape shape;
  auto native = gemini ? geminiEmbeddingsRequest(ex.req.body, ex.target.upstream_model, shape)
                       : cohereEmbeddingsRequest(ex.req.body, ex.target.upstream_model, shape);
  if (!native) {
    co_await ex.fail(native.status());
    co_return;
  }
  std::string().swap(ex.req.body);
  UpstreamRequest up;
  up.method = "POST";
  up.url = ProviderTable::endpoint(p, native->path);
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", "application/json"});
  addUpstreamHeaders(ex, p, up.headers);
  up.body = std::move(native->body);
  ProviderCall call(ex, p);
  if (Status s = co_await call.start(std::move(up)); !s) {
    if (!call.clientGone()) co_await ex.fail(call.describe(s));
    co_return;
  }
  auto body = co_await call.readBody(ex.config.client.max_response_bytes);
  if (call.clientGone()) co_return;
  if (!body) {
    co_await ex.fail(call.describe(body.status()));
    co_return;
  }
  Headers h = call.passOnHeaders();
  if (call.status() >= 400) {
    ProviderError err = p.adapter->translateError(call.status(), *body);
    std::string message = "upstream " + std::string(p.spec->id) + " returned " +
                          std::to_string(call.status()) + ": " + err.message;
    for (auto& hdr : h) ex.res.addHeader(hdr.name, hdr.value);
    co_await ex.fail(err.status, message);
    co_return;
  }
  int64_t prompt_tokens = -1;
  auto out = gemini ? openAIEmbeddingsFromGemini(*body, shape, prompt_tokens)
                    : openAIEmbeddingsFromCohere(*body, shape, prompt_tokens);
  if (!out) {
    co_await ex.fail(call.describe(out.status()));
    co_return;
  }
  // Unreported usage: about four bytes of text per token, for metrics, limits and budgets.
  ex.info.usage.prompt = prompt_tokens >= 0 ? prompt_tokens : (shape.text_bytes + 3) / 4;
  ex.info.usage.total = ex.info.usage.prompt;
  h.push_back({"Content-Type", "application/json"});
  co_await ex.res.send(call.status(), h, *out);
}

}  // namespace

net::awaitable<void> relayOpenAIEndpoint(Exchange& ex, OpenAIEndpoint which) {
  ReturnMemoryAfter trim(ex.req.body.size());  // runs after the request's buffers are gone
  const ProviderEntry& first = *ex.target.provider;
  if (!ex.route) {
    if (Status s = ProviderTable::checkUsable(first); !s) {
      co_await ex.fail(s);
      co_return;
    }
  }
  // (A routing alias has only OpenAI-shaped deployments here: filters/route_api.cpp.)
  const bool native_embed =
      first.spec->native == WireFormat::kGemini || first.spec->native == WireFormat::kCohere;
  if (which == OpenAIEndpoint::kEmbeddings && first.adapter && native_embed && !ex.route) {
    co_await embedNative(ex, first);
    co_return;
  }
  const bool stream = ex.target.stream;
  // The Responses API reports usage in its final event unasked (and has no include_usage).
  const bool responses = which == OpenAIEndpoint::kResponses;
  BuildAttempt build = [&](const ProviderEntry& p) -> Result<UpstreamRequest> {
    UpstreamRequest up;
    up.method = "POST";
    up.url =
        ProviderTable::operationUrl(p, providerPath(p.spec->id, which), ex.target.upstream_model);
    up.stream = stream;
    up.headers.push_back({"Content-Type", "application/json"});
    up.headers.push_back({"Accept", stream ? "text/event-stream" : "application/json"});
    addUpstreamHeaders(ex, p, up.headers);
    // Streams ask for usage (stream_options.include_usage) unless the client chose otherwise,
    // so that token accounting works: the same splice as chat.
    up.body =
        rewriteChatBody(ex.req.body, *ex.body, ex.target.upstream_model, stream && !responses);
    if (!ex.route) std::string().swap(ex.req.body);  // only a routed request may need it again
    return up;
  };
  co_await relayAttempts(ex, build, responses ? UsageFormat::kResponses : UsageFormat::kOpenAI);
}

}  // namespace igw
