// One configured MCP server: connects (with the transport its config asks for, falling back
// from Streamable HTTP to HTTP+SSE), runs the initialize handshake, keeps the tool list, answers
// the server's pings, checks health, multiplexes concurrent requests by id, and reconnects with
// backoff whenever the server is down. Lives on the MCP source's io_context thread; only the
// source touches it, always from that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "mcp/jsonrpc_codec.h"
#include "mcp/transport.h"
#include "net/beast.h"
#include "tools/tool_source.h"

namespace igw {
class UpstreamClient;
}

namespace igw::mcp {

class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  struct Env {
    net::asio::io_context& ioc;
    UpstreamClient& client;
    const McpConfig& cfg;
    const Logger& log;
  };

  // `on_change` runs (on the io thread) whenever health or the tool list changes.
  ServerSession(Env env, const McpServerConfig& server, std::function<void()> on_change);

  void start();
  net::awaitable<void> stop();

  // One tools/call, bounded by MCP_REQUEST_TIMEOUT and `cancel`.
  net::awaitable<CallText> callTool(std::string remote_name, nlohmann::json arguments,
                                    std::shared_ptr<CancelToken> cancel);

  // State for the source's snapshot (io thread only).
  const McpServerConfig& config() const { return server_; }
  bool healthy() const { return healthy_; }
  const std::vector<RemoteTool>& tools() const { return tools_; }  // last known list
  bool everListed() const { return listed_; }
  std::string transportKind() const;
  const std::string& protocolVersion() const { return protocol_version_; }
  const std::string& lastError() const { return last_error_; }

 private:
  struct Reply {
    Status status;           // transport failure, timeout (kDeadlineExceeded), cancellation
    bool cancelled = false;  // by the caller's token
    bool rpc_error = false;
    int64_t error_code = 0;
    std::string error_message;
    nlohmann::json result;
  };
  struct Waiter {
    explicit Waiter(net::asio::io_context& ioc) : timer(ioc) {}
    net::asio::steady_timer timer;
    bool done = false;
    bool cancelled = false;
    Reply reply;
  };

  static net::awaitable<void> run(std::shared_ptr<ServerSession> self);
  net::awaitable<Status> connectOnce();
  net::awaitable<Status> openTransport(bool legacy);
  net::awaitable<Status> sendInitialized();  // notifications/initialized, until delivered
  net::awaitable<Status> listTools(std::vector<RemoteTool>& out);
  net::awaitable<void> serve();
  static net::awaitable<void> relist(std::shared_ptr<ServerSession> self);
  net::awaitable<void> closeTransport();
  net::awaitable<void> waitHealthy(Millis limit);

  net::awaitable<Reply> request(std::string method, nlohmann::json params, Millis timeout,
                                std::shared_ptr<CancelToken> cancel = nullptr);
  static net::awaitable<void> sendRequest(std::shared_ptr<ServerSession> self,
                                          std::shared_ptr<Transport> transport, std::string body,
                                          int64_t id, std::shared_ptr<Exchange> exchange);
  void notify(std::string method, nlohmann::json params = nullptr);
  void sendRaw(std::string body);
  void onMessage(Message msg);
  void markDown(std::string reason);
  void failPending(const Status& st);
  Millis backoff(unsigned failures) const;

  Env env_;
  const McpServerConfig& server_;
  std::function<void()> on_change_;
  std::shared_ptr<Transport> transport_;
  bool legacy_sse_ = false;  // learned: the URL speaks HTTP+SSE only
  std::unordered_map<int64_t, std::shared_ptr<Waiter>> pending_;
  int64_t next_id_ = 1;
  bool healthy_ = false;
  bool listed_ = false;
  bool stopping_ = false;
  bool down_ = false;
  bool session_expired_ = false;
  bool relisting_ = false;
  bool relist_again_ = false;
  std::string down_reason_;
  net::asio::steady_timer wake_;  // serve()'s poll timer and the backoff sleep
  std::vector<RemoteTool> tools_;
  std::string protocol_version_;
  std::string last_error_;
};

}  // namespace igw::mcp
