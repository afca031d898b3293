#include "http/json_scan.h"

#include <gtest/gtest.h>

using igw::JsonType;

TEST(JsonScan, ReportsTopLevelMembersWithSpans) {
  std::string_view t = R"( {"model":"a/b", "n":[1,{"x":2}], "s":true, "k\u0041":null} )";
  auto m = igw::scanObjectMembers(t);
  ASSERT_TRUE(m.isOk()) << m.status().message();
  ASSERT_EQ(m->size(), 4u);
  EXPECT_EQ((*m)[0].key, "model");
  EXPECT_EQ(t.substr((*m)[0].value_begin, (*m)[0].value_end - (*m)[0].value_begin), "\"a/b\"");
  EXPECT_EQ((*m)[1].type, JsonType::kArray);
  EXPECT_EQ((*m)[2].type, JsonType::kTrue);
  EXPECT_EQ((*m)[3].key, "kA");
}

TEST(JsonScan, RejectsInvalidDocumentsWithOffset) {
  for (const char* bad :
       {"", "[]", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":\"\x01\"}", "{\"a\":tru}",
        "{\"a\":1} x", "{'a':1}", "{\"a\":\"\\x\"}", "{\"a\":1.}", "{\"a\":-}"}) {
    auto m = igw::scanObjectMembers(bad);
    EXPECT_FALSE(m.isOk()) << bad;
  }
  auto m = igw::scanObjectMembers("{\"a\":}");
  EXPECT_NE(m.status().message().find("offset 5"), std::string::npos) << m.status().message();
}

TEST(JsonScan, BoundsNesting) {
  std::string deep = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  auto m = igw::scanObjectMembers(deep);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("nested deeper than 128 levels"), std::string::npos)
      << m.status().message();
}

TEST(JsonScan, AcceptsNumbersAndEscapes) {
  EXPECT_TRUE(
      igw::validateJson(R"({"a":[-0,1.5e10,2E-3,0.25],"b":"\"\\\/\b\f\n\r\t\u00e9"})").isOk());
}

namespace {

// The members forEachMember reports, as "key=value" lines.
std::string walk(std::string_view text, bool* complete = nullptr) {
  std::string out;
  bool done = igw::forEachMember(text, [&](const igw::RawMember& m) {
    out.append(m.key).append("=").append(m.value).append("\n");
    return true;
  });
  if (complete != nullptr) *complete = done;
  return out;
}

// The same from the validating scanner (keys here are written without escapes).
std::string scan(std::string_view text) {
  auto members = igw::scanObjectMembers(text);
  EXPECT_TRUE(members.isOk()) << members.status().message() << "\n" << text;
  std::string out;
  if (!members) return out;
  for (const auto& m : *members) {
    out.append(m.key).append("=");
    out.append(text.substr(m.value_begin, m.value_end - m.value_begin)).append("\n");
  }
  return out;
}

}  // namespace

// The structural walk reads sixteen bytes at a time: every quote, escape and bracket must be
// found wherever it falls in a block, including the last bytes of the text.
TEST(JsonScan, ForEachMemberFindsEveryValueAtEveryAlignment) {
  const std::string tails[] = {
      R"("plain")",
      R"("esc\"aped \\ and \\\" and \/ \u005c")",
      R"("brackets {[ in ]} strings")",
      R"({"a":[1,{"b":"}"}],"c":{"d":"\\"}})",
      R"([[],{},"",[{"x":"]"}]])",
      R"(-12.5e3)",
      R"(null)",
  };
  for (const auto& tail : tails) {
    for (size_t pad = 0; pad <= 40; ++pad) {
      std::string doc =
          "{\"p\":\"" + std::string(pad, 'x') + "\",\"v\":" + tail + ",\"n\":" + tail + "}";
      bool complete = false;
      EXPECT_EQ(walk(doc, &complete), scan(doc)) << doc;
      EXPECT_TRUE(complete) << doc;
      // Cut anywhere inside the last value: the walk stops without reading past the end.
      for (size_t cut = doc.size() - tail.size() - 1; cut < doc.size(); ++cut) {
        std::string truncated = doc.substr(0, cut);
        walk(truncated, &complete);
        EXPECT_FALSE(complete) << truncated;
      }
    }
  }
}

TEST(JsonScan, ForEachMemberStopsOnUnterminatedText) {
  for (const char* bad : {R"({"a":"abc)", R"({"a":"abc\)", R"({"a":"abc\")", R"({"a":{"b":[1,2})",
                          R"({"a":[{"b":"]}"}})", R"({"abcdefghijklmnopq)"}) {
    bool complete = true;
    walk(bad, &complete);
    EXPECT_FALSE(complete) << bad;
  }
  // A stop requested by the callback is a complete walk.
  EXPECT_TRUE(igw::forEachMember(R"({"a":1,"b":2})", [](const igw::RawMember&) { return false; }));
}

// The validating scanner also reads strings sixteen bytes at a time: a control character, quote or
// escape is found at every position of a block, and bytes from 0x80 up are plain text.
TEST(JsonScan, StringsCheckEveryByteAtEveryAlignment) {
  for (size_t pad = 0; pad <= 40; ++pad) {
    for (size_t at = 0; at <= pad; ++at) {
      std::string body(pad, 'x');
      std::string control = body;
      control.insert(at, 1, '\x1f');
      auto bad = igw::scanObjectMembers("{\"k\":\"" + control + "\"}");
      ASSERT_FALSE(bad.isOk()) << pad << " " << at;
      EXPECT_NE(bad.status().message().find("control character in string at offset " +
                                            std::to_string(6 + at)),
                std::string::npos)
          << bad.status().message();

      std::string escaped = body;
      escaped.insert(at, "\\\"\xc3\xa9\x7f");
      std::string doc = "{\"k\":\"" + escaped + "\",\"n\":1}";
      auto good = igw::scanObjectMembers(doc);
      ASSERT_TRUE(good.isOk()) << good.status().message() << " " << doc;
      ASSERT_EQ(good->size(), 2u);
      EXPECT_EQ(doc.substr((*good)[0].value_begin, (*good)[0].value_end - (*good)[0].value_begin),
                "\"" + escaped + "\"");

      std::string unterminated = "{\"k\":\"" + body + "\\";
      EXPECT_FALSE(igw::scanObjectMembers(unterminated).isOk()) << unterminated;
    }
  }
}
