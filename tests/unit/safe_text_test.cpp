// core/safe_text: whatever the bytes, the output is valid UTF-8, has no control character (the
// escape styles), fits the byte limit, and JSON-style output decodes back to the input.
#include "core/safe_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace {

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF) and, when `inert`, no
// C0/DEL/C1 control.
bool validUtf8(const std::string& s, bool inert = true) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F, n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F, n = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07, n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    if (inert && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))) return false;
    i += n;
  }
  return true;
}

std::string randomBytes(std::mt19937& rng, size_t max_len) {
  // Mostly interesting bytes: ASCII, controls, UTF-8 lead and continuation bytes.
  static const unsigned char kPool[] = {'a',  'Z',  ' ',  '"',  '\\', '\n', '\r', '\t',
                                        0x00, 0x1b, 0x7f, 0x80, 0x85, 0xBF, 0xC0, 0xC2,
                                        0xC3, 0xA9, 0xE0, 0xE2, 0x80, 0xA8, 0xED, 0xA0,
                                        0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x90, 0xFF, 0xFE};
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, sizeof kPool - 1);
  std::string s(len(rng), '\0');
  for (auto& c : s) c = static_cast<char>(kPool[pick(rng)]);
  return s;
}

}  // namespace

TEST(SafeText, AnyBytesGiveBoundedValidInertText) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in = randomBytes(rng, 40);
    size_t max = std::uniform_int_distribution<size_t>(0, 48)(rng);
    for (auto style : {igw::TextStyle::kReplace, igw::TextStyle::kEscape, igw::TextStyle::kJson}) {
      std::string out;
      size_t left = igw::appendSafeText(out, in, max, style);
      ASSERT_LE(out.size(), max);
      ASSERT_LE(left, in.size());
      ASSERT_TRUE(validUtf8(out)) << testing::PrintToString(in);
      if (style == igw::TextStyle::kJson) {
        auto j = nlohmann::json::parse("\"" + out + "\"", nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << out;
        // Valid UTF-8 that fits decodes back exactly.
        std::string full;
        if (validUtf8(in, false) && igw::appendSafeText(full, in, in.size() * 6, style) == 0) {
          ASSERT_EQ(nlohmann::json::parse("\"" + full + "\"").get<std::string>(), in);
        }
      }
    }
  }
}

TEST(SafeText, CutsOnCharacterBoundariesAndReportsWhatIsLeft) {
  const std::string e = "\xC3\xA9";  // é
  std::string out;
  EXPECT_EQ(igw::appendSafeText(out, e + e + e, 5, igw::TextStyle::kReplace), 2u);
  EXPECT_EQ(out, e + e);
  out.clear();
  // An escape is never split either.
  EXPECT_EQ(igw::appendSafeText(out, "ab\ncd", 3, igw::TextStyle::kEscape), 3u);
  EXPECT_EQ(out, "ab");
  // A 1 MB input costs the limit, not the input.
  out.clear();
  EXPECT_EQ(igw::appendSafeText(out, std::string(1 << 20, 'x'), 10, igw::TextStyle::kJson),
            (1u << 20) - 10);
  EXPECT_EQ(out, std::string(10, 'x'));
}
