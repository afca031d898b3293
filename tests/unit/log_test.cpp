// The logger's two formats with hostile values: a client-chosen model name must not forge a log
// line, drive a terminal, break the JSON, or make a line megabytes long.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/log.h"

namespace {

// What one log() call writes to stderr.
std::string captureLine(const igw::Logger& log, std::string_view msg,
                        std::initializer_list<igw::LogField> fields) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(tmp), STDERR_FILENO);
  log.log(igw::LogLevel::kInfo, msg, fields);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out;
  std::rewind(tmp);
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

// Exactly one line, and nothing a terminal would act on: no C0, DEL or C1 control.
void expectOneInertLine(const std::string& line) {
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    EXPECT_FALSE(c < 0x20 || c == 0x7f) << "control byte " << int(c) << " at " << i << ": " << line;
    if (c == 0xC2 && i + 2 < line.size()) {
      EXPECT_FALSE(static_cast<unsigned char>(line[i + 1]) < 0xA0) << "C1 control: " << line;
    }
  }
}

const std::string kForged =
    "x\n2026-01-01T00:00:00.000Z info request model=admin status=200\r\x1b[2K\t\x7f\xC2\x9b"
    "\xE2\x80\xA8y";

}  // namespace

TEST(LogReadable, ControlCharactersInValuesAreEscapedNotPrinted) {
  igw::Logger log(false, igw::LogLevel::kDebug);
  std::string line = captureLine(log, "request", {{"model", kForged}, {"status", 200}});
  expectOneInertLine(line);
  EXPECT_NE(line.find("model=x\\n2026-01-01T00:00:00.000Z info request model=admin "
                      "status=200\\r\\x1b[2K\\t\\x7f\\u009b\\u2028y status=200\n"),
            std::string::npos)
      << line;
}

TEST(LogReadable, MessagesAndInvalidUtf8AreEscapedToo) {
  igw::Logger log(false, igw::LogLevel::kDebug);
  std::string line = captureLine(log, "upstream said \"a\nb\"", {{"path", "/v1/\xff\xfe\\n"}});
  expectOneInertLine(line);
  EXPECT_NE(line.find(" info upstream said \"a\\nb\" path=/v1/\\xff\\xfe\\\\n\n"),
            std::string::npos)
      << line;
}

TEST(LogJson, EveryLineIsValidJsonWithTheOriginalTextRecoverable) {
  igw::Logger log(true, igw::LogLevel::kDebug);
  std::string line = captureLine(log, "request\x1b", {{"model", kForged}, {"ok", true}});
  expectOneInertLine(line);
  auto j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  EXPECT_EQ(j["model"], kForged);
  EXPECT_EQ(j["msg"], "request\x1b");
  EXPECT_EQ(j["ok"], true);
}

TEST(LogJson, InvalidUtf8StillGivesValidJson) {
  igw::Logger log(true, igw::LogLevel::kDebug);
  std::string line =
      captureLine(log, "request", {{"model", "a\xff\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80z"}});
  auto j = nlohmann::json::parse(line, nullptr, false);  // throws on invalid UTF-8
  ASSERT_FALSE(j.is_discarded()) << line;
  std::string model = j["model"];
  EXPECT_EQ(model.front(), 'a');
  EXPECT_EQ(model.back(), 'z');
  EXPECT_NE(model.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD for what was not UTF-8
}

TEST(LogFormat, LongValuesAreCutAndSaySo) {
  const std::string huge(1 << 20, 'm');
  for (bool json : {false, true}) {
    igw::Logger log(json, igw::LogLevel::kDebug);
    std::string line = captureLine(log, "request", {{"model", huge}, {"status", 200}});
    EXPECT_LT(line.size(), 2048u) << (json ? "json" : "readable");
    EXPECT_NE(line.find("more bytes)"), std::string::npos) << line.substr(0, 200);
    EXPECT_NE(line.find("status"), std::string::npos) << "fields after a long one are kept";
    if (json) EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded());
  }
  // A configured cap; cut on a character boundary.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";
  igw::Logger log(true, igw::LogLevel::kDebug, 101);
  auto j = nlohmann::json::parse(captureLine(log, "m", {{"model", accents}}), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  std::string model = j["model"];
  EXPECT_EQ(model.substr(0, 100), accents.substr(0, 100));
  EXPECT_EQ(model.substr(100), "...(300 more bytes)");
}
