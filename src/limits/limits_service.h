// Limits, budgets and the spend log beyond the counters themselves (docs/limits.md): the price
// table, the shared (Redis) limiter when REDIS_URL is set, and the spend writer.
//
// Threads. Request workers call price(), record() and the shared limiter from their own thread.
// price() reads an immutable table; record() appends to the worker's own buffer (a lock only the
// spend writer's thread also takes, once per flush); the shared limiter keeps one Redis
// connection per worker. The spend writer runs on its own thread with its own database
// connection, so a slow database never holds a request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.h"
#include "core/config.h"
#include "core/log.h"
#include "core/status.h"
#include "limits/admission.h"
#include "limits/prices.h"
#include "net/asio.h"
#include "store/limits_store.h"

namespace igw {

// Counters shared by replicas (limits/redis_limiter.cpp). One call per request to admit and
// one to settle; each is one atomic script in Redis.
class SharedLimiter {
 public:
  virtual ~SharedLimiter() = default;
  // kServiceUnavailable when Redis cannot be reached (the filter applies LIMITS_FAIL_OPEN).
  virtual net::awaitable<Result<Decision>> admit(const Identity& who, const Estimate& est,
                                                 const std::string& ticket, int64_t now_ms,
                                                 unsigned worker) = 0;
  // Settles and appends `spend` to the shared spend journal in the same script, so a replica
  // that dies after answering loses nothing.
  virtual net::awaitable<Status> settle(const Identity& who, const Settlement& s,
                                        const std::string& ticket, const SpendRecord& spend,
                                        int64_t now_ms, unsigned worker) = 0;
  struct SubjectUsage {
    int64_t requests = 0, tokens = 0, in_flight = 0, spent_nano = 0, reserved_nano = 0;
  };
  virtual net::awaitable<Result<SubjectUsage>> usage(const SubjectLimits& subject, bool team,
                                                     int64_t now_ms, unsigned worker) = 0;
  // Spend writer's thread: moves up to `max` journal records into `store` (at most one replica
  // at a time; a drain repeated because the last one died before trimming the journal skips the
  // records that one wrote: LimitsStore::appendJournal). Returns how many.
  virtual Result<size_t> drainJournal(LimitsStore& store, size_t max) = 0;
  // Closes the connections; called once the workers have stopped, before their io_contexts go.
  virtual void shutdown() = 0;
};

// REDIS_URL's limiter; checks that Redis answers (an error stops start-up).
Result<std::unique_ptr<SharedLimiter>> makeRedisLimiter(const SpendConfig& cfg, const Logger& log,
                                                        unsigned workers);

class LimitsService {
 public:
  LimitsService(const Config& config, const Logger& log, unsigned workers);
  ~LimitsService();
  LimitsService(const LimitsService&) = delete;
  LimitsService& operator=(const LimitsService&) = delete;

  // Loads the price table (MODEL_PRICES_PATH: an error stops start-up), opens the spend log's
  // database and, with REDIS_URL, the shared limiter; starts the spend writer.
  Status start();
  // Writes what is buffered, then stops the writer.
  void stop();

  const SpendConfig& config() const { return cfg_; }

  // The price of provider/model; nullptr when the table has none (logged once per model).
  const ModelPrice* price(std::string_view provider, std::string_view model, unsigned worker);

  // Queues one request's spend for the log (copying its text). Never waits on the database. With
  // Redis the record travels with settlement instead (SharedLimiter::settle).
  void record(const SpendRow& r, unsigned worker);

  // Null without REDIS_URL.
  SharedLimiter* shared() { return shared_.get(); }

  // A unique id for a spend record or a ticket: replica prefix + counter.
  std::string newId(unsigned worker);

  struct Impl;

 private:
  SpendConfig cfg_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<SharedLimiter> shared_;
};

}  // namespace igw
