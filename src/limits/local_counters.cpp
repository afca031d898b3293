#include "limits/local_counters.h"

#include <algorithm>

namespace igw {

void mergeView(LimitView& into, const LimitView& v) {
  if (v.limit_requests >= 0 &&
      (into.limit_requests < 0 || v.remaining_requests < into.remaining_requests)) {
    into.limit_requests = v.limit_requests;
    into.remaining_requests = v.remaining_requests;
    into.reset_requests_ms = v.reset_requests_ms;
  }
  if (v.limit_tokens >= 0 &&
      (into.limit_tokens < 0 || v.remaining_tokens < into.remaining_tokens)) {
    into.limit_tokens = v.limit_tokens;
    into.remaining_tokens = v.remaining_tokens;
    into.reset_tokens_ms = v.reset_tokens_ms;
  }
}

int64_t SlidingWindow::scan(int64_t now_sec) const {
  int64_t total = 0;
  for (size_t i = 0; i < sec_.size(); ++i) {
    if (count_[i] != 0 && sec_[i] > now_sec - kSeconds && sec_[i] <= now_sec) total += count_[i];
  }
  return total;
}

void SlidingWindow::advance(int64_t now_sec) {
  if (now_sec <= through_) return;
  if (through_ == INT64_MIN || now_sec - through_ >= kSeconds) {
    total_ = scan(now_sec);
  } else {
    // The seconds (through_ - 60, now_sec - 60] leave the window.
    for (int64_t s = through_ - kSeconds + 1; s <= now_sec - kSeconds; ++s) {
      const size_t i = slot(s);
      if (sec_[i] == s) total_ -= count_[i];
    }
  }
  through_ = now_sec;
}

int64_t SlidingWindow::sum(int64_t now_sec) {
  if (now_sec < through_) return scan(now_sec);  // the clock went back: count the slow way
  advance(now_sec);
  return total_;
}

void SlidingWindow::add(int64_t sec, int64_t n, int64_t now_sec) {
  if (sec <= now_sec - kSeconds) return;  // already out of the window
  advance(now_sec);
  const auto tracked = [this](int64_t s) { return s > through_ - kSeconds && s <= through_; };
  const size_t i = slot(sec);
  if (sec_[i] != sec) {
    if (tracked(sec_[i])) total_ -= count_[i];
    sec_[i] = sec;
    count_[i] = 0;
  }
  if (n > 0 && sec < first_live_) first_live_ = sec;
  const int64_t before = count_[i];
  count_[i] = std::max<int64_t>(0, count_[i] + n);
  if (tracked(sec)) total_ += count_[i] - before;
}

int64_t SlidingWindow::msUntilFreed(int64_t need, int64_t now_ms) const {
  if (need <= 0) return 0;
  const int64_t now_sec = now_ms / 1000;
  // Buckets leave the window oldest first: bucket s leaves at (s + 60) seconds. Walk the seconds
  // in order, oldest first.
  int64_t freed = 0;
  // The hint holds for windows that start no earlier than the one it was found in: not when the
  // clock went back.
  const bool hint = now_sec >= through_;
  int64_t s = now_sec - kSeconds + 1;
  if (hint) s = std::max(s, first_live_);
  size_t i = slot(s);
  for (; s <= now_sec; ++s) {
    if (sec_[i] == s && count_[i] != 0) {
      if (freed == 0 && hint) first_live_ = s;
      freed += count_[i];
      if (freed >= need) return std::max<int64_t>(1, (s + kSeconds) * 1000 - now_ms);
    }
    if (++i == static_cast<size_t>(kSeconds)) i = 0;
  }
  return kSeconds * 1000;
}

void LocalCounters::seedBudget(int64_t period_start, int64_t spent_nano) {
  std::lock_guard lock(mu_);
  if (period_start_ == period_start) return;  // already counting this period
  period_start_ = period_start;
  period_end_ = -1;
  spent_nano_ = spent_nano;
}

void LocalCounters::rollPeriod(const LimitSpec& l, int64_t now_sec) {
  if (!l.budget) return;
  if (period_end_ >= 0 && period_kind_ == l.budget->period && now_sec >= period_start_ &&
      now_sec < period_end_) {
    return;  // still the period computed last time
  }
  const int64_t start = periodStart(l.budget->period, now_sec);
  if (start == period_start_ || start > period_start_) {
    period_kind_ = l.budget->period;
    period_end_ = periodEnd(l.budget->period, now_sec);
  }
  if (start != period_start_) {
    // A new period (or a first use that was not seeded): spend restarts; reservations of
    // requests still running stay held.
    if (period_start_ >= 0 && start < period_start_) return;  // clock went back: keep counting
    period_start_ = start;
    spent_nano_ = 0;
  }
}

std::optional<Decision> LocalCounters::check(const LimitSpec& l, const Estimate& est,
                                             int64_t now_ms, LimitView& view) {
  const int64_t now_sec = now_ms / 1000;
  Decision refused;
  refused.admitted = false;
  if (l.rpm) {
    const int64_t used = requests_.sum(now_sec);
    view.limit_requests = *l.rpm;
    view.remaining_requests = std::max<int64_t>(0, *l.rpm - used - 1);
    view.reset_requests_ms = requests_.msUntilFreed(1, now_ms);
    if (used + 1 > *l.rpm) {
      view.remaining_requests = 0;
      refused.refused = LimitKind::kRequests;
      refused.retry_after_ms = requests_.msUntilFreed(used + 1 - *l.rpm, now_ms);
      return refused;
    }
  }
  if (l.tpm) {
    const int64_t used = tokens_.sum(now_sec);
    view.limit_tokens = *l.tpm;
    view.remaining_tokens = std::max<int64_t>(0, *l.tpm - used - est.tokens);
    view.reset_tokens_ms = tokens_.msUntilFreed(used + est.tokens - *l.tpm, now_ms);
    // An empty window takes any one request, even one larger than the limit.
    if (used > 0 && used + est.tokens > *l.tpm) {
      view.remaining_tokens = std::max<int64_t>(0, *l.tpm - used);
      refused.refused = LimitKind::kTokens;
      refused.retry_after_ms = tokens_.msUntilFreed(used + est.tokens - *l.tpm, now_ms);
      return refused;
    }
  }
  if (l.max_parallel && in_flight_ + 1 > *l.max_parallel) {
    refused.refused = LimitKind::kParallel;
    refused.retry_after_ms = 1000;
    return refused;
  }
  if (l.budget) {
    rollPeriod(l, now_sec);
    if (spent_nano_ + reserved_nano_ + est.nano_usd > l.budget->nano_usd ||
        spent_nano_ >= l.budget->nano_usd) {
      refused.refused = LimitKind::kBudget;
      refused.budget_nano = l.budget->nano_usd;
      refused.spent_nano = spent_nano_ + reserved_nano_;
      refused.period = l.budget->period;
      refused.budget_reset_unix = periodEnd(l.budget->period, now_sec);
      return refused;
    }
  }
  return std::nullopt;
}

void LocalCounters::take(const LimitSpec& l, const Estimate& est, int64_t now_ms) {
  const int64_t now_sec = now_ms / 1000;
  if (l.rpm) requests_.add(now_sec, 1, now_sec);
  if (l.tpm) tokens_.add(now_sec, est.tokens, now_sec);
  if (l.max_parallel) ++in_flight_;
  if (l.budget) reserved_nano_ += est.nano_usd;
}

void LocalCounters::give(const LimitSpec& l, const Settlement& s, int64_t now_ms) {
  const int64_t now_sec = now_ms / 1000;
  if (l.tpm) {
    tokens_.add(s.admitted_sec, -s.reserved.tokens, now_sec);
    tokens_.add(now_sec, s.tokens, now_sec);
  }
  if (l.max_parallel) in_flight_ = std::max<int64_t>(0, in_flight_ - 1);
  if (l.budget) {
    reserved_nano_ = std::max<int64_t>(0, reserved_nano_ - s.reserved.nano_usd);
    rollPeriod(l, now_sec);
    spent_nano_ += s.nano_usd;
  }
}

Decision LocalCounters::admit(LocalCounters* key, const LimitSpec* kl, LocalCounters* team,
                              const LimitSpec* tl, const Estimate& est, int64_t now_ms) {
  Decision d;
  std::unique_lock<std::mutex> key_lock, team_lock;  // always key before team
  if (key && kl) key_lock = std::unique_lock(key->mu_);
  if (team && tl && team != key) team_lock = std::unique_lock(team->mu_);
  LimitView kv, tv;
  if (key && kl) {
    if (auto refused = key->check(*kl, est, now_ms, kv)) {
      refused->view = kv;
      return *refused;
    }
  }
  if (team && tl) {
    if (auto refused = team->check(*tl, est, now_ms, tv)) {
      refused->team = true;
      refused->view = tv;
      return *refused;
    }
  }
  if (key && kl) key->take(*kl, est, now_ms);
  if (team && tl) team->take(*tl, est, now_ms);
  mergeView(d.view, kv);
  mergeView(d.view, tv);
  return d;
}

void LocalCounters::settle(LocalCounters* key, const LimitSpec* kl, LocalCounters* team,
                           const LimitSpec* tl, const Settlement& s, int64_t now_ms) {
  if (key && kl) {
    std::lock_guard lock(key->mu_);
    key->give(*kl, s, now_ms);
  }
  if (team && tl) {
    std::lock_guard lock(team->mu_);
    team->give(*tl, s, now_ms);
  }
}

LocalCounters::Usage LocalCounters::usage(const LimitSpec& l, int64_t now_ms) {
  std::lock_guard lock(mu_);
  const int64_t now_sec = now_ms / 1000;
  rollPeriod(l, now_sec);
  return {requests_.sum(now_sec), tokens_.sum(now_sec), in_flight_, spent_nano_, reserved_nano_};
}

}  // namespace igw
