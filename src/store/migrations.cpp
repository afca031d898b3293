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

// The spend log, rebuilt for SQLite only: every request appends a row, and each B-tree a row goes
// into is a large part of the writer's cost (bench/RESULTS.md, issue #13). The old layout had five
// (the rowid table, the id key and three indexes); this one has two: the table itself, clustered
// on (key_id, ts_ms, id) -- which serves a key's spend over a time range and keeps ids unique --
// and the team index. A query over a time range for every key reads the table (admin reports, not
// requests). SQLite is one process's database, so no older replica writes to it during the
// rebuild; PostgreSQL keeps migration 2's table (its writes are not on a shared core).
constexpr const char* kMigration3Sqlite = R"sql(
CREATE TABLE spend_log_v3 (
  id TEXT NOT NULL,
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
  latency_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, ts_ms, id)
) WITHOUT ROWID;
INSERT INTO spend_log_v3 SELECT id, request_id, ts_ms, key_id, team, caller, provider, model,
  prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nano, status, latency_ms
  FROM spend_log;
DROP TABLE spend_log;
ALTER TABLE spend_log_v3 RENAME TO spend_log;
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
    {3, "spend_log with two B-trees (SQLite)", kMigration3Sqlite, ""},
};

}  // namespace

std::span<const Migration> keyStoreMigrations() {
  return kMigrations;
}

}  // namespace igw
