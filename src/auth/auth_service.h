// Authentication state shared by the workers (docs/auth.md): gateway-issued keys loaded from the
// key store, the identity provider's signing keys, and the admin operations on keys.
//
// Threads. Everything that waits on the database or the network runs on the service's own
// thread (a ServiceHost named "auth"): the key store is blocking, and the request path must never
// wait on it. Workers read immutable snapshots (the key index, the JWKS) through per-worker
// readers and keep their own cache of verified tokens, so authenticating a request takes no lock
// shared by all workers. Each worker touches only its own WorkerState (index
// WorkerContext::worker).
//
// Replicas. A key written by another replica (or revoked there) is seen here within
// AUTH_KEY_REFRESH_INTERVAL: the service polls the store's change counter, a single row bumped in
// the same transaction as every write, and reloads the keys when it moved. Writes made through
// this replica's admin API reload at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/identity.h"
#include "core/config.h"
#include "core/log.h"
#include "core/status.h"
#include "net/asio.h"
#include "store/key_record.h"

namespace igw {

class KeyStore;

class AuthService {
 public:
  AuthService(const Config& config, const Logger& log, unsigned workers);
  ~AuthService();
  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  // Opens the key store (an error stops start-up: a gateway that cannot read its keys must not
  // serve), loads the keys, then starts the background work: key polling and, with OIDC, fetching
  // the identity provider's keys (the gateway starts even when the provider is down; tokens get
  // 503 until its keys are loaded).
  Status start();
  void stop();

  // The same check without waiting: the admin key, gateway keys, cached tokens and tokens signed
  // by a known key. nullopt when the token names a key id the set lacks: then authenticate(),
  // which may fetch the provider's keys again.
  std::optional<Result<std::shared_ptr<const Identity>>> check(std::string_view credential,
                                                               unsigned worker);

  // Checks `credential` (the text after "Bearer ", or an x-api-key value). Runs on worker
  // `worker`'s thread. Errors: kUnauthenticated (401, the message says why, never the
  // credential), kServiceUnavailable (503: the identity provider's keys are not loaded).
  net::awaitable<Result<std::shared_ptr<const Identity>>> authenticate(std::string credential,
                                                                       unsigned worker);

  // Admin operations, run on the service thread; the caller resumes on its own.
  struct IssuedKey {
    ApiKeyRecord record;
    std::string key;  // the secret, shown once
  };
  net::awaitable<Result<IssuedKey>> createKey(NewApiKey key);
  net::awaitable<Result<std::vector<ApiKeyRecord>>> listKeys();
  // nullopt: no such key.
  net::awaitable<Result<std::optional<ApiKeyRecord>>> getKey(std::string id);
  net::awaitable<Result<std::optional<ApiKeyRecord>>> updateKey(std::string id, ApiKeyPatch patch);
  net::awaitable<Result<std::optional<ApiKeyRecord>>> revokeKey(std::string id);
  net::awaitable<Result<std::optional<IssuedKey>>> rotateKey(std::string id);

  // Runs `fn` with the key store on the service thread (teams, the spend log); with `reload`
  // the key index (and the limits in it) is reloaded afterwards. The caller resumes on its own.
  net::awaitable<Status> withStore(std::function<Status(KeyStore&)> fn, bool reload);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace igw
