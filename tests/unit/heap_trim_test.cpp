// When the connection count says freed memory should go back to the system: after many
// connections end (held streams closing), never under a steady load.
#include "core/heap_trim.h"

#include <gtest/gtest.h>

#include <vector>

namespace igw {
namespace {

// Live-connection counts at which closing one connection trimmed.
std::vector<uint64_t> closeAll(ConnectionTrimmer& t, uint64_t live) {
  std::vector<uint64_t> at;
  while (live > 0) {
    --live;
    if (t.closed()) at.push_back(live);
  }
  return at;
}

TEST(ConnectionTrimmer, ThousandsOfStreamsEndingTrimAFewTimesAndAtZero) {
  ConnectionTrimmer t;
  for (int i = 0; i < 4000; ++i) t.opened();
  EXPECT_EQ(closeAll(t, 4000), (std::vector<uint64_t>{2000, 1000, 500, 244, 0}));
}

TEST(ConnectionTrimmer, SteadyChurnNeverTrims) {
  ConnectionTrimmer t;
  for (int i = 0; i < 300; ++i) t.opened();
  for (int i = 0; i < 100000; ++i) {
    EXPECT_FALSE(t.closed());
    t.opened();
  }
}

TEST(ConnectionTrimmer, FewConnectionsNeverTrim) {
  ConnectionTrimmer t;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 200; ++i) t.opened();
    EXPECT_TRUE(closeAll(t, 200).empty());
  }
}

TEST(ConnectionTrimmer, ANewWaveAfterATrimIsCountedFromItsOwnPeak) {
  ConnectionTrimmer t;
  for (int i = 0; i < 1000; ++i) t.opened();
  EXPECT_EQ(closeAll(t, 1000), (std::vector<uint64_t>{500, 244, 0}));
  for (int i = 0; i < 600; ++i) t.opened();
  EXPECT_EQ(closeAll(t, 600), (std::vector<uint64_t>{300, 44, 0}));
}

}  // namespace
}  // namespace igw
