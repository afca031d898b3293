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

// Spend totals per second (docs/budgets.md): what budgets and GET /admin/spend read, so the spend
// log itself needs no index for them. One row per (key, second, team, provider, model); the API's
// time ranges are whole seconds, so sums over the rollup are exactly sums over the log. The
// journal mark is the id of the last record of the last committed drain of the Redis spend
// journal: a drain repeated after its trim failed skips what it already wrote.
#define IGW_SPEND_ROLLUP_COLUMNS                                               \
  "ts_s BIGINT NOT NULL, key_id TEXT NOT NULL, team TEXT NOT NULL,\n"          \
  "  provider TEXT NOT NULL, model TEXT NOT NULL, requests BIGINT NOT NULL,\n" \
  "  prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,\n"      \
  "  cached_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,\n"       \
  "  cost_nano BIGINT NOT NULL, PRIMARY KEY (key_id, ts_s, team, provider, model)"
#define IGW_SPEND_ROLLUP_BACKFILL                                                  \
  "INSERT INTO spend_rollup SELECT ts_ms / 1000, key_id, team, provider, model,\n" \
  "  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),\n"  \
  "  SUM(reasoning_tokens), SUM(cost_nano)\n"                                      \
  "  FROM spend_log GROUP BY ts_ms / 1000, key_id, team, provider, model;\n"       \
  "CREATE INDEX spend_rollup_team ON spend_rollup (team, ts_s);\n"                 \
  "CREATE TABLE spend_journal_mark (id INTEGER PRIMARY KEY CHECK (id = 1),\n"      \
  "  last_id TEXT NOT NULL);\n"

// SQLite: the writer keeps the rollup (one upsert per group per batch), and the log becomes a plain
// table appended to in time order with no index at all: a row goes into one B-tree, at its end.
// Only the writer inserts, every column set, so the columns carry no NOT NULL checks (each is a
// step per row and column).
constexpr const char* kMigration4Sqlite = "CREATE TABLE spend_rollup (" IGW_SPEND_ROLLUP_COLUMNS
                                          ") WITHOUT ROWID;\n" IGW_SPEND_ROLLUP_BACKFILL R"sql(
CREATE TABLE spend_log_v4 (
  id TEXT, request_id TEXT, ts_ms BIGINT, key_id TEXT, team TEXT, caller TEXT, provider TEXT,
  model TEXT, prompt_tokens BIGINT, completion_tokens BIGINT, cached_tokens BIGINT,
  reasoning_tokens BIGINT, cost_nano BIGINT, status INTEGER, latency_ms BIGINT
);
INSERT INTO spend_log_v4 SELECT id, request_id, ts_ms, key_id, team, caller, provider, model,
  prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nano, status, latency_ms
  FROM spend_log ORDER BY ts_ms;
DROP TABLE spend_log;
ALTER TABLE spend_log_v4 RENAME TO spend_log;
)sql";

// PostgreSQL: additive, for rolling upgrades. The log keeps its layout and indexes (replicas still
// on the previous version read and write it) and a statement-level trigger keeps the rollup, so
// rows written by any version are counted, each once: the transition table holds only the rows
// an INSERT ... ON CONFLICT DO NOTHING really inserted. Groups are upserted in key order (bytes,
// COLLATE "C"), and writers sort their batches the same way, so two replicas' transactions take
// row locks in one order and never deadlock. The log is locked while the rollup is filled, so no
// row committed in between is missed.
constexpr const char* kMigration4Postgres =
    "LOCK TABLE spend_log IN SHARE ROW EXCLUSIVE MODE;\n"
    "CREATE TABLE spend_rollup (" IGW_SPEND_ROLLUP_COLUMNS ");\n" IGW_SPEND_ROLLUP_BACKFILL R"sql(
CREATE FUNCTION igw_spend_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO spend_rollup
    SELECT ts_ms / 1000, key_id, team, provider, model, COUNT(*), SUM(prompt_tokens),
      SUM(completion_tokens), SUM(cached_tokens), SUM(reasoning_tokens), SUM(cost_nano)
    FROM inserted GROUP BY key_id, ts_ms / 1000, team, provider, model
    ORDER BY key_id COLLATE "C", ts_ms / 1000, team COLLATE "C", provider COLLATE "C",
      model COLLATE "C"
  ON CONFLICT (key_id, ts_s, team, provider, model) DO UPDATE SET
    requests = spend_rollup.requests + excluded.requests,
    prompt_tokens = spend_rollup.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = spend_rollup.completion_tokens + excluded.completion_tokens,
    cached_tokens = spend_rollup.cached_tokens + excluded.cached_tokens,
    reasoning_tokens = spend_rollup.reasoning_tokens + excluded.reasoning_tokens,
    cost_nano = spend_rollup.cost_nano + excluded.cost_nano;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER spend_log_rollup AFTER INSERT ON spend_log REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION igw_spend_rollup();
)sql";

#undef IGW_SPEND_ROLLUP_COLUMNS
#undef IGW_SPEND_ROLLUP_BACKFILL

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
    {4, "spend_rollup and the journal mark; spend_log without indexes (SQLite)", kMigration4Sqlite,
     kMigration4Postgres},
};

}  // namespace

std::span<const Migration> keyStoreMigrations() {
  return kMigrations;
}

}  // namespace igw
