// A filter: one cross-cutting step of the request path (request id and tracing, telemetry, the
// route, model allow-lists, the MCP/A2A tool loop; authentication, limits and caching next).
//
// A filter is built once from immutable configuration and shared read-only by all workers; any
// per-request state lives in the Exchange or in the coroutine frame of a hook. The runner
// (pipeline/chain.h) calls the hooks in the chain's fixed order; see docs/filters.md.
#pragma once

#include <optional>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"
#include "net/asio.h"

namespace igw {

class Exchange;
class ChatSink;
struct ChatTurn;

class FilterChain;

// The provider call that ends every model call (providers/chat_call.h).
using ProviderFn = net::awaitable<void> (*)(Exchange&, ChatTurn&, ChatSink&);

// Calls the model once for `turn`, delivering the answer to `sink`: the rest of the chain after a
// filter's aroundModelCall (ultimately the provider call). Cheap to copy.
class ModelCall {
 public:
  ModelCall(const FilterChain& chain, size_t next, ProviderFn provider)
      : chain_(&chain), next_(next), provider_(provider) {}
  net::awaitable<void> operator()(Exchange& ex, ChatTurn& turn, ChatSink& sink) const;

 private:
  const FilterChain* chain_;
  size_t next_;  // index of the next wrapping filter
  ProviderFn provider_;
};

class Filter {
 public:
  virtual ~Filter() = default;

  virtual std::string_view name() const = 0;

  // Request side, in chain order, before the endpoint runs. A non-ok Status stops the request:
  // the runner answers it in the client's API shape and neither later filters nor the endpoint
  // run. A filter may add response headers through ex.res.addHeader() first.
  virtual Status onRequest(Exchange& /*ex*/) const { return Status::ok(); }

  // The same step for a filter that must wait (authentication may fetch the identity provider's
  // keys): when checksAsync() is true the runner awaits onRequestAsync() instead of onRequest().
  // The runner first calls tryRequest(): a value answers at once (no coroutine frame for the
  // common case), nullopt makes it await onRequestAsync().
  virtual bool checksAsync() const { return false; }
  virtual std::optional<Status> tryRequest(Exchange& /*ex*/) const { return std::nullopt; }
  virtual net::awaitable<Status> onRequestAsync(Exchange& ex) const;

  // Response side: the status and headers about to go out (may be changed), then each piece of
  // the body as written. Called only for filters whose observesResponse() is true, so that a
  // chain without such filters pays nothing per chunk.
  virtual bool observesResponse() const { return false; }
  virtual void onHeaders(Exchange& /*ex*/, int /*status*/, Headers& /*headers*/) const {}
  virtual void onChunk(Exchange& /*ex*/, std::string_view /*data*/) const {}
  // Just before the response's last write (a whole response, or the stream's end), awaited:
  // what must be recorded before the client can see the answer complete (budget settlement)
  // goes here. Called at most once per request; not called when the client left first.
  virtual net::awaitable<void> beforeEnd(Exchange& ex) const;

  // Once per request whose onRequest ran (refused or not), in reverse chain order, after the
  // response was written or the client left.
  virtual void onComplete(Exchange& /*ex*/) const {}

  // Model calls of chat-shaped endpoints (/v1/chat/completions, /v1/messages) pass through the
  // filters whose wrapsModelCall() is true, in chain order. A filter may call `next` any number
  // of times (the tool loop does, once per turn) with its own turn and sink, or decline by
  // returning false without writing anything.
  virtual bool wrapsModelCall() const { return false; }
  virtual net::awaitable<bool> aroundModelCall(Exchange& ex, ChatTurn& turn, ChatSink& sink,
                                               const ModelCall& next) const;
};

}  // namespace igw
