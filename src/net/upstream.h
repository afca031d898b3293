// The upstream HTTP client: the only code that opens connections to providers and tool
// servers. One UpstreamClient per worker thread (no locks): it keeps a keep-alive pool per
// origin, verifies TLS against the system CAs with SNI, resolves names asynchronously and puts
// a deadline on every step (connect, response headers, each streamed chunk).
#pragma once

#include <atomic>
#include <cstdint>
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
};

class UpstreamResponse {
 public:
  struct Impl;
  explicit UpstreamResponse(std::unique_ptr<Impl> impl);
  ~UpstreamResponse();  // returns the connection to the pool when the body was fully read
  UpstreamResponse(const UpstreamResponse&) = delete;
  UpstreamResponse& operator=(const UpstreamResponse&) = delete;

  int status() const;
  const Headers& headers() const;

  // The next piece of the body as it arrives; an empty view means the body is complete.
  // The view is valid until the next call.
  net::awaitable<Result<std::string_view>> read();

  // The rest of the body, failing beyond max_bytes.
  net::awaitable<Result<std::string>> readAll(uint64_t max_bytes);

  // The whole body has been read.
  bool finished() const;

  // Closes the connection now (the client went away); a pending read() then fails.
  void abort();

 private:
  std::unique_ptr<Impl> impl_;
};

class UpstreamClient {
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
  net::awaitable<Result<std::unique_ptr<UpstreamResponse>>> send(const UpstreamRequest& req);

  size_t idleConnections() const;
  // Written by this worker only; safe to read from any thread.
  const std::atomic<int64_t>& idleGauge() const;
  const std::atomic<int64_t>& openedCounter() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace igw
