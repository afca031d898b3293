// One process's counters for one subject (a key or a team): a sliding 60-second window of
// requests and of tokens in one-second buckets, the requests in flight, and the budget's spend
// in its current period. Guarded by the subject's own mutex, held for a few hundred nanoseconds;
// requests of different keys and teams never share a lock.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "limits/admission.h"

namespace igw {

class SlidingWindow {
 public:
  static constexpr int64_t kSeconds = 60;
  // Sum of the buckets within (now - 60 s, now]. Keeps a running total, so a call costs the
  // seconds that left the window since the last one, not a scan of all 60 buckets.
  int64_t sum(int64_t now_sec);
  void add(int64_t sec, int64_t n, int64_t now_sec);
  // Milliseconds until the window has dropped at least `need` of its count (0: nothing to wait).
  int64_t msUntilFreed(int64_t need, int64_t now_ms) const;

 private:
  static size_t slot(int64_t sec) {
    return static_cast<size_t>(((sec % kSeconds) + kSeconds) % kSeconds);
  }
  int64_t scan(int64_t now_sec) const;
  // Moves the running total forward to `now_sec` (no-op when the clock did not advance).
  void advance(int64_t now_sec);

  std::array<int64_t, kSeconds> sec_{};  // which second each bucket holds
  std::array<int64_t, kSeconds> count_{};
  // total_ = the sum of the buckets within (through_ - 60 s, through_]; every bucket's second is
  // at most through_.
  int64_t through_ = INT64_MIN;
  int64_t total_ = 0;
  // No bucket from (through_ - 60 s) up to this second holds a count: msUntilFreed starts its
  // walk here. Found by that walk, lowered by add().
  mutable int64_t first_live_ = INT64_MIN;
};

class LocalCounters {
 public:
  // Loaded spend of the current period (from the spend log, at start-up or when the subject
  // appears).
  void seedBudget(int64_t period_start, int64_t spent_nano);

  // Both subjects (team may be null) decide together: either both take the request or neither.
  // `key_limits`/`team_limits` are the specs in force.
  static Decision admit(LocalCounters* key, const LimitSpec* key_limits, LocalCounters* team,
                        const LimitSpec* team_limits, const Estimate& est, int64_t now_ms);
  static void settle(LocalCounters* key, const LimitSpec* key_limits, LocalCounters* team,
                     const LimitSpec* team_limits, const Settlement& s, int64_t now_ms);

  // For GET /v1/key: current figures.
  struct Usage {
    int64_t requests = 0, tokens = 0, in_flight = 0, spent_nano = 0, reserved_nano = 0;
  };
  Usage usage(const LimitSpec& limits, int64_t now_ms);

 private:
  std::optional<Decision> check(const LimitSpec& l, const Estimate& est, int64_t now_ms,
                                LimitView& view);
  void take(const LimitSpec& l, const Estimate& est, int64_t now_ms);
  void give(const LimitSpec& l, const Settlement& s, int64_t now_ms);
  void rollPeriod(const LimitSpec& l, int64_t now_sec);

  std::mutex mu_;
  SlidingWindow requests_, tokens_;
  int64_t in_flight_ = 0;
  int64_t period_start_ = -1;  // of the budget; -1: not seeded
  // The period [period_start_, period_end_) of kind period_kind_ that rollPeriod last computed;
  // period_end_ = -1: not computed (seeded, or never rolled).
  int64_t period_end_ = -1;
  BudgetPeriod period_kind_ = BudgetPeriod::kMonth;
  int64_t spent_nano_ = 0;     // settled this period
  int64_t reserved_nano_ = 0;  // admitted, not yet settled
};

}  // namespace igw
