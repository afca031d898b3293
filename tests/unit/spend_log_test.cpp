// The spend log's bulk insert (LimitsStore::appendSpend over SQLite): 64-row statements for the
// bulk and single rows for the rest, typed values, and records already stored skipped.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/key_store.h"
#include "store/limits_store.h"
#include "store/migrations.h"

namespace igw {
namespace {

SpendRecord record(int i) {
  SpendRecord r;
  r.id = "replica-0-" + std::to_string(i);
  r.request_id = "req-" + std::to_string(i);
  r.ts_ms = 1'764'700'000'000 + i;
  r.key_id = i % 2 == 0 ? "key_even" : "key_odd";
  r.team = "research";
  r.caller = r.key_id;
  r.provider = "openai";
  r.model = "gpt-4o-mini";
  r.prompt_tokens = i;
  r.completion_tokens = 2 * i;
  r.cached_tokens = 1;
  r.reasoning_tokens = 0;
  r.cost_nano = 1000 + i;
  r.status = 200;
  r.latency_ms = 5;
  return r;
}

std::vector<SpendRecord> records(int from, int to) {
  std::vector<SpendRecord> out;
  for (int i = from; i < to; ++i) out.push_back(record(i));
  return out;
}

TEST(SpendLog, BulkInsertWritesEveryRowOnceAcrossBatches) {
  auto store = KeyStore::open("sqlite::memory:");
  ASSERT_TRUE(store.isOk()) << store.status().message();
  LimitsStore ls(**store);
  // 150 rows: two 64-row statements and 22 single rows.
  ASSERT_TRUE(ls.appendSpend(records(0, 150)).isOk());
  // A second batch overlapping the first (as a repeated journal drain would): 100..149 are
  // skipped, 150..249 written, through the statements kept from the first call.
  ASSERT_TRUE(ls.appendSpend(records(100, 250)).isOk());
  ASSERT_TRUE(ls.appendSpend({}).isOk());

  auto total = ls.querySpend({});
  ASSERT_TRUE(total.isOk()) << total.status().message();
  ASSERT_EQ(total->size(), 1u);
  int64_t prompt = 0, cost = 0;
  for (int i = 0; i < 250; ++i) {
    prompt += i;
    cost += 1000 + i;
  }
  EXPECT_EQ((*total)[0].requests, 250);
  EXPECT_EQ((*total)[0].prompt_tokens, prompt);
  EXPECT_EQ((*total)[0].completion_tokens, 2 * prompt);
  EXPECT_EQ((*total)[0].cached_tokens, 250);
  EXPECT_EQ((*total)[0].cost_nano, cost);

  SpendQuery by_key;
  by_key.group_by = "key";
  auto groups = ls.querySpend(by_key);
  ASSERT_TRUE(groups.isOk());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].requests + (*groups)[1].requests, 250);
  EXPECT_EQ((*groups)[0].requests, 125);

  // Integers stay integers: the time range and the budget's sum read them as numbers.
  auto since = ls.spendSince("key_even", false, 1'764'700'000'000 + 200);
  ASSERT_TRUE(since.isOk());
  int64_t even = 0;
  for (int i = 200; i < 250; i += 2) even += 1000 + i;
  EXPECT_EQ(*since, even);
}

// A database written by a gateway at schema version 2 (the spend log with a rowid, an id key and
// three indexes) is rebuilt by migration 3 on open: every row kept, a key's and a team's spend
// over time read as before, and a record already stored still skipped.
TEST(SpendLog, MigrationThreeKeepsEveryRowOfAVersionTwoDatabase) {
  char tmpl[] = "/tmp/igw-spendlog-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string path = dir + "/gateway.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT "
        "NULL);";
    for (const Migration& m : keyStoreMigrations()) {
      if (m.version > 2) break;
      sql += std::string(m.sqlite_sql);
      sql += "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0);";
    }
    for (int i = 0; i < 40; ++i) {
      const SpendRecord r = record(i);
      sql +=
          "INSERT INTO spend_log (id, request_id, ts_ms, key_id, team, provider, model, "
          "prompt_tokens, cost_nano, status) VALUES ('" +
          r.id + "', '" + r.request_id + "', " + std::to_string(r.ts_ms) + ", '" + r.key_id +
          "', '" + r.team + "', 'openai', 'gpt-4o-mini', " + std::to_string(r.prompt_tokens) +
          ", " + std::to_string(r.cost_nano) + ", 200);";
    }
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(db);
  }
  {
    auto store = KeyStore::open("sqlite://" + path);
    ASSERT_TRUE(store.isOk()) << store.status().message();
    LimitsStore ls(**store);
    // 30..39 were stored at version 2: skipped; 40..59 new.
    ASSERT_TRUE(ls.appendSpend(records(30, 60)).isOk());
    auto total = ls.querySpend({});
    ASSERT_TRUE(total.isOk()) << total.status().message();
    ASSERT_EQ(total->size(), 1u);
    EXPECT_EQ((*total)[0].requests, 60);
    int64_t cost = 0;
    for (int i = 0; i < 60; ++i) cost += 1000 + i;
    EXPECT_EQ((*total)[0].cost_nano, cost);

    auto odd = ls.spendSince("key_odd", false, 1'764'700'000'000 + 10);
    ASSERT_TRUE(odd.isOk());
    int64_t want = 0;
    for (int i = 11; i < 60; i += 2) want += 1000 + i;
    EXPECT_EQ(*odd, want);
    auto team = ls.spendSince("research", true, 1'764'700'000'000 + 50);
    ASSERT_TRUE(team.isOk());
    want = 0;
    for (int i = 50; i < 60; ++i) want += 1000 + i;
    EXPECT_EQ(*team, want);

    SpendQuery range;
    range.from_ms = 1'764'700'000'000 + 20;
    range.to_ms = 1'764'700'000'000 + 45;
    range.group_by = "day";
    auto days = ls.querySpend(range);
    ASSERT_TRUE(days.isOk());
    ASSERT_EQ(days->size(), 1u);
    EXPECT_EQ((*days)[0].requests, 25);
  }
  {
    // The layout the writer's cost depends on: clustered on (key_id, ts_ms, id), one index.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT (SELECT sql FROM sqlite_master WHERE name = 'spend_log'), "
                                 "(SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                                 "tbl_name = 'spend_log'), (SELECT MAX(version) FROM "
                                 "schema_migrations)",
                                 -1, &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    const std::string table = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    EXPECT_NE(table.find("WITHOUT ROWID"), std::string::npos) << table;
    EXPECT_EQ(sqlite3_column_int(st, 1), 1);
    EXPECT_EQ(sqlite3_column_int(st, 2), static_cast<int>(keyStoreMigrations().size()));
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace igw
