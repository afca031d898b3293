#include "pipeline/chain.h"

#include <optional>

#include "http/errors.h"
#include "pipeline/chat_sink.h"
#include "pipeline/exchange.h"

namespace igw {

net::awaitable<Status> Filter::onRequestAsync(Exchange& ex) const {
  co_return onRequest(ex);
}

net::awaitable<void> Filter::beforeEnd(Exchange&) const {
  co_return;
}

net::awaitable<bool> Filter::aroundModelCall(Exchange&, ChatTurn&, ChatSink&,
                                             const ModelCall&) const {
  co_return false;
}

namespace {

// Lets response-observing filters see what the endpoint writes. Installed only when the chain
// has such filters: the connection's Responder is used directly otherwise.
class ObservedResponder final : public Responder {
 public:
  ObservedResponder(Responder& inner, const std::vector<const Filter*>& observers)
      : inner_(inner), observers_(observers) {}
  void attach(Exchange& ex) { ex_ = &ex; }

  net::awaitable<Status> send(int status, const Headers& headers, std::string_view body) override {
    Headers h = headers;
    for (const Filter* f : observers_) f->onHeaders(*ex_, status, h);
    for (const Filter* f : observers_) f->onChunk(*ex_, body);
    co_await ending();
    co_return co_await inner_.send(status, h, body);
  }
  net::awaitable<Status> beginStream(int status, const Headers& headers) override {
    Headers h = headers;
    for (const Filter* f : observers_) f->onHeaders(*ex_, status, h);
    co_return co_await inner_.beginStream(status, h);
  }
  net::awaitable<Status> writeChunk(std::string_view data, bool last) override {
    for (const Filter* f : observers_) f->onChunk(*ex_, data);
    if (last) co_await ending();
    co_return co_await inner_.writeChunk(data, last);
  }
  net::awaitable<Status> endStream() override {
    co_await ending();
    co_return co_await inner_.endStream();
  }
  void watchDisconnect(std::function<void()> on_gone) override {
    inner_.watchDisconnect(std::move(on_gone));
  }
  void stopWatching() override { inner_.stopWatching(); }
  bool started() const override { return inner_.started(); }
  int status() const override { return inner_.status(); }
  void addHeader(std::string_view name, std::string_view value) override {
    inner_.addHeader(name, value);
  }

 private:
  net::awaitable<void> ending() {
    if (ended_) co_return;
    ended_ = true;
    for (const Filter* f : observers_) co_await f->beforeEnd(*ex_);
  }

  Responder& inner_;
  Exchange* ex_ = nullptr;
  bool ended_ = false;
  const std::vector<const Filter*>& observers_;
};

// Runs onComplete of the filters whose onRequest ran, also when the endpoint throws.
struct CompleteGuard {
  Exchange& ex;
  const std::vector<std::unique_ptr<Filter>>& filters;
  size_t ran = 0;
  ~CompleteGuard() {
    for (size_t i = ran; i-- > 0;) filters[i]->onComplete(ex);
  }
};

}  // namespace

FilterChain::FilterChain(std::vector<std::unique_ptr<Filter>> filters)
    : filters_(std::move(filters)) {
  for (const auto& f : filters_) {
    if (f->observesResponse()) observers_.push_back(f.get());
    if (f->wrapsModelCall()) wrappers_.push_back(f.get());
  }
}

net::awaitable<void> FilterChain::run(const App& app, Request& req, Responder& res,
                                      WorkerContext& ctx, Endpoint kind, ClientApi api,
                                      EndpointHandler endpoint) const {
  std::optional<ObservedResponder> observed;
  Responder* out = &res;
  if (!observers_.empty()) out = &observed.emplace(res, observers_);
  Exchange ex(app, req, *out, ctx);
  if (observed) observed->attach(ex);
  ex.endpoint = kind;
  ex.api = api;
  CompleteGuard guard{ex, filters_};
  Status refused;
  for (const auto& f : filters_) {
    ++guard.ran;
    if (f->checksAsync()) {
      std::optional<Status> quick = f->tryRequest(ex);
      if (quick) {
        refused = std::move(*quick);
      } else {
        refused = co_await f->onRequestAsync(ex);
      }
    } else {
      refused = f->onRequest(ex);
    }
    if (!refused) break;
  }
  if (!refused) {
    co_await ex.fail(httpStatus(refused.code()), refused.message(), ex.refusal_code);
    co_return;
  }
  co_await endpoint(ex);
}

// Not a coroutine: it hands back the provider's own awaitable when no filter wraps model calls,
// so the common chain costs no frames of its own.
net::awaitable<void> FilterChain::callModel(Exchange& ex, ChatTurn& turn, ChatSink& sink,
                                            ProviderFn provider) const {
  if (wrappers_.empty()) return provider(ex, turn, sink);
  return callFrom(0, ex, turn, sink, provider);
}

net::awaitable<void> ModelCall::operator()(Exchange& ex, ChatTurn& turn, ChatSink& sink) const {
  co_await chain_->callFrom(next_, ex, turn, sink, provider_);
}

net::awaitable<void> FilterChain::callFrom(size_t i, Exchange& ex, ChatTurn& turn, ChatSink& sink,
                                           ProviderFn provider) const {
  for (; i < wrappers_.size(); ++i) {
    ModelCall next(*this, i + 1, provider);
    const bool handled = co_await wrappers_[i]->aroundModelCall(ex, turn, sink, next);
    if (handled) co_return;
  }
  co_await provider(ex, turn, sink);
}

}  // namespace igw
