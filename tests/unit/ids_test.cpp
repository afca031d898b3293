#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

// Request, trace and span ids: the right length, lower-case hex only (W3C traceparent refuses
// anything else), and no repeats.
TEST(Ids, HexIdsHaveTheLengthAndAlphabetAsked) {
  igw::IdGenerator ids;
  std::set<std::string> seen;
  for (int bytes : {1, 6, 8, 12, 16, 17, 32}) {
    for (int i = 0; i < 200; ++i) {
      std::string id = ids.hex(bytes);
      ASSERT_EQ(id.size(), static_cast<size_t>(bytes) * 2) << id;
      EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
      if (bytes >= 8) EXPECT_TRUE(seen.insert(id).second) << "repeated id " << id;
    }
  }
  // Every hex digit shows up in both positions of a byte.
  std::set<char> high, low;
  for (int i = 0; i < 200; ++i) {
    std::string id = ids.hex(16);
    for (size_t j = 0; j < id.size(); j += 2) {
      high.insert(id[j]);
      low.insert(id[j + 1]);
    }
  }
  EXPECT_EQ(high.size(), 16u);
  EXPECT_EQ(low.size(), 16u);
}
