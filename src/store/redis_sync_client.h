// A blocking Redis client for background service threads (e.g. a spend-log writer), on
// hiredis's synchronous API with the same options, reply type and limits as the async
// RedisConnection. Connects on first use (AUTH, SELECT), reconnects after an error; a failed
// connect or a timeout makes calls fail at once for the backoff pause. Connect and command timeouts
// apply (RedisOptions). One thread at a time: not thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/redis_protocol.h"
#include "store/redis_url.h"

struct redisContext;

namespace igw {

class RedisSyncClient {
 public:
  explicit RedisSyncClient(RedisOptions opts);
  ~RedisSyncClient();
  RedisSyncClient(const RedisSyncClient&) = delete;
  RedisSyncClient& operator=(const RedisSyncClient&) = delete;

  // As RedisConnection::command: a Redis error reply is a value; kUnavailable otherwise.
  Result<RedisReply> command(const std::vector<std::string>& args);
  // Several commands in one round trip; their replies in order. All or nothing: a connection
  // failure fails the whole batch (some commands may have run).
  Result<std::vector<RedisReply>> pipeline(const std::vector<std::vector<std::string>>& commands);
  // EVALSHA, then EVAL on NOSCRIPT.
  Result<RedisReply> eval(const RedisScript& s, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args);

  bool connected() const { return ctx_ != nullptr; }
  void close();
  const RedisOptions& options() const { return opts_; }

 private:
  Status ensureConnected();
  Status connectOnce();
  Status contextError(const char* what);
  Status backOff(Status why);

  RedisOptions opts_;
  std::string endpoint_;
  redisContext* ctx_ = nullptr;
  RedisReplyBuild build_;
  std::chrono::steady_clock::time_point down_until_{};
  std::chrono::milliseconds backoff_{0};
  Status last_error_;
};

}  // namespace igw
