// Storage of gateway-issued API keys: an abstract KeyStore with an embedded SQLite backend (the
// default; one file, several processes on one host may share it) and a PostgreSQL backend
// (shared by replicas). Both have the same schema, created and upgraded by the versioned
// migrations in store/migrations.h when a store is opened.
//
// Blocking API: every call does file or network I/O. The gateway calls it from a background
// service thread (src/service/), never from a request worker. Request workers check keys against
// an in-memory snapshot that the service thread reloads from the store.
//
// Thread-safety: each store owns one database connection guarded by an internal mutex, so one
// instance may be shared by threads; calls are serialised. Several instances (in one process or
// many) may open the same database at once; each write is one transaction.
//
// How changes propagate (revocation included): every write (create, update, revoke, rotate) bumps
// igw_meta.change_counter in the same transaction. Each replica polls changeCounter() (one
// single-row read, cheap enough for every second) and reloads list() when the value differs from
// the one it last loaded; a revoked or rotated key thus stops working everywhere within one poll
// interval plus the reload. touchLastUsed() does not bump the counter, so usage bookkeeping does
// not make every replica reload.
//
// Secrets: the store sees only GeneratedKey::hash and ::prefix, never stores the key text, and no
// Status message contains a key or its hash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/api_key.h"
#include "core/status.h"
#include "store/key_record.h"

namespace igw {

// Plain statements for the tables beyond api_keys (store/limits_store.h): parameters and values
// as text (nullopt = NULL), placeholders written $1, $2, ... each once and in order (SQLite reads
// them as anonymous ?s).
using SqlValue = std::optional<std::string>;
using SqlRow = std::vector<SqlValue>;
struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t changed = 0;  // rows inserted, updated or deleted
};
// A typed value for bulk inserts: an integer, or text when `is_text`.
struct SqlCell {
  bool is_text = false;
  int64_t integer = 0;
  std::string_view text;
};
// Many rows into one table (the spend log and its rollup), each backend its fastest way: SQLite
// steps prepared statements with typed values; the default (PostgreSQL) sends 64 rows per
// statement. `on_conflict`, when set, follows each statement's VALUES list ("ON CONFLICT DO
// NOTHING" skips a row that would break a unique key; an upsert adds to the stored row). The rows
// of one statement must not conflict with each other.
struct BulkInsert {
  std::string_view table;
  std::span<const std::string_view> columns;
  std::string_view on_conflict;
  size_t rows = 0;
  // Writes row `row`'s values, one per column, into `out` (columns.size() cells). Text views must
  // stay valid until insertMany returns.
  std::function<void(size_t row, std::span<SqlCell> out)> fill;
};
class SqlRunner {
 public:
  virtual ~SqlRunner() = default;
  virtual Result<SqlResult> run(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  // Returns the rows inserted (and updated, for an upsert).
  virtual Result<int64_t> insertMany(const BulkInsert& b);
  // PostgreSQL keeps the spend rollup with a trigger; with SQLite the writer keeps it.
  virtual bool isPostgres() const { return false; }
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Stores a new key with a fresh id (newKeyId()) and created_at = now. Fails with
  // kInvalidArgument when `key.metadata` is not an object, a text field holds a NUL byte, or a
  // key with the same hash already exists.
  virtual Result<ApiKeyRecord> create(const NewApiKey& key, const GeneratedKey& secret) = 0;

  // Every key, revoked ones included, oldest first.
  virtual Result<std::vector<ApiKeyRecord>> list() = 0;

  // nullopt when no key has this id.
  virtual Result<std::optional<ApiKeyRecord>> get(std::string_view id) = 0;

  // Applies the fields set in `patch`; returns the updated record, nullopt when no such id.
  // An empty patch writes nothing.
  virtual Result<std::optional<ApiKeyRecord>> update(std::string_view id,
                                                     const ApiKeyPatch& patch) = 0;

  // Marks the key revoked (revoked_at = now the first time). Idempotent: revoking a revoked key
  // returns true and changes nothing. false when no key has this id.
  virtual Result<bool> revoke(std::string_view id) = 0;

  // Gives the key a new secret (hash and prefix), keeping its id and settings; the old secret
  // stops matching. nullopt when no such id; kInvalidArgument for a revoked key.
  virtual Result<std::optional<ApiKeyRecord>> rotate(std::string_view id,
                                                     const GeneratedKey& secret) = 0;

  // A value that grows on every write to the keys by any process sharing the database.
  virtual Result<int64_t> changeCounter() = 0;

  // Records (id, unix seconds) pairs of key use, in one transaction; last_used_at never moves
  // backwards; unknown ids are ignored. Does not bump the change counter.
  virtual Status touchLastUsed(const std::vector<std::pair<std::string, int64_t>>& uses) = 0;

  // Runs `body` in one transaction under the store's lock; with `bump_counter` the change counter
  // moves in the same transaction (teams are reloaded by every replica like keys).
  virtual Status transact(bool bump_counter, const std::function<Status(SqlRunner&)>& body) = 0;

  // Opens a store and applies pending migrations:
  //   postgres://... or postgresql://...   PostgreSQL; the URL goes to libpq as it is
  //   sqlite://PATH, sqlite:PATH, PATH     SQLite; PATH's directory must exist (not created);
  //                                        sqlite::memory: is a private in-memory store (tests)
  static Result<std::unique_ptr<KeyStore>> open(std::string_view database_url);
};

}  // namespace igw
