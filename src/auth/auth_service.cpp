#include "auth/auth_service.h"

#include <unordered_set>

#include "limits/local_counters.h"
#include "store/limits_store.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <unordered_map>

#include "auth/api_key.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/oidc_discovery.h"
#include "core/duration.h"
#include "core/snapshot.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/upstream.h"
#include "net/url.h"
#include "service/service_host.h"
#include "store/key_store.h"

namespace igw {

namespace {

using Clock = std::chrono::steady_clock;
using net::error_code;
using net::useAwaitableEc;

int64_t unixNow() {
  return static_cast<int64_t>(std::time(nullptr));
}

// One gateway key as the request path sees it. `last_used` is written by workers (relaxed: a
// timestamp, read only by the service's periodic flush).
struct KeyEntry {
  std::shared_ptr<const Identity> identity;
  bool revoked = false;
  int64_t expires_at = 0;  // 0: never
  mutable std::atomic<int64_t> last_used{0};
};

struct DigestHash {
  using is_transparent = void;
  size_t operator()(std::string_view digest) const {
    // The digest is uniformly random already: its first bytes are a fine hash.
    size_t h = 0;
    std::memcpy(&h, digest.data(), std::min(sizeof h, digest.size()));
    return h;
  }
};

// Every key by the SHA-256 of its secret (32 raw bytes: no hex on the request path). Immutable
// once published.
struct KeyIndex {
  std::unordered_map<std::string, std::shared_ptr<KeyEntry>, DigestHash, std::equal_to<>> by_hash;
};

// The store's lowercase hex digest as raw bytes; empty when malformed.
std::string rawDigest(std::string_view hex) {
  if (hex.size() != 64) return {};
  std::string out(32, '\0');
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return {};
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct CachedToken {
  std::shared_ptr<const Identity> identity;
  int64_t expires_at = 0;
};

// A token's cache key: its SHA-256, so the cache never holds bearer tokens themselves.
std::string tokenDigest(std::string_view token) {
  auto md = sha256(token);
  return std::string(reinterpret_cast<const char*>(md.data()), md.size());
}

bool claimHasRole(const nlohmann::json& claims, const std::string& claim, const std::string& role) {
  auto it = claims.find(claim);
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get_ref<const std::string&>() == role;
  if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string() && v.get_ref<const std::string&>() == role) return true;
    }
  }
  return false;
}

std::shared_ptr<const Identity> identityOf(const ApiKeyRecord& r,
                                           std::shared_ptr<const SubjectLimits> key_limits,
                                           std::shared_ptr<const SubjectLimits> team_limits) {
  auto id = std::make_shared<Identity>();
  id->key_limits = std::move(key_limits);
  id->team_limits = std::move(team_limits);
  id->kind = CredentialKind::kGatewayKey;
  id->subject = r.id;
  id->key_id = r.id;
  id->name = r.name;
  id->team = r.team;
  id->models = r.models;
  id->expires_at = r.expires_at.value_or(0);
  return id;
}

template <class R, class F>
net::awaitable<R> runSync(F f) {
  co_return f();
}

// Runs `f` (blocking store work returning Result<T>) on the service thread; the caller resumes
// on its own. Call it with a named function object: g++ 12 destroys a temporary in a co_await
// operand twice.
template <class T, class F>
net::awaitable<Result<T>> onService(ServiceHost& host, F f) {
  net::awaitable<Result<T>> work = runSync<Result<T>>(std::move(f));
  Result<Result<T>> r = co_await host.call(std::move(work));
  if (!r) co_return r.status();
  co_return std::move(r.value());
}

}  // namespace

struct AuthService::Impl {
  Impl(const Config& config, const Logger& log, unsigned workers)
      : cfg(config.auth), client_cfg(config.client), log(log), host("auth", log) {
    rules.issuer = cfg.oidc_issuer;
    rules.audience = cfg.oidc_client_id;
    rules.leeway = std::chrono::duration_cast<std::chrono::seconds>(cfg.oidc_leeway);
    auto admin = std::make_shared<Identity>();
    admin->kind = CredentialKind::kAdminKey;
    admin->subject = "admin";
    admin->admin = true;
    admin_identity = std::move(admin);
    workers_state.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) workers_state.emplace_back(*this);
  }

  struct WorkerState {
    explicit WorkerState(Impl& impl) : keys(impl.keys), jwks(impl.jwks) {}
    Snapshot<KeyIndex>::Reader keys;
    Snapshot<JwkSet>::Reader jwks;
    std::unordered_map<std::string, CachedToken> tokens;
    // Gateway keys this worker has seen, by their text, for the index `seen_for`: a repeat
    // caller costs a string hash instead of a SHA-256. Cleared whenever the index changes, so a
    // revocation or rotation is never answered from here. Only existing keys are entered, and
    // at most AUTH_TOKEN_CACHE_SIZE of them.
    const KeyIndex* seen_for = nullptr;
    std::unordered_map<std::string, const KeyEntry*, TextHash, std::equal_to<>> seen;
  };

  const AuthConfig& cfg;
  ClientConfig client_cfg;
  Logger log;
  ClaimRules rules;
  std::shared_ptr<const Identity> admin_identity;

  Snapshot<KeyIndex> keys{std::make_shared<const KeyIndex>()};
  Snapshot<JwkSet> jwks;  // null until the identity provider's keys are loaded
  std::vector<WorkerState> workers_state;

  // Service thread only (after start()).
  ServiceHost host;
  std::unique_ptr<KeyStore> store;
  std::unique_ptr<DeadlineSweeper> sweeper;
  std::unique_ptr<UpstreamClient> http;
  std::unique_ptr<net::asio::steady_timer> key_timer;
  std::unique_ptr<net::asio::steady_timer> oidc_timer;
  int64_t seen_counter = -1;
  // Limits' counters by key id and team id, kept across reloads; budgets already seeded.
  std::unordered_map<std::string, std::shared_ptr<LocalCounters>> key_counters, team_counters;
  std::unordered_set<std::string> seeded_budgets;
  std::unordered_map<std::string, int64_t> flushed_last_used;  // key id -> what the store has
  Clock::time_point last_flush{};
  Clock::time_point last_jwks_fetch{};                      // any fetch attempt
  std::optional<Clock::time_point> last_unknown_key_fetch;  // fetches caused by unknown kids
  bool have_fetched = false;
  std::string jwks_uri;
  std::string last_oidc_error;
  bool stopping = false;

  // ---- keys ----

  Status reloadKeys() {
    auto counter = store->changeCounter();
    if (!counter) return counter.status();
    auto all = store->list();
    if (!all) return all.status();
    auto teams = LimitsStore(*store).listTeams();
    if (!teams) return teams.status();
    std::unordered_map<std::string, std::shared_ptr<const SubjectLimits>> team_limits;
    for (const auto& t : *teams) {
      if (!t.limits.empty()) team_limits[t.id] = subjectLimits(team_counters, t.id, t.limits, true);
    }
    auto old = keys.load();
    auto next = std::make_shared<KeyIndex>();
    for (const auto& r : *all) {
      auto e = std::make_shared<KeyEntry>();
      std::shared_ptr<const SubjectLimits> kl;
      if (!r.limits.empty() && !r.revoked) kl = subjectLimits(key_counters, r.id, r.limits, false);
      std::shared_ptr<const SubjectLimits> tl;
      if (auto it = team_limits.find(r.team); it != team_limits.end() && !r.team.empty()) {
        tl = it->second;
      }
      e->identity = identityOf(r, std::move(kl), std::move(tl));
      e->revoked = r.revoked;
      e->expires_at = r.expires_at.value_or(0);
      int64_t used = r.last_used_at.value_or(0);
      // Uses not yet written to the store carry over to the new entry.
      std::string digest = rawDigest(r.hash);
      if (digest.empty()) {
        log.warn("key store row with a malformed hash skipped", {{"key_id", r.id}});
        continue;
      }
      if (old) {
        auto it = old->by_hash.find(digest);
        if (it != old->by_hash.end()) {
          used = std::max(used, it->second->last_used.load(std::memory_order_relaxed));
        }
      }
      e->last_used.store(used, std::memory_order_relaxed);
      if (!flushed_last_used.count(r.id)) flushed_last_used[r.id] = r.last_used_at.value_or(0);
      next->by_hash.emplace(std::move(digest), std::move(e));
    }
    keys.publish(std::move(next));
    seen_counter = *counter;
    return Status::ok();
  }

  // A subject's limits with its counters: the same counters object for the same id across
  // reloads. A budget starts from the spend log's sum of its current period.
  std::shared_ptr<const SubjectLimits> subjectLimits(
      std::unordered_map<std::string, std::shared_ptr<LocalCounters>>& registry,
      const std::string& id, const LimitSpec& spec, bool team) {
    auto& counters = registry[id];
    if (!counters) counters = std::make_shared<LocalCounters>();
    if (spec.budget) {
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      const int64_t start = periodStart(spec.budget->period, now);
      std::string seed_key = (team ? "t:" : "k:") + id + ":" + std::to_string(start);
      if (seeded_budgets.insert(seed_key).second) {
        auto spent = LimitsStore(*store).spendSince(id, team, start);
        if (spent) {
          counters->seedBudget(start, *spent);
        } else {
          log.warn("reading spend for a budget failed", {{"error", spent.status().message()}});
          seeded_budgets.erase(seed_key);
        }
      }
    }
    auto out = std::make_shared<SubjectLimits>();
    out->id = id;
    out->spec = spec;
    out->counters = counters;
    return out;
  }

  void flushLastUsed() {
    auto index = keys.load();
    std::vector<std::pair<std::string, int64_t>> touched;
    for (const auto& [hash, e] : index->by_hash) {
      int64_t used = e->last_used.load(std::memory_order_relaxed);
      auto& flushed = flushed_last_used[e->identity->key_id];
      if (used > flushed) {
        touched.emplace_back(e->identity->key_id, used);
        flushed = used;
      }
    }
    if (touched.empty()) return;
    if (Status s = store->touchLastUsed(touched); !s) {
      log.warn("recording key use failed", {{"error", s.message()}});
    }
  }

  net::awaitable<void> keyLoop() {
    std::string last_error;
    while (!stopping) {
      key_timer->expires_after(cfg.key_refresh_interval);
      error_code ec;
      co_await key_timer->async_wait(useAwaitableEc(ec));
      if (stopping) break;
      auto counter = store->changeCounter();
      Status s = counter ? Status::ok() : counter.status();
      if (counter && *counter != seen_counter) s = reloadKeys();
      if (!s) {
        // Keep serving the keys already loaded: a database blip must not lock everyone out,
        // and revocations resume as soon as it answers again.
        if (s.message() != last_error) log.warn("key store unreachable", {{"error", s.message()}});
        last_error = s.message();
        continue;
      }
      if (!last_error.empty()) log.info("key store reachable again");
      last_error.clear();
      if (Clock::now() - last_flush >= std::chrono::seconds(10)) {
        flushLastUsed();
        last_flush = Clock::now();
      }
    }
  }

  // ---- identity provider ----

  net::awaitable<Result<std::string>> httpGet(const std::string& url_text) {
    auto url = parseUrl(url_text);
    if (!url) co_return url.status();
    UpstreamRequest req;
    req.method = "GET";
    req.url = std::move(url.value());
    req.headers = {{"Accept", "application/json"}};
    auto resp = co_await http->send(req);
    if (!resp) co_return resp.status();
    auto body = co_await (*resp)->readAll(1 << 20);
    if (!body) co_return body.status();
    if ((*resp)->status() != 200) {
      co_return unavailable(url_text + " answered HTTP " + std::to_string((*resp)->status()));
    }
    co_return std::move(body.value());
  }

  // Discovery (first time) and the key set; publishes on success.
  net::awaitable<Status> fetchJwks() {
    last_jwks_fetch = Clock::now();
    if (jwks_uri.empty()) {
      std::string issuer = cfg.oidc_issuer;
      while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
      std::string discovery_url = issuer + "/.well-known/openid-configuration";
      auto doc = co_await httpGet(discovery_url);
      if (!doc) co_return doc.status();
      auto discovery = parseDiscovery(*doc, cfg.oidc_issuer);
      if (!discovery) co_return discovery.status();
      jwks_uri = discovery->jwks_uri;
    }
    auto doc = co_await httpGet(jwks_uri);
    if (!doc) co_return doc.status();
    auto set = parseJwks(*doc);
    if (!set) co_return set.status();
    for (const auto& why : set->skipped())
      log.info("identity provider key skipped", {{"why", why}});
    const size_t n = set->size();
    jwks.publish(std::make_shared<const JwkSet>(std::move(set.value())));
    if (!have_fetched || !last_oidc_error.empty()) {
      log.info("identity provider keys loaded",
               {{"issuer", cfg.oidc_issuer}, {"keys", static_cast<int64_t>(n)}});
    }
    have_fetched = true;
    last_oidc_error.clear();
    co_return Status::ok();
  }

  net::awaitable<void> oidcLoop() {
    auto retry = std::chrono::milliseconds(500);
    while (!stopping) {
      Status s = co_await fetchJwks();
      std::chrono::milliseconds wait = cfg.jwks_refresh_interval;
      if (!s) {
        if (s.message() != last_oidc_error) {
          log.warn(jwks.load() ? "identity provider keys not refreshed (keeping the last ones)"
                               : "identity provider keys not loaded: tokens are refused with 503",
                   {{"issuer", cfg.oidc_issuer}, {"error", s.message()}});
        }
        last_oidc_error = s.message();
        wait = std::min(retry, cfg.jwks_refresh_interval);
        retry = std::min(retry * 2, std::chrono::milliseconds(30000));
      } else {
        retry = std::chrono::milliseconds(500);
      }
      if (stopping) break;
      oidc_timer->expires_after(wait);
      error_code ec;
      co_await oidc_timer->async_wait(useAwaitableEc(ec));
    }
  }

  // A token named a key id the set lacks: the provider may have rotated its keys. Fetches again
  // unless a fetch happened within AUTH_JWKS_MIN_REFRESH_INTERVAL, so tokens with made-up key
  // ids cannot make the gateway hammer the provider (the scheduled refreshes do not count: a
  // rotation right after one is still picked up). True when a new set was published.
  net::awaitable<bool> refreshForUnknownKey() {
    if (stopping) co_return false;
    const auto now = Clock::now();
    if (last_unknown_key_fetch && now - *last_unknown_key_fetch < cfg.jwks_min_refresh_interval) {
      co_return false;
    }
    last_unknown_key_fetch = now;
    Status s = co_await fetchJwks();
    co_return s.isOk();
  }

  // ---- workers ----

  WorkerState* stateFor(unsigned worker) {
    return worker < workers_state.size() ? &workers_state[worker] : nullptr;
  }

  Result<std::shared_ptr<const Identity>> checkGatewayKey(std::string_view credential,
                                                          WorkerState* ws) {
    const KeyEntry* found = nullptr;
    std::shared_ptr<const KeyIndex> index = ws ? ws->keys.pin() : keys.load();
    if (ws != nullptr) {
      if (ws->seen_for != index.get()) {
        ws->seen.clear();
        ws->seen_for = index.get();
      }
      auto hit = ws->seen.find(credential);
      if (hit != ws->seen.end()) found = hit->second;
    }
    if (found == nullptr) {
      const auto digest = sha256(credential);
      auto it = index->by_hash.find(
          std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
      if (it == index->by_hash.end()) return unauthenticated("invalid API key");
      found = it->second.get();
      if (ws != nullptr && ws->seen.size() < cfg.token_cache_size) {
        ws->seen.emplace(std::string(credential), found);
      }
    }
    const KeyEntry& e = *found;
    if (e.revoked) return unauthenticated("this API key has been revoked");
    const int64_t now = unixNow();
    if (e.expires_at != 0 && e.expires_at <= now)
      return unauthenticated("this API key has expired");
    if (e.last_used.load(std::memory_order_relaxed) < now) {
      e.last_used.store(now, std::memory_order_relaxed);  // const entry, mutable use stamp
    }
    return e.identity;
  }

  void remember(WorkerState& ws, std::string digest, std::shared_ptr<const Identity> id,
                int64_t exp) {
    if (ws.tokens.size() >= cfg.token_cache_size) {
      const int64_t now = unixNow();
      std::erase_if(ws.tokens, [&](const auto& kv) { return kv.second.expires_at <= now; });
      if (ws.tokens.size() >= cfg.token_cache_size) ws.tokens.clear();
    }
    ws.tokens.insert_or_assign(std::move(digest), CachedToken{std::move(id), exp});
  }
};

AuthService::AuthService(const Config& config, const Logger& log, unsigned workers)
    : impl_(std::make_unique<Impl>(config, log, workers)) {}

AuthService::~AuthService() {
  stop();
}

Status AuthService::start() {
  Impl& s = *impl_;
  const std::string& url = s.cfg.database_url;
  const bool is_default = url == s.cfg.data_dir + "/gateway.db";
  if (is_default) {
    std::error_code ec;
    std::filesystem::create_directories(s.cfg.data_dir, ec);
    if (ec) {
      return internalError("DATA_DIR: cannot create '" + s.cfg.data_dir + "': " + ec.message());
    }
  }
  auto store = KeyStore::open(url);
  if (!store) return internalError("DATABASE_URL: " + store.status().message());
  s.store = std::move(store.value());
  if (Status st = s.reloadKeys(); !st) return internalError("DATABASE_URL: " + st.message());
  s.log.info("key store opened",
             {{"backend", url.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite"},
              {"keys", static_cast<int64_t>(s.keys.load()->by_hash.size())}});

  s.sweeper = std::make_unique<DeadlineSweeper>(s.host.context(), std::chrono::milliseconds(50));
  s.http = std::make_unique<UpstreamClient>(s.host.context(), *s.sweeper, s.client_cfg, s.log);
  s.key_timer = std::make_unique<net::asio::steady_timer>(s.host.context());
  s.oidc_timer = std::make_unique<net::asio::steady_timer>(s.host.context());
  s.host.start();
  s.host.post([&s] { s.sweeper->start(); });
  s.host.spawn(s.keyLoop());
  if (!s.cfg.oidc_issuer.empty()) s.host.spawn(s.oidcLoop());
  return Status::ok();
}

void AuthService::stop() {
  Impl& s = *impl_;
  s.host.stop(std::chrono::seconds(2), [&s]() -> net::awaitable<void> {
    s.stopping = true;
    if (s.key_timer) s.key_timer->cancel();
    if (s.oidc_timer) s.oidc_timer->cancel();
    if (s.sweeper) s.sweeper->stop();
    if (s.store) s.flushLastUsed();
    co_return;
  });
}

std::optional<Result<std::shared_ptr<const Identity>>> AuthService::check(
    std::string_view credential, unsigned worker) {
  Impl& s = *impl_;
  if (!s.cfg.admin_key.empty() && credential.size() == s.cfg.admin_key.size() &&
      constantTimeEquals(credential, s.cfg.admin_key)) {
    return s.admin_identity;
  }
  Impl::WorkerState* ws = s.stateFor(worker);
  if (looksLikeGatewayKey(credential)) return s.checkGatewayKey(credential, ws);
  if (s.cfg.oidc_issuer.empty()) return unauthenticated("invalid API key");

  const int64_t now = unixNow();
  std::string digest = tokenDigest(credential);
  if (ws != nullptr) {
    auto it = ws->tokens.find(digest);
    if (it != ws->tokens.end()) {
      if (it->second.expires_at > now - s.rules.leeway.count()) return it->second.identity;
      ws->tokens.erase(it);
    }
  }
  std::shared_ptr<const JwkSet> set = ws ? ws->jwks.pin() : s.jwks.load();
  if (!set) {
    return Status(Code::kServiceUnavailable,
                  "the identity provider's signing keys are not loaded yet; try again shortly");
  }
  JwtError error = JwtError::kNone;
  auto verified = verifyJwt(credential, *set, s.rules, now, &error);
  if (!verified && error == JwtError::kUnknownKey) return std::nullopt;  // authenticate() waits
  if (!verified) return unauthenticated("invalid token: " + verified.status().message());
  auto id = std::make_shared<Identity>();
  id->kind = CredentialKind::kOidcToken;
  id->subject = verified->subject;
  id->expires_at = verified->expires_at;
  id->admin = claimHasRole(verified->claims, s.cfg.admin_claim, s.cfg.admin_role);
  std::shared_ptr<const Identity> identity = std::move(id);
  if (ws != nullptr) s.remember(*ws, std::move(digest), identity, verified->expires_at);
  return identity;
}

net::awaitable<Result<std::shared_ptr<const Identity>>> AuthService::authenticate(
    std::string credential, unsigned worker) {
  auto first = check(credential, worker);
  if (first) co_return std::move(*first);
  // The token names a key the set lacks: the provider may have rotated its keys.
  Impl& s = *impl_;
  net::awaitable<bool> refresh = s.refreshForUnknownKey();
  auto refreshed = co_await s.host.call(std::move(refresh));
  if (refreshed && *refreshed) {
    auto again = check(credential, worker);
    if (again) co_return std::move(*again);
  }
  co_return unauthenticated(
      "invalid token: no signing key of the identity provider matches its "
      "key id (kid)");
}

net::awaitable<Result<AuthService::IssuedKey>> AuthService::createKey(NewApiKey key) {
  Impl& s = *impl_;
  auto fn = [&s, key = std::move(key)]() -> Result<IssuedKey> {
    GeneratedKey gen = generateApiKey();
    auto rec = s.store->create(key, gen);
    if (!rec) return rec.status();
    if (Status st = s.reloadKeys(); !st) return st;
    return IssuedKey{std::move(rec.value()), std::move(gen.key)};
  };
  co_return co_await onService<IssuedKey>(s.host, std::move(fn));
}

net::awaitable<Result<std::vector<ApiKeyRecord>>> AuthService::listKeys() {
  Impl& s = *impl_;
  auto fn = [&s] { return s.store->list(); };
  co_return co_await onService<std::vector<ApiKeyRecord>>(s.host, std::move(fn));
}

net::awaitable<Result<std::optional<ApiKeyRecord>>> AuthService::getKey(std::string id) {
  Impl& s = *impl_;
  auto fn = [&s, id = std::move(id)] { return s.store->get(id); };
  co_return co_await onService<std::optional<ApiKeyRecord>>(s.host, std::move(fn));
}

net::awaitable<Result<std::optional<ApiKeyRecord>>> AuthService::updateKey(std::string id,
                                                                           ApiKeyPatch patch) {
  Impl& s = *impl_;
  auto fn = [&s, id = std::move(id),
             patch = std::move(patch)]() -> Result<std::optional<ApiKeyRecord>> {
    auto rec = s.store->update(id, patch);
    if (rec && *rec) {
      if (Status st = s.reloadKeys(); !st) return st;
    }
    return rec;
  };
  co_return co_await onService<std::optional<ApiKeyRecord>>(s.host, std::move(fn));
}

net::awaitable<Result<std::optional<ApiKeyRecord>>> AuthService::revokeKey(std::string id) {
  Impl& s = *impl_;
  auto fn = [&s, id = std::move(id)]() -> Result<std::optional<ApiKeyRecord>> {
    auto done = s.store->revoke(id);
    if (!done) return done.status();
    if (!*done) return std::optional<ApiKeyRecord>();
    if (Status st = s.reloadKeys(); !st) return st;
    return s.store->get(id);
  };
  co_return co_await onService<std::optional<ApiKeyRecord>>(s.host, std::move(fn));
}

net::awaitable<Result<std::optional<AuthService::IssuedKey>>> AuthService::rotateKey(
    std::string id) {
  Impl& s = *impl_;
  auto fn = [&s, id = std::move(id)]() -> Result<std::optional<IssuedKey>> {
    GeneratedKey gen = generateApiKey();
    auto rec = s.store->rotate(id, gen);
    if (!rec) return rec.status();
    if (!*rec) return std::optional<IssuedKey>();
    if (Status st = s.reloadKeys(); !st) return st;
    return std::optional<IssuedKey>(IssuedKey{std::move(**rec), std::move(gen.key)});
  };
  co_return co_await onService<std::optional<IssuedKey>>(s.host, std::move(fn));
}

}  // namespace igw

namespace igw {

net::awaitable<Status> AuthService::withStore(std::function<Status(KeyStore&)> fn, bool reload) {
  Impl& s = *impl_;
  auto work = [&s, fn = std::move(fn), reload]() -> Result<bool> {
    if (Status st = fn(*s.store); !st) return st;
    if (reload) {
      if (Status st = s.reloadKeys(); !st) return st;
    }
    return true;
  };
  auto r = co_await onService<bool>(s.host, std::move(work));
  co_return r ? Status::ok() : r.status();
}

}  // namespace igw
