// HTTP+SSE transport (MCP 2024-11-05): GET opens an event stream whose first `endpoint` event
// names the URL to POST messages to; every answer and notification arrives on that stream.
#include "mcp/http_util.h"
#include "mcp/transports.h"
#include "net/beast.h"

namespace igw::mcp {

namespace {

using namespace igw::net;  // NOLINT: aliases only

// The endpoint event's URI against the server URL: absolute, origin-relative or path-relative.
Result<Url> resolveEndpoint(const Url& base, std::string_view ref) {
  if (ref.starts_with("http://") || ref.starts_with("https://")) return parseUrl(ref);
  Url out = base;
  if (ref.starts_with("/")) {
    out.target = std::string(ref);
  } else {
    std::string_view path = base.target.substr(0, base.target.find('?'));
    out.target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(ref);
  }
  return out;
}

class SseTransport : public Transport, public std::enable_shared_from_this<SseTransport> {
 public:
  SseTransport(const McpServerConfig& server, UpstreamClient& client, const Logger& log,
               asio::io_context& ioc, Millis open_timeout)
      : server_(server),
        client_(client),
        log_(log),
        ioc_(ioc),
        open_timeout_(open_timeout),
        endpoint_ready_(ioc) {}

  std::string_view kind() const override { return "sse"; }

  awaitable<Status> open() override {
    auto self = shared_from_this();
    auto url = parseUrl(server_.url);
    if (!url) co_return url.status();
    url_ = std::move(url.value());
    UpstreamRequest req;
    req.method = "GET";
    req.url = url_;
    req.stream = true;
    req.headers = baseHeaders(server_, "text/event-stream");
    auto sent = co_await client_.send(req);
    if (!sent) co_return sent.status();
    auto resp = std::move(sent.value());
    if (resp->status() != 200 || !isEventStream(*resp)) {
      std::string why = co_await httpError(*resp);
      co_return unavailable("no HTTP+SSE endpoint either: " + why);
    }
    stream_ = std::make_shared<Exchange>();
    endpoint_ready_.expires_after(open_timeout_);
    asio::co_spawn(ioc_, readLoop(self, std::move(resp)), asio::detached);
    error_code ec;
    co_await endpoint_ready_.async_wait(useAwaitableEc(ec));
    if (!endpoint_) {
      stream_->abandon();
      std::string why = stream_error_;
      if (why.empty()) why = "no endpoint event within " + formatDuration(open_timeout_);
      co_return unavailable(why);
    }
    co_return Status::ok();
  }

  awaitable<Status> send(std::string body, std::optional<int64_t> /*expect*/,
                         std::shared_ptr<Exchange> exchange) override {
    auto self = shared_from_this();
    if (closing_ || !endpoint_) co_return unavailable("transport closed");
    UpstreamRequest req;
    req.method = "POST";
    req.url = *endpoint_;
    req.stream = true;
    req.headers = baseHeaders(server_, "application/json, text/event-stream");
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = std::move(body);
    auto sent = co_await client_.send(req);
    if (!sent) co_return sent.status();
    auto resp = std::move(sent.value());
    if (resp->status() / 100 != 2) co_return unavailable(co_await httpError(*resp));
    exchange->response = resp.get();
    co_await drain(*resp);
    exchange->response = nullptr;
    co_return Status::ok();
  }

  awaitable<void> close() override {
    closing_ = true;
    if (stream_) stream_->abandon();
    co_return;
  }

 private:
  static awaitable<void> readLoop(std::shared_ptr<SseTransport> self,
                                  std::unique_ptr<UpstreamResponse> resp) {
    Status st = co_await readEvents(*resp, *self->stream_, [&](const SseEvent& ev) {
      if (ev.event == "endpoint") {
        auto url = resolveEndpoint(self->url_, ev.data);
        if (!url) {
          self->stream_error_ = "bad endpoint event: " + url.status().message();
          return false;
        }
        self->endpoint_ = std::move(url.value());
        self->endpoint_ready_.cancel();
        return true;
      }
      if (!ev.has_data || ev.data.empty()) return true;
      if (!ev.event.empty() && ev.event != "message") return true;
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
    if (self->stream_error_.empty()) {
      self->stream_error_ = "event stream ended";
      if (!st.isOk()) self->stream_error_ = st.message();
    }
    self->endpoint_ready_.cancel();
    if (!self->closing_ && self->endpoint_)
      self->closed("SSE stream closed: " + self->stream_error_);
  }

  const McpServerConfig& server_;
  UpstreamClient& client_;
  const Logger& log_;
  asio::io_context& ioc_;
  Millis open_timeout_;
  asio::steady_timer endpoint_ready_;
  Url url_;
  std::optional<Url> endpoint_;
  std::shared_ptr<Exchange> stream_;
  std::string stream_error_;
  bool closing_ = false;
};

}  // namespace

std::shared_ptr<Transport> makeSseTransport(const McpServerConfig& server, UpstreamClient& client,
                                            const Logger& log, asio::io_context& ioc,
                                            Millis open_timeout) {
  return std::make_shared<SseTransport>(server, client, log, ioc, open_timeout);
}

}  // namespace igw::mcp
