// The JSON entry point: depth and size limits hold at their exact boundary, a million levels are
// refused quickly without a crash, and nothing else in src/ parses JSON on its own.
#include "core/json_parse.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "http/json_scan.h"

namespace {

using igw::JsonError;
using igw::parseJson;

std::string nestedArrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nestedObjects(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

TEST(JsonParse, DepthExactlyAtTheLimitPasses) {
  igw::JsonLimits limits{128, 1 << 20};
  auto a = parseJson(nestedArrays(128), limits);
  EXPECT_TRUE(a.ok()) << a.describe();
  auto o = parseJson(nestedObjects(128), limits);
  EXPECT_TRUE(o.ok()) << o.describe();
  // The DOM it built can be copied and dumped.
  nlohmann::json copy = o.value;
  EXPECT_EQ(copy.dump(), nestedObjects(128));
}

TEST(JsonParse, OneLevelBeyondTheLimitIsRefusedAndNamed) {
  igw::JsonLimits limits{128, 1 << 20};
  for (const std::string& text : {nestedArrays(129), nestedObjects(129)}) {
    auto p = parseJson(text, limits);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error, JsonError::kTooDeep);
    EXPECT_TRUE(p.overLimit());
    EXPECT_TRUE(p.value.is_discarded());
    EXPECT_NE(p.describe().find("nested deeper than 128 levels"), std::string::npos);
    EXPECT_NE(p.describe().find("JSON_MAX_DEPTH"), std::string::npos);
  }
}

TEST(JsonParse, AMillionLevelsAreRefusedQuicklyWithoutACrash) {
  auto start = std::chrono::steady_clock::now();
  for (const std::string& text : {nestedArrays(1'000'000), nestedObjects(1'000'000)}) {
    auto p = parseJson(text);
    EXPECT_EQ(p.error, JsonError::kTooDeep);
  }
  // Generous: the parse stops at level 129, so this takes microseconds, not seconds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(JsonParse, TooLargeIsRefusedBeforeParsing) {
  igw::JsonLimits limits{128, 10};
  auto p = parseJson("[1,2,3,4,5,6]", limits);
  EXPECT_EQ(p.error, JsonError::kTooLarge);
  EXPECT_NE(p.describe().find("larger than 10 bytes"), std::string::npos);
  EXPECT_TRUE(parseJson("[1,2,3,4]", limits).ok());
}

TEST(JsonParse, InvalidJsonSaysWhere) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "nul", "\"\\x\""}) {
    auto p = parseJson(bad);
    EXPECT_EQ(p.error, JsonError::kInvalid) << bad;
    EXPECT_FALSE(p.overLimit());
    EXPECT_NE(p.describe().find("not valid JSON"), std::string::npos);
  }
  EXPECT_TRUE(igw::parseJsonOrDiscarded("{\"a\":").is_discarded());
}

// Found by json_parse_fuzz: nlohmann stops at a NUL byte as if the text ended there, so
// "1\0garbage" parsed as 1 and an upstream's trailing bytes after a NUL went unnoticed.
TEST(JsonParse, ANulByteAnywhereIsInvalidNotTheEndOfTheText) {
  for (std::string_view bad : {std::string_view("1\0xyz", 5), std::string_view("{\"a\":1}\0{", 9),
                               std::string_view("\"a\0b\"", 5)}) {
    auto p = parseJson(bad);
    EXPECT_EQ(p.error, JsonError::kInvalid);
    EXPECT_EQ(p.offset, bad.find('\0'));
  }
}

TEST(JsonParse, ParsesWhatNlohmannParses) {
  std::string text = R"({"a":[1,-2,3.5,"x\u00e9",true,false,null,{}],"b":{"c":[]}})";
  auto p = parseJson(text);
  ASSERT_TRUE(p.ok()) << p.describe();
  EXPECT_EQ(p.value, nlohmann::json::parse(text));
  EXPECT_TRUE(parseJson("42").value.is_number_integer());
  EXPECT_TRUE(parseJson("  \"s\"  ").value.is_string());
}

TEST(JsonParse, TheScannerUsesTheSameLimit) {
  std::string at = "{\"a\":" + nestedArrays(127) + "}";  // 128 levels with the object
  EXPECT_TRUE(igw::scanObjectMembers(at).isOk());
  std::string over = "{\"a\":" + nestedArrays(128) + "}";
  auto s = igw::scanObjectMembers(over);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.status().message().find("JSON_MAX_DEPTH"), std::string::npos);
}

// The class of bug (an unbounded parse of outside JSON) cannot come back: only the entry point
// may call nlohmann's parsers.
TEST(JsonParse, NothingElseInSrcParsesJsonDirectly) {
  namespace fs = std::filesystem;
  fs::path src = fs::path(IGW_GOLDEN_DIR) / ".." / ".." / "src";
  ASSERT_TRUE(fs::is_directory(src)) << src;
  const std::regex direct(
      R"((json::parse|sax_parse|json::accept|from_cbor|from_msgpack|from_ubjson|from_bson|from_bjdata)\s*\(|>>\s*[a-z_]*json|\b_json\b)");
  std::vector<std::string> offenders;
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    auto ext = entry.path().extension();
    if (ext != ".cpp" && ext != ".h") continue;
    auto rel = fs::relative(entry.path(), src).generic_string();
    if (rel == "core/json_parse.cpp") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (std::regex_search(line, direct))
        offenders.push_back(rel + ":" + std::to_string(n) + ": " + line);
    }
  }
  EXPECT_GT(files, 50u);
  std::ostringstream msg;
  for (const auto& o : offenders) msg << o << "\n";
  EXPECT_TRUE(offenders.empty()) << "use igw::parseJson (core/json_parse.h) instead:\n"
                                 << msg.str();
}

}  // namespace
