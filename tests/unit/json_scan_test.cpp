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
