// Helpers shared by the golden-fixture tests (tests/golden/<client API>-<provider>/<case>/):
// reading fixture files and comparing OpenAI SSE output event by event.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace igw::golden {

inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json readJson(const std::filesystem::path& p) {
  auto j = nlohmann::json::parse(readFile(p), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << p;
  return j;
}

// OpenAI SSE output -> payloads, checking every event is a complete "data: ...\n\n".
inline std::vector<std::string> ssePayloads(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    std::string event = text.substr(pos, end - pos);
    EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
    out.push_back(event.substr(6));
    pos = end + 2;
  }
  return out;
}

// Same events in the same order: payloads compared as parsed JSON, [DONE] literally.
inline void expectSameEvents(const std::string& actual, const std::string& expected) {
  auto a = ssePayloads(actual), e = ssePayloads(expected);
  ASSERT_EQ(a.size(), e.size()) << actual;
  for (size_t i = 0; i < a.size(); ++i) {
    if (e[i] == "[DONE]") {
      EXPECT_EQ(a[i], "[DONE]");
      continue;
    }
    auto aj = nlohmann::json::parse(a[i], nullptr, false);
    ASSERT_FALSE(aj.is_discarded()) << a[i];
    EXPECT_EQ(aj, nlohmann::json::parse(e[i])) << "event " << i;
  }
}

}  // namespace igw::golden
