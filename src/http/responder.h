// How a handler answers: a whole response, or a chunked stream written piece by piece.
// Implemented by the connection (net/server.cpp); handlers never see sockets.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"
#include "net/asio.h"

namespace igw {

class Responder {
 public:
  virtual ~Responder() = default;

  // A complete response with Content-Length. A non-ok Status means the client is gone.
  virtual net::awaitable<Status> send(int status, const Headers& headers,
                                      std::string_view body) = 0;

  // Starts a chunked response; then writeChunk() any number of times, then endStream().
  // Each write has its own SERVER_WRITE_TIMEOUT deadline. The status line and headers go out
  // with the first chunk, and `last` ends the response in the same write: one syscall where
  // there would be three.
  virtual net::awaitable<Status> beginStream(int status, const Headers& headers) = 0;
  virtual net::awaitable<Status> writeChunk(std::string_view data, bool last = false) = 0;
  virtual net::awaitable<Status> endStream() = 0;  // no-op after writeChunk(..., true)

  // While a handler waits on something else (an upstream), calls `on_gone` once if the client
  // closes its connection. stopWatching() must be called before the handler returns.
  virtual void watchDisconnect(std::function<void()> on_gone) = 0;
  virtual void stopWatching() = 0;

  // True once any byte of the response has been written.
  virtual bool started() const = 0;

  // HTTP status of the response begun or sent (0 before that).
  virtual int status() const = 0;

  // A header added to whatever response this request gets (e.g. X-Request-Id). Copied: the
  // views need not outlive the call.
  virtual void addHeader(std::string_view name, std::string_view value) = 0;
};

}  // namespace igw
