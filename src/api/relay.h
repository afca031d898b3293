// Sending a provider request and relaying the answer to the client: upstream failures mapped to
// OpenAI-shaped errors, streams forwarded event by event with an error event on mid-stream
// failure, and the upstream request aborted the moment the client disconnects.
#pragma once

#include "api/app.h"
#include "net/upstream.h"
#include "translate/translator.h"

namespace igw {

net::awaitable<void> respondError(Responder& res, const Status& status);

// The status with "upstream ID: " in front of its message, so users see which provider failed.
Status upstreamStatus(const ProviderEntry& provider, const Status& s);
net::awaitable<void> respondError(Responder& res, int http_status, std::string_view message,
                                  std::string_view code = {});

enum class RelayMode {
  kChat,   // OpenAI chat: errors normalised, SSE re-framed event by event
  kProxy,  // raw passthrough: status, headers and bytes as the provider sent them
};

// Fills `info` with what telemetry needs: usage, tool calls, time to first token.
net::awaitable<void> relay(const App& app, WorkerContext& ctx, Responder& res,
                           const ProviderEntry& provider, const UpstreamRequest& req,
                           RelayMode mode, RequestInfo& info);

// The same for a provider's native API: the adapter translates errors, responses and each
// stream event back into OpenAI shapes.
net::awaitable<void> relayNative(const App& app, WorkerContext& ctx, Responder& res,
                                 const ProviderEntry& provider, const UpstreamRequest& req,
                                 const TranslateContext& tctx, RequestInfo& info);

}  // namespace igw
