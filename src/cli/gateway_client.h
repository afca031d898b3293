// The gateway as `infer` talks to it: synchronous calls on top of the gateway's own upstream
// client (src/net/upstream.h: pooled keep-alive connections, TLS with the system CAs,
// deadlines). One object per run; not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw::cli {

class Interrupt;

struct HttpReply {
  int status = 0;
  std::string body;
};

struct StreamEnd {
  int status = 0;          // the HTTP status
  std::string error_body;  // the body when status >= 400
  bool interrupted = false;
};

class GatewayClient {
 public:
  // `base_url`: "http://host:port" (a trailing "/" or "/v1" is ignored). `credential`: sent as
  // "Authorization: Bearer" when not empty.
  GatewayClient(std::string base_url, std::string credential);
  ~GatewayClient();

  const std::string& baseUrl() const { return base_url_; }

  // A whole exchange; transport failures as a Status (kUnavailable, kDeadlineExceeded, ...).
  Result<HttpReply> call(std::string_view method, std::string_view path, std::string body = {});

  // Several GETs at once; one result per path, in order.
  std::vector<Result<HttpReply>> getAll(const std::vector<std::string>& paths);

  // POST with a streamed answer: `on_bytes` gets the body as it arrives (2xx only). Ctrl-C
  // (when `interrupt` is given) closes the request and ends the call with interrupted = true.
  Result<StreamEnd> stream(std::string_view path, std::string body,
                           const std::function<void(std::string_view)>& on_bytes,
                           Interrupt* interrupt);

  struct Impl;

 private:
  std::string base_url_;
  std::string credential_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace igw::cli
