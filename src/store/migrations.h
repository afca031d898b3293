// The versioned schema of the key store, one entry per version, in both SQL dialects. Adding a
// migration = appending an entry to the list in migrations.cpp (never editing an applied one).
// Each backend applies the pending entries in one transaction under a lock (SQLite: BEGIN
// IMMEDIATE; PostgreSQL: pg_advisory_xact_lock), recording each in schema_migrations.
// PostgreSQL migrations must be additive (new tables/columns), so replicas still running the
// previous version keep working during a rolling upgrade; a database newer than the binary is
// accepted. An SQLite database belongs to one process, so its migrations may rebuild a table
// (then an older binary may no longer write it: docs/budgets.md).
#pragma once

#include <span>
#include <string_view>

namespace igw {

struct Migration {
  int version;  // 1, 2, 3, ... in order, no gaps
  std::string_view description;
  std::string_view sqlite_sql;    // may hold several statements
  std::string_view postgres_sql;  // may hold several statements
  // Either may be empty: nothing to change in that database (the version is still recorded).
};

std::span<const Migration> keyStoreMigrations();

// Advisory lock id for PostgreSQL migrations ("igw_migr" in ASCII).
inline constexpr long long kMigrationLockId = 0x6967775f6d696772LL;

}  // namespace igw
