// KeyStore on an embedded SQLite file: WAL mode (readers never block the writer), a busy timeout
// so processes sharing the file wait for each other's short transactions, every write inside
// BEGIN IMMEDIATE, prepared statements with bound parameters only.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/key_store.h"

struct sqlite3;

namespace igw {

struct StmtCache;

class SqliteKeyStore final : public KeyStore {
 public:
  // `path`'s directory must exist; the file is created if missing.
  static Result<std::unique_ptr<KeyStore>> open(const std::string& path);
  ~SqliteKeyStore() override;

  Result<ApiKeyRecord> create(const NewApiKey& key, const GeneratedKey& secret) override;
  Result<std::vector<ApiKeyRecord>> list() override;
  Result<std::optional<ApiKeyRecord>> get(std::string_view id) override;
  Result<std::optional<ApiKeyRecord>> update(std::string_view id,
                                             const ApiKeyPatch& patch) override;
  Result<bool> revoke(std::string_view id) override;
  Result<std::optional<ApiKeyRecord>> rotate(std::string_view id,
                                             const GeneratedKey& secret) override;
  Result<int64_t> changeCounter() override;
  Status touchLastUsed(const std::vector<std::pair<std::string, int64_t>>& uses) override;
  Status transact(bool bump_counter, const std::function<Status(SqlRunner&)>& body) override;

 private:
  explicit SqliteKeyStore(sqlite3* db);
  Status migrate();
  Result<std::optional<ApiKeyRecord>> getLocked(std::string_view id);
  Status bumpCounter();

  std::mutex mu_;
  sqlite3* db_;
  // Bulk-insert statements kept prepared between transactions (guarded by mu_).
  std::unique_ptr<StmtCache> stmts_;
};

}  // namespace igw
