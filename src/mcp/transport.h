// One MCP server connection's byte channel: Streamable HTTP, the older HTTP+SSE transport, or a
// child process speaking newline-delimited JSON-RPC on stdio. A transport only moves messages;
// the session (server_session.h) owns ids, waiters, the lifecycle and reconnects.
//
// Threading: everything runs on the MCP source's single io_context thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "mcp/jsonrpc_codec.h"
#include "net/asio.h"

namespace igw {
class UpstreamResponse;
}

namespace igw::mcp {

// Lets the session give up on an exchange in flight (timeout, cancelled call, shutdown): the
// transport registers the HTTP response it is reading so that abandoning closes it at once.
struct Exchange {
  bool abandoned = false;
  UpstreamResponse* response = nullptr;
  void abandon();
};

// Error codes a transport reports beyond kUnavailable / kDeadlineExceeded:
//   kNotFound on a Streamable HTTP initialize answered 400/404/405 (try HTTP+SSE instead),
//   kPermissionDenied when a request with a session id gets 404 (the session expired).
class Transport {
 public:
  using OnMessage = std::function<void(Message)>;
  using OnClosed = std::function<void(std::string reason)>;

  virtual ~Transport() = default;
  virtual std::string_view kind() const = 0;  // "streamable-http" | "sse" | "stdio"

  // Called once before open().
  void setHandlers(OnMessage on_message, OnClosed on_closed) {
    on_message_ = std::move(on_message);
    on_closed_ = std::move(on_closed);
  }

  // Establishes the channel (spawns the process, opens the SSE stream). Streamable HTTP has
  // nothing to open.
  virtual net::awaitable<Status> open() = 0;

  // Sends one serialised message. `expect` is the id of the response the caller waits for:
  // HTTP transports that receive it on this exchange's own response stop reading there. Messages
  // that arrive are handed to OnMessage; the returned Status is about sending (and, for
  // Streamable HTTP, about the POST's response).
  virtual net::awaitable<Status> send(std::string body, std::optional<int64_t> expect,
                                      std::shared_ptr<Exchange> exchange) = 0;

  // After initialize succeeded: the negotiated version, and background streams may start.
  virtual void initialized(std::string protocol_version) { (void)protocol_version; }

  // Closes everything (DELETEs the session, terminates the process). Idempotent; no OnClosed.
  virtual net::awaitable<void> close() = 0;

 protected:
  void deliver(Message msg) {
    if (on_message_) on_message_(std::move(msg));
  }
  void closed(std::string reason) {
    if (on_closed_) on_closed_(std::move(reason));
  }

  OnMessage on_message_;
  OnClosed on_closed_;
};

}  // namespace igw::mcp
