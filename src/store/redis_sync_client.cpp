#include "store/redis_sync_client.h"

#include <hiredis/hiredis.h>

#include <memory>

namespace igw {

namespace {

using Clock = std::chrono::steady_clock;

timeval toTimeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

struct ReplyDeleter {
  void operator()(void* p) const { delete static_cast<RedisReply*>(p); }
};
using OwnedReply = std::unique_ptr<void, ReplyDeleter>;

// argv/argvlen views of a command for hiredis.
struct Argv {
  explicit Argv(const std::vector<std::string>& args) {
    ptrs.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};

}  // namespace

RedisSyncClient::RedisSyncClient(RedisOptions opts)
    : opts_(std::move(opts)), endpoint_(opts_.endpoint()) {
  build_.limits = opts_.limits;
}

RedisSyncClient::~RedisSyncClient() {
  close();
}

void RedisSyncClient::close() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

// The context's error as a Status (the context is dropped: hiredis cannot reuse it).
Status RedisSyncClient::contextError(const char* what) {
  std::string why;
  bool timed_out = false;
  if (!build_.limit_error.empty()) {
    why = "redis protocol error: " + build_.limit_error;
  } else if (ctx_ == nullptr) {
    why = "out of memory";
  } else if (ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    why = "no reply within " + std::to_string(opts_.command_timeout.count()) + "ms";
    timed_out = true;
  } else if (ctx_->err == REDIS_ERR_EOF) {
    why = "connection closed by the server";
  } else {
    why = ctx_->errstr;
  }
  close();
  Status st = unavailable("redis " + endpoint_ + ": " + what + why);
  return timed_out ? backOff(std::move(st)) : st;
}

Status RedisSyncClient::backOff(Status why) {
  if (Clock::now() < down_until_) return why;  // already down (a timeout while connecting)
  backoff_ = backoff_.count() == 0 ? opts_.min_backoff : std::min(backoff_ * 2, opts_.max_backoff);
  down_until_ = Clock::now() + backoff_;
  last_error_ = why;
  return why;
}

Status RedisSyncClient::connectOnce() {
  const timeval connect_tv = toTimeval(opts_.connect_timeout);
  ctx_ = redisConnectWithTimeout(opts_.host.c_str(), opts_.port, connect_tv);
  if (ctx_ == nullptr || ctx_->err != 0) {
    std::string why = ctx_ == nullptr ? "out of memory" : ctx_->errstr;
    if (ctx_ != nullptr && ctx_->err == REDIS_ERR_IO &&
        (errno == EINPROGRESS || errno == ETIMEDOUT || errno == EAGAIN)) {
      why = "connect timed out after " + std::to_string(opts_.connect_timeout.count()) + "ms";
    }
    close();
    return unavailable("redis " + endpoint_ + ": connect failed: " + why);
  }
  const timeval command_tv = toTimeval(opts_.command_timeout);
  if (redisSetTimeout(ctx_, command_tv) != REDIS_OK) return contextError("");
  useRedisReplyObjects(ctx_->reader, &build_);
  std::vector<std::vector<std::string>> hello;
  std::vector<std::string> what;
  if (!opts_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!opts_.username.empty()) auth.push_back(opts_.username);
    auth.push_back(opts_.password);
    hello.push_back(std::move(auth));
    what.push_back("AUTH");
  }
  if (opts_.db != 0) {
    hello.push_back({"SELECT", std::to_string(opts_.db)});
    what.push_back("SELECT " + std::to_string(opts_.db));
  }
  for (size_t i = 0; i < hello.size(); ++i) {
    build_.reset();
    Argv argv(hello[i]);
    OwnedReply reply(redisCommandArgv(ctx_, argv.argc(), argv.ptrs.data(), argv.lens.data()));
    if (!reply) return contextError((what[i] + " failed: ").c_str());
    const auto* r = static_cast<const RedisReply*>(reply.get());
    if (r->isError()) {
      close();
      return unavailable("redis " + endpoint_ + ": " + what[i] + " failed: " + r->str);
    }
  }
  return Status();
}

Status RedisSyncClient::ensureConnected() {
  if (ctx_ != nullptr) return Status();
  const auto now = Clock::now();
  if (now < down_until_) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(down_until_ - now);
    return unavailable(last_error_.message() + " (next attempt in " + std::to_string(left.count()) +
                       "ms)");
  }
  Status st = connectOnce();
  if (st.isOk()) {
    backoff_ = std::chrono::milliseconds(0);
    return st;
  }
  return backOff(std::move(st));
}

Result<RedisReply> RedisSyncClient::command(const std::vector<std::string>& args) {
  std::vector<std::vector<std::string>> one{args};
  auto r = pipeline(one);
  if (!r.isOk()) return r.status();
  return std::move(r->front());
}

Result<std::vector<RedisReply>> RedisSyncClient::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& cmd : commands) {
    if (cmd.empty()) return invalidArgument("empty redis command");
  }
  if (Status st = ensureConnected(); !st.isOk()) return st;
  for (const auto& cmd : commands) {
    Argv argv(cmd);
    if (redisAppendCommandArgv(ctx_, argv.argc(), argv.ptrs.data(), argv.lens.data()) != REDIS_OK) {
      return contextError("");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    build_.reset();
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      OwnedReply drop(raw);
      return contextError("");
    }
    OwnedReply reply(raw);
    replies.push_back(std::move(*static_cast<RedisReply*>(reply.get())));
  }
  return replies;
}

Result<RedisReply> RedisSyncClient::eval(const RedisScript& s, const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args) {
  auto r = command(evalShaCommand(s, keys, args));
  if (!r.isOk() || !isNoScript(*r)) return r;
  return command(evalCommand(s, keys, args));
}

}  // namespace igw
