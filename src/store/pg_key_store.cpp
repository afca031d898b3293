#include "store/pg_key_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "store/row_codec.h"

namespace igw {
namespace {

using store_detail::decodeRow;
using store_detail::kKeyColumns;
using Param = std::optional<std::string>;  // nullopt = SQL NULL; always sent in text format

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// The first line of a libpq message, without the trailing newline.
std::string firstLine(const char* text) {
  std::string s = text ? text : "";
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// A Status from a failed statement. Only the primary message is used: the DETAIL of a unique
// violation would repeat the conflicting value (a key hash).
Status pgError(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = "PostgreSQL key store: " + std::string(what) + ": " +
                    (primary ? std::string(primary) : firstLine(PQerrorMessage(conn)));
  const std::string_view sqlstate = state ? state : "";
  if (PQstatus(conn) == CONNECTION_BAD || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P")) {
    return unavailable(std::move(msg));
  }
  if (sqlstate == "23505") return invalidArgument(std::move(msg));  // unique_violation
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    return {Code::kServiceUnavailable, std::move(msg)};  // serialization, deadlock, lock
  }
  return internalError(std::move(msg));
}

// One statement with its parameters sent apart from the SQL text.
Result<PgResult> exec(PGconn* conn, std::string_view sql, const std::vector<Param>& params,
                      std::string_view what) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  PgResult res(PQexecParams(conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
  const auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pgError(conn, res.get(), what);
  return res;
}

Status execStatus(PGconn* conn, std::string_view sql, const std::vector<Param>& params,
                  std::string_view what) {
  auto r = exec(conn, sql, params, what);
  return r ? Status::ok() : r.status();
}

Param num(int64_t v) {
  return std::to_string(v);
}
Param num(std::optional<int64_t> v) {
  return v ? num(*v) : Param();
}

// Row accessors for decodeRow.
struct PgRow {
  const PGresult* res;
  int row;
  bool isNull(int i) const { return PQgetisnull(res, row, i) != 0; }
  std::string_view text(int i) const {
    return {PQgetvalue(res, row, i), static_cast<size_t>(PQgetlength(res, row, i))};
  }
  int64_t int64(int i) const {
    int64_t v = 0;
    auto t = text(i);
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  }
  bool boolean(int i) const { return text(i) == "t"; }
};

// BEGIN ... COMMIT; rolls back unless committed (if the connection still works).
class Txn {
 public:
  Txn(PGconn* conn, bool& commit_failed) : conn_(conn), commit_failed_(commit_failed) {}
  ~Txn() {
    if (open_ && PQstatus(conn_) == CONNECTION_OK) PgResult(PQexec(conn_, "ROLLBACK"));
  }
  Status begin() {
    auto s = execStatus(conn_, "BEGIN", {}, "begin transaction");
    open_ = s.isOk();
    return s;
  }
  Status commit() {
    auto s = execStatus(conn_, "COMMIT", {}, "commit");
    open_ = false;
    if (!s) commit_failed_ = true;
    return s;
  }

 private:
  PGconn* conn_;
  bool& commit_failed_;
  bool open_ = false;
};

const std::string kSelectById =
    "SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE id = $1";
const std::string kSelectForUpdate = kSelectById + " FOR UPDATE";
constexpr std::string_view kBump =
    "UPDATE igw_meta SET change_counter = change_counter + 1 WHERE id = 1";

Result<std::optional<ApiKeyRecord>> fetchOne(PGconn* conn, const std::string& sql,
                                             std::string_view id) {
  auto res = exec(conn, sql, {std::string(id)}, "get key");
  if (!res) return res.status();
  if (PQntuples(res->get()) == 0) return std::optional<ApiKeyRecord>();
  auto rec = decodeRow(PgRow{res->get(), 0});
  if (!rec) return rec.status();
  return std::optional<ApiKeyRecord>(std::move(rec).value());
}

// SqlRunner on the open connection (already $N placeholders).
class PgRunner final : public SqlRunner {
 public:
  explicit PgRunner(PGconn* conn) : conn_(conn) {}
  bool isPostgres() const override { return true; }
  Result<SqlResult> run(std::string_view sql, const std::vector<SqlValue>& params) override {
    auto res = exec(conn_, sql, params, "statement");
    if (!res) return res.status();
    SqlResult out;
    const PGresult* r = res->get();
    const int rows = PQntuples(r), cols = PQnfields(r);
    out.rows.reserve(static_cast<size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      SqlRow row;
      row.reserve(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(r, i, c)) {
          row.emplace_back();
        } else {
          row.emplace_back(
              std::string(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
    const char* tuples = PQcmdTuples(const_cast<PGresult*>(r));
    if (tuples != nullptr && *tuples != 0) out.changed = std::atoll(tuples);
    return out;
  }

 private:
  PGconn* conn_;
};

void ignoreNotice(void*, const char*) {}  // "relation already exists, skipping" etc.

}  // namespace

Result<std::unique_ptr<KeyStore>> PgKeyStore::open(std::string_view url) {
  const std::string dbname(url);
  // Later entries override earlier ones; the URL's own connect_timeout/application_name win.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                        nullptr};
  const char* values[] = {"10", "inference-gateway", dbname.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn) return unavailable("PostgreSQL key store: out of memory connecting");
  std::unique_ptr<PgKeyStore> store(new PgKeyStore(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    return unavailable("PostgreSQL key store: cannot connect: " + firstLine(PQerrorMessage(conn)));
  }
  PQsetNoticeProcessor(conn, ignoreNotice, nullptr);
  if (auto s = store->migrate(); !s) return s;
  return std::unique_ptr<KeyStore>(std::move(store));
}

PgKeyStore::~PgKeyStore() {
  PQfinish(conn_);
}

Status PgKeyStore::migrate() {
  Txn txn(conn_, commit_failed_);
  if (auto s = txn.begin(); !s) return s;
  // Taken before anything else, so concurrent openers queue here instead of racing on
  // CREATE TABLE IF NOT EXISTS; released at COMMIT or ROLLBACK.
  if (auto s = execStatus(conn_, "SELECT pg_advisory_xact_lock($1::bigint)",
                          {num(int64_t{kMigrationLockId})}, "lock for migrations");
      !s) {
    return s;
  }
  if (auto s = execStatus(conn_,
                          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                          "KEY, applied_at BIGINT NOT NULL)",
                          {}, "create schema_migrations");
      !s) {
    return s;
  }
  auto cur = exec(conn_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {},
                  "read schema version");
  if (!cur) return cur.status();
  const int64_t current = PgRow{cur->get(), 0}.int64(0);
  for (const auto& m : keyStoreMigrations()) {
    if (m.version <= current) continue;
    if (!m.postgres_sql.empty()) {
      const std::string sql(m.postgres_sql);
      // Simple-query protocol: several statements in one call, inside our transaction.
      PgResult res(PQexec(conn_, sql.c_str()));
      if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
        return pgError(
            conn_, res.get(),
            "migration " + std::to_string(m.version) + " (" + std::string(m.description) + ")");
      }
    }
    if (auto s =
            execStatus(conn_,
                       "INSERT INTO schema_migrations (version, applied_at) VALUES "
                       "($1::integer, $2::bigint)",
                       {num(int64_t{m.version}), num(store_detail::unixNow())}, "record migration");
        !s) {
      return s;
    }
  }
  return txn.commit();
}

template <class Op>
auto PgKeyStore::withRetry(Op&& op) -> decltype(op()) {
  std::lock_guard lock(mu_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Status(unavailable("PostgreSQL key store: cannot reconnect: " +
                                firstLine(PQerrorMessage(conn_))));
    }
  }
  commit_failed_ = false;
  auto r = op();
  // A connection that died under us (server restart, idle timeout, failover): reset and try
  // once more. Safe because an uncommitted transaction is rolled back by the server; not done
  // when COMMIT itself failed, since the write may then have been applied.
  if (!r.isOk() && PQstatus(conn_) == CONNECTION_BAD && !commit_failed_) {
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) r = op();
  }
  return r;
}

Status PgKeyStore::transact(bool bump_counter, const std::function<Status(SqlRunner&)>& body) {
  return withRetry([&]() -> Status {
    Txn txn(conn_, commit_failed_);
    if (auto s = txn.begin(); !s) return s;
    PgRunner runner(conn_);
    if (auto s = body(runner); !s) return s;
    if (bump_counter) {
      if (auto s = execStatus(conn_, kBump, {}, "bump change counter"); !s) return s;
    }
    return txn.commit();
  });
}

Result<ApiKeyRecord> PgKeyStore::create(const NewApiKey& key, const GeneratedKey& secret) {
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
  return withRetry([&]() -> Result<ApiKeyRecord> {
    Txn txn(conn_, commit_failed_);
    if (auto s = txn.begin(); !s) return s;
    if (auto s =
            execStatus(conn_,
                       "INSERT INTO api_keys (id, name, team, models, expires_at, metadata, "
                       "created_at, revoked, key_hash, key_prefix, limits) VALUES ($1, $2, $3, "
                       "$4, $5::bigint, $6, $7::bigint, FALSE, $8, $9, $10)",
                       {r.id, r.name, r.team, fields->models, num(r.expires_at), fields->metadata,
                        num(r.created_at), r.hash, r.prefix, encodeLimits(r.limits)},
                       "create key");
        !s) {
      return s;
    }
    if (auto s = execStatus(conn_, kBump, {}, "bump change counter"); !s) return s;
    if (auto s = txn.commit(); !s) return s;
    return r;
  });
}

Result<std::vector<ApiKeyRecord>> PgKeyStore::list() {
  return withRetry([&]() -> Result<std::vector<ApiKeyRecord>> {
    auto res =
        exec(conn_, "SELECT " + std::string(kKeyColumns) + " FROM api_keys ORDER BY created_at, id",
             {}, "list keys");
    if (!res) return res.status();
    std::vector<ApiKeyRecord> out;
    const int n = PQntuples(res->get());
    out.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto rec = decodeRow(PgRow{res->get(), i});
      if (!rec) return rec.status();
      out.push_back(std::move(rec).value());
    }
    return out;
  });
}

Result<std::optional<ApiKeyRecord>> PgKeyStore::get(std::string_view id) {
  return withRetry([&] { return fetchOne(conn_, kSelectById, id); });
}

Result<std::optional<ApiKeyRecord>> PgKeyStore::update(std::string_view id,
                                                       const ApiKeyPatch& patch) {
  const bool empty = !patch.name && !patch.team && !patch.models && !patch.expires_at &&
                     !patch.metadata && !patch.limits;
  if (empty) return get(id);
  return withRetry([&]() -> Result<std::optional<ApiKeyRecord>> {
    Txn txn(conn_, commit_failed_);
    if (auto s = txn.begin(); !s) return s;
    auto current = fetchOne(conn_, kSelectForUpdate, id);
    if (!current || !current->has_value()) return current;
    ApiKeyRecord r = store_detail::applyPatch(std::move(**current), patch);
    auto fields = store_detail::encodeFields(r.name, r.team, r.models, r.metadata);
    if (!fields) return fields.status();
    if (auto s = execStatus(conn_,
                            "UPDATE api_keys SET name = $2, team = $3, models = $4, expires_at = "
                            "$5::bigint, metadata = $6, limits = $7 WHERE id = $1",
                            {std::string(id), r.name, r.team, fields->models, num(r.expires_at),
                             fields->metadata, encodeLimits(r.limits)},
                            "update key");
        !s) {
      return s;
    }
    if (auto s = execStatus(conn_, kBump, {}, "bump change counter"); !s) return s;
    if (auto s = txn.commit(); !s) return s;
    return std::optional<ApiKeyRecord>(std::move(r));
  });
}

Result<bool> PgKeyStore::revoke(std::string_view id) {
  return withRetry([&]() -> Result<bool> {
    Txn txn(conn_, commit_failed_);
    if (auto s = txn.begin(); !s) return s;
    auto res = exec(conn_,
                    "UPDATE api_keys SET revoked = TRUE, revoked_at = $2::bigint WHERE id = $1 "
                    "AND NOT revoked",
                    {std::string(id), num(store_detail::unixNow())}, "revoke key");
    if (!res) return res.status();
    if (std::string_view(PQcmdTuples(res->get())) == "0") {
      // Already revoked (nothing to write) or no such key; the transaction is rolled back.
      auto exists =
          exec(conn_, "SELECT 1 FROM api_keys WHERE id = $1", {std::string(id)}, "revoke key");
      if (!exists) return exists.status();
      return PQntuples(exists->get()) > 0;
    }
    if (auto s = execStatus(conn_, kBump, {}, "bump change counter"); !s) return s;
    if (auto s = txn.commit(); !s) return s;
    return true;
  });
}

Result<std::optional<ApiKeyRecord>> PgKeyStore::rotate(std::string_view id,
                                                       const GeneratedKey& secret) {
  return withRetry([&]() -> Result<std::optional<ApiKeyRecord>> {
    Txn txn(conn_, commit_failed_);
    if (auto s = txn.begin(); !s) return s;
    auto current = fetchOne(conn_, kSelectForUpdate, id);
    if (!current || !current->has_value()) return current;
    if ((*current)->revoked) {
      return invalidArgument("API key " + std::string(id) + " is revoked; create a new key");
    }
    if (auto s =
            execStatus(conn_, "UPDATE api_keys SET key_hash = $2, key_prefix = $3 WHERE id = $1",
                       {std::string(id), secret.hash, secret.prefix}, "rotate key");
        !s) {
      return s;
    }
    if (auto s = execStatus(conn_, kBump, {}, "bump change counter"); !s) return s;
    if (auto s = txn.commit(); !s) return s;
    ApiKeyRecord r = std::move(**current);
    r.hash = secret.hash;
    r.prefix = secret.prefix;
    return std::optional<ApiKeyRecord>(std::move(r));
  });
}

Result<int64_t> PgKeyStore::changeCounter() {
  return withRetry([&]() -> Result<int64_t> {
    auto res =
        exec(conn_, "SELECT change_counter FROM igw_meta WHERE id = 1", {}, "read change counter");
    if (!res) return res.status();
    if (PQntuples(res->get()) != 1) {
      return internalError("PostgreSQL key store: igw_meta has no row");
    }
    return PgRow{res->get(), 0}.int64(0);
  });
}

Status PgKeyStore::touchLastUsed(const std::vector<std::pair<std::string, int64_t>>& uses) {
  if (uses.empty()) return Status::ok();
  // Rows locked in id order, so two replicas touching overlapping batches cannot deadlock.
  auto sorted = uses;
  std::sort(sorted.begin(), sorted.end());
  return withRetry([&]() -> Status {
    Txn txn(conn_, commit_failed_);
    if (auto s = txn.begin(); !s) return s;
    for (const auto& [id, when] : sorted) {
      if (auto s = execStatus(conn_,
                              "UPDATE api_keys SET last_used_at = $2::bigint WHERE id = $1 AND "
                              "(last_used_at IS NULL OR last_used_at < $2::bigint)",
                              {id, num(when)}, "touch keys");
          !s) {
        return s;
      }
    }
    return txn.commit();
  });
}

}  // namespace igw
