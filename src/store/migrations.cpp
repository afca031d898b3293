#include "store/migrations.h"

namespace igw {
namespace {

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
};

}  // namespace

std::span<const Migration> keyStoreMigrations() {
  return kMigrations;
}

}  // namespace igw
