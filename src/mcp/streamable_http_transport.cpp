// Streamable HTTP transport (MCP 2025-03-26, 2025-06-18, 2025-11-25).
#include <chrono>

#include "mcp/http_util.h"
#include "mcp/transports.h"
#include "net/beast.h"

namespace igw::mcp {

namespace {

using namespace igw::net;  // NOLINT: aliases only

class StreamableHttpTransport : public Transport,
                                public std::enable_shared_from_this<StreamableHttpTransport> {
 public:
  StreamableHttpTransport(const McpServerConfig& server, UpstreamClient& client, const Logger& log,
                          asio::io_context& ioc)
      : server_(server), client_(client), log_(log), ioc_(ioc) {}

  std::string_view kind() const override { return "streamable-http"; }

  awaitable<Status> open() override {
    auto url = parseUrl(server_.url);
    if (!url) co_return url.status();
    url_ = std::move(url.value());
    co_return Status::ok();
  }

  awaitable<Status> send(std::string body, std::optional<int64_t> expect,
                         std::shared_ptr<Exchange> exchange) override {
    auto self = shared_from_this();
    if (closing_) co_return unavailable("transport closed");
    UpstreamRequest req;
    req.method = "POST";
    req.url = url_;
    req.stream = true;  // bounded by the session's own timers, not CLIENT_TIMEOUT
    req.headers = requestHeaders("application/json, text/event-stream");
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = std::move(body);
    const bool had_session = !session_id_.empty();
    auto sent = co_await client_.send(req);
    if (!sent) co_return sent.status();
    auto resp = std::move(sent.value());
    if (exchange->abandoned) {
      resp->abort();
      co_return unavailable("exchange abandoned");
    }
    int status = resp->status();
    if (const std::string* sid = findHeader(resp->headers(), "Mcp-Session-Id");
        sid && !sid->empty()) {
      session_id_ = *sid;
    }
    if (status == 404 && had_session) {
      co_await drain(*resp);
      co_return Status(Code::kPermissionDenied, "MCP session expired (HTTP 404)");
    }
    if (!had_session && (status == 400 || status == 404 || status == 405) && expect) {
      std::string why = co_await httpError(*resp);
      co_return Status(Code::kNotFound, "no Streamable HTTP endpoint: " + why);
    }
    if (status == 202 || status == 204) {
      co_await drain(*resp);
      co_return Status::ok();
    }
    if (status / 100 != 2) co_return unavailable(co_await httpError(*resp));
    if (isEventStream(*resp)) {
      bool got = false;
      Status bad;
      Status st = co_await readEvents(*resp, *exchange, [&](const SseEvent& ev) {
        if (!ev.has_data || ev.data.empty()) return true;
        auto msgs = parseMessages(ev.data);
        if (!msgs) {
          bad =
              Status(Code::kInternal, "malformed JSON-RPC from server: " + msgs.status().message());
          return true;
        }
        for (auto& m : msgs.value()) {
          bool answer = expect &&
                        (m.kind == MessageKind::kResult || m.kind == MessageKind::kError) &&
                        m.intId() == expect;
          got = got || answer;
          deliver(std::move(m));
        }
        return !got;  // the stream has served its purpose once our answer is in
      });
      if (got) {
        // The server closes the stream after the answer; do not wait for it.
        if (!resp->finished()) resp->abort();
        co_return Status::ok();
      }
      if (!bad.isOk()) co_return bad;
      if (!st) co_return st;
      if (expect) co_return unavailable("the server closed its response stream before answering");
      co_return Status::ok();
    }
    exchange->response = resp.get();
    auto all = co_await resp->readAll(kMaxMessageBytes);
    exchange->response = nullptr;
    if (!all) co_return all.status();
    if (all->empty()) {
      if (expect) co_return Status(Code::kInternal, "the server answered with an empty body");
      co_return Status::ok();
    }
    auto msgs = parseMessages(*all);
    if (!msgs) {
      co_return Status(Code::kInternal,
                       "malformed JSON-RPC from server: " + msgs.status().message());
    }
    for (auto& m : msgs.value()) deliver(std::move(m));
    co_return Status::ok();
  }

  void initialized(std::string protocol_version) override {
    protocol_version_ = std::move(protocol_version);
    asio::co_spawn(ioc_, notificationStream(shared_from_this()), asio::detached);
  }

  awaitable<void> close() override {
    auto self = shared_from_this();
    if (closing_) co_return;
    closing_ = true;
    if (stream_exchange_) stream_exchange_->abandon();
    if (session_id_.empty()) co_return;
    UpstreamRequest req;
    req.method = "DELETE";
    req.url = url_;
    req.headers = requestHeaders("application/json, text/event-stream");
    auto sent = co_await client_.send(req);
    if (sent) co_await drain(*sent.value());
    session_id_.clear();
  }

 private:
  Headers requestHeaders(std::string_view accept) const {
    Headers h = baseHeaders(server_, accept);
    if (!session_id_.empty()) h.push_back({"Mcp-Session-Id", session_id_});
    if (!protocol_version_.empty()) h.push_back({"MCP-Protocol-Version", protocol_version_});
    return h;
  }

  // The optional GET stream on which the server may push notifications (tools/list_changed)
  // outside any request. 405 means the server offers none. Reopened while the session lives,
  // with a pause, when the server closes it.
  static awaitable<void> notificationStream(std::shared_ptr<StreamableHttpTransport> self) {
    auto executor = co_await asio::this_coro::executor;
    for (int failures = 0; !self->closing_ && failures < 5;) {
      self->stream_exchange_ = std::make_shared<Exchange>();
      auto exchange = self->stream_exchange_;
      UpstreamRequest req;
      req.method = "GET";
      req.url = self->url_;
      req.stream = true;
      req.headers = self->requestHeaders("text/event-stream");
      auto sent = co_await self->client_.send(req);
      if (self->closing_ || exchange->abandoned) {
        if (sent) sent.value()->abort();
        co_return;
      }
      if (!sent) {
        ++failures;
      } else {
        auto resp = std::move(sent.value());
        if (resp->status() != 200 || !isEventStream(*resp)) {
          self->log_.debug("mcp server offers no notification stream",
                           {{"server", self->server_.name}, {"status", resp->status()}});
          resp->abort();
          co_return;
        }
        failures = 0;
        (void)co_await readEvents(*resp, *exchange, [&](const SseEvent& ev) {
          if (!ev.has_data || ev.data.empty()) return true;
          auto msgs = parseMessages(ev.data);
          if (!msgs) {
            self->log_.warn("mcp server sent a malformed message",
                            {{"server", self->server_.name}, {"error", msgs.status().message()}});
            return true;
          }
          for (auto& m : msgs.value()) self->deliver(std::move(m));
          return !self->closing_;
        });
        if (!resp->finished()) resp->abort();
      }
      if (self->closing_) co_return;
      asio::steady_timer pause(executor, std::chrono::seconds(1 + failures));
      error_code ec;
      co_await pause.async_wait(useAwaitableEc(ec));
    }
  }

  const McpServerConfig& server_;
  UpstreamClient& client_;
  const Logger& log_;
  asio::io_context& ioc_;
  Url url_;
  std::string session_id_;
  std::string protocol_version_;
  bool closing_ = false;
  std::shared_ptr<Exchange> stream_exchange_;
};

}  // namespace

std::shared_ptr<Transport> makeStreamableHttpTransport(const McpServerConfig& server,
                                                       UpstreamClient& client, const Logger& log,
                                                       asio::io_context& ioc) {
  return std::make_shared<StreamableHttpTransport>(server, client, log, ioc);
}

}  // namespace igw::mcp
