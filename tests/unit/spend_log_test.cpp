// The spend log's bulk insert (LimitsStore::appendSpend over SQLite): 64-row statements for the
// bulk and single rows for the rest, typed values, and records already stored skipped.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/key_store.h"
#include "store/limits_store.h"

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

}  // namespace
}  // namespace igw
