#include "mcp/server_session.h"

#include <algorithm>

#include "core/version.h"
#include "mcp/transports.h"
#include "net/upstream.h"

namespace igw::mcp {

using namespace igw::net;  // NOLINT: aliases only
using nlohmann::json;

namespace {

// Bounds on what one server may announce: pages of tools/list, and tools in total.
constexpr int kMaxListPages = 100;
constexpr size_t kMaxToolsPerServer = 1000;
constexpr Millis kForever{std::chrono::hours(24 * 365)};

}  // namespace

ServerSession::ServerSession(Env env, const McpServerConfig& server,
                             std::function<void()> on_change)
    : env_(env), server_(server), on_change_(std::move(on_change)), wake_(env.ioc) {}

std::string ServerSession::transportKind() const {
  if (server_.stdio()) return "stdio";
  return legacy_sse_ ? "sse" : "streamable-http";
}

void ServerSession::start() {
  asio::co_spawn(env_.ioc, run(shared_from_this()), asio::detached);
}

awaitable<void> ServerSession::stop() {
  auto self = shared_from_this();
  stopping_ = true;
  wake_.cancel();
  failPending(unavailable("the gateway is shutting down"));
  co_await closeTransport();
}

Millis ServerSession::backoff(unsigned failures) const {
  const auto& cfg = env_.cfg;
  if (failures > cfg.max_retries) return cfg.reconnect_interval;
  Millis d = std::max(cfg.initial_backoff, Millis(1));
  for (unsigned i = 1; i < failures && d < cfg.retry_interval; ++i) d *= 2;
  return std::min(d, std::max(cfg.retry_interval, cfg.initial_backoff));
}

awaitable<void> ServerSession::run(std::shared_ptr<ServerSession> self) {
  const auto& cfg = self->env_.cfg;
  const auto& log = self->env_.log;
  unsigned failures = 0;
  while (!self->stopping_) {
    Status st = co_await self->connectOnce();
    if (self->stopping_) break;
    if (st) {
      failures = 0;
      co_await self->serve();
      if (self->stopping_) break;
      self->healthy_ = false;
      self->last_error_ = self->down_reason_;
      self->failPending(
          unavailable("MCP server '" + self->server_.name + "' went away: " + self->down_reason_));
      co_await self->closeTransport();
      if (self->stopping_) break;
      self->on_change_();
      log.warn("mcp server disconnected",
               {{"server", self->server_.name}, {"reason", self->down_reason_}});
      if (self->session_expired_) {
        self->session_expired_ = false;
        continue;  // a fresh session right away
      }
      if (!cfg.enable_reconnect) {
        log.warn("mcp server will not be reconnected (MCP_ENABLE_RECONNECT=false)",
                 {{"server", self->server_.name}});
        break;
      }
    } else {
      self->last_error_ = st.message();
      co_await self->closeTransport();
      if (self->stopping_) break;
    }
    ++failures;
    if (!st) {
      log.warn("mcp server unavailable",
               {{"server", self->server_.name}, {"error", st.message()}, {"attempt", failures}});
    }
    if (failures > cfg.max_retries && !cfg.enable_reconnect) {
      log.warn("mcp server given up after MCP_MAX_RETRIES attempts",
               {{"server", self->server_.name}});
      break;
    }
    self->wake_.expires_after(self->backoff(failures));
    error_code ec;
    co_await self->wake_.async_wait(useAwaitableEc(ec));
  }
}

awaitable<Status> ServerSession::openTransport(bool legacy) {
  if (server_.stdio()) {
    transport_ = makeStdioTransport(server_, env_.log, env_.ioc);
  } else if (legacy) {
    transport_ =
        makeSseTransport(server_, env_.client, env_.log, env_.ioc, env_.cfg.client_timeout);
  } else {
    transport_ = makeStreamableHttpTransport(server_, env_.client, env_.log, env_.ioc);
  }
  // Handlers hold the session weakly and ignore a transport that has since been replaced.
  std::weak_ptr<ServerSession> weak = shared_from_this();
  Transport* current = transport_.get();
  transport_->setHandlers(
      [weak, current](Message msg) {
        auto self = weak.lock();
        if (self && self->transport_.get() == current) self->onMessage(std::move(msg));
      },
      [weak, current](std::string reason) {
        auto self = weak.lock();
        if (self && self->transport_.get() == current) self->markDown(std::move(reason));
      });
  co_return co_await transport_->open();
}

awaitable<Status> ServerSession::connectOnce() {
  down_ = false;
  down_reason_.clear();
  // stop() may run while this waits: never open (another) transport or go on after it.
  const auto stopped = [] { return unavailable("stopping"); };
  Status opened = co_await openTransport(legacy_sse_);
  if (stopping_) co_return stopped();
  if (!opened) co_return opened;
  std::string init_method = "initialize";
  json init_params = initializeParams(kVersion);
  Reply init = co_await request(init_method, init_params, env_.cfg.client_timeout);
  if (stopping_) co_return stopped();
  if (!server_.stdio() && !legacy_sse_ && init.status.code() == Code::kNotFound) {
    // Not a Streamable HTTP endpoint: maybe the 2024-11-05 HTTP+SSE transport.
    env_.log.info("mcp server does not speak Streamable HTTP, trying HTTP+SSE",
                  {{"server", server_.name}, {"reason", init.status.message()}});
    co_await closeTransport();
    if (stopping_) co_return stopped();
    Status legacy = co_await openTransport(true);
    if (stopping_) co_return stopped();
    if (!legacy) co_return legacy;
    legacy_sse_ = true;
    init = co_await request(init_method, init_params, env_.cfg.client_timeout);
    if (stopping_) co_return stopped();
  }
  if (!init.status) co_return Status(init.status.code(), "initialize: " + init.status.message());
  if (init.rpc_error) {
    co_return unavailable("initialize failed: MCP error " + std::to_string(init.error_code) + ": " +
                          init.error_message);
  }
  auto parsed = parseInitializeResult(init.result);
  if (!parsed) {
    env_.log.warn("mcp server unusable",
                  {{"server", server_.name}, {"error", parsed.status().message()}});
    co_return unavailable(parsed.status().message());
  }
  protocol_version_ = parsed->protocol_version;
  transport_->initialized(protocol_version_);
  // Awaited, not fire-and-forget: on HTTP transports each message is its own POST, and
  // tools/list must not overtake the notification.
  Status notified = co_await sendInitialized();
  if (stopping_) co_return stopped();
  if (!notified) co_return notified;
  if (down_) co_return unavailable(down_reason_);
  std::vector<RemoteTool> tools;
  Status listed = co_await listTools(tools);
  if (stopping_) co_return stopped();
  if (!listed) co_return listed;
  if (down_) co_return unavailable(down_reason_);
  tools_ = std::move(tools);
  listed_ = true;
  healthy_ = true;
  last_error_.clear();
  on_change_();
  env_.log.info("mcp server ready", {{"server", server_.name},
                                     {"tools", static_cast<uint64_t>(tools_.size())},
                                     {"transport", transportKind()},
                                     {"protocol_version", protocol_version_}});
  co_return Status::ok();
}

awaitable<Status> ServerSession::sendInitialized() {
  auto self = shared_from_this();
  if (!transport_) co_return unavailable("MCP server '" + server_.name + "' is not connected");
  struct Sent {
    bool done = false;
    bool waiting = true;
    Status status;
  };
  auto sent = std::make_shared<Sent>();
  auto exchange = std::make_shared<Exchange>();
  // wake_ is free while connecting; stop() and markDown() cancel it, and so does the send.
  wake_.expires_after(env_.cfg.client_timeout);
  asio::co_spawn(
      env_.ioc,
      [](std::shared_ptr<ServerSession> self, std::shared_ptr<Transport> t, std::string body,
         std::shared_ptr<Exchange> exchange, std::shared_ptr<Sent> sent) -> awaitable<void> {
        Status st = co_await t->send(std::move(body), std::nullopt, exchange);
        sent->status = std::move(st);
        sent->done = true;
        if (sent->waiting) self->wake_.cancel();
      }(self, transport_, buildNotification("notifications/initialized", nullptr), exchange, sent),
      asio::detached);
  bool expired = false;
  while (!sent->done && !stopping_ && !down_ && !expired) {
    error_code ec;
    co_await wake_.async_wait(useAwaitableEc(ec));
    if (!ec) expired = true;
  }
  sent->waiting = false;
  if (sent->done) {
    if (!sent->status) {
      co_return Status(sent->status.code(), "notifications/initialized: " + sent->status.message());
    }
    co_return Status::ok();
  }
  exchange->abandon();
  if (expired) {
    co_return deadlineExceeded("notifications/initialized: no answer within " +
                               formatDuration(env_.cfg.client_timeout));
  }
  co_return unavailable(stopping_ ? "stopping" : down_reason_);
}

awaitable<Status> ServerSession::listTools(std::vector<RemoteTool>& out) {
  std::string cursor;
  for (int page = 0; page < kMaxListPages; ++page) {
    json params = nullptr;
    if (!cursor.empty()) params = json{{"cursor", cursor}};
    std::string method = "tools/list";
    Reply reply = co_await request(std::move(method), std::move(params), env_.cfg.client_timeout);
    if (!reply.status)
      co_return Status(reply.status.code(), "tools/list: " + reply.status.message());
    if (reply.rpc_error) {
      co_return unavailable("tools/list failed: MCP error " + std::to_string(reply.error_code) +
                            ": " + reply.error_message);
    }
    auto parsed = parseToolsListResult(reply.result);
    if (!parsed) co_return unavailable(parsed.status().message());
    for (auto& t : parsed->tools) {
      if (out.size() >= kMaxToolsPerServer) {
        env_.log.warn("mcp server offers too many tools; keeping the first 1000",
                      {{"server", server_.name}});
        co_return Status::ok();
      }
      out.push_back(std::move(t));
    }
    if (parsed->next_cursor.empty()) co_return Status::ok();
    if (parsed->next_cursor == cursor) co_return unavailable("tools/list repeats its cursor");
    cursor = std::move(parsed->next_cursor);
  }
  env_.log.warn("mcp server tool list has more than 100 pages; keeping what was read",
                {{"server", server_.name}});
  co_return Status::ok();
}

awaitable<void> ServerSession::serve() {
  const auto& cfg = env_.cfg;
  while (!down_ && !stopping_) {
    bool polling = cfg.polling_enable && cfg.polling_interval.count() > 0;
    wake_.expires_after(polling ? cfg.polling_interval : kForever);
    error_code ec;
    co_await wake_.async_wait(useAwaitableEc(ec));
    if (down_ || stopping_) break;
    if (ec || !polling) continue;
    std::string method = "ping";
    Reply pong = co_await request(std::move(method), nullptr, cfg.polling_timeout);
    if (!pong.status) {
      markDown("health ping failed: " + pong.status.message());
    } else if (!cfg.disable_healthcheck_logs) {
      env_.log.debug("mcp server healthy", {{"server", server_.name}});
    }
  }
}

awaitable<void> ServerSession::relist(std::shared_ptr<ServerSession> self) {
  if (self->relisting_) {
    self->relist_again_ = true;
    co_return;
  }
  self->relisting_ = true;
  do {
    self->relist_again_ = false;
    if (!self->healthy_) break;
    std::vector<RemoteTool> tools;
    Status st = co_await self->listTools(tools);
    if (!st || !self->healthy_) {
      self->env_.log.warn("mcp server tool list refresh failed",
                          {{"server", self->server_.name}, {"error", st.message()}});
      break;
    }
    self->tools_ = std::move(tools);
    self->on_change_();
    self->env_.log.info(
        "mcp server tools changed",
        {{"server", self->server_.name}, {"tools", static_cast<uint64_t>(self->tools_.size())}});
  } while (self->relist_again_);
  self->relisting_ = false;
}

awaitable<void> ServerSession::closeTransport() {
  if (!transport_) co_return;
  auto t = std::move(transport_);
  transport_.reset();
  co_await t->close();
}

void ServerSession::markDown(std::string reason) {
  if (down_) return;
  down_ = true;
  healthy_ = false;  // no new calls on this session; run() publishes the change
  down_reason_ = std::move(reason);
  // Nothing will answer on a dead channel: fail what waits instead of letting it time out.
  failPending(unavailable(down_reason_));
  wake_.cancel();
}

void ServerSession::failPending(const Status& st) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, w] : pending) {
    if (w->done) continue;
    w->done = true;
    w->reply.status = st;
    w->timer.cancel();
  }
}

void ServerSession::sendRaw(std::string body) {
  auto transport = transport_;
  if (!transport) return;
  auto self = shared_from_this();
  asio::co_spawn(
      env_.ioc,
      [](std::shared_ptr<ServerSession> self, std::shared_ptr<Transport> t,
         std::string body) -> awaitable<void> {
        Status st = co_await t->send(std::move(body), std::nullopt, std::make_shared<Exchange>());
        if (!st) {
          self->env_.log.debug("mcp message not delivered",
                               {{"server", self->server_.name}, {"error", st.message()}});
        }
      }(self, std::move(transport), std::move(body)),
      asio::detached);
}

void ServerSession::notify(std::string method, json params) {
  sendRaw(buildNotification(method, params));
}

awaitable<void> ServerSession::sendRequest(std::shared_ptr<ServerSession> self,
                                           std::shared_ptr<Transport> transport, std::string body,
                                           int64_t id, std::shared_ptr<Exchange> exchange) {
  Status st = co_await transport->send(std::move(body), id, exchange);
  if (st) co_return;
  auto it = self->pending_.find(id);
  if (it != self->pending_.end() && !it->second->done) {
    it->second->done = true;
    it->second->reply.status = st;
    it->second->timer.cancel();
  }
  if (exchange->abandoned || self->transport_ != transport) co_return;
  if (st.code() == Code::kPermissionDenied) {
    self->session_expired_ = true;
    self->markDown(st.message());
  } else if (st.code() == Code::kUnavailable && self->healthy_) {
    self->markDown(st.message());
  }
}

awaitable<ServerSession::Reply> ServerSession::request(std::string method, json params,
                                                       Millis timeout,
                                                       std::shared_ptr<CancelToken> cancel) {
  auto self = shared_from_this();
  Reply reply;
  if (!transport_) {
    reply.status = unavailable("MCP server '" + server_.name + "' is not connected");
    co_return reply;
  }
  const int64_t id = next_id_++;
  auto waiter = std::make_shared<Waiter>(env_.ioc);
  pending_[id] = waiter;
  auto exchange = std::make_shared<Exchange>();
  asio::co_spawn(env_.ioc,
                 sendRequest(self, transport_, buildRequest(id, method, params), id, exchange),
                 asio::detached);
  waiter->timer.expires_after(timeout);
  if (cancel) {
    auto& ioc = env_.ioc;
    // Weak: the token may fire after this request finished (its worker coroutine destroyed at
    // shutdown); then there is no timer left to touch.
    std::weak_ptr<Waiter> weak = waiter;
    cancel->onCancel([&ioc, weak] {
      asio::post(ioc, [weak] {
        if (auto w = weak.lock()) {
          w->cancelled = true;
          w->timer.cancel();
        }
      });
    });
  }
  bool expired = false;
  while (!waiter->done && !waiter->cancelled && !expired) {
    error_code ec;
    co_await waiter->timer.async_wait(useAwaitableEc(ec));
    if (!ec) expired = true;
  }
  pending_.erase(id);
  if (waiter->done) co_return std::move(waiter->reply);
  exchange->abandon();
  if (method != "initialize") {
    std::string why = "timed out";
    if (waiter->cancelled) why = "the client went away";
    notify("notifications/cancelled", json{{"requestId", id}, {"reason", why}});
  }
  if (waiter->cancelled) {
    reply.cancelled = true;
    reply.status = unavailable("cancelled");
  } else {
    reply.status = deadlineExceeded("no answer within " + formatDuration(timeout));
  }
  co_return reply;
}

void ServerSession::onMessage(Message msg) {
  switch (msg.kind) {
    case MessageKind::kResult:
    case MessageKind::kError: {
      auto id = msg.intId();
      auto it = id ? pending_.find(*id) : pending_.end();
      if (it == pending_.end()) {
        env_.log.debug("mcp answer to no pending request", {{"server", server_.name}});
        return;
      }
      auto& w = *it->second;
      if (w.done) return;
      w.done = true;
      if (msg.kind == MessageKind::kResult) {
        w.reply.result = std::move(msg.result);
      } else {
        w.reply.rpc_error = true;
        w.reply.error_code = msg.error_code;
        w.reply.error_message = std::move(msg.error_message);
      }
      w.timer.cancel();
      return;
    }
    case MessageKind::kRequest:
      // The client offers no capabilities (no sampling, roots or elicitation): only ping.
      if (msg.method == "ping") {
        sendRaw(buildResult(msg.id, json::object()));
      } else {
        sendRaw(buildError(msg.id, kMethodNotFound, "method not found: " + msg.method));
      }
      return;
    case MessageKind::kNotification:
      if (msg.method == "notifications/tools/list_changed") {
        asio::co_spawn(env_.ioc, relist(shared_from_this()), asio::detached);
      }
      return;
  }
}

awaitable<void> ServerSession::waitHealthy(Millis limit) {
  auto executor = co_await asio::this_coro::executor;
  auto until = std::chrono::steady_clock::now() + limit;
  // Polling keeps this independent of the run loop; it only runs after a session expired.
  do {
    asio::steady_timer t(executor, std::chrono::milliseconds(20));
    error_code ec;
    co_await t.async_wait(useAwaitableEc(ec));
  } while (!healthy_ && !stopping_ && std::chrono::steady_clock::now() < until);
}

awaitable<CallText> ServerSession::callTool(std::string remote_name, json arguments,
                                            std::shared_ptr<CancelToken> cancel) {
  auto self = shared_from_this();
  CallText out;
  if (!healthy_) {
    out.is_error = true;
    out.error_type = "unavailable";
    out.content = "MCP server '" + server_.name + "' is not available";
    if (!last_error_.empty()) out.content += ": " + last_error_;
    co_return out;
  }
  const Millis limit = env_.cfg.request_timeout;
  // Named, not temporaries: g++ 12 mishandles some temporaries inside co_await expressions.
  std::string method = "tools/call";
  json params = {{"name", remote_name}, {"arguments", std::move(arguments)}};
  Reply reply = co_await request(method, params, limit, cancel);
  if (reply.status.code() == Code::kPermissionDenied) {
    // The server forgot the session; the run loop re-initializes at once. The call never
    // reached a tool, so it is safe to send again on the new session.
    co_await waitHealthy(env_.cfg.client_timeout);
    if (healthy_) reply = co_await request(method, params, limit, cancel);
  }
  if (reply.cancelled) {
    out.is_error = true;
    out.error_type = "cancelled";
    out.content = "the call of tool '" + remote_name + "' was cancelled";
    co_return out;
  }
  if (!reply.status) {
    out.is_error = true;
    switch (reply.status.code()) {
      case Code::kDeadlineExceeded:
        out.error_type = "timeout";
        out.content = "tool '" + remote_name + "' on MCP server '" + server_.name +
                      "' did not answer within " + formatDuration(limit) + " (MCP_REQUEST_TIMEOUT)";
        break;
      case Code::kInternal:
        out.error_type = "protocol_error";
        out.content = "MCP server '" + server_.name + "' answered tool '" + remote_name +
                      "' with a malformed message: " + reply.status.message();
        break;
      default:
        out.error_type = "unavailable";
        out.content = "MCP server '" + server_.name + "' failed during tool '" + remote_name +
                      "': " + reply.status.message();
    }
    co_return out;
  }
  if (reply.rpc_error) co_return renderRpcError(reply.error_code, reply.error_message);
  co_return renderCallResult(reply.result);
}

}  // namespace igw::mcp
