// The upstream HTTP client: the only code that opens connections to providers and tool
// servers. One UpstreamClient per worker thread (no locks): it keeps a keep-alive pool per
// origin, verifies TLS against the system CAs with SNI, resolves names asynchronously and puts
// a deadline on every step (connect, response headers, each streamed chunk).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/log.h"
#include "core/status.h"
#include "http/message.h"
#include "net/asio.h"
#include "net/url.h"

namespace boost::asio {
class io_context;
}

namespace igw {

class DeadlineSweeper;

struct UpstreamRequest {
  std::string method = "POST";
  Url url;
  Headers headers;  // Host, Content-Length and Connection are set by the client
  std::string body;
  // Streaming: the body is read chunk by chunk with CLIENT_IDLE_CHUNK_TIMEOUT between chunks.
  // Otherwise the whole exchange must finish within CLIENT_TIMEOUT.
  bool stream = false;
  // Time allowed until the response head, when shorter than the configured timeouts (a routing
  // alias's attempt_timeout or what is left of its deadline). 0: the configured ones.
  std::chrono::milliseconds head_timeout{0};
};

// Cancels an upstream exchange from outside: the client went away. fire() closes the
// connection the exchange is using (before or after the response headers), so a pending
// send() or read() ends at once with "request cancelled". One per request; same thread only.
class UpstreamAbort {
 public:
  void fire() {
    fired_ = true;
    if (close_) close_();
  }
  bool fired() const { return fired_; }
  // Used by the client while a connection carries the request.
  void arm(std::function<void()> close) { close_ = std::move(close); }
  void disarm() { close_ = nullptr; }

 private:
  bool fired_ = false;
  std::function<void()> close_;
};

// A response whose headers have arrived. An interface, so tests can hand the request path a
// fault-injecting fake (see Upstream).
class UpstreamResponse {
 public:
  virtual ~UpstreamResponse() = default;

  virtual int status() const = 0;
  virtual const Headers& headers() const = 0;

  // The next piece of the body as it arrives; an empty view means the body is complete.
  // The view is valid until the next call.
  virtual net::awaitable<Result<std::string_view>> read() = 0;

  // The rest of the body, failing beyond max_bytes.
  virtual net::awaitable<Result<std::string>> readAll(uint64_t max_bytes);

  // The whole body has been read.
  virtual bool finished() const = 0;

  // Closes the connection now (the client went away); a pending read() then fails.
  virtual void abort() = 0;
};

// Where provider requests go. The real one is UpstreamClient (one per worker); tests replace
// it with fakes that fail in chosen ways (LevelDB's Env is the model).
class Upstream {
 public:
  virtual ~Upstream() = default;
  // Sends the request and waits for the response headers. Errors: kUnavailable when the
  // upstream cannot be reached, breaks the connection or the request was cancelled through
  // `abort`, kDeadlineExceeded on a timeout. `abort` (optional) must outlive the call.
  virtual net::awaitable<Result<std::unique_ptr<UpstreamResponse>>> send(
      const UpstreamRequest& req, UpstreamAbort* abort = nullptr) = 0;
};

class UpstreamClient final : public Upstream {
 public:
  // `ca_file`: PEM bundle trusted in addition to the system CAs (the Kubernetes API server's
  // ca.crt for service discovery); empty for the system CAs only.
  UpstreamClient(boost::asio::io_context& ioc, DeadlineSweeper& deadlines, const ClientConfig& cfg,
                 const Logger& log, const std::string& ca_file = {});
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Sends the request and waits for the response headers. Errors: kUnavailable when the
  // upstream cannot be reached or breaks the connection, kDeadlineExceeded on a timeout.
  net::awaitable<Result<std::unique_ptr<UpstreamResponse>>> send(
      const UpstreamRequest& req, UpstreamAbort* abort = nullptr) override;

  size_t idleConnections() const;
  // Written by this worker only; safe to read from any thread.
  const std::atomic<int64_t>& idleGauge() const;
  const std::atomic<int64_t>& openedCounter() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace igw
