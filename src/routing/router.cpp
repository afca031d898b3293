#include "routing/router.h"

#include <algorithm>

#include "core/log.h"

namespace igw {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string stateKey(const DeploymentSpec& d) {
  std::string k = d.provider;
  for (const std::string* part : {&d.model, &d.base_url, &d.api_key}) {
    k += '\x1f';
    k += *part;
  }
  return k;
}

Result<ProviderEntry> deploymentEntry(const DeploymentSpec& d, const ProviderEntry& base,
                                      const std::string& where) {
  ProviderEntry e = base;
  if (!d.base_url.empty()) {
    auto url = parseUrl(d.base_url);
    if (!url) return invalidArgument(where + ".base_url: " + url.status().message());
    e.base = std::move(url.value());
    if (e.base.target == "/") e.base.target.clear();
    e.setting.url = d.base_url;
    e.setting.url_set = true;
  }
  if (!d.api_key.empty()) e.setting.key = d.api_key;
  e.usable = !e.setting.key.empty() || !e.spec->key_required;
  return e;
}

}  // namespace

std::string_view breakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

std::string_view outcomeName(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kSuccess:
      return "success";
    case AttemptOutcome::kConnect:
      return "connect";
    case AttemptOutcome::kTimeout:
      return "timeout";
    case AttemptOutcome::kRateLimited:
      return "429";
    case AttemptOutcome::kServerError:
      return "5xx";
  }
  return "success";
}

BreakerState DeploymentState::state(int64_t now_ns) const {
  int64_t until = open_until_ns.load(std::memory_order_acquire);
  if (until == 0) return BreakerState::kClosed;
  return now_ns < until ? BreakerState::kOpen : BreakerState::kHalfOpen;
}

std::shared_ptr<DeploymentState> DeploymentStates::get(const DeploymentSpec& d) {
  auto& slot = states_[stateKey(d)];
  if (!slot) slot = std::make_shared<DeploymentState>();
  return slot;
}

void DeploymentStates::prune() {
  std::erase_if(states_, [](const auto& kv) { return kv.second.use_count() == 1; });
}

Result<std::shared_ptr<const RoutingTable>> RoutingTable::build(const RoutingConfig& cfg,
                                                                const ProviderTable& providers,
                                                                DeploymentStates& states) {
  auto table = std::make_shared<RoutingTable>();
  for (const AliasSpec& spec : cfg.aliases) {
    auto alias = std::make_unique<Alias>();
    alias->spec = spec;
    for (size_t i = 0; i < spec.deployments.size(); ++i) {
      const DeploymentSpec& ds = spec.deployments[i];
      std::string where =
          "routing file: models." + spec.name + ".deployments[" + std::to_string(i) + "]";
      const ProviderSpec* ps = findProviderSpec(ds.provider);
      if (ps == nullptr) return invalidArgument(where + ": unknown provider '" + ds.provider + "'");
      Deployment d;
      d.spec = ds;
      d.label = ds.label();
      d.provider = &providers.get(*ps);
      if (!ds.api_key.empty() || !ds.base_url.empty()) {
        auto entry = deploymentEntry(ds, *d.provider, where);
        if (!entry) return entry.status();
        d.own_entry = std::make_unique<ProviderEntry>(std::move(entry.value()));
        d.provider = d.own_entry.get();
      }
      if (!d.provider->usable) {
        std::string var(ps->id);
        for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return invalidArgument(where + ": provider '" + ds.provider + "' has no key (set " + var +
                               "_API_KEY or give the deployment an api_key)");
      }
      d.state = states.get(ds);
      alias->deployments.push_back(std::move(d));
      alias->by_priority.push_back(static_cast<uint32_t>(i));
    }
    std::stable_sort(alias->by_priority.begin(), alias->by_priority.end(),
                     [&](uint32_t a, uint32_t b) {
                       return spec.deployments[a].priority < spec.deployments[b].priority;
                     });
    table->aliases_.push_back(std::move(alias));
  }
  for (const auto& a : table->aliases_) table->by_name_.emplace(a->spec.name, a.get());
  states.prune();
  return std::shared_ptr<const RoutingTable>(std::move(table));
}

const Alias* RoutingTable::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

RoutePlan::RoutePlan(std::shared_ptr<const RoutingTable> table, const Alias& alias)
    : table_(std::move(table)), alias_(&alias) {}

void RoutePlan::restart() {
  release(0);
  tried_mask_ = 0;
  last_index_ = -1;
  attempts_ = 0;
  retries_on_same_ = 0;
  tried_.clear();
  deadline_ns_ = 0;
  if (alias_->spec.retry.deadline.count() > 0) {
    deadline_ns_ =
        steadyNowNs() +
        std::chrono::duration_cast<std::chrono::nanoseconds>(alias_->spec.retry.deadline).count();
  }
}

const Deployment& RoutePlan::preview() const {
  if (alias_->spec.strategy == Strategy::kFallback) {
    return alias_->deployments[alias_->by_priority.front()];
  }
  return alias_->deployments.front();
}

bool RoutePlan::usable(const Deployment& d, int64_t now_ns) {
  const DeploymentState& s = *d.state;
  switch (s.state(now_ns)) {
    case BreakerState::kOpen:
      return false;
    case BreakerState::kHalfOpen:
      return !s.probing.load(std::memory_order_acquire);
    case BreakerState::kClosed:
      return true;
  }
  return true;
}

const Deployment* RoutePlan::pick(int64_t now_ns, bool* again) {
  const auto& ds = alias_->deployments;
  const size_t n = ds.size();
  const Strategy strategy = alias_->spec.strategy;
  uint32_t eligible[kMaxDeploymentsPerAlias];
  // Pass 0: untried deployments the provider has not asked us to leave alone; pass 1: tried
  // ones and those under a Retry-After (the caller then waits).
  for (int pass = 0; pass < 2; ++pass) {
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      const bool tried = (tried_mask_ >> i) & 1;
      const bool avoided = ds[i].state->avoid_until_ns.load(std::memory_order_relaxed) > now_ns;
      const bool first_choice = !tried && !avoided;
      if ((pass == 0) != first_choice) continue;
      if (usable(ds[i], now_ns)) eligible[m++] = static_cast<uint32_t>(i);
    }
    // Trying again: not the deployment that failed just now, when there is another.
    if (pass == 1 && m > 1 && last_index_ >= 0) {
      for (size_t k = 0; k < m; ++k) {
        if (eligible[k] == static_cast<uint32_t>(last_index_)) {
          std::copy(eligible + k + 1, eligible + m, eligible + k);
          --m;
          break;
        }
      }
    }
    while (m > 0) {
      const uint64_t turn = alias_->turn.fetch_add(1, std::memory_order_relaxed);
      size_t chosen = 0;  // index into eligible
      switch (strategy) {
        case Strategy::kRoundRobin:
          chosen = turn % m;
          break;
        case Strategy::kWeighted: {
          uint64_t total = 0;
          for (size_t k = 0; k < m; ++k) total += ds[eligible[k]].spec.weight;
          if (total == 0) break;  // only weight-0 deployments left: the first of them
          uint64_t x = mix(turn) % total;
          for (size_t k = 0; k < m; ++k) {
            uint64_t w = ds[eligible[k]].spec.weight;
            if (x < w) {
              chosen = k;
              break;
            }
            x -= w;
          }
          break;
        }
        case Strategy::kLeastLatency: {
          // Unmeasured deployments first; one pick in 16 goes round robin so a deployment
          // that was slow once is measured again.
          if (turn % 16 == 15) {
            chosen = (turn / 16) % m;
            break;
          }
          int64_t best = -1;
          for (size_t k = 0; k < m; ++k) {
            int64_t l = ds[eligible[k]].state->latency_us.load(std::memory_order_relaxed);
            if (l == 0) {
              chosen = k;
              break;
            }
            if (best < 0 || l < best) {
              best = l;
              chosen = k;
            }
          }
          break;
        }
        case Strategy::kLeastBusy: {
          int64_t best = -1;
          for (size_t j = 0; j < m; ++j) {
            size_t k = (turn + j) % m;  // ties go round robin
            int64_t b = ds[eligible[k]].state->in_flight.load(std::memory_order_relaxed);
            if (best < 0 || b < best) {
              best = b;
              chosen = k;
            }
          }
          break;
        }
        case Strategy::kFallback: {
          size_t best_rank = SIZE_MAX;
          for (size_t k = 0; k < m; ++k) {
            auto rank = static_cast<size_t>(
                std::find(alias_->by_priority.begin(), alias_->by_priority.end(), eligible[k]) -
                alias_->by_priority.begin());
            if (rank < best_rank) {
              best_rank = rank;
              chosen = k;
            }
          }
          break;
        }
      }
      const Deployment& d = ds[eligible[chosen]];
      DeploymentState& s = *d.state;
      probe_ = false;
      if (s.state(now_ns) == BreakerState::kHalfOpen) {
        bool expected = false;
        if (!s.probing.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
          eligible[chosen] = eligible[--m];  // another request probes it: next candidate
          continue;
        }
        probe_ = true;
      }
      *again = pass == 1;
      return &d;
    }
  }
  return nullptr;
}

RoutePlan::~RoutePlan() {
  release(0);
}

void RoutePlan::unpick(const Deployment& d) {
  if (probe_) {
    d.state->probing.store(false, std::memory_order_release);
    probe_ = false;
  }
}

void RoutePlan::begin(const Deployment& d) {
  size_t index = static_cast<size_t>(&d - alias_->deployments.data());
  if (((tried_mask_ >> index) & 1) != 0) ++retries_on_same_;
  tried_mask_ |= uint64_t{1} << index;
  last_index_ = static_cast<int>(index);
  ++attempts_;
  d.state->in_flight.fetch_add(1, std::memory_order_relaxed);
  active_ = &d;
  active_start_ns_ = steadyNowNs();
}

void RoutePlan::end(AttemptOutcome outcome, int64_t now_ns, int64_t retry_after_ms,
                    const Logger* log) {
  if (active_ == nullptr) return;
  const Deployment& d = *active_;
  DeploymentState& s = *d.state;
  const BreakerPolicy& bp = alias_->spec.breaker;
  const bool failed = outcome != AttemptOutcome::kSuccess;
  if (outcome == AttemptOutcome::kRateLimited && retry_after_ms > 0) {
    int64_t until = now_ns + std::min<int64_t>(retry_after_ms, 3600 * 1000) * 1000000;
    s.avoid_until_ns.store(until, std::memory_order_relaxed);
  }
  // The error-rate window (counts may be reset by a racing request: a window is approximate).
  const int64_t window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(bp.window).count();
  int64_t start = s.window_start_ns.load(std::memory_order_relaxed);
  if (now_ns - start > window_ns &&
      s.window_start_ns.compare_exchange_strong(start, now_ns, std::memory_order_relaxed)) {
    s.window_attempts.store(0, std::memory_order_relaxed);
    s.window_failures.store(0, std::memory_order_relaxed);
  }
  uint32_t attempts = s.window_attempts.fetch_add(1, std::memory_order_relaxed) + 1;
  uint32_t failures = s.window_failures.load(std::memory_order_relaxed);
  if (failed) failures = s.window_failures.fetch_add(1, std::memory_order_relaxed) + 1;

  if (!failed) {
    s.consecutive_failures.store(0, std::memory_order_relaxed);
    if (s.open_until_ns.load(std::memory_order_relaxed) != 0 &&
        s.open_until_ns.exchange(0, std::memory_order_acq_rel) != 0 && log != nullptr) {
      log->info("circuit closed", {{"deployment", d.label}, {"alias", alias_->spec.name}});
    }
  } else {
    uint32_t consecutive = s.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    bool trip = probe_ || (bp.failures > 0 && consecutive >= bp.failures) ||
                (bp.error_rate > 0 && attempts >= bp.min_requests &&
                 static_cast<double>(failures) >= bp.error_rate * attempts);
    if (trip) {
      const int64_t until =
          now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(bp.cooldown).count();
      int64_t before = s.open_until_ns.exchange(until, std::memory_order_acq_rel);
      if ((before == 0 || probe_) && log != nullptr) {
        log->warn(probe_ ? "circuit opened again: the probe failed" : "circuit opened",
                  {{"deployment", d.label},
                   {"alias", alias_->spec.name},
                   {"consecutive_failures", static_cast<int64_t>(consecutive)},
                   {"last_failure", outcomeName(outcome)},
                   {"cooldown_ms", static_cast<int64_t>(bp.cooldown.count())}});
      }
    }
  }
  if (probe_) {
    s.probing.store(false, std::memory_order_release);
    probe_ = false;
  }
}

void RoutePlan::release(int64_t latency_ns) {
  if (active_ == nullptr) return;
  DeploymentState& s = *active_->state;
  s.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (probe_) {  // ended without an outcome
    s.probing.store(false, std::memory_order_release);
    probe_ = false;
  }
  if (latency_ns > 0) {
    int64_t sample = std::max<int64_t>(1, latency_ns / 1000);
    int64_t old = s.latency_us.load(std::memory_order_relaxed);
    int64_t next = old == 0 ? sample : old - old / 5 + sample / 5;  // 1/5 on the new sample
    s.latency_us.store(std::max<int64_t>(1, next), std::memory_order_relaxed);
  }
  active_ = nullptr;
}

Status RoutePlan::unavailable(int64_t now_ns, int64_t* retry_after_s) const {
  int64_t avoided = 0;  // shortest wait, ns
  int64_t opened = 0;
  for (const Deployment& d : alias_->deployments) {
    int64_t a = d.state->avoid_until_ns.load(std::memory_order_relaxed) - now_ns;
    if (a > 0 && (avoided == 0 || a < avoided)) avoided = a;
    int64_t o = d.state->open_until_ns.load(std::memory_order_relaxed) - now_ns;
    if (o > 0 && (opened == 0 || o < opened)) opened = o;
  }
  const std::string& name = alias_->spec.name;
  if (avoided > 0) {
    *retry_after_s = (avoided + 999999999) / 1000000000;
    return Status(Code::kRateLimited,
                  "every deployment of model alias '" + name +
                      "' is rate limited by its provider (Retry-After); try again in " +
                      std::to_string(*retry_after_s) + "s");
  }
  *retry_after_s = opened > 0 ? (opened + 999999999) / 1000000000 : 1;
  return Status(Code::kServiceUnavailable,
                "no deployment of model alias '" + name +
                    "' is available: every one failed repeatedly and its circuit is open; try "
                    "again in " +
                    std::to_string(*retry_after_s) + "s");
}

bool RoutePlan::mayRetry(AttemptOutcome o) const {
  if (attempts_ > alias_->spec.retry.retries) return false;
  const uint32_t on = alias_->spec.retry.retry_on;
  switch (o) {
    case AttemptOutcome::kSuccess:
      return false;
    case AttemptOutcome::kConnect:
      return (on & kRetryConnect) != 0;
    case AttemptOutcome::kTimeout:
      return (on & kRetryTimeout) != 0;
    case AttemptOutcome::kRateLimited:
      return (on & kRetry429) != 0;
    case AttemptOutcome::kServerError:
      return (on & kRetry5xx) != 0;
  }
  return false;
}

int64_t RoutePlan::backoffMs(const Deployment& d, int64_t now_ns) const {
  const RetryPolicy& r = alias_->spec.retry;
  int64_t base = r.backoff.count();
  for (uint32_t i = 1; i < retries_on_same_ && base < r.max_backoff.count(); ++i) base *= 2;
  base = std::min<int64_t>(base, r.max_backoff.count());
  // Full jitter over the upper half: between base/2 and base.
  uint64_t rnd = mix(static_cast<uint64_t>(now_ns) ^ alias_->turn.load(std::memory_order_relaxed));
  int64_t wait =
      base / 2 + (base > 1 ? static_cast<int64_t>(rnd % static_cast<uint64_t>(base / 2 + 1)) : 0);
  int64_t avoid = d.state->avoid_until_ns.load(std::memory_order_relaxed) - now_ns;
  if (avoid > 0) wait = std::max<int64_t>(wait, (avoid + 999999) / 1000000);
  return wait;
}

std::string RoutePlan::circuits(int64_t now_ns) const {
  std::string out;
  for (const Deployment& d : alias_->deployments) {
    BreakerState st = d.state->state(now_ns);
    if (st == BreakerState::kClosed) continue;
    if (!out.empty()) out += ", ";
    out += d.label;
    out += '=';
    out += breakerStateName(st);
  }
  return out;
}

void RoutePlan::noteTried(const Deployment& d, std::string_view what) {
  if (tried_.size() > 2048) return;
  if (!tried_.empty()) tried_ += ", ";
  tried_ += d.label;
  tried_ += '=';
  tried_ += what;
}

}  // namespace igw
