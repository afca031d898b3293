// The shared limiter on Redis (REDIS_URL): one script call to admit, one to settle, each atomic
// in Redis. One connection per worker (store/redis_client.h), used only from that worker's
// thread: no lock is shared by the workers.
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "limits/limits_service.h"
#include "limits/redis_scripts.h"
#include "net/beast.h"
#include "store/redis_client.h"
#include "store/redis_sync_client.h"
#include "store/redis_url.h"

namespace igw {
namespace {

using nlohmann::json;

constexpr const char* kJournal = "igw:spend:journal";
constexpr const char* kDrainLock = "igw:spend:drain-lock";

// The subjects a request counts against, in the scripts' order (the key, then its team), each
// with whether it is a team: at most two, kept on the stack.
class Subjects {
 public:
  using Item = std::pair<const SubjectLimits*, bool>;
  void add(const SubjectLimits* s, bool team) { items_[n_++] = {s, team}; }
  size_t size() const { return n_; }
  const Item& operator[](size_t i) const { return items_[i]; }
  const Item* begin() const { return items_.data(); }
  const Item* end() const { return items_.data() + n_; }

 private:
  std::array<Item, 2> items_{};
  size_t n_ = 0;
};

Subjects subjectsOf(const Identity& who) {
  Subjects out;
  if (who.key_limits) out.add(who.key_limits.get(), false);
  if (who.team_limits) out.add(who.team_limits.get(), true);
  return out;
}

std::string prefix(const SubjectLimits& s, bool team) {
  return std::string("igw:{") + (team ? "t:" : "k:") + s.id + "}:";
}

std::string num(int64_t v) {
  return std::to_string(v);
}

std::string encodeRecord(const SpendRecord& r) {
  json j = {{"id", r.id},
            {"rq", r.request_id},
            {"ts", r.ts_ms},
            {"key", r.key_id},
            {"team", r.team},
            {"caller", r.caller},
            {"provider", r.provider},
            {"model", r.model},
            {"in", r.prompt_tokens},
            {"out", r.completion_tokens},
            {"cached", r.cached_tokens},
            {"reasoning", r.reasoning_tokens},
            {"cost", r.cost_nano},
            {"status", r.status},
            {"ms", r.latency_ms}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<SpendRecord> decodeRecord(std::string_view text) {
  json j = parseJsonOrDiscarded(text);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  SpendRecord r;
  auto s = [&](const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };
  auto n = [&](const char* k) {
    return j.contains(k) && j[k].is_number_integer() ? j[k].get<int64_t>() : int64_t{0};
  };
  r.id = s("id");
  if (r.id.empty()) return std::nullopt;
  r.request_id = s("rq");
  r.ts_ms = n("ts");
  r.key_id = s("key");
  r.team = s("team");
  r.caller = s("caller");
  r.provider = s("provider");
  r.model = s("model");
  r.prompt_tokens = n("in");
  r.completion_tokens = n("out");
  r.cached_tokens = n("cached");
  r.reasoning_tokens = n("reasoning");
  r.cost_nano = n("cost");
  r.status = static_cast<int>(n("status"));
  r.latency_ms = n("ms");
  return r;
}

int64_t intAt(const RedisReply& r, size_t i) {
  if (i >= r.elements.size()) return 0;
  const RedisReply& e = r.elements[i];
  if (e.type == RedisReply::Type::kInteger) return e.integer;
  return 0;
}

class RedisLimiter final : public SharedLimiter {
 public:
  RedisLimiter(const SpendConfig& cfg, RedisOptions opts, const Logger& log, unsigned workers)
      : cfg_(cfg),
        opts_(std::move(opts)),
        log_(log),
        conns_(workers),
        admit_(std::string(redis_scripts::kCommon) + redis_scripts::kAdmit),
        settle_(std::string(redis_scripts::kCommon) + redis_scripts::kSettle),
        usage_(std::string(redis_scripts::kCommon) + redis_scripts::kUsage),
        unlock_(redis_scripts::kUnlock),
        drain_token_(std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())) {}

  Status ping() {
    RedisSyncClient c(opts_);
    auto r = c.command({"PING"});
    if (!r) return r.status();
    if (r->type == RedisReply::Type::kError) return unavailable("Redis: " + r->str);
    return Status::ok();
  }

  net::awaitable<Result<Decision>> admit(const Identity& who, const Estimate& est,
                                         const std::string& ticket, int64_t now_ms,
                                         unsigned worker) override {
    std::vector<std::string> args{
        num(now_ms), ticket,
        num(std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.lease).count()),
        num(est.tokens), num(est.nano_usd)};
    const Subjects subjects = subjectsOf(who);
    args.push_back(num(static_cast<int64_t>(subjects.size())));
    const int64_t secs = now_ms / 1000;
    for (const auto& [sub, team] : subjects) {
      const LimitSpec& l = sub->spec;
      args.push_back(prefix(*sub, team));
      args.push_back(num(l.rpm.value_or(0)));
      args.push_back(num(l.tpm.value_or(0)));
      args.push_back(num(l.max_parallel.value_or(0)));
      args.push_back(num(l.budget ? l.budget->nano_usd : 0));
      args.push_back(num(l.budget ? periodStart(l.budget->period, secs) : 0));
      args.push_back(num(l.budget ? periodEnd(l.budget->period, secs) : 0));
    }
    RedisConnection* c = co_await conn(worker);
    std::vector<std::string> keys;
    auto r = co_await c->eval(admit_, std::move(keys), std::move(args));
    if (!r) co_return Status(Code::kServiceUnavailable, r.status().message());
    if (r->type == RedisReply::Type::kError) {
      co_return Status(Code::kServiceUnavailable, "Redis limiter script: " + r->str);
    }
    Decision d;
    d.admitted = intAt(*r, 0) == 1;
    auto view = [&](size_t at) {
      LimitView v;
      v.limit_requests = intAt(*r, at);
      v.remaining_requests = intAt(*r, at + 1);
      v.reset_requests_ms = intAt(*r, at + 2);
      v.limit_tokens = intAt(*r, at + 3);
      v.remaining_tokens = intAt(*r, at + 4);
      v.reset_tokens_ms = intAt(*r, at + 5);
      return v;
    };
    if (d.admitted) {
      for (size_t i = 0; i < subjects.size(); ++i) mergeView(d.view, view(7 + i * 6));
      co_return d;
    }
    const size_t idx = static_cast<size_t>(intAt(*r, 1));
    d.team = idx < subjects.size() && subjects[idx].second;
    switch (intAt(*r, 2)) {
      case 1:
        d.refused = LimitKind::kRequests;
        break;
      case 2:
        d.refused = LimitKind::kTokens;
        break;
      case 3:
        d.refused = LimitKind::kParallel;
        break;
      default:
        d.refused = LimitKind::kBudget;
        break;
    }
    d.retry_after_ms = intAt(*r, 3);
    d.budget_nano = intAt(*r, 4);
    d.spent_nano = intAt(*r, 5);
    d.budget_reset_unix = intAt(*r, 6);
    if (idx < subjects.size() && subjects[idx].first->spec.budget) {
      d.period = subjects[idx].first->spec.budget->period;
    }
    d.view = view(7);
    co_return d;
  }

  net::awaitable<Status> settle(const Identity& who, const Settlement& s, const std::string& ticket,
                                const SpendRecord& spend, int64_t now_ms,
                                unsigned worker) override {
    std::vector<std::string> args{num(now_ms),
                                  ticket,
                                  num(s.admitted_sec),
                                  num(s.reserved.tokens),
                                  num(s.reserved.nano_usd),
                                  num(s.tokens),
                                  num(s.nano_usd),
                                  encodeRecord(spend)};
    const Subjects subjects = subjectsOf(who);
    args.push_back(num(static_cast<int64_t>(subjects.size())));
    for (const auto& [sub, team] : subjects) {
      const LimitSpec& l = sub->spec;
      args.push_back(prefix(*sub, team));
      args.push_back(num(l.tpm.value_or(0)));
      args.push_back(num(l.budget ? l.budget->nano_usd : 0));
      args.push_back(num(l.budget ? periodStart(l.budget->period, now_ms / 1000) : 0));
    }
    RedisConnection* c = co_await conn(worker);
    std::vector<std::string> keys;
    auto r = co_await c->eval(settle_, std::move(keys), std::move(args));
    if (!r) co_return r.status();
    if (r->type == RedisReply::Type::kError)
      co_return unavailable("Redis settle script: " + r->str);
    co_return Status::ok();
  }

  net::awaitable<Result<SubjectUsage>> usage(const SubjectLimits& subject, bool team,
                                             int64_t now_ms, unsigned worker) override {
    const LimitSpec& l = subject.spec;
    std::vector<std::string> args{num(now_ms), prefix(subject, team),
                                  num(l.budget ? periodStart(l.budget->period, now_ms / 1000) : 0)};
    RedisConnection* c = co_await conn(worker);
    std::vector<std::string> keys;
    auto r = co_await c->eval(usage_, std::move(keys), std::move(args));
    if (!r) co_return r.status();
    if (r->type == RedisReply::Type::kError) co_return unavailable("Redis usage script: " + r->str);
    co_return SubjectUsage{intAt(*r, 0), intAt(*r, 1), intAt(*r, 2), intAt(*r, 3), intAt(*r, 4)};
  }

  Result<size_t> drainJournal(LimitsStore& store, size_t max) override {
    if (!sync_) sync_ = std::make_unique<RedisSyncClient>(opts_);
    auto lock = sync_->command({"SET", kDrainLock, drain_token_, "NX", "PX", "30000"});
    if (!lock) return lock.status();
    if (lock->type != RedisReply::Type::kStatus) return size_t{0};  // another replica drains
    auto items = sync_->command({"LRANGE", kJournal, "0", std::to_string(max - 1)});
    Status st = items ? Status::ok() : items.status();
    size_t n = 0;
    if (st && items->type == RedisReply::Type::kArray) {
      std::vector<SpendRecord> records;
      n = items->elements.size();
      for (const auto& e : items->elements) {
        if (auto r = decodeRecord(e.str)) {
          records.push_back(std::move(*r));
        } else {
          log_.warn("spend journal entry unreadable; skipped", {});
        }
      }
      st = store.appendJournal(records);
      if (st && n > 0) {
        auto trimmed = sync_->command({"LTRIM", kJournal, std::to_string(n), "-1"});
        if (!trimmed) st = trimmed.status();
      }
    }
    (void)sync_->eval(unlock_, {kDrainLock}, {drain_token_});
    if (!st) return st;
    return n;
  }

  void shutdown() override {
    for (auto& c : conns_) c.reset();
    sync_.reset();
  }

 private:
  // The worker's connection, made on first use on the worker's own thread.
  net::awaitable<RedisConnection*> conn(unsigned worker) {
    if (worker >= conns_.size()) worker = 0;
    if (!conns_[worker]) {
      auto ex = co_await net::asio::this_coro::executor;
      conns_[worker] = std::make_unique<RedisConnection>(ex, opts_);
    }
    co_return conns_[worker].get();
  }

  SpendConfig cfg_;
  RedisOptions opts_;
  Logger log_;
  std::vector<std::unique_ptr<RedisConnection>> conns_;  // by worker
  RedisScript admit_, settle_, usage_, unlock_;
  std::string drain_token_;
  std::unique_ptr<RedisSyncClient> sync_;  // spend writer's thread only
};

}  // namespace

Result<std::unique_ptr<SharedLimiter>> makeRedisLimiter(const SpendConfig& cfg, const Logger& log,
                                                        unsigned workers) {
  auto opts = parseRedisUrl(cfg.redis_url);
  if (!opts) return invalidArgument("REDIS_URL: " + opts.status().message());
  opts->command_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.redis_timeout);
  auto limiter = std::make_unique<RedisLimiter>(cfg, std::move(opts).value(), log, workers);
  if (Status s = limiter->ping(); !s) {
    // Start anyway: requests of keys without limits are served, and limited ones follow
    // LIMITS_FAIL_OPEN until Redis answers.
    log.error(cfg.fail_open ? "Redis unreachable at start-up; limited requests are admitted "
                              "without limits until it answers (LIMITS_FAIL_OPEN=true)"
                            : "Redis unreachable at start-up; limited requests get 503 until it "
                              "answers (LIMITS_FAIL_OPEN=false)",
              {{"error", s.message()}});
  }
  return std::unique_ptr<SharedLimiter>(std::move(limiter));
}

}  // namespace igw
