// The filter chain and its runner: the fixed order in which filters see a request, built once
// from configuration (see docs/filters.md for the order and how to add a filter).
#pragma once

#include <memory>
#include <vector>

#include "net/asio.h"
#include "pipeline/exchange.h"
#include "pipeline/filter.h"

namespace igw {

class ChatSink;
struct ChatTurn;

using EndpointHandler = net::awaitable<void> (*)(Exchange&);

class FilterChain {
 public:
  FilterChain() = default;
  explicit FilterChain(std::vector<std::unique_ptr<Filter>> filters);
  FilterChain(FilterChain&&) = default;
  FilterChain& operator=(FilterChain&&) = default;

  // Serves one request: builds its Exchange, runs the request hooks in order, then `endpoint`
  // (unless a filter refused), then onComplete in reverse order. Filters observing responses
  // see every header and chunk the endpoint writes.
  net::awaitable<void> run(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                           Endpoint kind, ClientApi api, EndpointHandler endpoint) const;

  // One model call through the filters that wrap model calls, ending in `provider`.
  net::awaitable<void> callModel(Exchange& ex, ChatTurn& turn, ChatSink& sink,
                                 ProviderFn provider) const;

  const std::vector<std::unique_ptr<Filter>>& filters() const { return filters_; }

 private:
  friend class ModelCall;
  net::awaitable<void> callFrom(size_t i, Exchange& ex, ChatTurn& turn, ChatSink& sink,
                                ProviderFn provider) const;

  std::vector<std::unique_ptr<Filter>> filters_;
  std::vector<const Filter*> observers_;  // observesResponse()
  std::vector<const Filter*> wrappers_;   // wrapsModelCall()
};

}  // namespace igw
