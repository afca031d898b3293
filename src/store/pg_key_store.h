// KeyStore on PostgreSQL through libpq: one connection, parameters always sent apart from the
// SQL (PQexecParams), writes in explicit transactions, migrations serialised across processes
// by pg_advisory_xact_lock. A connection found broken is reset (PQreset) and the operation tried
// once more, unless it broke while committing (then the outcome is unknown and the error is
// returned as kUnavailable rather than risk applying a write twice).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/key_store.h"

struct pg_conn;

namespace igw {

class PgKeyStore final : public KeyStore {
 public:
  // `url`: postgres:// or postgresql://, as libpq accepts it. Messages never repeat the URL
  // (it may hold a password).
  static Result<std::unique_ptr<KeyStore>> open(std::string_view url);
  ~PgKeyStore() override;

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
  explicit PgKeyStore(pg_conn* conn) : conn_(conn) {}
  Status migrate();
  // Runs `op` under the mutex with the reconnect-once policy described above.
  template <class Op>
  auto withRetry(Op&& op) -> decltype(op());

  std::mutex mu_;
  pg_conn* conn_;
  bool commit_failed_ = false;  // set by a failed COMMIT: outcome unknown, do not retry
};

}  // namespace igw
