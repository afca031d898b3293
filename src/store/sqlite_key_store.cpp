#include "store/sqlite_key_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/migrations.h"
#include "store/row_codec.h"

namespace igw {
namespace {

using store_detail::decodeRow;
using store_detail::kKeyColumns;

constexpr int kBusyTimeoutMs = 5000;

Status dbError(sqlite3* db, std::string_view what) {
  const int rc = sqlite3_extended_errcode(db);
  std::string msg = "SQLite key store: " + std::string(what) + ": " + sqlite3_errmsg(db);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return {Code::kServiceUnavailable, std::move(msg)};
  }
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    // sqlite3_errmsg names the column ("UNIQUE constraint failed: api_keys.key_hash"), not
    // the value, so the message carries no secret.
    return invalidArgument(std::move(msg));
  }
  return internalError(std::move(msg));
}

// A prepared statement. Values are always bound, never spliced into the SQL text.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool prepared() const { return rc_ == SQLITE_OK; }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // The text must stay alive until the statement is stepped and reset.
  Stmt& bindStatic(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::optional<int64_t> v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  void resetOnly() { sqlite3_reset(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  // Row accessors for decodeRow.
  bool isNull(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  std::string_view text(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, i)))
             : std::string_view();
  }
  int64_t int64(int i) const { return sqlite3_column_int64(s_, i); }
  bool boolean(int i) const { return sqlite3_column_int64(s_, i) != 0; }
  int columns() const { return sqlite3_column_count(s_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

// Runs a statement that returns no rows (or ignores them).
Status run(sqlite3* db, Stmt& st, std::string_view what) {
  if (!st.prepared()) return dbError(db, what);
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
  }
  return rc == SQLITE_DONE ? Status::ok() : dbError(db, what);
}

Status exec(sqlite3* db, std::string_view sql, std::string_view what) {
  Stmt st(db, sql);
  return run(db, st, what);
}

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed. IMMEDIATE takes the write lock up
// front (waiting up to the busy timeout), so a transaction never fails half-way on a lock.
class WriteTxn {
 public:
  explicit WriteTxn(sqlite3* db) : db_(db) {}
  ~WriteTxn() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Status begin() {
    auto s = exec(db_, "BEGIN IMMEDIATE", "begin transaction");
    open_ = s.isOk();
    return s;
  }
  Status commit() {
    auto s = exec(db_, "COMMIT", "commit");
    if (s) open_ = false;
    return s;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

const std::string kSelectById =
    "SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE id = ?1";

}  // namespace

struct StmtCache {
  std::unordered_map<std::string, std::unique_ptr<Stmt>> by_sql;
};

namespace {

// SqlRunner on the open connection: $N placeholders become ?.
class SqliteRunner final : public SqlRunner {
 public:
  SqliteRunner(sqlite3* db, StmtCache& stmts) : db_(db), stmts_(stmts) {}
  Result<SqlResult> run(std::string_view sql, const std::vector<SqlValue>& params) override {
    // "$7" -> "?": anonymous parameters number themselves in order (the contract: each
    // placeholder once, in order). Numbered ones (?7) make SQLite search a list on every bind,
    // which a 960-parameter batch insert pays for quadratically.
    std::string text;
    text.reserve(sql.size());
    for (size_t i = 0; i < sql.size(); ++i) {
      if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
        text += '?';
        while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') ++i;
      } else {
        text += sql[i];
      }
    }
    Stmt st(db_, text);
    if (!st.prepared()) return dbError(db_, "statement");
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i]) {
        st.bind(static_cast<int>(i + 1), std::string_view(*params[i]));
      } else {
        st.bind(static_cast<int>(i + 1), std::optional<int64_t>());
      }
    }
    SqlResult out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      SqlRow row;
      const int n = st.columns();
      row.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        if (st.isNull(c)) {
          row.emplace_back();
        } else {
          row.emplace_back(std::string(st.text(c)));
        }
      }
      out.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) return dbError(db_, "statement");
    out.changed = sqlite3_changes(db_);
    return out;
  }

  // Statements prepared once per call and stepped with typed values: one of kRows rows for the
  // bulk (SQLite ends every statement with bookkeeping that a single-row statement would pay per
  // row) and a single-row one for the rest. No text to parse per batch, no integer sent as text.
  Result<int64_t> insertMany(const BulkInsert& b) override {
    constexpr size_t kRows = 64;
    const size_t ncol = b.columns.size();
    auto statement = [&](size_t rows) {
      std::string sql = "INSERT INTO " + std::string(b.table) + " (";
      for (size_t c = 0; c < ncol; ++c) {
        if (c > 0) sql += ", ";
        sql += b.columns[c];
      }
      sql += ") VALUES ";
      for (size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ", (";
        for (size_t c = 0; c < ncol; ++c) sql += c == 0 ? "?" : ", ?";
        sql += ")";
      }
      if (!b.on_conflict.empty()) {
        sql += ' ';
        sql += b.on_conflict;
      }
      return sql;
    };
    // Prepared once per connection and kept: the 64-row statement takes as long to prepare as
    // a few hundred rows take to insert.
    Stmt* bulk = nullptr;
    Stmt* single = nullptr;
    // Kept statements hold no pointer into the caller's rows.
    auto release = [&] {
      for (Stmt* st : {bulk, single}) {
        if (st != nullptr) st->reset();
      }
    };
    std::vector<SqlCell> cells(ncol);
    int64_t inserted = 0;
    for (size_t at = 0; at < b.rows;) {
      const size_t n = b.rows - at >= kRows ? kRows : 1;
      Stmt*& st = n == kRows ? bulk : single;
      if (st == nullptr) {
        std::string sql = statement(n);
        auto& cached = stmts_.by_sql[sql];
        if (!cached) {
          auto fresh = std::make_unique<Stmt>(db_, sql);
          if (!fresh->prepared()) {
            Status err = dbError(db_, "statement");
            stmts_.by_sql.erase(sql);
            release();
            return err;
          }
          cached = std::move(fresh);
        }
        st = cached.get();
      }
      for (size_t r = 0; r < n; ++r) {
        b.fill(at + r, cells);
        for (size_t c = 0; c < ncol; ++c) {
          const int param = static_cast<int>(r * ncol + c + 1);
          if (cells[c].is_text) {
            st->bindStatic(param, cells[c].text);
          } else {
            st->bind(param, cells[c].integer);
          }
        }
      }
      const int rc = st->step();
      if (rc != SQLITE_DONE) {
        Status err = dbError(db_, "statement");
        release();
        return err;
      }
      st->resetOnly();
      inserted += sqlite3_changes(db_);
      at += n;
    }
    release();
    return inserted;
  }

 private:
  sqlite3* db_;
  StmtCache& stmts_;
};

}  // namespace

SqliteKeyStore::SqliteKeyStore(sqlite3* db) : db_(db), stmts_(std::make_unique<StmtCache>()) {}

Status SqliteKeyStore::transact(bool bump_counter, const std::function<Status(SqlRunner&)>& body) {
  std::lock_guard lock(mu_);
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  SqliteRunner runner(db_, *stmts_);
  if (auto s = body(runner); !s) return s;
  if (bump_counter) {
    if (auto s = bumpCounter(); !s) return s;
  }
  return txn.commit();
}

Result<std::unique_ptr<KeyStore>> SqliteKeyStore::open(const std::string& path) {
  const std::filesystem::path p(path);
  const auto dir = p.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    return invalidArgument("SQLite key store: directory " + dir.string() +
                           " does not exist (create it first)");
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "SQLite key store: cannot open " + path + ": " +
                      (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return internalError(std::move(msg));
  }
  std::unique_ptr<SqliteKeyStore> store(new SqliteKeyStore(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  {
    Stmt wal(db, "PRAGMA journal_mode=WAL");
    if (!wal.prepared() || wal.step() != SQLITE_ROW) return dbError(db, "enable WAL");
    // ":memory:" databases report "memory" and cannot use WAL; being private to this
    // connection they need no sharing anyway.
    if (wal.text(0) != "wal" && wal.text(0) != "memory") {
      return internalError("SQLite key store: " + path + " cannot use WAL journal mode (got " +
                           std::string(wal.text(0)) + ")");
    }
  }
  if (auto s = store->migrate(); !s) return s;
  return std::unique_ptr<KeyStore>(std::move(store));
}

SqliteKeyStore::~SqliteKeyStore() {
  stmts_.reset();  // finalized before the connection closes
  sqlite3_close(db_);
}

Status SqliteKeyStore::migrate() {
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  if (auto s = exec(db_,
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "applied_at BIGINT NOT NULL)",
                    "create schema_migrations");
      !s) {
    return s;
  }
  Stmt cur(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!cur.prepared() || cur.step() != SQLITE_ROW) return dbError(db_, "read schema version");
  const int64_t current = cur.int64(0);
  cur.reset();  // a statement left running would block a migration's DROP TABLE
  for (const auto& m : keyStoreMigrations()) {
    if (m.version <= current) continue;
    const std::string sql(m.sqlite_sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = "SQLite key store: migration " + std::to_string(m.version) + " (" +
                        std::string(m.description) + ") failed: " + (err ? err : "?");
      sqlite3_free(err);
      return internalError(std::move(msg));
    }
    Stmt rec(db_, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
    rec.bind(1, int64_t{m.version}).bind(2, store_detail::unixNow());
    if (auto s = run(db_, rec, "record migration"); !s) return s;
  }
  return txn.commit();
}

Status SqliteKeyStore::bumpCounter() {
  return exec(db_, "UPDATE igw_meta SET change_counter = change_counter + 1 WHERE id = 1",
              "bump change counter");
}

Result<std::optional<ApiKeyRecord>> SqliteKeyStore::getLocked(std::string_view id) {
  Stmt st(db_, kSelectById);
  if (!st.prepared()) return dbError(db_, "get key");
  st.bind(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<ApiKeyRecord>();
  if (rc != SQLITE_ROW) return dbError(db_, "get key");
  auto rec = decodeRow(st);
  if (!rec) return rec.status();
  return std::optional<ApiKeyRecord>(std::move(rec).value());
}

Result<ApiKeyRecord> SqliteKeyStore::create(const NewApiKey& key, const GeneratedKey& secret) {
  auto fields = store_detail::encodeFields(key.name, key.team, key.models, key.metadata);
  if (!fields) return fields.status();
  ApiKeyRecord r;
  r.id = newKeyId();
  r.name = key.name;
  r.team = key.team;
  r.models = key.models;
  r.expires_at = key.expires_at;
  r.metadata = key.metadata;
  r.limits = key.limits;
  r.created_at = store_detail::unixNow();
  r.hash = secret.hash;
  r.prefix = secret.prefix;

  std::lock_guard lock(mu_);
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  Stmt st(db_,
          "INSERT INTO api_keys (id, name, team, models, expires_at, metadata, created_at, "
          "revoked, key_hash, key_prefix, limits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, "
          "?10)");
  const std::string limits = encodeLimits(r.limits);
  st.bind(1, r.id)
      .bind(2, r.name)
      .bind(3, r.team)
      .bind(4, fields->models)
      .bind(5, r.expires_at)
      .bind(6, fields->metadata)
      .bind(7, r.created_at)
      .bind(8, r.hash)
      .bind(9, r.prefix)
      .bind(10, limits);
  if (auto s = run(db_, st, "create key"); !s) return s;
  if (auto s = bumpCounter(); !s) return s;
  if (auto s = txn.commit(); !s) return s;
  return r;
}

Result<std::vector<ApiKeyRecord>> SqliteKeyStore::list() {
  std::lock_guard lock(mu_);
  Stmt st(db_, "SELECT " + std::string(kKeyColumns) + " FROM api_keys ORDER BY created_at, id");
  if (!st.prepared()) return dbError(db_, "list keys");
  std::vector<ApiKeyRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    auto rec = decodeRow(st);
    if (!rec) return rec.status();
    out.push_back(std::move(rec).value());
  }
  if (rc != SQLITE_DONE) return dbError(db_, "list keys");
  return out;
}

Result<std::optional<ApiKeyRecord>> SqliteKeyStore::get(std::string_view id) {
  std::lock_guard lock(mu_);
  return getLocked(id);
}

Result<std::optional<ApiKeyRecord>> SqliteKeyStore::update(std::string_view id,
                                                           const ApiKeyPatch& patch) {
  std::lock_guard lock(mu_);
  const bool empty = !patch.name && !patch.team && !patch.models && !patch.expires_at &&
                     !patch.metadata && !patch.limits;
  if (empty) return getLocked(id);
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  auto current = getLocked(id);
  if (!current || !current->has_value()) return current;
  ApiKeyRecord r = store_detail::applyPatch(std::move(**current), patch);
  auto fields = store_detail::encodeFields(r.name, r.team, r.models, r.metadata);
  if (!fields) return fields.status();
  Stmt st(db_,
          "UPDATE api_keys SET name = ?2, team = ?3, models = ?4, expires_at = ?5, metadata = ?6, "
          "limits = ?7 WHERE id = ?1");
  const std::string limits = encodeLimits(r.limits);
  st.bind(1, id)
      .bind(2, r.name)
      .bind(3, r.team)
      .bind(4, fields->models)
      .bind(5, r.expires_at)
      .bind(6, fields->metadata)
      .bind(7, limits);
  if (auto s = run(db_, st, "update key"); !s) return s;
  if (auto s = bumpCounter(); !s) return s;
  if (auto s = txn.commit(); !s) return s;
  return std::optional<ApiKeyRecord>(std::move(r));
}

Result<bool> SqliteKeyStore::revoke(std::string_view id) {
  std::lock_guard lock(mu_);
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  Stmt st(db_, "UPDATE api_keys SET revoked = 1, revoked_at = ?2 WHERE id = ?1 AND revoked = 0");
  st.bind(1, id).bind(2, store_detail::unixNow());
  if (auto s = run(db_, st, "revoke key"); !s) return s;
  if (sqlite3_changes(db_) == 0) {
    // Already revoked (nothing to write) or no such key.
    Stmt exists(db_, "SELECT 1 FROM api_keys WHERE id = ?1");
    exists.bind(1, id);
    const int rc = exists.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return dbError(db_, "revoke key");
    return rc == SQLITE_ROW;
  }
  if (auto s = bumpCounter(); !s) return s;
  if (auto s = txn.commit(); !s) return s;
  return true;
}

Result<std::optional<ApiKeyRecord>> SqliteKeyStore::rotate(std::string_view id,
                                                           const GeneratedKey& secret) {
  std::lock_guard lock(mu_);
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  auto current = getLocked(id);
  if (!current || !current->has_value()) return current;
  if ((*current)->revoked) {
    return invalidArgument("API key " + std::string(id) + " is revoked; create a new key");
  }
  Stmt st(db_, "UPDATE api_keys SET key_hash = ?2, key_prefix = ?3 WHERE id = ?1");
  st.bind(1, id).bind(2, secret.hash).bind(3, secret.prefix);
  if (auto s = run(db_, st, "rotate key"); !s) return s;
  if (auto s = bumpCounter(); !s) return s;
  if (auto s = txn.commit(); !s) return s;
  ApiKeyRecord r = std::move(**current);
  r.hash = secret.hash;
  r.prefix = secret.prefix;
  return std::optional<ApiKeyRecord>(std::move(r));
}

Result<int64_t> SqliteKeyStore::changeCounter() {
  std::lock_guard lock(mu_);
  Stmt st(db_, "SELECT change_counter FROM igw_meta WHERE id = 1");
  if (!st.prepared() || st.step() != SQLITE_ROW) return dbError(db_, "read change counter");
  return st.int64(0);
}

Status SqliteKeyStore::touchLastUsed(const std::vector<std::pair<std::string, int64_t>>& uses) {
  if (uses.empty()) return Status::ok();
  std::lock_guard lock(mu_);
  WriteTxn txn(db_);
  if (auto s = txn.begin(); !s) return s;
  Stmt st(db_,
          "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR "
          "last_used_at < ?2)");
  if (!st.prepared()) return dbError(db_, "touch keys");
  for (const auto& [id, when] : uses) {
    st.bind(1, id).bind(2, when);
    if (st.step() != SQLITE_DONE) return dbError(db_, "touch keys");
    st.reset();
  }
  return txn.commit();
}

}  // namespace igw
