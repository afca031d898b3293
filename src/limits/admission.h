// Admission and settlement of one request against the limits of its key and its team, as both the
// in-memory counters (local_counters.h) and the Redis scripts (redis_limiter.h) decide it. Plain
// data shared by the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "limits/limit_spec.h"

namespace igw {

// What a request is expected to cost, reserved at admission.
struct Estimate {
  int64_t tokens = 0;    // prompt estimate + max_tokens
  int64_t nano_usd = 0;  // priced (0 when the model has no price)
};

enum class LimitKind { kNone, kRequests, kTokens, kParallel, kBudget };

// The limit state one subject (a key or a team) reports after a decision; feeds the
// x-ratelimit-* headers. -1 = that limit is not set.
struct LimitView {
  int64_t limit_requests = -1, remaining_requests = -1, reset_requests_ms = 0;
  int64_t limit_tokens = -1, remaining_tokens = -1, reset_tokens_ms = 0;
};

struct Decision {
  bool admitted = true;
  LimitKind refused = LimitKind::kNone;
  bool team = false;           // the refusing limit is the team's (else the key's)
  int64_t retry_after_ms = 0;  // 429s
  int64_t budget_nano = 0;     // 402s: the budget, its spend and when it resets
  int64_t spent_nano = 0;
  int64_t budget_reset_unix = 0;
  BudgetPeriod period = BudgetPeriod::kMonth;
  LimitView view;  // the tighter of key and team, for the headers
};

// What settlement needs to know about the admitted request.
struct Settlement {
  Estimate reserved;
  int64_t admitted_sec = 0;  // the window bucket its reservation went to
  int64_t tokens = 0;        // real input + output tokens
  int64_t nano_usd = 0;      // real cost
};

// Merges one subject's view into `into`, keeping the tighter (smaller remaining) figures.
void mergeView(LimitView& into, const LimitView& v);

}  // namespace igw
