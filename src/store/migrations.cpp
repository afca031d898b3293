#include "store/migrations.h"

namespace igw {
namespace {

// Limits and budgets (docs/budgets.md): a key's own limits, teams with theirs, and the spend log
// (one row per request; ids are unique per record, not the client's request id). The same SQL
// for both databases.
constexpr const char* kMigration2 = R"sql(
ALTER TABLE api_keys ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  limits TEXT NOT NULL DEFAULT '{}',
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL
);
CREATE TABLE spend_log (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL DEFAULT '',
  ts_ms BIGINT NOT NULL,
  key_id TEXT NOT NULL DEFAULT '',
  team TEXT NOT NULL DEFAULT '',
  caller TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cached_tokens BIGINT NOT NULL DEFAULT 0,
  reasoning_tokens BIGINT NOT NULL DEFAULT 0,
  cost_nano BIGINT NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 0,
  latency_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX spend_log_ts ON spend_log (ts_ms);
CREATE INDEX spend_log_key ON spend_log (key_id, ts_ms);
CREATE INDEX spend_log_team ON spend_log (team, ts_ms);
)sql";

// igw_meta is one row (id = 1) holding the change counter that every write bumps.
constexpr Migration kMigrations[] = {
    {1, "api_keys and igw_meta",
     R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  expires_at BIGINT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked INTEGER NOT NULL DEFAULT 0,
  revoked_at BIGINT,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL
);
CREATE INDEX api_keys_team ON api_keys (team);
CREATE TABLE igw_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  change_counter BIGINT NOT NULL
);
INSERT INTO igw_meta (id, change_counter) VALUES (1, 0);
)sql",
     R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '[]',
  expires_at BIGINT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked BOOLEAN NOT NULL DEFAULT FALSE,
  revoked_at BIGINT,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL
);
CREATE INDEX api_keys_team ON api_keys (team);
CREATE TABLE igw_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  change_counter BIGINT NOT NULL
);
INSERT INTO igw_meta (id, change_counter) VALUES (1, 0);
)sql"},
    {2, "limits, teams and spend_log", kMigration2, kMigration2},
};

}  // namespace

std::span<const Migration> keyStoreMigrations() {
  return kMigrations;
}

}  // namespace igw
