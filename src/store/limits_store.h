// Teams, the spend log and its per-second rollup, kept in the key store's database (migrations 2-4)
// through its generic statements (KeyStore::transact): one implementation for SQLite and
// PostgreSQL (where a trigger keeps the rollup). Blocking, like
// the key store: called from service threads only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
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

// One request's spend (a row of spend_log) as views: into a SpendRecord, a request's exchange or
// the spend writer's buffers (which copy the text in, so that no record allocates on a worker and
// is freed on the writer's thread).
struct SpendRow {
  std::string_view id;  // empty until the writer numbers the record (LimitsService)
  std::string_view request_id;
  int64_t ts_ms = 0;  // unix milliseconds, when the request ended
  std::string_view key_id, team, caller, provider, model;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, reasoning_tokens = 0;
  int64_t cost_nano = 0;
  int status = 0;
  int64_t latency_ms = 0;
};

// The same, owning its text (the Redis journal's records, tests).
struct SpendRecord {
  // Unique per record. Empty from the request path: the spend writer numbers the record when it
  // takes it (LimitsService).
  std::string id;
  std::string request_id;
  int64_t ts_ms = 0;
  std::string key_id, team, caller, provider, model;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, reasoning_tokens = 0;
  int64_t cost_nano = 0;
  int status = 0;
  int64_t latency_ms = 0;

  static SpendRecord of(const SpendRow& r);
  SpendRow row() const;
};

// Copies a spend record between its shapes (SpendRecord, SpendRow, the spend writer's buffer
// entries): the numbers as they are, each text field through `text`.
template <class From, class To, class Text>
void copySpend(const From& f, To& t, Text&& text) {
  t.id = text(f.id);
  t.request_id = text(f.request_id);
  t.key_id = text(f.key_id);
  t.team = text(f.team);
  t.caller = text(f.caller);
  t.provider = text(f.provider);
  t.model = text(f.model);
  t.ts_ms = f.ts_ms;
  t.prompt_tokens = f.prompt_tokens;
  t.completion_tokens = f.completion_tokens;
  t.cached_tokens = f.cached_tokens;
  t.reasoning_tokens = f.reasoning_tokens;
  t.cost_nano = f.cost_nano;
  t.status = f.status;
  t.latency_ms = f.latency_ms;
}

struct SpendQuery {
  std::string key_id, team, model;      // empty: any
  std::optional<int64_t> from_s, to_s;  // [from, to), unix seconds
  std::string group_by;                 // "", "key", "team", "model" or "day"
};

struct SpendTotal {
  std::string group;  // the group's value ("" without group_by; a day: its start, unix seconds)
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

  // Inserts fresh records (numbered by this replica's writer) into the spend log and adds them to
  // the per-second totals, in one transaction.
  Status appendSpend(std::span<const SpendRow> records);
  Status appendSpend(const std::vector<SpendRecord>& records);
  // The same for records read from the head of the shared Redis journal: those up to and including
  // the one the last committed drain ended with are skipped (a drain repeated because trimming
  // the journal failed), and the mark moves to the last record, in the same transaction.
  Status appendJournal(std::span<const SpendRow> records);
  Status appendJournal(const std::vector<SpendRecord>& records);
  // Totals from the per-second rollup: exact for whole-second ranges.
  Result<std::vector<SpendTotal>> querySpend(const SpendQuery& q);
  // Spend of one key (or team) since `from_s` (unix seconds): what its budget has used this
  // period.
  Result<int64_t> spendSince(std::string_view column_value, bool team, int64_t from_s);

 private:
  KeyStore& store_;
};

// A team id: 1-64 characters of letters, digits, '-', '_', '.', ':', '@'.
bool validTeamId(std::string_view id);

}  // namespace igw
