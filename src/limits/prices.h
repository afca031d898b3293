// The model price table: what one token of a model costs, to turn token usage into dollars for
// budgets and the spend log. Built in from data/model_prices.json (compiled into the binary),
// optionally overridden or extended by a JSON or YAML file (MODEL_PRICES_PATH). Loaded once at
// start-up, read-only afterwards: lookups take no lock and allocate nothing.
//
// Money is counted in integer nano-dollars (1e-9 USD) so counters stay exact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "telemetry/usage.h"

namespace igw {

// USD per 1 million tokens. Resolved at load: cached_input defaults to input, reasoning to
// output. Prices are kept to 6 decimals (a micro-dollar per million tokens).
struct ModelPrice {
  double input = 0;
  double output = 0;
  double cached_input = 0;
  double reasoning = 0;
};

enum class PriceFormat { kJson, kYaml };

// Bounds of an override file (also of the built-in one).
inline constexpr uint64_t kMaxPriceFileBytes = 4ull << 20;
inline constexpr size_t kMaxPriceEntries = 10000;
inline constexpr double kMaxPricePerMillion = 1e6;

class PriceTable {
 public:
  PriceTable() = default;

  // The table compiled into the binary. Fails only if data/model_prices.json is broken (a unit
  // test loads it).
  static Result<PriceTable> builtin();

  // Adds or replaces entries from a price file: JSON, or YAML when the name ends in .yaml/.yml.
  // Either the built-in shape {"models": {"provider/model": {...}}} or the flat one
  // {"provider/model": {"input": .., "output": .., "cached_input": .., "reasoning": ..}}; keys
  // starting with '_' (comments, _source, _updated) are ignored. All or nothing: on error the
  // table is unchanged and the message names the file and the offending entry.
  Status overlayFile(std::string_view path);
  // Same from text (the fuzz target and tests use this); messages name the entry, not a file.
  Status overlayText(std::string_view text, PriceFormat format);

  // The price of `model` served by `provider`, or nullptr when none applies. Case-insensitive:
  // 1. the exact "provider/model";
  // 2. the longest listed model that `model` starts with, followed by '-' (dated snapshots and
  //    versions: "gpt-4o-2024-08-06" takes "gpt-4o"; "gpt-4o-mini-..." takes "gpt-4o-mini");
  // 3. "provider/*";
  // 4. for "azure" (deployments usually carry their model's name, billed at OpenAI's list
  //    prices), the same steps under "openai".
  // A leading "models/" (Gemini's native naming) is ignored.
  const ModelPrice* find(std::string_view provider, std::string_view model) const;

  size_t size() const { return size_; }
  // From the built-in file's _source / _updated (empty for a table built from overrides only).
  const std::string& source() const { return source_; }
  const std::string& updated() const { return updated_; }

  // Case-insensitive, allocation-free lookups by std::string_view.
  struct FoldHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct FoldEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };

 private:
  using ModelMap = std::unordered_map<std::string, ModelPrice, FoldHash, FoldEq>;
  const ModelPrice* findIn(const ModelMap& models, std::string_view model) const;

  std::unordered_map<std::string, ModelMap, FoldHash, FoldEq> providers_;
  size_t size_ = 0;
  std::string source_;
  std::string updated_;
};

// Cost of one answer in nano-dollars: (prompt - cached) x input + cached x cached_input +
// (completion - reasoning) x output + reasoning x reasoning. Unknown counts (-1) count as 0;
// cached is capped at prompt and reasoning at completion. Rounded to the nearest nano-dollar,
// saturating at INT64_MAX, never negative.
int64_t costNanoUsd(const ModelPrice& price, const TokenUsage& usage);

// What a request may cost at most, for reserving budget before it goes out: every prompt token
// at the input price, max_output_tokens at the higher of output and reasoning. Rounded up.
int64_t estimateNanoUsd(const ModelPrice& price, int64_t prompt_tokens, int64_t max_output_tokens);

}  // namespace igw
