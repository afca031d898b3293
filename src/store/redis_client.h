// An asynchronous Redis connection on Boost.Asio for the request path: one TCP connection,
// pipelined, used by coroutines on one thread (a worker's io_context).
//
//   RedisConnection redis(worker_executor, *parseRedisUrl(url));
//   Result<RedisReply> r = co_await redis.command({"INCRBY", key, "5"});
//   Result<RedisReply> s = co_await redis.eval(script, {key}, {arg});
//
// Many coroutines may call command() at once: commands are written in call order (batched into
// as few writes as possible) and replies are matched to calls first-in, first-out.
//
// Failures: a Redis error reply (type kError) is a value, for the caller to inspect. Not
// reaching the server, a broken connection or a timeout is a Status kUnavailable whose message
// names host:port (never the password). The connection is made on the first call (AUTH and
// SELECT as configured) and again after a failure. A failed connect leaves the connection down
// for a backoff pause (RedisOptions::min_backoff, doubling up to max_backoff) during which calls
// fail at once without touching the network, so a dead Redis costs callers nothing and is not
// hammered. A call that gets no reply within command_timeout closes the connection and fails
// every call pending on it (FIFO matching cannot survive a lost reply), and starts a backoff
// pause too (the server is not answering). A connection lost otherwise (server restart, idle
// connection closed by the server) is reopened by the next call at once.
//
// Threading: not thread-safe by design. Construct, call and destroy on the executor's thread
// (destroy before its io_context). Calls still pending at close() or destruction complete with
// kUnavailable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/status.h"
#include "net/asio.h"
#include "store/redis_protocol.h"
#include "store/redis_url.h"

namespace igw {

class RedisConnection {
 public:
  RedisConnection(net::Executor ex, RedisOptions opts);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // One command, e.g. {"SET", "k", "v"}. The reply, a Redis error reply as a value, or
  // kUnavailable (not connected, connection lost, timed out, too many calls pending).
  net::awaitable<Result<RedisReply>> command(std::vector<std::string> args);

  // EVALSHA; when the server answers NOSCRIPT, EVAL with the source (which also loads it, so
  // later calls succeed with EVALSHA again). `s` must outlive the call (keep scripts in
  // long-lived objects); keys and args are taken by value.
  net::awaitable<Result<RedisReply>> eval(const RedisScript& s, std::vector<std::string> keys,
                                          std::vector<std::string> args);

  // False while down after a failed connect or a timeout (calls would fail at once); true when
  // connected or when the next call would try to connect.
  bool healthy() const;
  // The TCP connection is up and authenticated.
  bool connected() const;
  // Closes the connection; pending calls fail with kUnavailable. The next call reconnects.
  void close();

  const RedisOptions& options() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace igw
