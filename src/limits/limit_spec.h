// What a key or a team may use (docs/limits.md): requests and tokens per minute, requests in
// flight, and a dollar budget per calendar period (UTC). Plain data with its JSON form, as the
// admin API takes it and the key store keeps it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace igw {

// Money is counted in integer nano-dollars (1e-9 USD): exact sums, integer counters in Redis.
inline constexpr int64_t kNanoPerUsd = 1'000'000'000;

enum class BudgetPeriod { kDay, kWeek, kMonth };

std::string_view periodName(BudgetPeriod p);

// Start of the UTC calendar period holding `unix_seconds` (weeks start on Monday, ISO 8601),
// and the start of the next one.
int64_t periodStart(BudgetPeriod p, int64_t unix_seconds);
int64_t periodEnd(BudgetPeriod p, int64_t unix_seconds);

struct BudgetSpec {
  int64_t nano_usd = 0;
  BudgetPeriod period = BudgetPeriod::kMonth;
  bool operator==(const BudgetSpec&) const = default;
};

struct LimitSpec {
  std::optional<int64_t> rpm;           // requests per minute (sliding 60 s window)
  std::optional<int64_t> tpm;           // input + output tokens per minute
  std::optional<int64_t> max_parallel;  // requests in flight
  std::optional<BudgetSpec> budget;
  bool empty() const { return !rpm && !tpm && !max_parallel && !budget; }
  bool operator==(const LimitSpec&) const = default;
};

// Reads the limit fields of an admin request body: any of "rpm", "tpm", "max_parallel",
// "budget" present in `body` (null clears a field when `patch` is given: the result starts from
// *patch). Errors name the field and say what is accepted.
Result<LimitSpec> parseLimits(const nlohmann::json& body, const LimitSpec* patch = nullptr);

// True when `body` names any limit field.
bool hasLimitFields(const nlohmann::json& body);

// {"rpm":..,"tpm":..,"max_parallel":..,"budget":{"usd":..,"period":".."}} (set fields only).
nlohmann::json limitsToJson(const LimitSpec& l);
// The stored text form and back (the same JSON); decoding never fails on fields it ignores.
std::string encodeLimits(const LimitSpec& l);
Result<LimitSpec> decodeLimits(std::string_view text);

double nanoToUsd(int64_t nano);

// "2026-12-02T00:00:00Z": a Unix time in UTC, as limits messages and /v1/key show it.
std::string utcTimestamp(int64_t unix_seconds);

}  // namespace igw
