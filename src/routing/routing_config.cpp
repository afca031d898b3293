#include "routing/routing_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <unordered_set>

#include "core/safe_text.h"

namespace igw {

namespace {

constexpr int kMaxBracketDepth = 32;
constexpr size_t kMaxListItems = 16;
constexpr size_t kMaxScalarBytes = 4096;

Status at(const std::string& where, const std::string& what) {
  return invalidArgument("routing file: " + where + ": " + what);
}

// yaml-cpp guards its own recursion, but a flow collection ([[[[...) is cheap to refuse long
// before that: the file is five levels deep.
bool tooDeep(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxBracketDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::string kind(const YAML::Node& n) {
  if (n.IsScalar()) return quoteText(n.Scalar());
  if (n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  return "a mapping";
}

Result<std::string> scalar(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) return at(where, "must be a plain value, got " + kind(n));
  if (n.Scalar().size() > kMaxScalarBytes) return at(where, "is longer than 4096 bytes");
  return n.Scalar();
}

// Names end up in response headers and metric labels: printable text only.
bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<int64_t> integer(const YAML::Node& n, const std::string& where, int64_t min, int64_t max) {
  auto s = scalar(n, where);
  if (!s) return s.status();
  int64_t v = 0;
  const char* b = s->data();
  const char* e = b + s->size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e) return at(where, "must be a whole number, got " + kind(n));
  if (v < min || v > max) {
    return at(where, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

Result<Millis> duration(const YAML::Node& n, const std::string& where) {
  auto s = scalar(n, where);
  if (!s) return s.status();
  auto d = parseDuration(*s);
  if (!d) return at(where, d.status().message());
  if (d->count() < 0 || *d > Millis(24LL * 3600 * 1000)) {
    return at(where, "must be between 0s and 24h");
  }
  return *d;
}

Result<double> fraction(const YAML::Node& n, const std::string& where) {
  auto s = scalar(n, where);
  if (!s) return s.status();
  double v = 0;
  const char* b = s->data();
  const char* e = b + s->size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || !(v >= 0 && v <= 1)) {
    return at(where, "must be a number from 0 to 1, got " + kind(n));
  }
  return v;
}

Result<Strategy> strategy(const YAML::Node& n, const std::string& where) {
  auto s = scalar(n, where);
  if (!s) return s.status();
  std::string v = *s;
  std::replace(v.begin(), v.end(), '-', '_');
  for (auto st : {Strategy::kRoundRobin, Strategy::kWeighted, Strategy::kLeastLatency,
                  Strategy::kLeastBusy, Strategy::kFallback}) {
    if (v == strategyName(st)) return st;
  }
  return at(where, "unknown strategy " + quoteText(*s) +
                       " (round_robin, weighted, least_latency, least_busy, fallback)");
}

Result<uint32_t> retryOn(const YAML::Node& n, const std::string& where) {
  if (!n.IsSequence()) return at(where, "must be a list, e.g. [connect, timeout, 429, 5xx]");
  if (n.size() > kMaxListItems) return at(where, "has too many entries");
  uint32_t bits = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string w = where + "[" + std::to_string(i) + "]";
    auto s = scalar(n[i], w);
    if (!s) return s.status();
    if (*s == "connect") {
      bits |= kRetryConnect;
    } else if (*s == "timeout") {
      bits |= kRetryTimeout;
    } else if (*s == "429") {
      bits |= kRetry429;
    } else if (*s == "5xx" || *s == "529") {
      bits |= kRetry5xx;
    } else {
      return at(w, "unknown failure " + quoteText(*s) + " (connect, timeout, 429, 5xx)");
    }
  }
  return bits;
}

// Calls f(key, value) for each entry of a mapping, refusing keys not in `known`.
template <class F>
Status forEachField(const YAML::Node& n, const std::string& where,
                    std::initializer_list<std::string_view> known, F&& f) {
  if (!n.IsMap()) return at(where, "must be a mapping, got " + kind(n));
  if (n.size() > 64) return at(where, "has too many fields");
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) return at(where, "field names must be plain strings");
    const std::string& key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return at(where, "unknown field " + quoteText(key) + " (known: " + list + ")");
    }
    if (Status s = f(key, kv.second, where + "." + key); !s) return s;
  }
  return Status::ok();
}

Status readBreaker(const YAML::Node& n, const std::string& where, BreakerPolicy& b) {
  return forEachField(
      n, where, {"failures", "cooldown", "error_rate", "min_requests", "window"},
      [&](const std::string& k, const YAML::Node& v, const std::string& w) -> Status {
        if (k == "failures") {
          auto i = integer(v, w, 0, 1000000);
          if (!i) return i.status();
          b.failures = static_cast<uint32_t>(*i);
        } else if (k == "cooldown" || k == "window") {
          auto d = duration(v, w);
          if (!d) return d.status();
          if (d->count() == 0) return at(w, "must be longer than 0s");
          (k == "cooldown" ? b.cooldown : b.window) = *d;
        } else if (k == "error_rate") {
          auto f = fraction(v, w);
          if (!f) return f.status();
          b.error_rate = *f;
        } else {
          auto i = integer(v, w, 1, 1000000);
          if (!i) return i.status();
          b.min_requests = static_cast<uint32_t>(*i);
        }
        return Status::ok();
      });
}

// The retry and breaker fields shared by `defaults` and each alias.
Status readPolicyField(const std::string& k, const YAML::Node& v, const std::string& w,
                       RetryPolicy& r, BreakerPolicy& b) {
  if (k == "retries") {
    auto i = integer(v, w, 0, 10);
    if (!i) return i.status();
    r.retries = static_cast<uint32_t>(*i);
    return Status::ok();
  }
  if (k == "retry_on") {
    auto bits = retryOn(v, w);
    if (!bits) return bits.status();
    r.retry_on = *bits;
    return Status::ok();
  }
  if (k == "circuit_breaker") return readBreaker(v, w, b);
  auto d = duration(v, w);
  if (!d) return d.status();
  if (k == "timeout") {
    r.deadline = *d;
  } else if (k == "attempt_timeout") {
    r.attempt_timeout = *d;
  } else if (k == "backoff") {
    r.backoff = *d;
  } else if (k == "max_backoff") {
    r.max_backoff = *d;
  } else {
    r.max_retry_after = *d;
  }
  return Status::ok();
}

#define IGW_POLICY_FIELDS                                                        \
  "retries", "retry_on", "timeout", "attempt_timeout", "backoff", "max_backoff", \
      "max_retry_after", "circuit_breaker"

// ${NAME} -> the variable's value (the whole value must be one reference, or contain none).
Result<std::string> expand(const std::string& v, const std::string& where,
                           const RoutingParseEnv& penv) {
  size_t open = v.find("${");
  if (open == std::string::npos) return v;
  size_t close = v.find('}', open);
  if (close == std::string::npos) return at(where, "unterminated ${...}");
  std::string name = v.substr(open + 2, close - open - 2);
  bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid) return at(where, "${...} must name an environment variable");
  std::optional<std::string> value = penv.env ? penv.env(name) : std::nullopt;
  if (!value || value->empty()) return at(where, "environment variable " + name + " is not set");
  std::string out = v.substr(0, open) + *value + v.substr(close + 1);
  if (out.find("${") != std::string::npos) return at(where, "only one ${...} per value");
  return out;
}

Result<DeploymentSpec> readDeployment(const YAML::Node& n, const std::string& where,
                                      const RoutingParseEnv& penv) {
  DeploymentSpec d;
  Status s =
      forEachField(n, where, {"provider", "model", "weight", "priority", "api_key", "base_url"},
                   [&](const std::string& k, const YAML::Node& v, const std::string& w) -> Status {
                     if (k == "weight") {
                       auto i = integer(v, w, 0, 1000000);
                       if (!i) return i.status();
                       d.weight = static_cast<uint32_t>(*i);
                       return Status::ok();
                     }
                     if (k == "priority") {
                       auto i = integer(v, w, -1000000, 1000000);
                       if (!i) return i.status();
                       d.priority = *i;
                       return Status::ok();
                     }
                     auto text = scalar(v, w);
                     if (!text) return text.status();
                     if ((k == "provider" || k == "model") && !printable(*text)) {
                       return at(w, "must be a name without control characters");
                     }
                     if (k == "provider") {
                       d.provider = *text;
                     } else if (k == "model") {
                       d.model = *text;
                     } else {
                       auto expanded = expand(*text, w, penv);
                       if (!expanded) return expanded.status();
                       (k == "api_key" ? d.api_key : d.base_url) = std::move(expanded.value());
                     }
                     return Status::ok();
                   });
  if (!s) return s;
  if (d.provider.empty()) return at(where, "needs a provider");
  if (penv.known_provider && !penv.known_provider(d.provider)) {
    return at(where + ".provider", "unknown provider " + quoteText(d.provider));
  }
  if (d.model.empty()) return at(where, "needs a model");
  return d;
}

Result<AliasSpec> readAlias(const std::string& name, const YAML::Node& n,
                            const RoutingParseEnv& penv, const AliasSpec& defaults) {
  std::string where = "models." + name;
  if (name.empty() || name.size() > 256 || name.find('/') != std::string::npos ||
      !printable(name)) {
    return at(where,
              "an alias is a plain model name without '/' (provider/model bypasses routing)");
  }
  AliasSpec a = defaults;
  a.name = name;
  bool have_deployments = false;
  Status s =
      forEachField(n, where, {"strategy", "deployments", IGW_POLICY_FIELDS},
                   [&](const std::string& k, const YAML::Node& v, const std::string& w) -> Status {
                     if (k == "strategy") {
                       auto st = strategy(v, w);
                       if (!st) return st.status();
                       a.strategy = *st;
                       return Status::ok();
                     }
                     if (k != "deployments") return readPolicyField(k, v, w, a.retry, a.breaker);
                     if (!v.IsSequence()) return at(w, "must be a list of {provider, model}");
                     if (v.size() > kMaxDeploymentsPerAlias)
                       return at(w, "has more than 64 deployments");
                     have_deployments = true;
                     for (size_t i = 0; i < v.size(); ++i) {
                       auto d = readDeployment(v[i], w + "[" + std::to_string(i) + "]", penv);
                       if (!d) return d.status();
                       a.deployments.push_back(std::move(d.value()));
                     }
                     return Status::ok();
                   });
  if (!s) return s;
  if (!have_deployments || a.deployments.empty()) return at(where, "needs at least one deployment");
  if (a.strategy == Strategy::kWeighted) {
    bool any = std::any_of(a.deployments.begin(), a.deployments.end(),
                           [](const DeploymentSpec& d) { return d.weight > 0; });
    if (!any) return at(where, "weighted: at least one deployment needs a weight above 0");
  }
  if (a.retry.max_backoff < a.retry.backoff) a.retry.max_backoff = a.retry.backoff;
  return a;
}

Result<RoutingConfig> parse(std::string_view text, const RoutingParseEnv& penv) {
  YAML::Node root = YAML::Load(std::string(text));
  RoutingConfig cfg;
  if (root.IsNull()) return at("the file", "is empty: expected a \"models\" mapping");
  if (!root.IsMap()) return at("the file", "must be a mapping with a \"models\" key");
  std::optional<YAML::Node> models, defaults;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) return at("the file", "top-level keys must be plain strings");
    const std::string& key = kv.first.Scalar();
    if (key == "models") {
      models.emplace(kv.second);
    } else if (key == "defaults") {
      defaults.emplace(kv.second);
    } else {
      return at(key, "unknown top-level key (known: models, defaults)");
    }
  }
  AliasSpec base;
  if (defaults) {
    Status s = forEachField(*defaults, "defaults", {IGW_POLICY_FIELDS},
                            [&](const std::string& k, const YAML::Node& v, const std::string& w) {
                              return readPolicyField(k, v, w, base.retry, base.breaker);
                            });
    if (!s) return s;
  }
  if (!models) return at("the file", "has no \"models\" mapping");
  if (models->IsNull()) return cfg;  // no aliases: routing on, nothing routed
  if (!models->IsMap()) return at("models", "must be a mapping of alias names");
  if (models->size() > kMaxAliases) return at("models", "has more than 1000 aliases");
  std::unordered_set<std::string> seen;
  for (const auto& kv : *models) {
    if (!kv.first.IsScalar()) return at("models", "alias names must be plain strings");
    const std::string& name = kv.first.Scalar();
    if (!seen.insert(name).second) return at("models." + name, "is defined twice");
    auto alias = readAlias(name, kv.second, penv, base);
    if (!alias) return alias.status();
    cfg.aliases.push_back(std::move(alias.value()));
  }
  return cfg;
}

}  // namespace

std::string_view strategyName(Strategy s) {
  switch (s) {
    case Strategy::kRoundRobin:
      return "round_robin";
    case Strategy::kWeighted:
      return "weighted";
    case Strategy::kLeastLatency:
      return "least_latency";
    case Strategy::kLeastBusy:
      return "least_busy";
    case Strategy::kFallback:
      return "fallback";
  }
  return "round_robin";
}

Result<RoutingConfig> parseRoutingConfig(std::string_view yaml, const RoutingParseEnv& penv) {
  if (yaml.size() > kMaxRoutingFileBytes) return at("the file", "is larger than 1 MiB");
  if (tooDeep(yaml)) return at("the file", "is nested too deeply");
  try {
    return parse(yaml, penv);
  } catch (const YAML::Exception& e) {
    return invalidArgument("routing file: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return invalidArgument(std::string("routing file: ") + e.what());
  }
}

}  // namespace igw
