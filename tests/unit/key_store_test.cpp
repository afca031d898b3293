// The API key store against both backends: SQLite in a temporary directory and a real
// PostgreSQL server started by the test binary (pg_server.h). Plus the key format (ApiKey*).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <latch>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <openssl/evp.h>

#include "auth/api_key.h"
#include "pg_server.h"
#include "store/key_store.h"
#include "store/migrations.h"
#include "temp_dir.h"

namespace igw {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------- ApiKey

std::string referenceSha256Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, text.data(), text.size());
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

TEST(ApiKey, FormatIsPrefixPlus43Base64UrlChars) {
  const auto g = generateApiKey();
  ASSERT_EQ(g.key.size(), 50u);
  EXPECT_TRUE(g.key.starts_with("sk-igw-")) << g.key;
  for (char c : g.key.substr(7)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << g.key;
  }
  EXPECT_TRUE(looksLikeGatewayKey(g.key));
  EXPECT_EQ(g.prefix, g.key.substr(0, 12));
}

TEST(ApiKey, HashIsLowercaseHexSha256OfTheFullKey) {
  EXPECT_EQ(hashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto g = generateApiKey();
  EXPECT_EQ(g.hash, referenceSha256Hex(g.key));
  EXPECT_EQ(g.hash, hashApiKey(g.key));
  ASSERT_EQ(g.hash.size(), 64u);
  EXPECT_EQ(g.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(ApiKey, ThousandKeysAreDistinctAndWellSpread) {
  std::set<std::string> keys, hashes, prefixes;
  for (int i = 0; i < 1000; ++i) {
    auto g = generateApiKey();
    ASSERT_TRUE(looksLikeGatewayKey(g.key)) << g.key;
    keys.insert(g.key);
    hashes.insert(g.hash);
    prefixes.insert(g.prefix);
  }
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(hashes.size(), 1000u);
  // 5 random characters (30 bits) in the display prefix: collisions among 1000 are unlikely
  // (p ~ 5e-4); many would mean the random part is not random.
  EXPECT_GE(prefixes.size(), 998u);
}

TEST(ApiKey, LooksLikeGatewayKeyRejectsOtherShapes) {
  const auto k = generateApiKey().key;
  EXPECT_FALSE(looksLikeGatewayKey(""));
  EXPECT_FALSE(looksLikeGatewayKey("sk-proj-abc"));
  EXPECT_FALSE(looksLikeGatewayKey(k.substr(0, 49)));
  EXPECT_FALSE(looksLikeGatewayKey(k + "A"));
  EXPECT_FALSE(looksLikeGatewayKey("sk-xyz-" + k.substr(7)));
  std::string bad = k;
  bad[20] = '+';  // standard base64, not base64url
  EXPECT_FALSE(looksLikeGatewayKey(bad));
  bad = k;
  bad[20] = '=';
  EXPECT_FALSE(looksLikeGatewayKey(bad));
}

TEST(ApiKey, KeyIdsAreKeyUnderscoreSixteenHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const auto id = newKeyId();
    ASSERT_EQ(id.size(), 20u);
    EXPECT_TRUE(id.starts_with("key_"));
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(ApiKey, ConstantTimeEquals) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(constantTimeEquals("", ""));
}

// -------------------------------------------------------------------------------- backends

struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  std::string freshUrl() { return "sqlite://" + dir.path + "/keys.db"; }
  // Rows of schema_migrations, read directly.
  static int migrationRows(const std::string& url) {
    sqlite3* db = nullptr;
    sqlite3_open(url.substr(9).c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM schema_migrations", -1, &st, nullptr);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
};

struct PostgresBackend {
  static constexpr const char* kName = "postgres";
  std::string freshUrl() {
    std::string error;
    auto* pg = testing::sharedPgServer(&error);
    if (!pg) {
      ADD_FAILURE() << error;
      return "postgresql://postgres@/nowhere?host=/nonexistent";
    }
    return pg->createDatabase();
  }
  static int migrationRows(const std::string& url) {
    PGconn* c = PQconnectdb(url.c_str());
    PGresult* r = PQexec(c, "SELECT COUNT(*) FROM schema_migrations");
    int n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(c);
    return n;
  }
};

template <class Backend>
class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = backend_.freshUrl();
    auto s = KeyStore::open(url_);
    ASSERT_TRUE(s.isOk()) << Backend::kName << ": " << s.status().message();
    store_ = std::move(s).value();
  }

  std::unique_ptr<KeyStore> openAnother() {
    auto s = KeyStore::open(url_);
    EXPECT_TRUE(s.isOk()) << s.status().message();
    return s.isOk() ? std::move(s).value() : nullptr;
  }

  ApiKeyRecord mustCreate(const NewApiKey& k, const GeneratedKey& g = generateApiKey()) {
    auto r = store_->create(k, g);
    EXPECT_TRUE(r.isOk()) << r.status().message();
    return r.isOk() ? r.value() : ApiKeyRecord{};
  }

  int64_t counter() {
    auto c = store_->changeCounter();
    EXPECT_TRUE(c.isOk()) << c.status().message();
    return c.isOk() ? *c : -1;
  }

  Backend backend_;
  std::string url_;
  std::unique_ptr<KeyStore> store_;
};

class BackendNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
TYPED_TEST_SUITE(KeyStoreTest, Backends, BackendNames);

ApiKeyPatch renamed(std::string name) {
  ApiKeyPatch p;
  p.name = std::move(name);
  return p;
}

NewApiKey sampleKey(std::string name = "ci runner") {
  NewApiKey k;
  k.name = std::move(name);
  k.team = "platform";
  k.models = {"openai/*", "anthropic/claude-3-haiku"};
  k.expires_at = 1893456000;
  k.metadata = {{"owner", "alice"}};
  return k;
}

TYPED_TEST(KeyStoreTest, CreateThenGetById) {
  const auto g = generateApiKey();
  auto created = this->store_->create(sampleKey(), g);
  ASSERT_TRUE(created.isOk()) << created.status().message();
  EXPECT_TRUE(created->id.starts_with("key_"));
  EXPECT_EQ(created->hash, g.hash);
  EXPECT_EQ(created->prefix, g.prefix);
  EXPECT_NE(created->hash, g.key);
  EXPECT_GT(created->created_at, 1700000000);
  EXPECT_FALSE(created->revoked);
  EXPECT_FALSE(created->last_used_at.has_value());

  auto got = this->store_->get(created->id);
  ASSERT_TRUE(got.isOk()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  const auto& r = **got;
  EXPECT_EQ(r.id, created->id);
  EXPECT_EQ(r.name, "ci runner");
  EXPECT_EQ(r.team, "platform");
  EXPECT_EQ(r.models, (std::vector<std::string>{"openai/*", "anthropic/claude-3-haiku"}));
  EXPECT_EQ(r.expires_at, std::optional<int64_t>(1893456000));
  EXPECT_EQ(r.metadata, (json{{"owner", "alice"}}));
  EXPECT_EQ(r.created_at, created->created_at);
  EXPECT_EQ(r.hash, g.hash);
  EXPECT_EQ(r.prefix, g.prefix);
  EXPECT_FALSE(r.revoked);
  EXPECT_FALSE(r.revoked_at.has_value());

  auto missing = this->store_->get("key_0000000000000000");
  ASSERT_TRUE(missing.isOk());
  EXPECT_FALSE(missing->has_value());
}

TYPED_TEST(KeyStoreTest, ListReturnsEveryKeyIncludingRevoked) {
  auto empty = this->store_->list();
  ASSERT_TRUE(empty.isOk()) << empty.status().message();
  EXPECT_TRUE(empty->empty());
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(this->mustCreate(sampleKey("k" + std::to_string(i))).id);
  ASSERT_TRUE(this->store_->revoke(*ids.begin()).isOk());
  auto all = this->store_->list();
  ASSERT_TRUE(all.isOk()) << all.status().message();
  ASSERT_EQ(all->size(), 5u);
  std::set<std::string> listed;
  for (const auto& r : *all) listed.insert(r.id);
  EXPECT_EQ(listed, ids);
  EXPECT_EQ(std::count_if(all->begin(), all->end(), [](auto& r) { return r.revoked; }), 1);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](auto& a, auto& b) { return a.created_at < b.created_at; }));
}

TYPED_TEST(KeyStoreTest, UpdateChangesEachFieldAndKeepsTheRest) {
  const auto rec = this->mustCreate(sampleKey());
  auto step = [&](ApiKeyPatch p) {
    const auto before = this->counter();
    auto r = this->store_->update(rec.id, p);
    EXPECT_TRUE(r.isOk()) << r.status().message();
    EXPECT_GT(this->counter(), before);
    auto got = this->store_->get(rec.id);
    EXPECT_TRUE(got.isOk() && got->has_value());
    if (r.isOk() && r->has_value() && got.isOk() && got->has_value()) {
      EXPECT_EQ((*r)->metadata, (*got)->metadata);
      EXPECT_EQ((*r)->name, (*got)->name);
    }
    return got.isOk() && got->has_value() ? **got : ApiKeyRecord{};
  };
  ApiKeyPatch p;
  p.name = "renamed";
  auto r = step(p);
  EXPECT_EQ(r.name, "renamed");
  EXPECT_EQ(r.team, "platform");

  p = {};
  p.team = "research";
  r = step(p);
  EXPECT_EQ(r.team, "research");
  EXPECT_EQ(r.name, "renamed");

  p = {};
  p.models = std::vector<std::string>{"*"};
  r = step(p);
  EXPECT_EQ(r.models, std::vector<std::string>{"*"});

  p = {};
  p.expires_at = std::optional<int64_t>(2000000000);
  r = step(p);
  EXPECT_EQ(r.expires_at, std::optional<int64_t>(2000000000));

  p = {};
  p.expires_at = std::optional<int64_t>();  // clear: never expires
  r = step(p);
  EXPECT_FALSE(r.expires_at.has_value());

  p = {};
  p.metadata = json{{"cost_center", 42}};
  r = step(p);
  EXPECT_EQ(r.metadata, (json{{"cost_center", 42}}));

  // Unchanged throughout: id, secret, creation time.
  EXPECT_EQ(r.id, rec.id);
  EXPECT_EQ(r.hash, rec.hash);
  EXPECT_EQ(r.created_at, rec.created_at);
}

TYPED_TEST(KeyStoreTest, UpdateOfUnknownIdOrEmptyPatch) {
  auto none = this->store_->update("key_ffffffffffffffff", renamed("x"));
  ASSERT_TRUE(none.isOk()) << none.status().message();
  EXPECT_FALSE(none->has_value());

  const auto rec = this->mustCreate(sampleKey());
  const auto before = this->counter();
  auto same = this->store_->update(rec.id, ApiKeyPatch{});
  ASSERT_TRUE(same.isOk() && same->has_value());
  EXPECT_EQ((*same)->name, rec.name);
  EXPECT_EQ(this->counter(), before) << "an empty patch must not make replicas reload";
}

TYPED_TEST(KeyStoreTest, InvalidInputIsRefusedWithoutWriting) {
  auto k = sampleKey();
  k.metadata = json::array({1, 2});
  auto r = this->store_->create(k, generateApiKey());
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("metadata"), std::string::npos);

  k = sampleKey(std::string("nul\0byte", 8));
  r = this->store_->create(k, generateApiKey());
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(this->store_->list()->empty());
  EXPECT_EQ(this->counter(), 0);
}

TYPED_TEST(KeyStoreTest, RevokeIsIdempotent) {
  const auto rec = this->mustCreate(sampleKey());
  const auto c0 = this->counter();
  auto first = this->store_->revoke(rec.id);
  ASSERT_TRUE(first.isOk()) << first.status().message();
  EXPECT_TRUE(*first);
  const auto c1 = this->counter();
  EXPECT_GT(c1, c0);
  auto got = this->store_->get(rec.id);
  ASSERT_TRUE(got.isOk() && got->has_value());
  EXPECT_TRUE((*got)->revoked);
  ASSERT_TRUE((*got)->revoked_at.has_value());
  const auto revoked_at = *(*got)->revoked_at;

  auto second = this->store_->revoke(rec.id);
  ASSERT_TRUE(second.isOk()) << second.status().message();
  EXPECT_TRUE(*second);
  got = this->store_->get(rec.id);
  EXPECT_EQ((*got)->revoked_at, std::optional<int64_t>(revoked_at));

  auto unknown = this->store_->revoke("key_0123456789abcdef");
  ASSERT_TRUE(unknown.isOk());
  EXPECT_FALSE(*unknown);
}

TYPED_TEST(KeyStoreTest, RotateChangesTheSecretKeepsTheKey) {
  const auto old_secret = generateApiKey();
  const auto rec = this->mustCreate(sampleKey(), old_secret);
  const auto c0 = this->counter();
  const auto new_secret = generateApiKey();
  auto rotated = this->store_->rotate(rec.id, new_secret);
  ASSERT_TRUE(rotated.isOk()) << rotated.status().message();
  ASSERT_TRUE(rotated->has_value());
  EXPECT_EQ((*rotated)->id, rec.id);
  EXPECT_EQ((*rotated)->hash, new_secret.hash);
  EXPECT_EQ((*rotated)->prefix, new_secret.prefix);
  EXPECT_GT(this->counter(), c0);

  // What a replica reloads no longer holds the old hash: the old secret stops working.
  auto all = this->store_->list();
  ASSERT_TRUE(all.isOk());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].hash, new_secret.hash);
  EXPECT_EQ((*all)[0].name, rec.name);
  EXPECT_EQ((*all)[0].models, rec.models);
  // The old secret is free again; the new one is taken.
  EXPECT_TRUE(this->store_->create(sampleKey("reuses old"), old_secret).isOk());
  EXPECT_FALSE(this->store_->create(sampleKey("reuses new"), new_secret).isOk());

  auto unknown = this->store_->rotate("key_0123456789abcdef", generateApiKey());
  ASSERT_TRUE(unknown.isOk());
  EXPECT_FALSE(unknown->has_value());

  ASSERT_TRUE(this->store_->revoke(rec.id).isOk());
  auto on_revoked = this->store_->rotate(rec.id, generateApiKey());
  ASSERT_FALSE(on_revoked.isOk());
  EXPECT_EQ(on_revoked.status().code(), Code::kInvalidArgument);
  EXPECT_NE(on_revoked.status().message().find("revoked"), std::string::npos);
}

TYPED_TEST(KeyStoreTest, HashIsUniqueAndTheErrorDoesNotLeakIt) {
  const auto g = generateApiKey();
  this->mustCreate(sampleKey("first"), g);
  const auto before = this->counter();
  auto dup = this->store_->create(sampleKey("second"), g);
  ASSERT_FALSE(dup.isOk());
  EXPECT_EQ(dup.status().code(), Code::kInvalidArgument) << dup.status().message();
  EXPECT_EQ(dup.status().message().find(g.hash), std::string::npos) << dup.status().message();
  EXPECT_EQ(dup.status().message().find(g.key), std::string::npos);
  EXPECT_EQ(dup.status().message().find(g.hash.substr(0, 16)), std::string::npos);
  EXPECT_EQ(this->store_->list()->size(), 1u);
  EXPECT_EQ(this->counter(), before);
}

TYPED_TEST(KeyStoreTest, ChangeCounterSeesWritesOfAnotherStore) {
  auto other = this->openAnother();
  ASSERT_NE(other, nullptr);
  int64_t seen = this->counter();
  auto expectBumped = [&](const char* what) {
    const auto now = this->counter();
    EXPECT_GT(now, seen) << what;
    seen = now;
  };
  auto created = other->create(sampleKey(), generateApiKey());
  ASSERT_TRUE(created.isOk()) << created.status().message();
  expectBumped("create");
  ASSERT_TRUE(other->update(created->id, renamed("n2")).isOk());
  expectBumped("update");
  ASSERT_TRUE(other->rotate(created->id, generateApiKey()).isOk());
  expectBumped("rotate");
  ASSERT_TRUE(other->revoke(created->id).isOk());
  expectBumped("revoke");
  // And the reload shows the other store's writes.
  auto got = this->store_->get(created->id);
  ASSERT_TRUE(got.isOk() && got->has_value());
  EXPECT_TRUE((*got)->revoked);
  EXPECT_EQ((*got)->name, "n2");
}

TYPED_TEST(KeyStoreTest, TouchLastUsedRecordsUseWithoutBumpingTheCounter) {
  const auto a = this->mustCreate(sampleKey("a"));
  const auto b = this->mustCreate(sampleKey("b"));
  const auto before = this->counter();
  auto other = this->openAnother();
  ASSERT_NE(other, nullptr);
  auto s = other->touchLastUsed({{a.id, 1800000000}, {b.id, 1800000005}, {"key_nope", 5}});
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(this->counter(), before);
  EXPECT_EQ((*this->store_->get(a.id))->last_used_at, std::optional<int64_t>(1800000000));
  EXPECT_EQ((*this->store_->get(b.id))->last_used_at, std::optional<int64_t>(1800000005));
  // An older batch arriving late does not move it backwards.
  ASSERT_TRUE(this->store_->touchLastUsed({{a.id, 1700000000}, {a.id, 1800000010}}).isOk());
  EXPECT_EQ((*this->store_->get(a.id))->last_used_at, std::optional<int64_t>(1800000010));
  ASSERT_TRUE(this->store_->touchLastUsed({{a.id, 1700000000}}).isOk());
  EXPECT_EQ((*this->store_->get(a.id))->last_used_at, std::optional<int64_t>(1800000010));
  EXPECT_TRUE(this->store_->touchLastUsed({}).isOk());
}

TYPED_TEST(KeyStoreTest, ReopeningDoesNotReapplyMigrations) {
  const auto rec = this->mustCreate(sampleKey());
  const auto c = this->counter();
  this->store_.reset();
  for (int i = 0; i < 2; ++i) {
    auto again = KeyStore::open(this->url_);
    ASSERT_TRUE(again.isOk()) << again.status().message();
    auto got = (*again)->get(rec.id);
    ASSERT_TRUE(got.isOk() && got->has_value());
    EXPECT_EQ((*got)->hash, rec.hash);
    EXPECT_EQ(*(*again)->changeCounter(), c);
  }
  EXPECT_EQ(TypeParam::migrationRows(this->url_), static_cast<int>(keyStoreMigrations().size()));
}

TYPED_TEST(KeyStoreTest, ConcurrentOpensOfAFreshDatabaseAllSucceed) {
  const std::string url = this->backend_.freshUrl();  // never opened yet
  constexpr int kThreads = 4;
  std::latch go(kThreads);
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto s = KeyStore::open(url);
      if (!s.isOk()) {
        results[i] = s.status();
        return;
      }
      auto c = (*s)->create(sampleKey("thread " + std::to_string(i)), generateApiKey());
      results[i] = c.isOk() ? Status::ok() : c.status();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_TRUE(results[i].isOk()) << "thread " << i << ": " << results[i].message();
  }
  EXPECT_EQ(TypeParam::migrationRows(url), static_cast<int>(keyStoreMigrations().size()));
  auto store = KeyStore::open(url);
  ASSERT_TRUE(store.isOk());
  EXPECT_EQ((*store)->list()->size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(*(*store)->changeCounter(), kThreads);
}

TYPED_TEST(KeyStoreTest, OneStoreSharedByThreads) {
  constexpr int kThreads = 4, kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!this->store_->create(sampleKey(), generateApiKey()).isOk()) ++failures;
        if (!this->store_->changeCounter().isOk()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->store_->list()->size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(this->counter(), kThreads * kEach);
}

TYPED_TEST(KeyStoreTest, MetadataNestedJsonRoundTrips) {
  auto k = sampleKey();
  k.metadata = json::parse(R"({
    "owner": {"name": "Zoë", "tags": ["a", "b", {"deep": [1, 2.5, null, true, false]}]},
    "limits": {"rpm": 600, "big": 9007199254740993, "neg": -3},
    "empty_obj": {}, "empty_arr": [], "escapes": "line\nbreak \"quoted\" \\ \u0001 \ud83d\ude80"
  })");
  const auto rec = this->mustCreate(k);
  auto got = this->store_->get(rec.id);
  ASSERT_TRUE(got.isOk() && got->has_value()) << got.status().message();
  EXPECT_EQ((*got)->metadata, k.metadata) << (*got)->metadata.dump();
  EXPECT_EQ((*got)->metadata["limits"]["big"].template get<int64_t>(), 9007199254740993);
}

TYPED_TEST(KeyStoreTest, ModelsRoundTripInOrder) {
  auto k = sampleKey();
  k.models = {"*", "openai/*", "anthropic/claude-3-haiku", "groq/llama-3.1-8b-instant",
              "weird \"model\" , [name]"};
  const auto rec = this->mustCreate(k);
  EXPECT_EQ((*this->store_->get(rec.id))->models, k.models);
  k.models = {};
  const auto none = this->mustCreate(k);
  EXPECT_TRUE((*this->store_->get(none.id))->models.empty());
}

TYPED_TEST(KeyStoreTest, UnicodeAndSqlMetacharactersAreStoredVerbatim) {
  const std::vector<std::string> names = {
      "Équipe données — 日本語 🚀",
      "O'Brien's key",
      "'); DROP TABLE api_keys; --",
      R"(" OR 1=1 -- \ $1 ?1 :name %s ; /* */ \x00)",
      "tab\tnew\nline",
  };
  std::vector<std::string> ids;
  for (const auto& n : names) {
    auto k = sampleKey(n);
    k.team = n;
    ids.push_back(this->mustCreate(k).id);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto got = this->store_->get(ids[i]);
    ASSERT_TRUE(got.isOk() && got->has_value()) << got.status().message();
    EXPECT_EQ((*got)->name, names[i]);
    EXPECT_EQ((*got)->team, names[i]);
  }
  EXPECT_EQ(this->store_->list()->size(), names.size());
}

// ------------------------------------------------------------------------- backend specifics

TEST(KeyStoreOpen, SqliteUrlFormsNameTheSameFile) {
  TempDir dir;
  const std::string path = dir.path + "/k.db";
  auto a = KeyStore::open("sqlite://" + path);
  ASSERT_TRUE(a.isOk()) << a.status().message();
  auto rec = (*a)->create(sampleKey(), generateApiKey());
  ASSERT_TRUE(rec.isOk());
  for (const std::string& url : {"sqlite:" + path, path}) {
    auto b = KeyStore::open(url);
    ASSERT_TRUE(b.isOk()) << url << ": " << b.status().message();
    EXPECT_TRUE((*(*b)->get(rec->id)).has_value()) << url;
  }
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(KeyStoreOpen, SqliteInMemoryStoreWorks) {
  auto s = KeyStore::open("sqlite::memory:");
  ASSERT_TRUE(s.isOk()) << s.status().message();
  auto rec = (*s)->create(sampleKey(), generateApiKey());
  ASSERT_TRUE(rec.isOk()) << rec.status().message();
  EXPECT_EQ((*(*s)->get(rec->id))->name, "ci runner");
  EXPECT_EQ(*(*s)->changeCounter(), 1);
  EXPECT_FALSE(std::filesystem::exists(":memory:"));
}

TEST(KeyStoreOpen, SqliteMissingDirectoryIsAClearError) {
  TempDir dir;
  auto s = KeyStore::open("sqlite://" + dir.path + "/no/such/dir/keys.db");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("does not exist"), std::string::npos) << s.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/no"));
}

TEST(KeyStoreOpen, UnknownSchemeAndEmptyPathAreRefused) {
  auto s = KeyStore::open("mysql://root@localhost/keys");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(KeyStore::open("sqlite://").isOk());
}

TEST(KeyStoreOpen, PostgresUnreachableIsUnavailableAndHidesThePassword) {
  TempDir dir;  // no server listens here
  auto s = KeyStore::open("postgresql://postgres:hunter2secret@/postgres?host=" + dir.path +
                          "&port=5999&connect_timeout=2");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
  EXPECT_NE(s.status().message().find("cannot connect"), std::string::npos);
  EXPECT_EQ(s.status().message().find("hunter2secret"), std::string::npos) << s.status().message();
}

TEST(KeyStorePostgres, ReconnectsAfterAServerRestart) {
  std::string error;
  auto* pg = testing::sharedPgServer(&error);
  ASSERT_NE(pg, nullptr) << error;
  const auto url = pg->createDatabase();
  auto store = KeyStore::open(url);
  ASSERT_TRUE(store.isOk()) << store.status().message();
  auto rec = (*store)->create(sampleKey(), generateApiKey());
  ASSERT_TRUE(rec.isOk());

  std::string out;
  ASSERT_TRUE(pg->restart(&out)) << out << pg->log();
  // The store's connection was cut; the next call resets it and succeeds.
  auto got = (*store)->get(rec->id);
  ASSERT_TRUE(got.isOk()) << got.status().message();
  EXPECT_TRUE(got->has_value());

  ASSERT_TRUE(pg->restart(&out)) << out << pg->log();
  auto revoked = (*store)->revoke(rec->id);  // a write as the first call after the cut
  ASSERT_TRUE(revoked.isOk()) << revoked.status().message();
  EXPECT_TRUE(*revoked);
  EXPECT_EQ(*(*store)->changeCounter(), 2);
}

}  // namespace
}  // namespace igw
