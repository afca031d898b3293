#include "providers/attempts.h"

#include <utility>

#include <charconv>

#include "api/app.h"
#include "http/errors.h"
#include "net/beast.h"
#include "pipeline/exchange.h"
#include "routing/router.h"
#include "telemetry/metrics.h"

namespace igw {

namespace asio = net::asio;
using net::error_code;

namespace {

// Retry-After in seconds (the HTTP-date form is not worth a clock dependency here: 0), or
// OpenAI's retry-after-ms.
int64_t retryAfterMs(const Headers& headers) {
  if (const std::string* ms = findHeader(headers, "retry-after-ms")) {
    double v = 0;
    auto [p, ec] = std::from_chars(ms->data(), ms->data() + ms->size(), v);
    if (ec == std::errc() && v > 0 && v < 1e9) return static_cast<int64_t>(v);
  }
  if (const std::string* s = findHeader(headers, "retry-after")) {
    double v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec == std::errc() && v > 0 && v < 1e6) return static_cast<int64_t>(v * 1000);
  }
  return 0;
}

AttemptOutcome classify(const Status& started, const ProviderCall& call) {
  if (!started) {
    return started.code() == Code::kDeadlineExceeded ? AttemptOutcome::kTimeout
                                                     : AttemptOutcome::kConnect;
  }
  int status = call.status();
  if (status == 429) return AttemptOutcome::kRateLimited;
  if (status >= 500) return AttemptOutcome::kServerError;
  return AttemptOutcome::kSuccess;
}

// What the X-Attempted-Deployments header says of one failed attempt.
std::string describeOutcome(AttemptOutcome o, const ProviderCall& call) {
  if (o == AttemptOutcome::kConnect || o == AttemptOutcome::kTimeout) {
    return std::string(outcomeName(o));
  }
  return std::to_string(call.status());
}

void pointAt(Exchange& ex, const Deployment& d) {
  ex.target.provider = d.provider;
  ex.target.upstream_model = d.spec.model;
  ex.info.provider = d.provider->spec->id;
  ex.info.model = d.spec.model;
}

void countAttempt(Exchange& ex, const RoutePlan& plan, const Deployment& d, AttemptOutcome o) {
  if (ex.ctx.metrics == nullptr) return;
  ex.ctx.metrics->add(Metric::kRoutingAttempts,
                      {plan.alias().spec.name, d.spec.provider, d.spec.model, outcomeName(o)});
}

// The routing headers, once per request (the tool loop calls the model again; the answer's head
// describes the first call).
void addRoutingHeaders(Exchange& ex, RoutePlan& plan, const Deployment& d) {
  if (plan.headers_added) return;
  plan.headers_added = true;
  ex.res.addHeader("X-Selected-Provider", d.spec.provider);
  ex.res.addHeader("X-Selected-Model", d.spec.model);
  if (plan.attempts() > 1 || !plan.tried().empty()) {
    ex.res.addHeader("X-Attempted-Deployments", plan.tried());
  }
}

// Waits `ms` unless the client leaves first (then false).
net::awaitable<bool> pause(Exchange& ex, int64_t ms) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(ms));
  ex.res.watchDisconnect([&timer, &ex] {
    ex.client_gone = true;
    timer.cancel();
  });
  error_code ec;
  co_await timer.async_wait(net::useAwaitableEc(ec));
  ex.res.stopWatching();
  co_return !ex.client_gone;
}

// One attempt, not routed.
net::awaitable<Status> startOnce(Exchange& ex, std::optional<ProviderCall>& call,
                                 const BuildAttempt& build) {
  const ProviderEntry& p = *ex.target.provider;
  auto req = build(p);
  if (!req) co_return req.status();
  call.emplace(ex, p);
  Status s = co_await call->start(std::move(req.value()));
  if (!s && !call->clientGone()) s = call->describe(s);
  co_return s;
}

}  // namespace

net::awaitable<Status> startAttempts(Exchange& ex, std::optional<ProviderCall>& call,
                                     const BuildAttempt& build) {
  if (!ex.route) co_return co_await startOnce(ex, call, build);
  RoutePlan& plan = *ex.route;
  plan.restart();
  const RetryPolicy& rules = plan.alias().spec.retry;
  Status last;
  const Deployment* last_tried = nullptr;
  bool last_has_head = false;  // `call` holds the last attempt's error answer
  while (true) {
    int64_t now = steadyNowNs();
    bool again = false;
    const Deployment* d = plan.pick(now, &again);
    if (d == nullptr) break;
    int64_t wait_ms = again ? plan.backoffMs(*d, now) : 0;
    const int64_t deadline = plan.deadlineNs();
    const bool too_long = wait_ms > rules.max_retry_after.count() ||
                          (deadline != 0 && now + wait_ms * 1000000 >= deadline);
    if (too_long) {
      plan.unpick(*d);
      break;
    }
    if (last_has_head) {  // the previous answer is not relayed: let its connection go
      call.reset();
      last_has_head = false;
    }
    if (wait_ms > 0 && !co_await pause(ex, wait_ms)) {
      plan.unpick(*d);
      co_return unavailable("request cancelled");
    }
    pointAt(ex, *d);
    auto req = build(*d->provider);
    if (!req) {
      plan.unpick(*d);
      co_return req.status();
    }
    now = steadyNowNs();
    Millis head_timeout = rules.attempt_timeout;
    if (deadline != 0) {
      Millis left = std::chrono::duration_cast<Millis>(std::chrono::nanoseconds(deadline - now));
      if (left.count() < 1) left = Millis(1);
      if (head_timeout.count() == 0 || left < head_timeout) head_timeout = left;
    }
    req->head_timeout = head_timeout;
    plan.begin(*d);
    call.emplace(ex, *d->provider);
    Status started = co_await call->start(std::move(req.value()));
    if (call->clientGone()) co_return started;
    AttemptOutcome outcome = classify(started, *call);
    int64_t retry_after = started ? retryAfterMs(call->headers()) : 0;
    plan.end(outcome, steadyNowNs(), retry_after, &ex.app.log);
    countAttempt(ex, plan, *d, outcome);
    last_tried = d;
    if (outcome == AttemptOutcome::kSuccess) {
      if (plan.attempts() > 1) plan.noteTried(*d, std::to_string(call->status()));
      addRoutingHeaders(ex, plan, *d);
      co_return Status::ok();
    }
    plan.noteTried(*d, describeOutcome(outcome, *call));
    if (started) {
      last_has_head = true;
      last = Status::ok();
    } else {
      last = call->describe(started);
      call.reset();
    }
    plan.release(0);
    ex.app.log.warn("routed attempt failed", {{"request_id", ex.info.request_id},
                                              {"alias", plan.alias().spec.name},
                                              {"deployment", d->label},
                                              {"outcome", outcomeName(outcome)},
                                              {"attempt", static_cast<int64_t>(plan.attempts())}});
    if (!plan.mayRetry(outcome)) break;
  }
  if (plan.attempts() == 0) {  // nothing could be tried: say why and when to come back
    int64_t retry_after_s = 0;
    last = plan.unavailable(steadyNowNs(), &retry_after_s);
    ex.res.addHeader("Retry-After", std::to_string(retry_after_s));
  }
  if (last_tried != nullptr) {
    pointAt(ex, *last_tried);
    addRoutingHeaders(ex, plan, *last_tried);
  }
  co_return last;  // ok: `call` holds the last provider's error answer
}

net::awaitable<void> relayAttempts(Exchange& ex, const BuildAttempt& build, UsageFormat usage) {
  std::optional<ProviderCall> call;
  AttemptScope scope{ex};
  Status started = co_await startAttempts(ex, call, build);
  std::string().swap(ex.req.body);
  if (!started) {
    if (!ex.client_gone) co_await ex.fail(started);
    co_return;
  }
  co_await call->relayRaw(usage);
}

void finishAttempt(Exchange& ex) {
  if (!ex.route || ex.route->active() == nullptr) return;
  int64_t latency = 0;
  if (ex.info.first_token) {
    latency = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  ex.info.first_token->time_since_epoch())
                  .count() -
              ex.route->activeStartNs();
  } else {
    latency = steadyNowNs() - ex.route->activeStartNs();
  }
  ex.route->release(latency);
}

}  // namespace igw
