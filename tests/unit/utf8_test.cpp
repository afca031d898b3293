#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace {

// isValidUtf8 skips ASCII eight bytes at a time: a bad sequence must be found wherever it falls
// in or after such a run, and a good one accepted there.
TEST(Utf8, ValidatesAtEveryPositionOfAsciiRuns) {
  const std::string good[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x7f"};
  const std::string bad[] = {
      "\x80",              // stray continuation byte
      "\xc0\xaf",          // overlong '/'
      "\xe0\x80\xaf",      // overlong, three bytes
      "\xed\xa0\x80",      // surrogate U+D800
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xc3",              // cut short
      "\xff",
  };
  for (size_t pad = 0; pad <= 20; ++pad) {
    for (size_t at = 0; at <= pad; ++at) {
      std::string base(pad, 'a');
      for (const auto& g : good) {
        std::string s = base;
        s.insert(at, g);
        EXPECT_TRUE(igw::isValidUtf8(s)) << pad << " " << at;
      }
      for (const auto& b : bad) {
        std::string s = base;
        s.insert(at, b);
        EXPECT_FALSE(igw::isValidUtf8(s)) << pad << " " << at;
      }
    }
    EXPECT_TRUE(igw::isValidUtf8(std::string(pad, 'a')));
  }
  EXPECT_TRUE(igw::isValidUtf8(""));
}

}  // namespace
