#include "cli/gateway_client.h"

#include <unistd.h>

#include <chrono>
#include <exception>
#include <optional>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "cli/interrupt.h"
#include "core/config.h"
#include "core/log.h"
#include "core/version.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/parallel.h"
#include "net/upstream.h"
#include "net/url.h"

namespace igw::cli {

using namespace igw::net;  // NOLINT: aliases only
using std::chrono::milliseconds;

namespace {

constexpr uint64_t kMaxBody = 64ull << 20;

ClientConfig clientConfig() {
  ClientConfig c;
  c.timeout = milliseconds(600'000);  // a long non-streamed answer, tool loops included
  c.connect_timeout = milliseconds(10'000);
  c.response_header_timeout = milliseconds(600'000);
  c.idle_chunk_timeout = milliseconds(300'000);
  c.idle_conn_timeout = milliseconds(60'000);
  c.max_idle_conns_per_host = 2;
  c.max_response_bytes = kMaxBody;
  c.tls_min_version = "TLS12";
  return c;
}

std::string normaliseBase(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0) url.resize(url.size() - 3);
  return url;
}

}  // namespace

struct GatewayClient::Impl {
  asio::io_context ioc;
  ClientConfig cfg = clientConfig();
  Logger log{false, LogLevel::kError};  // the upstream client's warnings are ours to phrase
  DeadlineSweeper sweeper{ioc, milliseconds(100)};
  UpstreamClient client{ioc, sweeper, cfg, log};

  template <class T>
  static awaitable<void> into(awaitable<T> work, std::optional<T>& out) {
    out.emplace(co_await std::move(work));
  }

  // Runs one coroutine to completion on this thread.
  template <class T>
  T run(awaitable<T> work) {
    std::optional<T> out;
    std::exception_ptr failure;
    sweeper.start();
    auto wrapped = into(std::move(work), out);
    asio::co_spawn(ioc, std::move(wrapped), [&](std::exception_ptr e) {
      sweeper.stop();
      failure = e;
    });
    ioc.restart();
    ioc.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*out);
  }
};

GatewayClient::GatewayClient(std::string base_url, std::string credential)
    : base_url_(normaliseBase(std::move(base_url))),
      credential_(std::move(credential)),
      impl_(std::make_unique<Impl>()) {}

GatewayClient::~GatewayClient() = default;

namespace {

Result<UpstreamRequest> makeRequest(const std::string& base, const std::string& credential,
                                    std::string_view method, std::string_view path,
                                    std::string body, bool stream) {
  auto url = parseUrl(base + std::string(path));
  if (!url) {
    return invalidArgument("the gateway URL '" + base + "' is not an http(s) URL (" +
                           url.status().message() + ")");
  }
  UpstreamRequest req;
  req.method = std::string(method);
  req.url = std::move(*url);
  req.stream = stream;
  req.headers.push_back({"User-Agent", std::string("infer/") + kVersion});
  req.headers.push_back({"Accept", stream ? "text/event-stream" : "application/json"});
  if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
  if (!credential.empty()) req.headers.push_back({"Authorization", "Bearer " + credential});
  req.body = std::move(body);
  return req;
}

awaitable<Result<HttpReply>> exchange(UpstreamClient& client, UpstreamRequest req) {
  auto sent = co_await client.send(req);
  if (!sent) co_return sent.status();
  auto body = co_await (*sent)->readAll(kMaxBody);
  if (!body) co_return body.status();
  co_return HttpReply{(*sent)->status(), std::move(*body)};
}

// Waits for Ctrl-C on the interrupt pipe; then cancels the exchange through `stop`.
awaitable<void> watchInterrupt(asio::posix::stream_descriptor& pipe, std::function<void()> stop) {
  char c;
  error_code ec;
  co_await pipe.async_read_some(asio::buffer(&c, 1), useAwaitableEc(ec));
  if (!ec) stop();
}

struct StreamState {
  UpstreamAbort abort;
  UpstreamResponse* response = nullptr;
  bool interrupted = false;
};

awaitable<Result<StreamEnd>> streamExchange(UpstreamClient& client, UpstreamRequest req,
                                            const std::function<void(std::string_view)>& on_bytes,
                                            StreamState& st) {
  auto sent = co_await client.send(req, &st.abort);
  if (!sent) co_return sent.status();
  StreamEnd end;
  end.status = (*sent)->status();
  if (end.status >= 400) {
    auto body = co_await (*sent)->readAll(1 << 20);
    if (body) end.error_body = std::move(*body);
    co_return end;
  }
  st.response = sent->get();
  while (true) {
    auto piece = co_await (*sent)->read();
    if (!piece) {
      st.response = nullptr;
      co_return piece.status();
    }
    if (piece->empty()) break;
    on_bytes(*piece);
  }
  st.response = nullptr;
  co_return end;
}

awaitable<Result<StreamEnd>> streamWithInterrupt(
    UpstreamClient& client, UpstreamRequest req,
    const std::function<void(std::string_view)>& on_bytes, Interrupt* interrupt) {
  StreamState st;
  auto executor = co_await asio::this_coro::executor;
  std::optional<asio::posix::stream_descriptor> pipe;
  if (interrupt != nullptr) {
    pipe.emplace(executor, interrupt->fd());
    std::function<void()> stop = [&st] {
      st.interrupted = true;
      st.abort.fire();
      if (st.response != nullptr) st.response->abort();
    };
    auto watcher = watchInterrupt(*pipe, std::move(stop));
    asio::co_spawn(executor, std::move(watcher), asio::detached);
  }
  auto result = co_await streamExchange(client, std::move(req), on_bytes, st);
  if (pipe) {
    error_code ec;
    pipe->cancel(ec);
    pipe->release();  // the Interrupt owns the descriptor
  }
  if (st.interrupted) {
    StreamEnd end;
    end.status = result ? result->status : 0;
    end.interrupted = true;
    co_return end;
  }
  co_return result;
}

awaitable<bool> exchangeInto(UpstreamClient& client, UpstreamRequest req,
                             std::optional<Result<HttpReply>>& out) {
  out.emplace(co_await exchange(client, std::move(req)));
  co_return true;
}

awaitable<bool> exchangeAll(UpstreamClient& client, std::vector<UpstreamRequest> reqs,
                            std::vector<std::optional<Result<HttpReply>>>& out) {
  std::vector<Task> tasks;
  for (size_t i = 0; i < reqs.size(); ++i) {
    tasks.push_back([&client, &reqs, &out, i]() -> awaitable<void> {
      co_await exchangeInto(client, std::move(reqs[i]), out[i]);
    });
  }
  co_await runConcurrently(std::move(tasks));
  co_return true;
}

}  // namespace

std::vector<Result<HttpReply>> GatewayClient::getAll(const std::vector<std::string>& paths) {
  std::vector<Result<HttpReply>> results;
  std::vector<UpstreamRequest> reqs;
  for (const auto& p : paths) {
    auto req = makeRequest(base_url_, credential_, "GET", p, {}, false);
    if (!req) return std::vector<Result<HttpReply>>(paths.size(), req.status());
    reqs.push_back(std::move(*req));
  }
  std::vector<std::optional<Result<HttpReply>>> out(paths.size());
  impl_->run(exchangeAll(impl_->client, std::move(reqs), out));
  for (auto& o : out)
    results.push_back(o ? std::move(*o) : Result<HttpReply>(internalError("lost")));
  return results;
}

Result<HttpReply> GatewayClient::call(std::string_view method, std::string_view path,
                                      std::string body) {
  auto req = makeRequest(base_url_, credential_, method, path, std::move(body), false);
  if (!req) return req.status();
  return impl_->run(exchange(impl_->client, std::move(*req)));
}

Result<StreamEnd> GatewayClient::stream(std::string_view path, std::string body,
                                        const std::function<void(std::string_view)>& on_bytes,
                                        Interrupt* interrupt) {
  auto req = makeRequest(base_url_, credential_, "POST", path, std::move(body), true);
  if (!req) return req.status();
  return impl_->run(streamWithInterrupt(impl_->client, std::move(*req), on_bytes, interrupt));
}

}  // namespace igw::cli
