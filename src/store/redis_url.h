// Where and how to reach a Redis server: the options shared by the async connection
// (redis_client.h) and the blocking client (redis_sync_client.h), and the REDIS_URL parser.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

// Bounds on one reply, checked while it is parsed (before anything is allocated for it).
struct RedisLimits {
  int max_depth = 8;                    // nested arrays
  size_t max_elements = 1u << 20;       // array elements in one reply, all levels
  size_t max_bytes = size_t{64} << 20;  // string bytes plus per-element overhead
};

struct RedisOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string username;  // ACL user (Redis 6+); empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECT after connecting when not 0
  bool tls = false;      // rediss://: not supported (parseRedisUrl refuses it)
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  // While down after a failed connect, calls fail at once; the pause doubles from the first
  // value to the second on consecutive failures and resets after a successful connect.
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{2000};
  size_t max_pending = 65536;  // calls waiting for a reply on one connection
  RedisLimits limits;

  // "host:port" ([v6]:port) for messages. Never includes credentials.
  std::string endpoint() const;
};

// redis://[[user]:password@]host[:port][/db]. User and password may be percent-encoded; an IPv6
// host goes in brackets. rediss:// (TLS), query strings and other schemes are refused. Error
// messages never contain the password (nor the user part, which may be a misplaced password).
Result<RedisOptions> parseRedisUrl(std::string_view url);

}  // namespace igw
