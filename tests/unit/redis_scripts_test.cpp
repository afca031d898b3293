// The shared limiter's Lua scripts (limits/redis_scripts.h) run by a real redis-server
// (redis_server.h) with the caller's clock passed in, so a minute of sliding window is tested
// without waiting for it: what a request sees after 10 s, 59 s and 61 s, the reset times in the
// x-ratelimit-reset-* headers, a settlement moving tokens between seconds, the per-second cached
// totals agreeing with the buckets, and expiries on every key the scripts create.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "limits/redis_scripts.h"
#include "redis_server.h"
#include "store/redis_protocol.h"
#include "store/redis_sync_client.h"
#include "store/redis_url.h"

namespace igw {
namespace {

using testing::RedisServer;

constexpr int64_t kT0 = 1'764'700'000'250;  // ms; its second starts 250 ms earlier
constexpr int64_t kSec0 = kT0 / 1000;
constexpr const char* kKey = "igw:{k:test}:";

struct Limits {
  int64_t rpm = 0, tpm = 0, parallel = 0;
};

// Admission's reply, named: {admitted, subject, kind, retry_ms, budget, spent, reset_unix, then
// limit_req remaining_req reset_req_ms limit_tok remaining_tok reset_tok_ms}.
struct Admission {
  bool admitted = false;
  int64_t kind = 0, retry_ms = 0;
  int64_t limit_req = 0, remaining_req = 0, reset_req_ms = 0;
  int64_t limit_tok = 0, remaining_tok = 0, reset_tok_ms = 0;
};

class RedisScripts : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = RedisServer::start({}, &error);
    ASSERT_TRUE(server_) << error;
    auto o = parseRedisUrl(server_->url());
    ASSERT_TRUE(o.isOk()) << o.status().message();
    redis_ = std::make_unique<RedisSyncClient>(*o);
  }

  Admission admit(int64_t now_ms, const std::string& ticket, int64_t est_tokens, Limits l) {
    std::vector<std::string> args{std::to_string(now_ms),
                                  ticket,
                                  "60000",
                                  std::to_string(est_tokens),
                                  "0",
                                  "1",
                                  kKey,
                                  std::to_string(l.rpm),
                                  std::to_string(l.tpm),
                                  std::to_string(l.parallel),
                                  "0",
                                  "0",
                                  "0"};
    auto r = redis_->eval(admit_, {}, args);
    Admission a;
    EXPECT_TRUE(r.isOk()) << r.status().message();
    if (!r.isOk()) return a;
    EXPECT_EQ(r->type, RedisReply::Type::kArray) << r->str;
    if (r->elements.size() < 13) {
      ADD_FAILURE() << "admission reply has " << r->elements.size() << " elements";
      return a;
    }
    auto at = [&](size_t i) { return r->elements[i].integer; };
    a.admitted = at(0) == 1;
    a.kind = at(2);
    a.retry_ms = at(3);
    a.limit_req = at(7);
    a.remaining_req = at(8);
    a.reset_req_ms = at(9);
    a.limit_tok = at(10);
    a.remaining_tok = at(11);
    a.reset_tok_ms = at(12);
    return a;
  }

  void settle(int64_t now_ms, const std::string& ticket, int64_t admitted_sec, int64_t est_tokens,
              int64_t tokens, int64_t tpm) {
    std::vector<std::string> args{std::to_string(now_ms),
                                  ticket,
                                  std::to_string(admitted_sec),
                                  std::to_string(est_tokens),
                                  "0",
                                  std::to_string(tokens),
                                  "0",
                                  "",
                                  "1",
                                  kKey,
                                  std::to_string(tpm),
                                  "0",
                                  "0"};
    auto r = redis_->eval(settle_, {}, args);
    ASSERT_TRUE(r.isOk()) << r.status().message();
    EXPECT_EQ(r->integer, 1) << r->str;
  }

  // The count stored for one second of a window ("rq" or "tk"), 0 when there is none.
  int64_t bucket(const char* window, int64_t sec) {
    auto r = redis_->command({"HGET", std::string(kKey) + window, std::to_string(sec)});
    EXPECT_TRUE(r.isOk());
    return r.isOk() && !r->isNil() ? std::stoll(r->str) : 0;
  }

  int64_t pttl(const char* suffix) {
    auto r = redis_->command({"PTTL", std::string(kKey) + suffix});
    EXPECT_TRUE(r.isOk());
    return r.isOk() ? r->integer : -3;
  }

  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisSyncClient> redis_;
  RedisScript admit_{std::string(redis_scripts::kCommon) + redis_scripts::kAdmit};
  RedisScript settle_{std::string(redis_scripts::kCommon) + redis_scripts::kSettle};
};

TEST_F(RedisScripts, RequestsSlideOutOfTheWindowSixtySecondsAfterTheirSecond) {
  const Limits l{.rpm = 3};
  // Three in the first second: remaining counts down. The reset is when the oldest request
  // already counted frees its slot: its second leaves the window 59.75 s from now (a full
  // minute for the first request, which found the window empty).
  for (int i = 0; i < 3; ++i) {
    Admission a = admit(kT0, "t" + std::to_string(i), 1, l);
    ASSERT_TRUE(a.admitted) << i;
    EXPECT_EQ(a.limit_req, 3);
    EXPECT_EQ(a.remaining_req, 2 - i);
    EXPECT_EQ(a.reset_req_ms, i == 0 ? 60'000 : (kSec0 + 60) * 1000 - kT0);
  }
  EXPECT_GT(pttl("rq"), 0) << "the window's key must expire";

  // 10 s later: refused for requests, told to come back when the first second leaves.
  Admission later = admit(kT0 + 10'000, "t3", 1, l);
  EXPECT_FALSE(later.admitted);
  EXPECT_EQ(later.kind, 1);
  EXPECT_EQ(later.retry_ms, (kSec0 + 60) * 1000 - (kT0 + 10'000));
  EXPECT_EQ(later.remaining_req, 0);

  // 59 s later the first second is still in the window; 60 s later it is not, and its bucket
  // is deleted.
  EXPECT_FALSE(admit((kSec0 + 59) * 1000 + 999, "t4", 1, l).admitted);
  Admission next = admit((kSec0 + 60) * 1000, "t5", 1, l);
  EXPECT_TRUE(next.admitted);
  EXPECT_EQ(next.remaining_req, 2);
  EXPECT_EQ(bucket("rq", kSec0), 0);
  EXPECT_EQ(bucket("rq", kSec0 + 60), 1);
  // Nothing else is left in the window: a full minute.
  EXPECT_EQ(next.reset_req_ms, 60'000);
}

TEST_F(RedisScripts, OldestBucketSetsTheResetWhateverOrderRedisReturnsThemIn) {
  const Limits l{.rpm = 100};
  // Buckets in several seconds, created out of order (as replicas with slightly different
  // clocks would): the reset is always counted from the oldest second that holds a request.
  for (int64_t s : {kSec0 + 5, kSec0 + 1, kSec0 + 9, kSec0 + 3}) {
    ASSERT_TRUE(admit(s * 1000 + 100, "x" + std::to_string(s), 1, l).admitted);
  }
  Admission a = admit((kSec0 + 10) * 1000, "now", 1, l);
  ASSERT_TRUE(a.admitted);
  EXPECT_EQ(a.remaining_req, 100 - 5);
  EXPECT_EQ(a.reset_req_ms, (kSec0 + 1 + 60) * 1000 - (kSec0 + 10) * 1000);
}

TEST_F(RedisScripts, TokenRefusalWaitsForEnoughTokensToLeaveAndSettlementMovesThem) {
  const Limits l{.tpm = 1000};
  Admission first = admit(kT0, "a", 300, l);
  ASSERT_TRUE(first.admitted);
  EXPECT_EQ(first.remaining_tok, 700);
  EXPECT_EQ(first.reset_tok_ms, 0) << "nothing has to leave for this request to fit";
  ASSERT_TRUE(admit(kT0 + 5'000, "b", 500, l).admitted);
  EXPECT_GT(pttl("tk"), 0);

  // 800 reserved; 600 more need 400 to leave: the first bucket (300) is not enough, the
  // second (500) is, so the wait runs to the second bucket's exit.
  Admission refused = admit(kT0 + 10'000, "c", 600, l);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.kind, 2);
  EXPECT_EQ(refused.retry_ms, (kSec0 + 5 + 60) * 1000 - (kT0 + 10'000));

  // "a" used 50 tokens, settled at +20 s: its 300 leave the first second and 50 land in the
  // settlement's second. 550 used, so 400 more fit and 500 do not.
  settle(kT0 + 20'000, "a", kSec0, 300, 50, 1000);
  EXPECT_EQ(bucket("tk", kSec0), 0);
  EXPECT_EQ(bucket("tk", kSec0 + 20), 50);
  EXPECT_GT(pttl("tk"), 0);
  // In the settlement's second (the window's cached total) ...
  EXPECT_FALSE(admit(kT0 + 20'500, "d", 500, l).admitted);
  Admission fits = admit(kT0 + 20'500, "e", 400, l);
  EXPECT_TRUE(fits.admitted);
  EXPECT_EQ(fits.remaining_tok, 50);
  // ... and in the next (rebuilt from the buckets): the same 950.
  EXPECT_FALSE(admit(kT0 + 21'000, "f", 51, l).admitted);
  Admission last = admit(kT0 + 21'000, "g", 50, l);
  EXPECT_TRUE(last.admitted);
  EXPECT_EQ(last.remaining_tok, 0);
}

TEST_F(RedisScripts, ABucketWrittenBehindTheCachedTotalCountsFromTheNextSecond) {
  // A replica still running a version without the cached totals increments the buckets alone:
  // the others see it when they rebuild the total, at most a second later.
  const Limits l{.rpm = 10};
  ASSERT_TRUE(admit(kT0, "a", 1, l).admitted);
  auto r = redis_->command({"HINCRBY", std::string(kKey) + "rq", std::to_string(kSec0), "5"});
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(admit(kT0 + 100, "b", 1, l).remaining_req, 10 - 1 - 1);
  EXPECT_EQ(admit(kT0 + 1'000, "c", 1, l).remaining_req, 10 - 7 - 1);
}

TEST_F(RedisScripts, InFlightRequestsHoldTheirSlotUntilSettledAndTheSetExpires) {
  const Limits l{.parallel = 2};
  ASSERT_TRUE(admit(kT0, "p1", 1, l).admitted);
  ASSERT_TRUE(admit(kT0, "p2", 1, l).admitted);
  Admission third = admit(kT0 + 1, "p3", 1, l);
  EXPECT_FALSE(third.admitted);
  EXPECT_EQ(third.kind, 3);
  EXPECT_GT(pttl("f"), 0);
  settle(kT0 + 100, "p1", kSec0, 1, 1, 0);
  EXPECT_TRUE(admit(kT0 + 200, "p3", 1, l).admitted);
}

}  // namespace
}  // namespace igw
