// Metrics without a lock per request. Each worker thread owns a MetricsShard: it looks series up
// without locking (it is the only writer) and bumps relaxed atomics; a shard's mutex is taken
// only when a new label set appears and when the exporter walks the shard. The exporter merges
// all shards into Prometheus text off the hot path.
//
// Bounded cardinality (docs/metrics.md): label values are cut to MetricsLimits::max_label_length
// bytes of valid UTF-8 without control characters, and each metric admits at most
// max_series_per_metric label sets across ALL shards (one admission table per metric). Once a
// metric is full, every new label set is counted in the single overflow series whose labels are
// all kOverflowLabel, so sums over a metric stay exact. Admission takes a lock only while the
// metric is filling up; afterwards the table is frozen and read without one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace igw {

// The value of every label of a metric's overflow series.
inline constexpr std::string_view kOverflowLabel = "__other__";

struct MetricsLimits {
  size_t max_series_per_metric = 1000;  // distinct label sets per metric, all workers together
  size_t max_label_length = 128;        // bytes per label value, cut on a UTF-8 boundary
};

// A label value in the exposition format (backslash, quote and newline escaped).
void appendLabelValue(std::string& out, std::string_view v);

// Millisecond buckets shared by the duration histograms (the Go gateway's boundaries).
inline constexpr std::array<double, 15> kDurationBucketsMs = {
    1, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};

enum class Metric : uint8_t {
  kPromptTokens,      // llm_usage_prompt_tokens_total{provider,model}
  kCompletionTokens,  // llm_usage_completion_tokens_total{provider,model}
  kTotalTokens,       // llm_usage_total_tokens_total{provider,model}
  kRequests,          // llm_requests_total{provider,request_method,request_path}
  kResponses,         // llm_responses_total{provider,request_method,request_path,status_code}
  kToolCalls,         // llm_tool_calls_total{provider,model,tool_type,tool_name}
  kToolCallsSuccess,  // llm_tool_calls_success_total{provider,model,tool_type,tool_name}
  kToolCallsFailure,  // llm_tool_calls_failure_total{...,error_type}
  kTeamRequests,      // llm_team_requests_total{team} (authenticated callers with a team)
  kTeamTokens,        // llm_team_tokens_total{team} (input + output tokens)
  kSpend,             // llm_spend_usd_total{team,provider,model} (counted in nano-dollars)
  kLimitRejections,   // llm_limit_rejections_total{team,limit}
  kRoutingAttempts,   // llm_routing_attempts_total{alias,provider,model,outcome}
  kCount
};

enum class Histo : uint8_t {
  kRequestDuration,   // llm_request_duration{provider,request_method,request_path} (ms)
  kToolCallDuration,  // llm_tool_call_duration{provider,model,tool_type,tool_name} (ms)
  kTimeToFirstToken,  // llm_time_to_first_token{provider,model} (ms)
  kCount
};

// Which label sets of one metric have a series of their own; shared by all shards.
class SeriesAdmission {
 public:
  SeriesAdmission(size_t max_series, std::string overflow_key)
      : max_(max_series), overflow_key_(std::move(overflow_key)) {}

  // True when `key` has (or just got) its own series; false when it is to be folded.
  bool admit(const std::string& key);
  const std::string& overflowKey() const { return overflow_key_; }

 private:
  const size_t max_;
  const std::string overflow_key_;
  std::mutex mu_;                         // guards keys_ until full_ is set
  std::unordered_set<std::string> keys_;  // frozen once full_ is true
  std::atomic<bool> full_{false};
};

class MetricsShard {
 public:
  // Label values in the order the metric's comment lists them.
  void add(Metric m, std::initializer_list<std::string_view> labels, uint64_t delta = 1);
  void observe(Histo h, std::initializer_list<std::string_view> labels, double value_ms);
  void addInFlight(int64_t delta) { bump(in_flight_, delta); }

 private:
  friend class MetricsRegistry;

  struct Shared {
    MetricsLimits limits;
    std::vector<std::unique_ptr<SeriesAdmission>> counters;    // by Metric
    std::vector<std::unique_ptr<SeriesAdmission>> histograms;  // by Histo
  };
  explicit MetricsShard(const Shared& shared) : shared_(shared) {}

  struct HistogramCell {
    std::array<std::atomic<uint64_t>, kDurationBucketsMs.size()> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_micros{0};  // sum in microseconds keeps it integral
  };

  template <class T>
  static void bump(std::atomic<T>& v, T delta) {
    // Single writer: a plain load/store pair, no locked instruction.
    v.store(v.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  std::string& keyFor(uint8_t family, std::initializer_list<std::string_view> labels);
  // The local series for the key in scratch_: found without a lock, else admitted or folded.
  template <class Map>
  typename Map::iterator findOrAdmit(Map& map, SeriesAdmission& admission);

  const Shared& shared_;
  std::mutex mu_;  // guards insertions (by the owner) against iteration (by the exporter)
  std::unordered_map<std::string, std::atomic<uint64_t>> counters_;
  std::unordered_map<std::string, HistogramCell> histograms_;
  std::atomic<int64_t> in_flight_{0};
  std::string scratch_;
};

class MetricsRegistry {
 public:
  MetricsRegistry(size_t shards, std::string version, MetricsLimits limits = {});
  MetricsShard& shard(size_t i) { return *shards_[i]; }

  // A value some component keeps per worker (pool sizes, dropped spans); probes with the same
  // name are summed at export time.
  struct Probe {
    const char* name;
    const char* type;  // "gauge" | "counter"
    const char* help;
    const std::atomic<int64_t>* value;
  };
  void addProbe(Probe p) { probes_.push_back(p); }
  // Appends whole metric families (HELP, TYPE and samples) to the exposition; called by the
  // exporter's thread. Add before the server starts.
  using Collector = std::function<void(std::string& out)>;
  void addCollector(Collector c) { collectors_.push_back(std::move(c)); }

  // Prometheus text exposition format 0.0.4.
  std::string renderPrometheus();

 private:
  MetricsShard::Shared shared_;  // before shards_: they refer to it
  std::vector<std::unique_ptr<MetricsShard>> shards_;
  std::vector<Probe> probes_;
  std::vector<Collector> collectors_;
  std::string version_;
};

}  // namespace igw
