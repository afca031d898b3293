#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc_codec.h"

namespace igw::mcp {
namespace {

TEST(McpJsonRpc, ErrorSnippetIsOneLineOfValidUtf8) {
  EXPECT_EQ(errorSnippet("plain\r\ntext\tend", 200), "plain  text end");
  EXPECT_EQ(errorSnippet("abcdef", 3), "abc");
  // "é" is two bytes: a cut inside it drops the whole character.
  EXPECT_EQ(errorSnippet("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(errorSnippet("ab\xC3\xA9", 4), "ab\xC3\xA9");
  EXPECT_EQ(errorSnippet("\xE2\x82\xAC\xF0\x9F\x98\x80", 7), "\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(errorSnippet("\xE2\x82\xAC\xF0\x9F\x98\x80", 6), "\xE2\x82\xAC");
  // Invalid bytes and sequences become '?': stray continuation, Latin-1, truncated sequence,
  // overlong form, surrogate, past U+10FFFF.
  EXPECT_EQ(errorSnippet("a\x80z", 200), "a?z");
  EXPECT_EQ(errorSnippet("caf\xE9!", 200), "caf?!");
  EXPECT_EQ(errorSnippet("x\xE2\x82", 200), "x??");
  EXPECT_EQ(errorSnippet("\xC0\xAF", 200), "??");
  EXPECT_EQ(errorSnippet("\xE0\x80\xAF", 200), "???");
  EXPECT_EQ(errorSnippet("\xED\xA0\x80", 200), "???");
  EXPECT_EQ(errorSnippet("\xF4\x90\x80\x80", 200), "????");
  EXPECT_EQ(errorSnippet("", 200), "");
  // Whatever the input, the result dumps as JSON with the default (throwing) handler.
  std::string junk;
  for (int i = 0; i < 256; ++i) junk += static_cast<char>(i);
  for (size_t max = 0; max <= junk.size(); ++max) {
    std::string s = errorSnippet(junk, max);
    EXPECT_LE(s.size(), max);
    EXPECT_NO_THROW((void)nlohmann::json(s).dump());
  }
}

}  // namespace
}  // namespace igw::mcp
