// Limits and budgets (docs/limits.md): admits a request against its key's and its team's
// limits, reserving its estimated tokens and cost; settles the real usage just before the
// response's last byte; records the request's spend.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "api/app.h"
#include "filters/filters.h"
#include "http/json_scan.h"
#include "limits/limits_service.h"
#include "limits/local_counters.h"
#include "net/beast.h"
#include "pipeline/exchange.h"
#include "providers/media_support.h"
#include "providers/table.h"
#include "telemetry/metrics.h"

namespace igw {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A header value formatted on the stack: limit headers go on every limited answer.
class ShortText {
 public:
  ShortText& num(int64_t n) {
    auto [end, ec] = std::to_chars(buf_ + len_, buf_ + sizeof buf_, n);
    if (ec == std::errc()) len_ = static_cast<size_t>(end - buf_);
    return *this;
  }
  ShortText& text(std::string_view t) {
    const size_t n = std::min(t.size(), sizeof buf_ - len_);
    std::copy_n(t.data(), n, buf_ + len_);
    len_ += n;
    return *this;
  }
  std::string_view view() const { return {buf_, len_}; }

 private:
  char buf_[64];
  size_t len_ = 0;
};

// "250ms", "12s", "1m30s": the duration style of OpenAI's x-ratelimit-reset-* headers.
ShortText resetText(int64_t ms) {
  ShortText t;
  if (ms < 1000) {
    t.num(std::max<int64_t>(ms, 0)).text("ms");
    return t;
  }
  const int64_t s = (ms + 999) / 1000;
  if (s < 60) {
    t.num(s).text("s");
    return t;
  }
  t.num(s / 60).text("m").num(s % 60).text("s");
  return t;
}

std::string usdText(int64_t nano) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.4f", nanoToUsd(nano));
  return buf;
}

// The output tokens a request may produce: its max_tokens (any of the APIs' names) or the
// configured default.
int64_t maxOutputTokens(std::string_view body, int64_t fallback) {
  // Keys are matched as written (escapes not decoded), so a body without "max_" has none of them:
  // skip the walk.
  if (body.find("max_") == std::string_view::npos) return fallback;
  int64_t found = -1;
  forEachMember(body, [&](const RawMember& m) {
    if (m.key == "max_tokens" || m.key == "max_completion_tokens" || m.key == "max_output_tokens") {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), v);
      if (ec == std::errc() && p == m.value.data() + m.value.size() && v > 0) {
        found = std::max(found, v);
      }
    }
    return true;
  });
  return found > 0 ? found : fallback;
}

std::string_view upstreamModel(const Exchange& ex) {
  if (!ex.target.upstream_model.empty()) return ex.target.upstream_model;
  return ex.info.model;
}

class LimitsFilter final : public Filter {
 public:
  explicit LimitsFilter(const Config& config)
      : default_max_tokens_(static_cast<int64_t>(config.spend.default_max_tokens)),
        fail_open_(config.spend.fail_open),
        spend_log_(config.spend.spend_log) {}

  std::string_view name() const override { return "limits"; }

  bool checksAsync() const override { return true; }

  std::optional<Status> tryRequest(Exchange& ex) const override {
    const Identity* who = limited(ex);
    if (who == nullptr) return Status::ok();
    if (ex.app.limits->shared() != nullptr) return std::nullopt;  // Redis: onRequestAsync
    const Estimate est = estimate(ex, *who);
    const int64_t now = nowMs();
    LocalCounters* kc = who->key_limits ? who->key_limits->counters.get() : nullptr;
    LocalCounters* tc = who->team_limits ? who->team_limits->counters.get() : nullptr;
    Decision d =
        LocalCounters::admit(kc, who->key_limits ? &who->key_limits->spec : nullptr, tc,
                             who->team_limits ? &who->team_limits->spec : nullptr, est, now);
    return decide(ex, *who, d, est, now, false, {});
  }

  net::awaitable<Status> onRequestAsync(Exchange& ex) const override {
    const Identity* who = limited(ex);
    if (who == nullptr) co_return Status::ok();
    SharedLimiter* shared = ex.app.limits->shared();
    const Estimate est = estimate(ex, *who);
    const int64_t now = nowMs();
    std::string ticket = ex.app.limits->newId(ex.ctx.worker);
    ex.limits.executor = co_await net::asio::this_coro::executor;
    auto d = co_await shared->admit(*who, est, ticket, now, ex.ctx.worker);
    if (!d) {
      if (fail_open_) {
        ex.app.log.warn(
            "limits store unreachable: request admitted without limits "
            "(LIMITS_FAIL_OPEN)",
            {{"error", d.status().message()}});
        co_return Status::ok();
      }
      ex.refusal_code = "limits_unavailable";
      co_return Status(Code::kServiceUnavailable,
                       "limits cannot be checked right now (the shared counter store is "
                       "unreachable); try again shortly");
    }
    co_return decide(ex, *who, *d, est, now, true, std::move(ticket));
  }

  bool observesResponse() const override { return true; }
  void onHeaders(Exchange& ex, int status, Headers&) const override { ex.limits.status = status; }
  void onChunk(Exchange& ex, std::string_view data) const override {
    ex.limits.body_bytes += data.size();
  }

  net::awaitable<void> beforeEnd(Exchange& ex) const override {
    if (!ex.limits.admitted || ex.limits.settled) co_return;
    ex.limits.settled = true;
    if (!ex.limits.shared) {
      settleLocal(ex);
      co_return;
    }
    Settlement s = settlement(ex);
    SpendRecord rec = SpendRecord::of(spendRow(ex, s.nano_usd, ex.limits.status));
    rec.id = ex.app.limits->newId(ex.ctx.worker);  // the shared journal's records carry theirs
    Status done = co_await ex.app.limits->shared()->settle(*ex.identity, s, ex.limits.ticket, rec,
                                                           nowMs(), ex.ctx.worker);
    if (!done) {
      // The counters free themselves when the lease ends; the spend goes to the database directly.
      ex.app.log.warn("settling limits in Redis failed", {{"error", done.message()}});
      ex.app.limits->record(rec.row(), ex.ctx.worker);
    }
  }

  void onComplete(Exchange& ex) const override {
    if (ex.app.limits == nullptr || !ex.identity || ex.target.provider == nullptr) return;
    const int status = ex.res.status();
    if (ex.limits.admitted && !ex.limits.settled) {
      ex.limits.settled = true;
      if (!ex.limits.shared) {
        settleLocal(ex, status);
        return;
      }
      // The client left or nothing was written: settle in the background.
      Settlement s = settlement(ex);
      SpendRecord rec = SpendRecord::of(spendRow(ex, s.nano_usd, status));
      rec.id = ex.app.limits->newId(ex.ctx.worker);
      auto identity = ex.identity;
      LimitsService* svc = ex.app.limits;
      const unsigned worker = ex.ctx.worker;
      std::string ticket = ex.limits.ticket;
      const Logger* log = &ex.app.log;
      auto work = [svc, identity, s, rec, ticket, worker, log]() -> net::awaitable<void> {
        Status done = co_await svc->shared()->settle(*identity, s, ticket, rec, nowMs(), worker);
        if (!done) {
          log->warn("settling limits in Redis failed", {{"error", done.message()}});
          svc->record(rec.row(), worker);
        }
      };
      // Set with every shared admission (onRequestAsync).
      net::asio::co_spawn(*ex.limits.executor, work(), net::asio::detached);
      return;
    }
    if (ex.limits.admitted || !spend_log_) return;  // settled before the end (with its record)
    // Not limited (or refused): the spend log still gets the request.
    ex.app.limits->record(spendRow(ex, cost(ex, actualUsage(ex)), status), ex.ctx.worker);
  }

 private:
  // The caller's identity when limits apply to this request; null otherwise.
  static const Identity* limited(const Exchange& ex) {
    if (ex.app.limits == nullptr || !ex.identity || ex.target.provider == nullptr) return nullptr;
    const Identity& who = *ex.identity;
    if (!who.key_limits && !who.team_limits) return nullptr;
    return &who;
  }

  Estimate estimate(const Exchange& ex, const Identity& who) const {
    Estimate est;
    const bool tokens =
        (who.key_limits && (who.key_limits->spec.tpm || who.key_limits->spec.budget)) ||
        (who.team_limits && (who.team_limits->spec.tpm || who.team_limits->spec.budget));
    if (!tokens) return est;
    const std::string_view body = ex.req.body;
    // Images and audio (docs/media.md): no max_tokens to read, and an upload's bytes are not
    // prompt text: a JSON body's text is estimated, a multipart one reserves a token. What
    // the provider reports is charged at settlement.
    const bool media = ex.endpoint == Endpoint::kImages || ex.endpoint == Endpoint::kAudio;
    const auto which = media ? mediaEndpointOf(ex.req.path()) : std::nullopt;
    // About four bytes of JSON per token of prompt: generous for English text, so the
    // reservation errs on the high side.
    const int64_t prompt =
        which && isMultipart(*which) ? 1 : static_cast<int64_t>(body.size() / 4) + 1;
    // Embeddings produce no output tokens: nothing to reserve for them.
    const int64_t output = ex.endpoint == Endpoint::kEmbeddings || media
                               ? 0
                               : maxOutputTokens(body, default_max_tokens_);
    est.tokens = prompt + output;
    if (const ModelPrice* p =
            ex.app.limits->price(ex.info.provider, upstreamModel(ex), ex.ctx.worker)) {
      est.nano_usd = estimateNanoUsd(*p, prompt, output);
    }
    return est;
  }

  Status decide(Exchange& ex, const Identity& who, const Decision& d, const Estimate& est,
                int64_t now, bool shared, std::string ticket) const {
    addLimitHeaders(ex, d.view);
    if (d.admitted) {
      ex.limits.admitted = true;
      ex.limits.shared = shared;
      ex.limits.reserved = est;
      ex.limits.admitted_sec = now / 1000;
      ex.limits.ticket = std::move(ticket);
      return Status::ok();
    }
    const std::string subject =
        d.team ? "team " + who.team : (who.key_id.empty() ? "this caller" : "key " + who.key_id);
    if (MetricsShard* m = ex.ctx.metrics) {
      m->add(Metric::kLimitRejections, {who.team.empty() ? "none" : who.team, kindName(d.refused)});
    }
    if (d.refused == LimitKind::kBudget) {
      ex.refusal_code = "budget_exceeded";
      return Status(Code::kPaymentRequired,
                    "budget exhausted: " + subject + " has a budget of " + usdText(d.budget_nano) +
                        " per " + std::string(periodName(d.period)) + " and " +
                        usdText(d.spent_nano) +
                        " of it is spent or reserved by requests in flight; it resets at " +
                        utcTimestamp(d.budget_reset_unix) + " (UTC)");
    }
    const int64_t retry_s = std::max<int64_t>(1, (d.retry_after_ms + 999) / 1000);
    ex.res.addHeader("Retry-After", std::to_string(retry_s));
    ex.refusal_code = "rate_limit_exceeded";
    const LimitSpec& spec = d.team ? who.team_limits->spec : who.key_limits->spec;
    std::string what;
    switch (d.refused) {
      case LimitKind::kRequests:
        what = "allows " + std::to_string(spec.rpm.value_or(0)) + " requests per minute";
        break;
      case LimitKind::kTokens:
        what = "allows " + std::to_string(spec.tpm.value_or(0)) +
               " tokens per minute (this request reserves " + std::to_string(est.tokens) +
               ": its prompt estimate plus max_tokens)";
        break;
      default:
        what = "allows " + std::to_string(spec.max_parallel.value_or(0)) +
               " requests in flight at once";
        break;
    }
    return Status(Code::kRateLimited, "rate limit exceeded: " + subject + " " + what +
                                          "; retry after " + std::to_string(retry_s) + "s");
  }

  static std::string_view kindName(LimitKind k) {
    switch (k) {
      case LimitKind::kRequests:
        return "requests";
      case LimitKind::kTokens:
        return "tokens";
      case LimitKind::kParallel:
        return "parallel";
      case LimitKind::kBudget:
        return "budget";
      case LimitKind::kNone:
        break;
    }
    return "none";
  }

  static void addLimitHeaders(Exchange& ex, const LimitView& v) {
    if (v.limit_requests >= 0) {
      ex.res.addHeader("x-ratelimit-limit-requests", ShortText().num(v.limit_requests).view());
      ex.res.addHeader("x-ratelimit-remaining-requests",
                       ShortText().num(v.remaining_requests).view());
      ex.res.addHeader("x-ratelimit-reset-requests", resetText(v.reset_requests_ms).view());
    }
    if (v.limit_tokens >= 0) {
      ex.res.addHeader("x-ratelimit-limit-tokens", ShortText().num(v.limit_tokens).view());
      ex.res.addHeader("x-ratelimit-remaining-tokens", ShortText().num(v.remaining_tokens).view());
      ex.res.addHeader("x-ratelimit-reset-tokens", resetText(v.reset_tokens_ms).view());
    }
  }

  // Usage with what the provider did not say filled in: an answer that never reported usage
  // (a stream cut half way) is charged its prompt estimate and about a token per four bytes
  // written.
  static TokenUsage actualUsage(const Exchange& ex) {
    TokenUsage u = ex.info.usage;
    const int status = ex.limits.status != 0 ? ex.limits.status : ex.res.status();
    if (u.known() || status >= 400 || ex.limits.body_bytes == 0) {
      if (u.prompt < 0) u.prompt = 0;
      if (u.completion < 0) u.completion = 0;
      return u;
    }
    u.prompt = static_cast<int64_t>(ex.req.body.size() / 4) + 1;
    u.completion = static_cast<int64_t>(ex.limits.body_bytes / 4);
    return u;
  }

  static int64_t cost(Exchange& ex, const TokenUsage& u) {
    const ModelPrice* p = ex.app.limits->price(ex.info.provider, upstreamModel(ex), ex.ctx.worker);
    return p ? costNanoUsd(*p, u) : 0;
  }

  static Settlement settlement(Exchange& ex) {
    Settlement s;
    s.reserved = ex.limits.reserved;
    s.admitted_sec = ex.limits.admitted_sec;
    const TokenUsage u = actualUsage(ex);
    s.tokens = std::max<int64_t>(u.prompt, 0) + std::max<int64_t>(u.completion, 0);
    s.nano_usd = cost(ex, u);
    ex.limits.cost_nano = s.nano_usd;
    return s;
  }

  static void settleLocal(Exchange& ex, int status = 0) {
    const Identity& who = *ex.identity;
    Settlement s = settlement(ex);
    LocalCounters::settle(who.key_limits ? who.key_limits->counters.get() : nullptr,
                          who.key_limits ? &who.key_limits->spec : nullptr,
                          who.team_limits ? who.team_limits->counters.get() : nullptr,
                          who.team_limits ? &who.team_limits->spec : nullptr, s, nowMs());
    ex.app.limits->record(spendRow(ex, s.nano_usd, status != 0 ? status : ex.limits.status),
                          ex.ctx.worker);
  }

  // The record without an id (the spend writer numbers it; the Redis path sets one itself), its
  // text viewing the exchange.
  static SpendRow spendRow(Exchange& ex, int64_t cost_nano, int status) {
    const Identity& who = *ex.identity;
    const TokenUsage u = actualUsage(ex);
    SpendRow r;
    r.request_id = ex.info.request_id;
    r.ts_ms = nowMs();
    r.key_id = who.key_id;
    r.team = who.team;
    r.caller = who.subject;
    r.provider = ex.info.provider;
    r.model = upstreamModel(ex);
    r.prompt_tokens = std::max<int64_t>(u.prompt, 0);
    r.completion_tokens = std::max<int64_t>(u.completion, 0);
    r.cached_tokens = std::max<int64_t>(u.cached, 0);
    r.reasoning_tokens = std::max<int64_t>(u.reasoning, 0);
    r.cost_nano = cost_nano;
    r.status = status != 0 ? status : ex.res.status();
    r.latency_ms = static_cast<int64_t>(ex.info.elapsedMs());
    if (MetricsShard* m = ex.ctx.metrics; m != nullptr && cost_nano > 0) {
      m->add(Metric::kSpend, {who.team.empty() ? "none" : who.team, r.provider, r.model},
             static_cast<uint64_t>(cost_nano));
    }
    return r;
  }

  int64_t default_max_tokens_;
  bool fail_open_;
  bool spend_log_;
};

}  // namespace

std::unique_ptr<Filter> makeLimitsFilter(const Config& config) {
  if (!config.auth.enable) return nullptr;
  return std::make_unique<LimitsFilter>(config);
}

}  // namespace igw
