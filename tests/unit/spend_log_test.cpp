// The spend log over SQLite (LimitsStore): every record in the log once, the per-second rollup
// that budgets and GET /admin/spend read, a repeated journal drain skipping what it wrote, and the
// upgrade of older databases.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/key_store.h"
#include "store/limits_store.h"
#include "store/migrations.h"
#include "temp_dir.h"

namespace igw {
namespace {

constexpr int64_t kBaseMs = 1'764'700'000'000;  // a whole second
constexpr int64_t kBaseS = kBaseMs / 1000;

// Four records a second, alternating between two keys of one team.
SpendRecord record(int i) {
  SpendRecord r;
  r.id = "replica-0-" + std::to_string(i);
  r.request_id = "req-" + std::to_string(i);
  r.ts_ms = kBaseMs + 250 * i;
  r.key_id = i % 2 == 0 ? "key_even" : "key_odd";
  r.team = "research";
  r.caller = r.key_id;
  r.provider = "openai";
  r.model = i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini";
  r.prompt_tokens = i;
  r.completion_tokens = 2 * i;
  r.cached_tokens = 1;
  r.reasoning_tokens = i % 5;
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

int64_t costOf(int from, int to, int step = 1) {
  int64_t sum = 0;
  for (int i = from; i < to; i += step) sum += 1000 + i;
  return sum;
}

// A database file in a fresh directory, removed at the end.
class TempDb {
 public:
  std::string path() const { return dir_.path + "/gateway.db"; }

  // The first column of the first row of `sql`, as an integer.
  int64_t scalar(const std::string& sql) const {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    int64_t out = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      out = sqlite3_column_int64(st, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

 private:
  TempDir dir_;
};

TEST(SpendLog, TotalsCountEveryRecordOnceAcrossBatches) {
  TempDb tmp;
  auto store = KeyStore::open("sqlite://" + tmp.path());
  ASSERT_TRUE(store.isOk()) << store.status().message();
  LimitsStore ls(**store);
  // 150 rows: two 64-row statements and 22 single rows; then 800 more through the statements
  // kept from the first call, in chunks of 256 (one transaction).
  constexpr int kN = 950;
  ASSERT_TRUE(ls.appendSpend(records(0, 150)).isOk());
  ASSERT_TRUE(ls.appendSpend(records(150, kN)).isOk());
  ASSERT_TRUE(ls.appendSpend(std::vector<SpendRecord>{}).isOk());

  auto total = ls.querySpend({});
  ASSERT_TRUE(total.isOk()) << total.status().message();
  ASSERT_EQ(total->size(), 1u);
  int64_t prompt = 0, reasoning = 0;
  for (int i = 0; i < kN; ++i) {
    prompt += i;
    reasoning += i % 5;
  }
  EXPECT_EQ((*total)[0].requests, kN);
  EXPECT_EQ((*total)[0].prompt_tokens, prompt);
  EXPECT_EQ((*total)[0].completion_tokens, 2 * prompt);
  EXPECT_EQ((*total)[0].cached_tokens, kN);
  EXPECT_EQ((*total)[0].reasoning_tokens, reasoning);
  EXPECT_EQ((*total)[0].cost_nano, costOf(0, kN));

  SpendQuery by_key;
  by_key.group_by = "key";
  auto groups = ls.querySpend(by_key);
  ASSERT_TRUE(groups.isOk());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].group, "key_even");
  EXPECT_EQ((*groups)[0].requests, kN / 2);
  EXPECT_EQ((*groups)[0].cost_nano, costOf(0, kN, 2));
  EXPECT_EQ((*groups)[1].requests, kN / 2);

  // A budget's period starting at second 50: records 200.. (four a second).
  auto since = ls.spendSince("key_even", false, kBaseS + 50);
  ASSERT_TRUE(since.isOk());
  EXPECT_EQ(*since, costOf(200, kN, 2));
  auto team = ls.spendSince("research", true, kBaseS + 50);
  ASSERT_TRUE(team.isOk());
  EXPECT_EQ(*team, costOf(200, kN));

  // Every record is a row of the log; the rollup holds one row per key, second and model.
  EXPECT_EQ(tmp.scalar("SELECT COUNT(*) FROM spend_log"), kN);
  EXPECT_EQ(tmp.scalar("SELECT COUNT(DISTINCT id) FROM spend_log"), kN);
  EXPECT_LT(tmp.scalar("SELECT COUNT(*) FROM spend_rollup"), kN);
  EXPECT_EQ(tmp.scalar("SELECT SUM(cost_nano) FROM spend_log"), costOf(0, kN));
}

// Ranges are whole seconds: a record at 12.750 s is inside [12, 13) and outside [13, 20).
TEST(SpendLog, RangesAndGroupsFollowTheSecondsOfTheRecords) {
  auto store = KeyStore::open("sqlite::memory:");
  ASSERT_TRUE(store.isOk()) << store.status().message();
  LimitsStore ls(**store);
  ASSERT_TRUE(ls.appendSpend(records(0, 80)).isOk());  // seconds 0..19

  SpendQuery q;
  q.from_s = kBaseS + 12;
  q.to_s = kBaseS + 13;
  auto one = ls.querySpend(q);
  ASSERT_TRUE(one.isOk());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].requests, 4);
  EXPECT_EQ((*one)[0].cost_nano, costOf(48, 52));

  q.group_by = "model";
  q.from_s = kBaseS + 13;
  q.to_s = kBaseS + 20;
  auto models = ls.querySpend(q);
  ASSERT_TRUE(models.isOk());
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].group, "openai/gpt-4o");
  EXPECT_EQ((*models)[1].group, "openai/gpt-4o-mini");
  int64_t big = 0, mini = 0;
  for (int i = 52; i < 80; ++i) (i % 3 == 0 ? big : mini) += 1000 + i;
  EXPECT_EQ((*models)[0].cost_nano, big);
  EXPECT_EQ((*models)[1].cost_nano, mini);

  SpendQuery bare;
  bare.model = "gpt-4o";
  bare.key_id = "key_odd";
  auto odd = ls.querySpend(bare);
  ASSERT_TRUE(odd.isOk());
  ASSERT_EQ(odd->size(), 1u);
  int64_t want = 0;
  for (int i = 3; i < 80; i += 6) want += 1000 + i;  // odd and a multiple of 3
  EXPECT_EQ((*odd)[0].cost_nano, want);

  SpendQuery days;
  days.group_by = "day";
  auto d = ls.querySpend(days);
  ASSERT_TRUE(d.isOk());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].group, std::to_string(kBaseS / 86400 * 86400));
  EXPECT_EQ((*d)[0].requests, 80);
}

// The shared Redis journal is drained from its head: a drain whose trim failed is repeated with
// the same records at the head, now followed by newer ones. Only the newer ones are written.
TEST(SpendLog, RepeatedJournalDrainSkipsWhatItWrote) {
  TempDb tmp;
  auto store = KeyStore::open("sqlite://" + tmp.path());
  ASSERT_TRUE(store.isOk()) << store.status().message();
  LimitsStore ls(**store);
  ASSERT_TRUE(ls.appendJournal(records(0, 100)).isOk());
  ASSERT_TRUE(ls.appendJournal(records(0, 150)).isOk());    // trim failed: 0..99 again
  ASSERT_TRUE(ls.appendJournal(records(100, 150)).isOk());  // and again, nothing new
  ASSERT_TRUE(ls.appendJournal(records(150, 200)).isOk());  // trimmed: all new
  auto total = ls.querySpend({});
  ASSERT_TRUE(total.isOk());
  ASSERT_EQ(total->size(), 1u);
  EXPECT_EQ((*total)[0].requests, 200);
  EXPECT_EQ((*total)[0].cost_nano, costOf(0, 200));
  EXPECT_EQ(tmp.scalar("SELECT COUNT(*) FROM spend_log"), 200);
  EXPECT_EQ(tmp.scalar("SELECT COUNT(DISTINCT id) FROM spend_log"), 200);
}

// A database written by a gateway at schema version 2 (the spend log with a rowid, an id key and
// three indexes) is upgraded on open (migrations 3 and 4): every row kept, and counted in the
// rollup that a key's and a team's spend over time is read from.
TEST(SpendLog, UpgradeKeepsAndCountsEveryRowOfAVersionTwoDatabase) {
  TempDb tmp;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(tmp.path().c_str(), &db), SQLITE_OK);
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
          "', '" + r.team + "', 'openai', '" + r.model + "', " + std::to_string(r.prompt_tokens) +
          ", " + std::to_string(r.cost_nano) + ", 200);";
    }
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(db);
  }
  {
    auto store = KeyStore::open("sqlite://" + tmp.path());
    ASSERT_TRUE(store.isOk()) << store.status().message();
    LimitsStore ls(**store);
    ASSERT_TRUE(ls.appendSpend(records(40, 60)).isOk());
    auto total = ls.querySpend({});
    ASSERT_TRUE(total.isOk()) << total.status().message();
    ASSERT_EQ(total->size(), 1u);
    EXPECT_EQ((*total)[0].requests, 60);
    EXPECT_EQ((*total)[0].cost_nano, costOf(0, 60));

    // Second 2 starts at record 8.
    auto odd = ls.spendSince("key_odd", false, kBaseS + 2);
    ASSERT_TRUE(odd.isOk());
    EXPECT_EQ(*odd, costOf(9, 60, 2));
    auto team = ls.spendSince("research", true, kBaseS + 10);
    ASSERT_TRUE(team.isOk());
    EXPECT_EQ(*team, costOf(40, 60));

    SpendQuery range;
    range.from_s = kBaseS + 5;
    range.to_s = kBaseS + 11;
    range.group_by = "day";
    auto days = ls.querySpend(range);
    ASSERT_TRUE(days.isOk());
    ASSERT_EQ(days->size(), 1u);
    EXPECT_EQ((*days)[0].requests, 24);
  }
  // The log the writer appends to: a plain table with no index; the rollup with its team index.
  EXPECT_EQ(tmp.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                       "'spend_log'"),
            0);
  EXPECT_EQ(tmp.scalar("SELECT instr(sql, 'WITHOUT ROWID') FROM sqlite_master WHERE name = "
                       "'spend_log'"),
            0);
  EXPECT_EQ(tmp.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'spend_rollup_team'"), 1);
  EXPECT_EQ(tmp.scalar("SELECT COUNT(*) FROM spend_log"), 60);
  EXPECT_EQ(tmp.scalar("SELECT MAX(version) FROM schema_migrations"),
            static_cast<int64_t>(keyStoreMigrations().size()));
}

}  // namespace
}  // namespace igw
