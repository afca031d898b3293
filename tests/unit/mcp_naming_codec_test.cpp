#include <gtest/gtest.h>

#include "mcp/naming_codec.h"

namespace igw::mcp {
namespace {

TEST(McpNaming, Sanitizes) {
  EXPECT_EQ(sanitizeName("get-sum"), "get-sum");
  EXPECT_EQ(sanitizeName("read.file/v2 x"), "read_file_v2_x");
  EXPECT_EQ(sanitizeName("Ünï"), "__n__");  // bytes, not characters
}

TEST(McpNaming, PlainNamesAndCut) {
  auto names = assignToolNames({{"fs", {"read_file", "a.b"}}});
  EXPECT_EQ(names[0][0], "mcp_read_file");
  EXPECT_EQ(names[0][1], "mcp_a_b");
  std::string long_name(100, 'x');
  auto cut = assignToolNames({{"s", {long_name}}});
  EXPECT_EQ(cut[0][0].size(), kMaxToolNameLength);
  EXPECT_EQ(cut[0][0], "mcp_" + std::string(60, 'x'));
}

TEST(McpNaming, CollisionsFollowServerOrder) {
  auto names = assignToolNames({{"one", {"echo", "sum"}}, {"two", {"echo"}}, {"three", {"echo"}}});
  EXPECT_EQ(names[0][0], "mcp_echo");
  EXPECT_EQ(names[0][1], "mcp_sum");
  EXPECT_EQ(names[1][0], "mcp_two_echo");
  EXPECT_EQ(names[2][0], "mcp_three_echo");
}

TEST(McpNaming, SanitisedCollisionsAndNumericSuffix) {
  // "a.b" and "a_b" both sanitise to mcp_a_b; the qualified name is taken by a real tool.
  auto names = assignToolNames({{"s", {"a.b", "s_a_b"}}, {"s", {"a_b"}}});
  EXPECT_EQ(names[0][0], "mcp_a_b");
  EXPECT_EQ(names[0][1], "mcp_s_a_b");
  EXPECT_EQ(names[1][0], "mcp_s_a_b_2");
}

TEST(McpNaming, PlainNamesWinOverQualifiedOnes) {
  // Server one's second tool "two_x" wants mcp_two_x; server two's "x" would qualify to the same
  // name but plain names are handed out first.
  auto names = assignToolNames({{"one", {"x", "two_x"}}, {"two", {"x"}}});
  EXPECT_EQ(names[0][1], "mcp_two_x");
  EXPECT_EQ(names[1][0], "mcp_two_x_2");
}

TEST(McpNaming, LongQualifiedNamesKeepSuffixWithin64) {
  std::string t(70, 't');
  auto names = assignToolNames({{"a", {t}}, {"b", {t}}, {"b", {t}}});
  EXPECT_EQ(names[1][0].size(), 64u);
  EXPECT_EQ(names[2][0].size(), 64u);
  EXPECT_EQ(names[2][0].substr(62), "_2");
  EXPECT_NE(names[1][0], names[2][0]);
}

TEST(McpNaming, IncludeExclude) {
  std::vector<std::string> none;
  EXPECT_TRUE(toolAllowed("echo", none, none));
  EXPECT_TRUE(toolAllowed("echo", {"echo"}, none));
  EXPECT_TRUE(toolAllowed("echo", {"mcp_echo"}, none));
  EXPECT_FALSE(toolAllowed("sum", {"echo"}, none));
  EXPECT_FALSE(toolAllowed("echo", none, {"echo"}));
  EXPECT_FALSE(toolAllowed("echo", none, {"mcp_echo"}));
  EXPECT_FALSE(toolAllowed("echo", {"echo"}, {"echo"}));  // exclusion wins
  EXPECT_TRUE(toolAllowed("a.b", {"mcp_a_b"}, none));
}

}  // namespace
}  // namespace igw::mcp
