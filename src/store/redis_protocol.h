// The RESP (Redis protocol, version 2) pieces shared by the async and the blocking client:
// commands encoded by hiredis's redisFormatCommandArgv, replies parsed by hiredis's reader into
// RedisReply with the RedisLimits checked before anything is allocated, and Lua scripts with
// their SHA1 for EVALSHA. No I/O here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/redis_url.h"

struct redisReader;

namespace igw {

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;               // kInteger
  std::string str;                   // kString, kStatus, kError
  std::vector<RedisReply> elements;  // kArray

  bool isNil() const { return type == Type::kNil; }
  bool isError() const { return type == Type::kError; }
  bool isString() const { return type == Type::kString; }
  bool isInteger() const { return type == Type::kInteger; }
  bool isArray() const { return type == Type::kArray; }
  // kStatus "OK".
  bool isOk() const { return type == Type::kStatus && str == "OK"; }
};

// "nil", "(integer) 5", "\"text\"", "OK", "(error) ERR ...", "[a, b]" for test messages and
// logs (strings cut at 200 bytes).
std::string describe(const RedisReply& r);

// The wire form of one command (a RESP array of bulk strings).
std::string formatRedisCommand(const std::vector<std::string>& args);

// State of the reply being built, shared with hiredis's reader through its privdata.
struct RedisReplyBuild {
  RedisLimits limits;
  size_t elements = 0;
  size_t bytes = 0;
  std::string limit_error;  // set when a limit refused an object
  void reset() {
    elements = 0;
    bytes = 0;
    limit_error.clear();
  }
};

// Points a hiredis reader (its own or a redisContext's) at RedisReply construction under
// `build`'s limits: replies come out of redisReaderGetReply / redisGetReply as `RedisReply*`
// allocated with new, owned by the caller. `build` must outlive the reader.
void useRedisReplyObjects(redisReader* reader, RedisReplyBuild* build);

// Incremental parser: bytes in (any split), complete replies out, in order. A protocol error
// or an exceeded limit is final: the connection must be dropped.
class RedisReplyReader {
 public:
  explicit RedisReplyReader(RedisLimits limits = {});
  ~RedisReplyReader();
  RedisReplyReader(const RedisReplyReader&) = delete;
  RedisReplyReader& operator=(const RedisReplyReader&) = delete;

  // False once the reader has failed (error() says why).
  bool feed(std::string_view bytes);
  // The next complete reply, std::nullopt when more bytes are needed, or the error.
  Result<std::optional<RedisReply>> next();
  const Status& error() const { return error_; }
  // Bytes fed and not yet consumed by a complete reply.
  size_t buffered() const;

 private:
  Status fail(std::string why);

  redisReader* reader_ = nullptr;
  RedisReplyBuild build_;
  Status error_;
};

// A Lua script and the lowercase hex SHA1 of its source (what EVALSHA names it by).
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

// The EVALSHA and EVAL commands for a script call.
std::vector<std::string> evalShaCommand(const RedisScript& s, const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args);
std::vector<std::string> evalCommand(const RedisScript& s, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args);
// A NOSCRIPT error reply: the server does not know the script (restart, SCRIPT FLUSH, failover).
bool isNoScript(const RedisReply& r);

}  // namespace igw
