// Teams and the spend log, kept in the key store's database (migration 2) through its generic
// statements (KeyStore::transact): one implementation for SQLite and PostgreSQL. Blocking, like
// the key store: called from service threads only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "limits/limit_spec.h"
#include "store/key_store.h"

namespace igw {

struct TeamRecord {
  std::string id;  // what keys name in their "team" field
  std::string name;
  LimitSpec limits;
  nlohmann::json metadata = nlohmann::json::object();
  int64_t created_at = 0;
};

struct TeamPatch {
  std::optional<std::string> name;
  std::optional<LimitSpec> limits;
  std::optional<nlohmann::json> metadata;
};

// One request's spend (a row of spend_log).
struct SpendRecord {
  // Unique per record, so re-inserting is harmless. Empty from the request path: the spend writer
  // numbers the record when it takes it (LimitsService).
  std::string id;
  std::string request_id;
  int64_t ts_ms = 0;  // unix milliseconds, when the request ended
  std::string key_id, team, caller, provider, model;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, reasoning_tokens = 0;
  int64_t cost_nano = 0;
  int status = 0;
  int64_t latency_ms = 0;
};

struct SpendQuery {
  std::string key_id, team, model;        // empty: any
  std::optional<int64_t> from_ms, to_ms;  // [from, to)
  std::string group_by;                   // "", "key", "team", "model" or "day"
};

struct SpendTotal {
  std::string group;  // the group's value ("" without group_by)
  int64_t cost_nano = 0;
  int64_t requests = 0;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, reasoning_tokens = 0;
};

class LimitsStore {
 public:
  explicit LimitsStore(KeyStore& store) : store_(store) {}

  // kInvalidArgument when the id is taken or malformed.
  Result<TeamRecord> createTeam(TeamRecord team);
  Result<std::vector<TeamRecord>> listTeams();
  Result<std::optional<TeamRecord>> getTeam(std::string_view id);
  Result<std::optional<TeamRecord>> updateTeam(std::string_view id, const TeamPatch& patch);
  Result<bool> deleteTeam(std::string_view id);

  // Inserts records; ones whose id is already stored are skipped.
  Status appendSpend(const std::vector<SpendRecord>& records);
  Result<std::vector<SpendTotal>> querySpend(const SpendQuery& q);
  // Spend of one key (or team) since `from_ms`: what its budget has used this period.
  Result<int64_t> spendSince(std::string_view column_value, bool team, int64_t from_ms);

 private:
  KeyStore& store_;
};

// A team id: 1-64 characters of letters, digits, '-', '_', '.', ':', '@'.
bool validTeamId(std::string_view id);

}  // namespace igw
