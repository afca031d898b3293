// Limit specs (their JSON form and calendar periods) and the in-process counters that admit and
// settle requests (limits/local_counters.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "limits/limit_spec.h"
#include "limits/local_counters.h"

namespace igw {
namespace {

using nlohmann::json;

int64_t utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  return static_cast<int64_t>(timegm(&tm));
}

TEST(LimitSpec, ParsesEveryFieldAndRoundTrips) {
  auto l = parseLimits(
      json::parse(R"({"rpm":50,"tpm":1000,"max_parallel":3,"budget":{"usd":0.2,"period":"day"}})"));
  ASSERT_TRUE(l.isOk()) << l.status().message();
  EXPECT_EQ(*l->rpm, 50);
  EXPECT_EQ(*l->tpm, 1000);
  EXPECT_EQ(*l->max_parallel, 3);
  EXPECT_EQ(l->budget->nano_usd, 200'000'000);
  EXPECT_EQ(l->budget->period, BudgetPeriod::kDay);
  auto back = decodeLimits(encodeLimits(*l));
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, *l);
}

TEST(LimitSpec, PatchChangesOnlyNamedFieldsAndNullRemoves) {
  LimitSpec base;
  base.rpm = 5;
  base.tpm = 100;
  auto l = parseLimits(json::parse(R"({"tpm":null,"max_parallel":2})"), &base);
  ASSERT_TRUE(l.isOk());
  EXPECT_EQ(*l->rpm, 5);
  EXPECT_FALSE(l->tpm);
  EXPECT_EQ(*l->max_parallel, 2);
}

TEST(LimitSpec, RefusesWhatCannotBeALimitWithAMessageNamingTheField) {
  for (const char* bad :
       {R"({"rpm":0})", R"({"rpm":1.5})", R"({"tpm":"many"})", R"({"max_parallel":-1})",
        R"({"budget":5})", R"({"budget":{"usd":0}})", R"({"budget":{"usd":5,"period":"year"}})",
        R"({"budget":{"usd":5,"cap":1}})", R"({"budget":{"usd":1e300}})"}) {
    auto l = parseLimits(json::parse(bad));
    EXPECT_FALSE(l.isOk()) << bad;
    EXPECT_EQ(l.status().code(), Code::kInvalidArgument) << bad;
  }
  auto l = parseLimits(json::parse(R"({"rpm":0})"));
  EXPECT_NE(l.status().message().find("\"rpm\""), std::string::npos);
}

TEST(LimitSpec, CalendarPeriodsInUtc) {
  const int64_t t = utc(2026, 12, 2, 15, 30);  // a Wednesday
  EXPECT_EQ(periodStart(BudgetPeriod::kDay, t), utc(2026, 12, 2));
  EXPECT_EQ(periodEnd(BudgetPeriod::kDay, t), utc(2026, 12, 3));
  EXPECT_EQ(periodStart(BudgetPeriod::kWeek, t), utc(2026, 11, 30));  // Monday
  EXPECT_EQ(periodEnd(BudgetPeriod::kWeek, t), utc(2026, 12, 7));
  EXPECT_EQ(periodStart(BudgetPeriod::kMonth, t), utc(2026, 12, 1));
  EXPECT_EQ(periodEnd(BudgetPeriod::kMonth, t), utc(2027, 1, 1));
  EXPECT_EQ(periodEnd(BudgetPeriod::kMonth, utc(2028, 2, 10)), utc(2028, 3, 1));
  EXPECT_EQ(periodStart(BudgetPeriod::kWeek, utc(2026, 11, 30)), utc(2026, 11, 30));
  EXPECT_EQ(periodStart(BudgetPeriod::kWeek, utc(2026, 11, 29, 23, 59, 59)), utc(2026, 11, 23));
}

TEST(LocalCounters, RpmIsExactInASlidingWindow) {
  LocalCounters c;
  LimitSpec l;
  l.rpm = 3;
  const int64_t t0 = 1'000'000'000'000;
  int admitted = 0;
  for (int i = 0; i < 5; ++i) {
    admitted += LocalCounters::admit(&c, &l, nullptr, nullptr, {}, t0 + i * 1000).admitted;
  }
  EXPECT_EQ(admitted, 3);
  Decision d = LocalCounters::admit(&c, &l, nullptr, nullptr, {}, t0 + 10'000);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.refused, LimitKind::kRequests);
  EXPECT_EQ(d.retry_after_ms, 50'000);  // the first request leaves the window at t0 + 60 s
  EXPECT_TRUE(LocalCounters::admit(&c, &l, nullptr, nullptr, {}, t0 + 60'000).admitted);
}

// The window as it was first written: every call scans the 60 buckets and sorts them. The real
// one keeps a running total and a hint; both must answer alike.
class PlainWindow {
 public:
  int64_t sum(int64_t now_sec) const {
    int64_t total = 0;
    for (size_t i = 0; i < 60; ++i) {
      if (count_[i] != 0 && sec_[i] > now_sec - 60 && sec_[i] <= now_sec) total += count_[i];
    }
    return total;
  }
  void add(int64_t sec, int64_t n, int64_t now_sec) {
    if (sec <= now_sec - 60) return;
    const size_t i = static_cast<size_t>(((sec % 60) + 60) % 60);
    if (sec_[i] != sec) {
      sec_[i] = sec;
      count_[i] = 0;
    }
    count_[i] = std::max<int64_t>(0, count_[i] + n);
  }
  int64_t msUntilFreed(int64_t need, int64_t now_ms) const {
    if (need <= 0) return 0;
    const int64_t now_sec = now_ms / 1000;
    std::vector<std::pair<int64_t, int64_t>> live;
    for (size_t i = 0; i < 60; ++i) {
      if (count_[i] != 0 && sec_[i] > now_sec - 60 && sec_[i] <= now_sec) {
        live.emplace_back(sec_[i], count_[i]);
      }
    }
    std::sort(live.begin(), live.end());
    int64_t freed = 0;
    for (auto [s, k] : live) {
      freed += k;
      if (freed >= need) return std::max<int64_t>(1, (s + 60) * 1000 - now_ms);
    }
    return 60'000;
  }

 private:
  std::array<int64_t, 60> sec_{}, count_{};
};

// Adds (some negative, as settlement gives back a reservation) as the clock moves on by small and
// large steps and now and then goes back.
TEST(SlidingWindow, AnswersLikeAPlainScan) {
  SlidingWindow w;
  PlainWindow plain;
  uint64_t rng = 12345;
  auto next = [&rng](uint64_t mod) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((rng >> 33) % mod);
  };
  int64_t now = 1'000'000;
  for (int step = 0; step < 20000; ++step) {
    const int64_t r = next(100);
    if (r < 60) {
      now += next(3);
    } else if (r < 63) {
      now += 30 + next(100);
    } else if (r < 66) {
      now -= next(5);  // the clock goes back a little
    }
    const int64_t sec = now - next(70);
    const int64_t n = next(10) < 2 ? -next(30) : next(10) + 1;
    w.add(sec, n, now);
    plain.add(sec, n, now);
    ASSERT_EQ(w.sum(now), plain.sum(now)) << "step " << step;
    const int64_t now_ms = now * 1000 + next(1000);
    const int64_t total = plain.sum(now);
    for (int64_t need : {int64_t{0}, int64_t{1}, total / 2 + 1, total, total + 1}) {
      ASSERT_EQ(w.msUntilFreed(need, now_ms), plain.msUntilFreed(need, now_ms))
          << "step " << step << " need " << need;
    }
  }
}

TEST(LocalCounters, KeyAndTeamAdmitTogetherOrNotAtAll) {
  LocalCounters key, team;
  LimitSpec kl, tl;
  kl.rpm = 10;
  tl.max_parallel = 1;
  const int64_t t0 = 1'000'000'000'000;
  EXPECT_TRUE(LocalCounters::admit(&key, &kl, &team, &tl, {}, t0).admitted);
  Decision d = LocalCounters::admit(&key, &kl, &team, &tl, {}, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_TRUE(d.team);
  EXPECT_EQ(d.refused, LimitKind::kParallel);
  // The refused request took nothing from the key.
  EXPECT_EQ(key.usage(kl, t0).requests, 1);
}

TEST(LocalCounters, BudgetReservesThenSettlesTheRealCost) {
  LocalCounters c;
  LimitSpec l;
  l.budget = BudgetSpec{100, BudgetPeriod::kDay};
  const int64_t t0 = utc(2026, 12, 2, 12) * 1000;
  Estimate est{10, 60};
  EXPECT_TRUE(LocalCounters::admit(&c, &l, nullptr, nullptr, est, t0).admitted);
  // 60 reserved: another 60 does not fit.
  Decision d = LocalCounters::admit(&c, &l, nullptr, nullptr, est, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.refused, LimitKind::kBudget);
  EXPECT_EQ(d.budget_reset_unix, utc(2026, 12, 3));
  LocalCounters::settle(&c, &l, nullptr, nullptr, Settlement{est, t0 / 1000, 7, 25}, t0);
  auto u = c.usage(l, t0);
  EXPECT_EQ(u.spent_nano, 25);
  EXPECT_EQ(u.reserved_nano, 0);
  EXPECT_TRUE(LocalCounters::admit(&c, &l, nullptr, nullptr, est, t0).admitted);
  // The next day starts from zero.
  EXPECT_EQ(c.usage(l, utc(2026, 12, 3, 1) * 1000).spent_nano, 0);
}

}  // namespace
}  // namespace igw
