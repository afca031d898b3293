// McpSource: one ServerSession per configured server, all on one ServiceHost thread; the tool
// list and the description are published as snapshots for the workers.
#include "mcp/mcp_source.h"

#include <chrono>

#include "core/json_parse.h"
#include "mcp/naming_codec.h"
#include "mcp/server_session.h"
#include "net/deadline.h"
#include "net/parallel.h"
#include "net/upstream.h"
#include "service/service_host.h"

namespace igw {

namespace {

using namespace igw::net;  // NOLINT: aliases only
using nlohmann::json;

// The gateway's client settings with MCP's connect timeout. Exchanges run as streams whose
// length the sessions bound themselves (MCP_CLIENT_TIMEOUT, MCP_REQUEST_TIMEOUT), so the
// client's own limits only need to exceed those; the notification stream may be silent for hours.
ClientConfig mcpClientConfig(const McpConfig& cfg, ClientConfig c) {
  Millis longest = std::max({cfg.client_timeout, cfg.request_timeout, cfg.polling_timeout});
  c.connect_timeout = cfg.dial_timeout;
  c.response_header_timeout = longest + Millis(5000);
  c.timeout = longest + Millis(5000);
  c.idle_chunk_timeout = std::chrono::hours(24);
  return c;
}

class McpSource final : public ToolSource {
 public:
  McpSource(const McpConfig& cfg, const ClientConfig& client, const Logger& log)
      : cfg_(cfg), client_cfg_(mcpClientConfig(cfg, client)), log_(log), host_("mcp client", log) {}

  ~McpSource() override {
    stop();
    if (host_.abandoned()) {
      // Some exchange did not wind down in time; its coroutine still references the sessions,
      // the client and the sweeper (the host leaks the io_context). At process exit, leaking
      // beats a use-after-free.
      for (auto& s : sessions_) new std::shared_ptr<mcp::ServerSession>(std::move(s));
      (void)client_.release();
      (void)sweeper_.release();
      return;
    }
    sessions_.clear();
    client_.reset();
    sweeper_.reset();
  }

  std::string_view kind() const override { return "mcp"; }

  void start() override {
    if (started_) return;
    started_ = true;
    auto& ioc = host_.context();
    sweeper_ = std::make_unique<DeadlineSweeper>(ioc, std::chrono::milliseconds(100));
    client_ = std::make_unique<UpstreamClient>(ioc, *sweeper_, client_cfg_, log_);
    mcp::ServerSession::Env env{ioc, *client_, cfg_, log_};
    for (const auto& server : cfg_.servers) {
      sessions_.push_back(std::make_shared<mcp::ServerSession>(env, server, [this] { publish(); }));
    }
    host_.post([this] {
      sweeper_->start();
      for (auto& s : sessions_) s->start();
      publish();
    });
    host_.start();
    log_.info("mcp client started", {{"servers", static_cast<uint64_t>(sessions_.size())}});
  }

  void stop() override {
    host_.stop(std::chrono::seconds(3), [this] { return shutdown(); });
  }

  awaitable<ToolOutcome> call(const ToolSpec& tool, std::string arguments,
                              ToolCallContext ctx) override {
    const std::string remote = tool.remote_name;
    const std::string server = tool.server;
    ToolOutcome out;
    auto fail = [&](std::string type, std::string message) {
      out.is_error = true;
      out.error_type = std::move(type);
      out.content = std::move(message);
    };
    bool blank = arguments.find_first_not_of(" \t\r\n") == std::string::npos;
    // No conditional operator here: g++ 12 double-destroys its temporaries inside coroutines.
    json args = json::object();
    ParsedJson parsed;
    if (!blank) parsed = parseJson(arguments);
    if (!blank) args = std::move(parsed.value);
    std::shared_ptr<mcp::ServerSession> session;
    for (const auto& s : sessions_) {
      if (s->config().name == server) session = s;
    }
    if (parsed.overLimit()) {
      fail("invalid_arguments", "the arguments for tool '" + tool.name + "' " + parsed.describe());
    } else if (args.is_discarded()) {
      fail("invalid_arguments", "the arguments for tool '" + tool.name + "' are not valid JSON");
    } else if (!args.is_object()) {
      fail("invalid_arguments", "the arguments for tool '" + tool.name + "' must be a JSON object");
    } else if (!host_.running() || !session) {
      fail("unavailable", "MCP server '" + server + "' is not available");
    } else if (ctx.cancel && ctx.cancel->cancelled()) {
      fail("cancelled", "the call of tool '" + remote + "' was cancelled");
    } else {
      std::shared_ptr<CancelToken> cancel = ctx.cancel;
      if (!cancel) cancel = std::make_shared<CancelToken>();
      auto task = session->callTool(remote, std::move(args), std::move(cancel));
      // The worker's frame holds nothing bound to the source's io_context while it waits.
      session.reset();
      auto hop = host_.call(std::move(task));
      Result<mcp::CallText> r = co_await std::move(hop);
      if (r) {
        out.content = std::move(r->content);
        out.is_error = r->is_error;
        out.error_type = std::move(r->error_type);
      } else if (r.status().code() == Code::kUnavailable) {
        fail("unavailable", "MCP server '" + server + "' is not available");
      } else {
        fail("protocol_error", "MCP call failed: " + r.status().message());
      }
    }
    co_return out;
  }

 private:
  awaitable<void> shutdown() {
    // All at once: a stdio server that ignores SIGTERM must not delay the others.
    std::vector<Task> stops;
    for (auto& s : sessions_) stops.push_back([s]() { return s->stop(); });
    co_await runConcurrently(std::move(stops));
    sweeper_->stop();
  }

  // Rebuilds the offered tools and the description from every session (io thread).
  void publish() {
    std::vector<mcp::ServerToolNames> names(sessions_.size());
    std::vector<std::vector<const mcp::RemoteTool*>> kept(sessions_.size());
    for (size_t i = 0; i < sessions_.size(); ++i) {
      names[i].server = sessions_[i]->config().name;
      for (const auto& t : sessions_[i]->tools()) {
        if (!mcp::toolAllowed(t.name, cfg_.include_tools, cfg_.exclude_tools)) continue;
        names[i].tools.push_back(t.name);
        kept[i].push_back(&t);
      }
    }
    auto assigned = mcp::assignToolNames(names);
    auto specs = std::make_shared<std::vector<ToolSpec>>();
    json servers = json::array();
    for (size_t i = 0; i < sessions_.size(); ++i) {
      const auto& s = *sessions_[i];
      if (s.healthy()) {
        for (size_t t = 0; t < kept[i].size(); ++t) {
          const auto& rt = *kept[i][t];
          specs->push_back(
              {assigned[i][t], rt.name, s.config().name, rt.description, rt.input_schema});
        }
      }
      json d = {{"name", s.config().name},
                {"transport", s.transportKind()},
                {"healthy", s.healthy()},
                {"protocol_version", s.protocolVersion()},
                {"tools", s.healthy() ? kept[i].size() : 0},
                {"last_error", s.lastError()}};
      if (s.config().stdio()) {
        d["command"] = s.config().command.empty() ? "" : s.config().command[0];
      } else {
        d["url"] = s.config().url;
      }
      servers.push_back(std::move(d));
    }
    std::string text = servers.dump(-1, ' ', false, json::error_handler_t::replace);
    publishSnapshot(std::move(specs), std::move(text));
  }

  const McpConfig cfg_;
  const ClientConfig client_cfg_;
  const Logger log_;
  // First: destroyed last, after everything bound to its io_context.
  ServiceHost host_;
  std::unique_ptr<DeadlineSweeper> sweeper_;
  std::unique_ptr<UpstreamClient> client_;
  std::vector<std::shared_ptr<mcp::ServerSession>> sessions_;
  bool started_ = false;  // owner's thread
};

}  // namespace

std::unique_ptr<ToolSource> makeMcpSource(const McpConfig& cfg, const ClientConfig& client,
                                          const Logger& log) {
  return std::make_unique<McpSource>(cfg, client, log);
}

}  // namespace igw
