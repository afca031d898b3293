#include "core/duration.h"

#include <gtest/gtest.h>

using igw::Millis;
using igw::parseDuration;

TEST(Duration, ParsesGoSyntax) {
  EXPECT_EQ(parseDuration("30s").value(), Millis(30000));
  EXPECT_EQ(parseDuration("2m").value(), Millis(120000));
  EXPECT_EQ(parseDuration("500ms").value(), Millis(500));
  EXPECT_EQ(parseDuration("1h30m").value(), Millis(5400000));
  EXPECT_EQ(parseDuration("1.5s").value(), Millis(1500));
  EXPECT_EQ(parseDuration("0").value(), Millis(0));
}

TEST(Duration, BareIntegerIsSeconds) {
  EXPECT_EQ(parseDuration("45").value(), Millis(45000));
}

TEST(Duration, RejectsGarbageWithAHelpfulMessage) {
  for (const char* bad : {"", "abc", "10x", "s", "1..5s", "-5s"}) {
    auto r = parseDuration(bad);
    EXPECT_FALSE(r.isOk()) << bad;
  }
  EXPECT_NE(parseDuration("abc").status().message().find("500ms"), std::string::npos);
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(igw::formatDuration(Millis(30000)), "30s");
  EXPECT_EQ(igw::formatDuration(Millis(250)), "250ms");
  EXPECT_EQ(igw::formatDuration(Millis(120000)), "2m0s");
}
