#include "telemetry/metrics.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/safe_text.h"

namespace igw {

namespace {

struct Family {
  const char* name;
  const char* help;
  std::vector<const char*> labels;
};

const Family kCounters[] = {
    {"llm_usage_prompt_tokens_total", "Prompt tokens reported by providers", {"provider", "model"}},
    {"llm_usage_completion_tokens_total",
     "Completion tokens reported by providers",
     {"provider", "model"}},
    {"llm_usage_total_tokens_total", "Total tokens reported by providers", {"provider", "model"}},
    {"llm_requests_total", "Requests received", {"provider", "request_method", "request_path"}},
    {"llm_responses_total",
     "Responses sent, by HTTP status",
     {"provider", "request_method", "request_path", "status_code"}},
    {"llm_tool_calls_total",
     "Tool calls made by models",
     {"provider", "model", "tool_type", "tool_name"}},
    {"llm_tool_calls_success_total",
     "Tool calls executed successfully by the gateway",
     {"provider", "model", "tool_type", "tool_name"}},
    {"llm_tool_calls_failure_total",
     "Tool calls that failed when executed by the gateway",
     {"provider", "model", "tool_type", "tool_name", "error_type"}},
    {"llm_team_requests_total",
     "Requests by the caller's team (AUTH_ENABLED, keys with a team)",
     {"team"}},
    {"llm_team_tokens_total",
     "Input plus output tokens by the caller's team (AUTH_ENABLED, keys with a team)",
     {"team"}},
    {"llm_spend_usd_total",
     "Spend in US dollars by team, provider and model (priced models only)",
     {"team", "provider", "model"}},
    {"llm_limit_rejections_total",
     "Requests refused by a key's or team's limit (requests, tokens, parallel, budget)",
     {"team", "limit"}},
    {"llm_routing_attempts_total",
     "Attempts on the deployments of routed model aliases, by outcome (success, connect, "
     "timeout, 429, 5xx)",
     {"alias", "provider", "model", "outcome"}},
};

const Family kHistograms[] = {
    {"llm_request_duration",
     "End-to-end request duration in milliseconds",
     {"provider", "request_method", "request_path"}},
    {"llm_tool_call_duration",
     "Tool execution duration in milliseconds",
     {"provider", "model", "tool_type", "tool_name"}},
    {"llm_time_to_first_token",
     "Time from request to the first streamed token, milliseconds",
     {"provider", "model"}},
};

static_assert(std::size(kCounters) == static_cast<size_t>(Metric::kCount));
static_assert(std::size(kHistograms) == static_cast<size_t>(Histo::kCount));

constexpr char kSep = '\x1f';

}  // namespace

void appendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

namespace {

void appendEscaped(std::string& out, std::string_view v) {
  appendLabelValue(out, v);
}

// key = family byte + values separated by kSep -> {name="value",...}
std::string labelText(const Family& f, std::string_view key, const char* extra_name = nullptr,
                      std::string_view extra_value = {}) {
  std::string out = "{";
  size_t pos = 1;
  for (size_t i = 0; i < f.labels.size(); ++i) {
    size_t end = key.find(kSep, pos);
    if (end == std::string_view::npos) end = key.size();
    if (i) out.push_back(',');
    out += f.labels[i];
    out += "=\"";
    appendEscaped(out, key.substr(pos, end - pos));
    out.push_back('"');
    pos = end + 1;
  }
  if (extra_name != nullptr) {
    if (!f.labels.empty()) out.push_back(',');
    out += extra_name;
    out += "=\"";
    out.append(extra_value);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string formatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct HistogramSum {
  std::array<uint64_t, kDurationBucketsMs.size()> buckets{};
  uint64_t count = 0;
  uint64_t sum_micros = 0;
};

}  // namespace

bool SeriesAdmission::admit(const std::string& key) {
  // Full: nobody writes keys_ any more (the release store below came after the last insert), so
  // a lookup needs no lock. This keeps a flood of new label values off the mutex.
  if (full_.load(std::memory_order_acquire)) return keys_.contains(key);
  std::lock_guard lock(mu_);
  if (keys_.contains(key)) return true;
  if (keys_.size() >= max_) return false;
  keys_.insert(key);
  if (keys_.size() >= max_) full_.store(true, std::memory_order_release);
  return true;
}

std::string& MetricsShard::keyFor(uint8_t family, std::initializer_list<std::string_view> labels) {
  scratch_.clear();
  scratch_.push_back(static_cast<char>(family));
  bool first = true;
  for (auto v : labels) {
    if (!first) scratch_.push_back(kSep);
    first = false;
    // Controls (kSep included) and invalid UTF-8 become U+FFFD; long values are cut.
    appendSafeText(scratch_, v, shared_.limits.max_label_length, TextStyle::kReplace);
  }
  return scratch_;
}

template <class Map>
typename Map::iterator MetricsShard::findOrAdmit(Map& map, SeriesAdmission& admission) {
  auto it = map.find(scratch_);
  if (it != map.end()) return it;  // the hot path: no lock
  const std::string* key = &scratch_;
  if (!admission.admit(scratch_)) {
    key = &admission.overflowKey();
    it = map.find(*key);
    if (it != map.end()) return it;
  }
  std::lock_guard lock(mu_);
  return map.try_emplace(*key).first;
}

void MetricsShard::add(Metric m, std::initializer_list<std::string_view> labels, uint64_t delta) {
  keyFor(static_cast<uint8_t>(m), labels);
  auto it = findOrAdmit(counters_, *shared_.counters[static_cast<size_t>(m)]);
  bump(it->second, delta);
}

void MetricsShard::observe(Histo h, std::initializer_list<std::string_view> labels,
                           double value_ms) {
  keyFor(static_cast<uint8_t>(h), labels);
  auto it = findOrAdmit(histograms_, *shared_.histograms[static_cast<size_t>(h)]);
  HistogramCell& cell = it->second;
  for (size_t i = 0; i < kDurationBucketsMs.size(); ++i) {
    if (value_ms <= kDurationBucketsMs[i]) {
      bump(cell.buckets[i], uint64_t{1});
      break;  // cumulated at export time
    }
  }
  bump(cell.count, uint64_t{1});
  bump(cell.sum_micros, static_cast<uint64_t>(value_ms * 1000.0));
}

namespace {

std::string overflowKey(size_t family, size_t labels) {
  std::string key(1, static_cast<char>(family));
  for (size_t i = 0; i < labels; ++i) {
    if (i) key.push_back(kSep);
    key += kOverflowLabel;
  }
  return key;
}

}  // namespace

MetricsRegistry::MetricsRegistry(size_t shards, std::string version, MetricsLimits limits)
    : version_(std::move(version)) {
  // A metric needs room for at least one real series; labels at least hold "__other__".
  limits.max_series_per_metric = std::max<size_t>(limits.max_series_per_metric, 1);
  limits.max_label_length = std::max(limits.max_label_length, kOverflowLabel.size());
  shared_.limits = limits;
  for (size_t f = 0; f < std::size(kCounters); ++f) {
    shared_.counters.push_back(std::make_unique<SeriesAdmission>(
        limits.max_series_per_metric, overflowKey(f, kCounters[f].labels.size())));
  }
  for (size_t f = 0; f < std::size(kHistograms); ++f) {
    shared_.histograms.push_back(std::make_unique<SeriesAdmission>(
        limits.max_series_per_metric, overflowKey(f, kHistograms[f].labels.size())));
  }
  for (size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::unique_ptr<MetricsShard>(new MetricsShard(shared_)));
  }
}

std::string MetricsRegistry::renderPrometheus() {
  std::map<std::string, uint64_t> counters;
  std::map<std::string, HistogramSum> histograms;
  int64_t in_flight = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mu_);
    for (const auto& [key, v] : shard->counters_)
      counters[key] += v.load(std::memory_order_relaxed);
    for (const auto& [key, cell] : shard->histograms_) {
      HistogramSum& s = histograms[key];
      for (size_t i = 0; i < s.buckets.size(); ++i) {
        s.buckets[i] += cell.buckets[i].load(std::memory_order_relaxed);
      }
      s.count += cell.count.load(std::memory_order_relaxed);
      s.sum_micros += cell.sum_micros.load(std::memory_order_relaxed);
    }
    in_flight += shard->in_flight_.load(std::memory_order_relaxed);
  }

  std::string out;
  out.reserve(4096 + counters.size() * 96 + histograms.size() * 1200);
  for (size_t f = 0; f < std::size(kCounters); ++f) {
    const Family& fam = kCounters[f];
    out += "# HELP " + std::string(fam.name) + " " + fam.help + "\n";
    out += "# TYPE " + std::string(fam.name) + " counter\n";
    for (const auto& [key, v] : counters) {
      if (static_cast<uint8_t>(key[0]) != f) continue;
      if (f == static_cast<size_t>(Metric::kSpend)) {
        // Counted in nano-dollars (exact integer sums); exported in dollars.
        char usd[48];
        std::snprintf(usd, sizeof usd, "%.9f", static_cast<double>(v) / 1e9);
        out += fam.name + labelText(fam, key) + " " + usd + "\n";
      } else {
        out += fam.name + labelText(fam, key) + " " + std::to_string(v) + "\n";
      }
    }
  }
  for (size_t f = 0; f < std::size(kHistograms); ++f) {
    const Family& fam = kHistograms[f];
    out += "# HELP " + std::string(fam.name) + " " + fam.help + "\n";
    out += "# TYPE " + std::string(fam.name) + " histogram\n";
    for (const auto& [key, s] : histograms) {
      if (static_cast<uint8_t>(key[0]) != f) continue;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < s.buckets.size(); ++i) {
        cumulative += s.buckets[i];
        out += std::string(fam.name) + "_bucket" +
               labelText(fam, key, "le", formatDouble(kDurationBucketsMs[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += std::string(fam.name) + "_bucket" + labelText(fam, key, "le", "+Inf") + " " +
             std::to_string(s.count) + "\n";
      out += std::string(fam.name) + "_sum" + labelText(fam, key) + " " +
             formatDouble(static_cast<double>(s.sum_micros) / 1000.0) + "\n";
      out += std::string(fam.name) + "_count" + labelText(fam, key) + " " +
             std::to_string(s.count) + "\n";
    }
  }
  out += "# HELP llm_requests_in_flight Requests being handled right now\n";
  out += "# TYPE llm_requests_in_flight gauge\n";
  out += "llm_requests_in_flight " + std::to_string(in_flight) + "\n";
  std::map<std::string, std::pair<const Probe*, int64_t>> probes;
  for (const auto& p : probes_) {
    auto& slot = probes[p.name];
    slot.first = &p;
    slot.second += p.value->load(std::memory_order_relaxed);
  }
  for (const auto& [name, slot] : probes) {
    out += "# HELP " + name + " " + slot.first->help + "\n";
    out += "# TYPE " + name + " " + slot.first->type + "\n";
    out += name + " " + std::to_string(slot.second) + "\n";
  }
  for (const auto& c : collectors_) c(out);
  out += "# HELP llm_build_info Build information\n";
  out += "# TYPE llm_build_info gauge\n";
  out += "llm_build_info{version=\"";
  appendEscaped(out, version_);
  out += "\"} 1\n";
  return out;
}

}  // namespace igw
