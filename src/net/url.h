// Absolute http(s) URL split into what a connection and a request line need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

struct Url {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  std::string target;  // path + query, always starting with '/'

  // "host" or "host:port" as the Host header wants it.
  std::string hostHeader() const;
  void appendHostHeader(std::string& out) const;
  // Pool key: scheme, host and port.
  std::string origin() const;
  void appendOrigin(std::string& out) const;
};

Result<Url> parseUrl(std::string_view url);

}  // namespace igw
