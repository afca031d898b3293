// The routing file parser (every field, defaults, errors that say where and what) and the
// per-request plan: strategy order, untried deployments first, not the same one twice in a row,
// the circuit breaker's open / half-open / closed cycle with its single probe, Retry-After.
#include <gtest/gtest.h>

#include <string>

#include "core/config.h"
#include "routing/router.h"
#include "routing/routing_config.h"

namespace igw {
namespace {

RoutingParseEnv testEnv() {
  RoutingParseEnv e;
  e.env = [](const std::string& n) -> std::optional<std::string> {
    if (n == "TEAM_KEY") return std::string("sk-team");
    return std::nullopt;
  };
  e.known_provider = [](std::string_view id) { return findProviderSpec(id) != nullptr; };
  return e;
}

Result<RoutingConfig> parse(const std::string& yaml) {
  return parseRoutingConfig(yaml, testEnv());
}

TEST(RoutingConfigTest, ReadsEveryField) {
  auto cfg = parse(R"(
defaults:
  retries: 1
  circuit_breaker: {failures: 7}
models:
  smart:
    strategy: least-latency
    retries: 3
    retry_on: [timeout, 5xx]
    timeout: 20s
    attempt_timeout: 2s
    backoff: 50ms
    max_backoff: 1s
    max_retry_after: 3s
    circuit_breaker: {failures: 2, cooldown: 5s, error_rate: 0.5, min_requests: 4, window: 10s}
    deployments:
      - provider: openai
        model: gpt-4o
        weight: 3
        priority: -1
        api_key: ${TEAM_KEY}
        base_url: https://eu.example/v1
      - {provider: anthropic, model: claude-3-5-haiku}
  plain:
    deployments: [{provider: groq, model: llama}]
)");
  ASSERT_TRUE(cfg.isOk()) << cfg.status().message();
  ASSERT_EQ(cfg->aliases.size(), 2u);
  const AliasSpec& a = cfg->aliases[0];
  EXPECT_EQ(a.name, "smart");
  EXPECT_EQ(a.strategy, Strategy::kLeastLatency);
  EXPECT_EQ(a.retry.retries, 3u);
  EXPECT_EQ(a.retry.retry_on, kRetryTimeout | kRetry5xx);
  EXPECT_EQ(a.retry.deadline, Millis(20000));
  EXPECT_EQ(a.retry.attempt_timeout, Millis(2000));
  EXPECT_EQ(a.retry.backoff, Millis(50));
  EXPECT_EQ(a.retry.max_backoff, Millis(1000));
  EXPECT_EQ(a.retry.max_retry_after, Millis(3000));
  EXPECT_EQ(a.breaker.failures, 2u);
  EXPECT_EQ(a.breaker.cooldown, Millis(5000));
  EXPECT_DOUBLE_EQ(a.breaker.error_rate, 0.5);
  EXPECT_EQ(a.breaker.min_requests, 4u);
  ASSERT_EQ(a.deployments.size(), 2u);
  EXPECT_EQ(a.deployments[0].label(), "openai/gpt-4o");
  EXPECT_EQ(a.deployments[0].weight, 3u);
  EXPECT_EQ(a.deployments[0].priority, -1);
  EXPECT_EQ(a.deployments[0].api_key, "sk-team");
  EXPECT_EQ(a.deployments[0].base_url, "https://eu.example/v1");
  // Defaults apply where an alias says nothing.
  const AliasSpec& p = cfg->aliases[1];
  EXPECT_EQ(p.strategy, Strategy::kRoundRobin);
  EXPECT_EQ(p.retry.retries, 1u);
  EXPECT_EQ(p.breaker.failures, 7u);
  EXPECT_EQ(p.retry.retry_on, kRetryAll);
}

TEST(RoutingConfigTest, ErrorsSayWhereAndWhat) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"models:\n  a:\n    deployments: [{provider: nope, model: m}]\n",
       "models.a.deployments[0].provider: unknown provider \"nope\""},
      {"models:\n  a:\n    strategy: fastest\n    deployments: [{provider: openai, model: m}]\n",
       "unknown strategy \"fastest\""},
      {"models:\n  a:\n    stratgey: fallback\n    deployments: [{provider: openai, model: m}]\n",
       "models.a: unknown field \"stratgey\""},
      {"models:\n  a:\n    deployments: []\n", "models.a: needs at least one deployment"},
      {"models:\n  a/b:\n    deployments: [{provider: openai, model: m}]\n", "without '/'"},
      {"models:\n  a:\n    deployments: [{provider: openai}]\n", "needs a model"},
      {"models:\n  a:\n    retries: 11\n    deployments: [{provider: openai, model: m}]\n",
       "models.a.retries: must be between 0 and 10"},
      {"models:\n  a:\n    retry_on: [404]\n    deployments: [{provider: openai, model: m}]\n",
       "unknown failure \"404\""},
      {"models:\n  a:\n    timeout: soon\n    deployments: [{provider: openai, model: m}]\n",
       "models.a.timeout"},
      {"models:\n  a:\n    deployments: [{provider: openai, model: m, api_key: \"${MISSING}\"}]\n",
       "environment variable MISSING is not set"},
      {"models:\n  a:\n    strategy: weighted\n    deployments: [{provider: openai, model: m, "
       "weight: 0}]\n",
       "at least one deployment needs a weight above 0"},
      {"routes: {}\n", "unknown top-level key"},
      {"models: [1, 2]\n", "models: must be a mapping"},
      {"models:\n  a: {deployments: [{provider: openai, model: m}]}\n  a: {deployments: []}\n",
       "defined twice"},
      {"models:\n  a:\n    deployments: [{provider: openai, model: \"m\\nX-Evil: 1\"}]\n",
       "without control characters"},
      {"models: {a: [", "routing file"},
      {"", "is empty"},
  };
  for (const Case& c : cases) {
    auto cfg = parse(c.yaml);
    ASSERT_FALSE(cfg.isOk()) << c.yaml;
    EXPECT_NE(cfg.status().message().find(c.message), std::string::npos)
        << "got: " << cfg.status().message() << "\nwant: " << c.message;
  }
  EXPECT_FALSE(parse(std::string(200, '[')).isOk());
}

class RoutePlanTest : public ::testing::Test {
 protected:
  void load(const std::string& yaml) {
    Config cfg = loadConfig([](const std::string& n) -> std::optional<std::string> {
                   if (n == "OPENAI_API_KEY" || n == "GROQ_API_KEY") return std::string("k");
                   return std::nullopt;
                 }).value();
    providers_ = std::make_unique<ProviderTable>(ProviderTable::build(cfg).value());
    auto parsed = parse(yaml);
    ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
    auto t = RoutingTable::build(*parsed, *providers_, states_);
    ASSERT_TRUE(t.isOk()) << t.status().message();
    table_ = *t;
  }
  std::unique_ptr<RoutePlan> plan(const char* alias) {
    auto p = std::make_unique<RoutePlan>(table_, *table_->find(alias));
    p->restart();
    return p;
  }
  // One attempt through the plan: the model picked, ended with `o`.
  std::string attempt(std::unique_ptr<RoutePlan>& rp, AttemptOutcome o, int64_t now,
                      int64_t retry_after_ms = 0) {
    bool again = false;
    const Deployment* d = rp->pick(now, &again);
    if (d == nullptr) return "-";
    rp->begin(*d);
    rp->end(o, now, retry_after_ms, nullptr);
    rp->release(o == AttemptOutcome::kSuccess ? 1000 : 0);
    return d->spec.model;
  }

  std::unique_ptr<ProviderTable> providers_;
  DeploymentStates states_;
  std::shared_ptr<const RoutingTable> table_;
};

constexpr int64_t kSec = 1000000000;

TEST_F(RoutePlanTest, RoundRobinAndFallbackOrder) {
  load(R"(models:
  rr: {deployments: [{provider: openai, model: a}, {provider: openai, model: b}, {provider: openai, model: c}]}
  fb:
    strategy: fallback
    deployments: [{provider: openai, model: low, priority: 5}, {provider: openai, model: high, priority: 1}]
)");
  std::string seen;
  for (int i = 0; i < 6; ++i) {
    auto p = plan("rr");
    seen += attempt(p, AttemptOutcome::kSuccess, kSec);
  }
  EXPECT_EQ(seen, "abcabc");
  auto p = plan("fb");
  EXPECT_EQ(p->preview().spec.model, "high");
  EXPECT_EQ(attempt(p, AttemptOutcome::kServerError, kSec), "high");
  EXPECT_TRUE(p->mayRetry(AttemptOutcome::kServerError));
  EXPECT_EQ(attempt(p, AttemptOutcome::kServerError, kSec), "low");
  // Both tried: again, but never the one that failed just now.
  EXPECT_EQ(attempt(p, AttemptOutcome::kServerError, kSec), "high");
  EXPECT_FALSE(p->mayRetry(AttemptOutcome::kServerError)) << "retries: 2 means three attempts";
}

TEST_F(RoutePlanTest, BreakerOpensProbesOnceAndCloses) {
  load(R"(models:
  g:
    strategy: fallback
    circuit_breaker: {failures: 2, cooldown: 10s}
    deployments: [{provider: openai, model: a}, {provider: openai, model: b}]
)");
  for (int i = 0; i < 2; ++i) {
    auto p = plan("g");
    EXPECT_EQ(attempt(p, AttemptOutcome::kConnect, kSec), "a");
  }
  const Deployment& a = table_->find("g")->deployments[0];
  EXPECT_EQ(a.state->state(kSec), BreakerState::kOpen);
  {
    auto p = plan("g");
    EXPECT_EQ(attempt(p, AttemptOutcome::kSuccess, 5 * kSec), "b") << "open: skipped";
  }
  // Cooldown over: one probe goes to a; a second request meanwhile does not.
  auto probe = plan("g");
  bool again = false;
  const Deployment* d = probe->pick(12 * kSec, &again);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->spec.model, "a");
  probe->begin(*d);
  {
    auto other = plan("g");
    EXPECT_EQ(attempt(other, AttemptOutcome::kSuccess, 12 * kSec), "b");
  }
  probe->end(AttemptOutcome::kSuccess, 12 * kSec, 0, nullptr);
  probe->release(1000);
  EXPECT_EQ(a.state->state(12 * kSec), BreakerState::kClosed);
  EXPECT_EQ(a.state->in_flight.load(), 0);
}

TEST_F(RoutePlanTest, FailedProbeReopensAndAbandonedProbeIsGivenBack) {
  load(R"(models:
  g:
    circuit_breaker: {failures: 1, cooldown: 1s}
    deployments: [{provider: openai, model: a}]
)");
  {
    auto p = plan("g");
    EXPECT_EQ(attempt(p, AttemptOutcome::kServerError, kSec), "a");
  }
  const Deployment& a = table_->find("g")->deployments[0];
  {
    auto p = plan("g");
    EXPECT_EQ(attempt(p, AttemptOutcome::kServerError, 3 * kSec), "a");  // the probe fails
  }
  EXPECT_EQ(a.state->state(3 * kSec), BreakerState::kOpen);
  {
    auto p = plan("g");
    bool again = false;
    ASSERT_NE(p->pick(5 * kSec, &again), nullptr);
    p->begin(a);
    // The client leaves: the plan goes away with the probe out.
  }
  EXPECT_FALSE(a.state->probing.load());
  EXPECT_EQ(a.state->in_flight.load(), 0);
  auto p = plan("g");
  EXPECT_EQ(attempt(p, AttemptOutcome::kSuccess, 5 * kSec), "a");
}

TEST_F(RoutePlanTest, RetryAfterSendsElsewhereAndExplainsWhenNothingIsLeft) {
  load(R"(models:
  r: {deployments: [{provider: openai, model: a}, {provider: openai, model: b}]}
)");
  auto p = plan("r");
  EXPECT_EQ(attempt(p, AttemptOutcome::kRateLimited, kSec, 30000), "a");
  for (int i = 0; i < 4; ++i) {
    auto q = plan("r");
    EXPECT_EQ(attempt(q, AttemptOutcome::kSuccess, 2 * kSec), "b");
  }
  // Under its Retry-After a is offered only as a retry, with the wait.
  auto q = plan("r");
  EXPECT_EQ(attempt(q, AttemptOutcome::kRateLimited, 2 * kSec, 20000), "b");
  bool again = false;
  const Deployment* d = q->pick(2 * kSec, &again);
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(again);
  EXPECT_GE(q->backoffMs(*d, 2 * kSec), 20000);
  q->unpick(*d);
  int64_t retry_after_s = 0;
  Status why = q->unavailable(2 * kSec, &retry_after_s);
  EXPECT_EQ(why.code(), Code::kRateLimited);
  EXPECT_EQ(retry_after_s, 20);
}

TEST_F(RoutePlanTest, StateSurvivesReloadForTheSameDeployment) {
  const std::string yaml = R"(models:
  g:
    circuit_breaker: {failures: 1, cooldown: 60s}
    deployments: [{provider: openai, model: a}]
)";
  load(yaml);
  auto p = plan("g");
  EXPECT_EQ(attempt(p, AttemptOutcome::kServerError, kSec), "a");
  auto old_state = table_->find("g")->deployments[0].state;
  load(yaml + "  h: {deployments: [{provider: openai, model: a}]}\n");
  EXPECT_EQ(table_->find("g")->deployments[0].state, old_state);
  EXPECT_EQ(table_->find("h")->deployments[0].state, old_state) << "one deployment, one state";
  EXPECT_EQ(old_state->state(2 * kSec), BreakerState::kOpen);
}

TEST_F(RoutePlanTest, DeploymentWithoutKeyIsRefused) {
  Config cfg = loadConfig([](const std::string&) -> std::optional<std::string> {
                 return std::nullopt;
               }).value();
  ProviderTable providers = ProviderTable::build(cfg).value();
  auto parsed = parse("models:\n  a: {deployments: [{provider: openai, model: m}]}\n");
  ASSERT_TRUE(parsed.isOk());
  auto t = RoutingTable::build(*parsed, providers, states_);
  ASSERT_FALSE(t.isOk());
  EXPECT_NE(t.status().message().find("set OPENAI_API_KEY or give the deployment an api_key"),
            std::string::npos)
      << t.status().message();
}

}  // namespace
}  // namespace igw
