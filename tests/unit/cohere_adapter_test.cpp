// Cohere v2 adapter: golden fixtures (tests/golden/openai-cohere/<case>/) plus unit tests for
// error mapping, bad input and the model list.
#include "translate/openai_cohere.h"

#include <gtest/gtest.h>

#include "golden.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/errors.h"
#include "http/sse.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using igw::golden::readFile;
using igw::golden::readJson;
const auto& sseEvents = igw::golden::ssePayloads;
using igw::golden::expectSameEvents;

const fs::path kGolden = fs::path(IGW_GOLDEN_DIR) / "openai-cohere";

igw::TranslateContext contextFor(const json& req) {
  igw::TranslateContext ctx;
  ctx.model = req.value("model", "");
  ctx.response_id = "chatcmpl-golden";
  ctx.created = 1700000000;
  auto it = req.find("stream_options");
  ctx.include_usage = it != req.end() && it->is_object() && it->value("include_usage", false);
  return ctx;
}

std::string runStream(const igw::TranslateContext& ctx, const std::string& transcript,
                      igw::Status* finish_status = nullptr) {
  auto adapter = igw::makeCohereAdapter();
  auto stream = adapter->newStream(ctx);
  std::string out;
  igw::SseParser parser;
  auto on = [&](const igw::SseEvent& e) {
    if (!e.has_data) return;
    auto s = stream->onEvent(e.event, e.data, out);
    EXPECT_TRUE(s.isOk()) << s.message();
  };
  EXPECT_TRUE(parser.feed(transcript, on).isOk());
  parser.finish(on);
  auto s = stream->finish(out);
  if (finish_status)
    *finish_status = s;
  else
    EXPECT_TRUE(s.isOk()) << s.message();
  return out;
}

std::vector<fs::path> goldenCases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kGolden)) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CohereGolden, AllCases) {
  auto cases = goldenCases();
  ASSERT_GE(cases.size(), 12u);
  auto adapter = igw::makeCohereAdapter();
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    json req = readJson(dir / "client_request.json");
    bool stream = req.value("stream", false);
    auto native = adapter->buildRequest(req, stream);
    ASSERT_TRUE(native.isOk()) << native.status().message();
    EXPECT_EQ(native->method, "POST");
    EXPECT_EQ(native->path, "/v2/chat");
    EXPECT_EQ(json::parse(native->body), readJson(dir / "upstream_request.json"));
    auto ctx = contextFor(req);
    if (fs::exists(dir / "upstream_status.txt")) {
      int status = std::stoi(readFile(dir / "upstream_status.txt"));
      auto err = adapter->translateError(status, readFile(dir / "upstream_response.json"));
      EXPECT_EQ(err.status, std::stoi(readFile(dir / "client_status.txt")));
      EXPECT_EQ(json::parse(igw::errorJson(err.message, igw::errorType(err.status))),
                readJson(dir / "client_response.json"));
    } else if (fs::exists(dir / "upstream_response.json")) {
      auto out = adapter->translateResponse(readFile(dir / "upstream_response.json"), ctx);
      ASSERT_TRUE(out.isOk()) << out.status().message();
      EXPECT_EQ(json::parse(*out), readJson(dir / "client_response.json"));
    } else {
      std::string got = runStream(ctx, readFile(dir / "upstream_stream.txt"));
      expectSameEvents(got, readFile(dir / "client_stream.txt"));
    }
  }
}

// Without "event:" lines the JSON "type" decides; the output must not change.
TEST(CohereStream, EventsWithoutNamesUseTheTypeField) {
  auto dir = kGolden / "streaming_tool_calls";
  std::string transcript = readFile(dir / "upstream_stream.txt");
  std::string unnamed;
  std::istringstream lines(transcript);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("event:", 0) != 0) unnamed += line + "\n";
  }
  auto ctx = contextFor(readJson(dir / "client_request.json"));
  expectSameEvents(runStream(ctx, unnamed), readFile(dir / "client_stream.txt"));
}

TEST(CohereStream, FinishWithoutMessageEndFails) {
  igw::TranslateContext ctx{"command-a", "chatcmpl-x", 1, false};
  igw::Status st;
  std::string out =
      runStream(ctx,
                "event: message-start\ndata: {\"type\":\"message-start\",\"id\":\"m\"}"
                "\n\nevent: content-delta\ndata: {\"type\":\"content-delta\",\"delta\":"
                "{\"message\":{\"content\":{\"text\":\"hi\"}}}}\n\n",
                &st);
  EXPECT_EQ(st.code(), igw::Code::kUnavailable);
  EXPECT_NE(st.message().find("message-end"), std::string::npos);
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  EXPECT_EQ(sseEvents(out).size(), 2u);
}

TEST(CohereStream, MalformedDataIsAnErrorAndUnknownEventsAreIgnored) {
  auto stream = igw::makeCohereAdapter()->newStream({"m", "chatcmpl-x", 1, true});
  std::string out;
  EXPECT_FALSE(stream->onEvent("content-delta", "{not json", out).isOk());
  EXPECT_TRUE(stream->onEvent("citation-start", "{\"type\":\"citation-start\"}", out).isOk());
  EXPECT_TRUE(stream->onEvent("debug", "{}", out).isOk());
  EXPECT_TRUE(stream->onEvent("", "", out).isOk());
  EXPECT_TRUE(out.empty());
}

TEST(CohereStream, EscapedKeysAndInvalidUtf8FallBackToTheDom) {
  auto stream = igw::makeCohereAdapter()->newStream({"m", "chatcmpl-x", 1, false});
  std::string out;
  ASSERT_TRUE(stream
                  ->onEvent("",
                            R"({"type":"content-delta","delta":{"message":{"content":)"
                            R"({"\u0074ext":"a\u00e9"}}}})",
                            out)
                  .isOk());
  auto events = sseEvents(out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(json::parse(events[1])["choices"][0]["delta"]["content"], "a\xc3\xa9");
  std::string bad =
      "{\"type\":\"content-delta\",\"delta\":{\"message\":{\"content\":{\"text\":\"\xff\"}}}}";
  EXPECT_FALSE(stream->onEvent("content-delta", bad, out).isOk());
}

TEST(CohereStream, PlainTextErrorEventBecomesAValidErrorEvent) {
  auto stream = igw::makeCohereAdapter()->newStream({"m", "chatcmpl-x", 1, false});
  std::string out;
  ASSERT_TRUE(stream->onEvent("error", "overloaded \xff\xc3", out).isOk());
  auto events = sseEvents(out);
  ASSERT_EQ(events.size(), 1u);
  json e = json::parse(events[0], nullptr, false);
  ASSERT_FALSE(e.is_discarded()) << events[0];
  EXPECT_EQ(e["error"]["message"], "Cohere stream error: overloaded ??");
  EXPECT_TRUE(stream->onEvent("content-delta", "{}", out).isOk());  // ignored after the error
  EXPECT_TRUE(stream->finish(out).isOk());
  EXPECT_EQ(sseEvents(out).back(), "[DONE]");
}

TEST(CohereStream, UsageIsReportedAfterMessageEnd) {
  auto stream = igw::makeCohereAdapter()->newStream({"m", "chatcmpl-x", 1, false});
  std::string out;
  EXPECT_EQ(stream->usage().prompt, -1);
  ASSERT_TRUE(stream
                  ->onEvent("message-end",
                            R"({"type":"message-end","delta":{"finish_reason":"STOP_SEQUENCE",)"
                            R"("usage":{"billed_units":{"input_tokens":3,"output_tokens":4},)"
                            R"("cached_tokens":2}}})",
                            out)
                  .isOk());
  auto u = stream->usage();
  EXPECT_EQ(u.prompt, 3);
  EXPECT_EQ(u.completion, 4);
  EXPECT_EQ(u.total, 7);
  EXPECT_EQ(u.cached, 2);
  EXPECT_NE(out.find("\"finish_reason\":\"stop\""), std::string::npos);
  EXPECT_TRUE(stream->finish(out).isOk());
  EXPECT_EQ(out.substr(out.size() - 14), "data: [DONE]\n\n");
}

TEST(CohereError, StatusPassesThroughWithCoheresMessage) {
  auto a = igw::makeCohereAdapter();
  for (int http : {400, 401, 402, 403, 404, 422, 429, 498, 499, 500, 501, 502, 503, 504, 529}) {
    auto e =
        a->translateError(http, R"({"id":"x","message":"boom )" + std::to_string(http) + "\"}");
    EXPECT_EQ(e.status, http);
    EXPECT_EQ(e.message, "boom " + std::to_string(http));
  }
  // The documented mapping: a status that is not an HTTP error becomes 502.
  EXPECT_EQ(a->translateError(200, R"({"message":"odd"})").status, 502);
  EXPECT_EQ(a->translateError(302, "").status, 502);
  EXPECT_EQ(a->translateError(500, "upstream exploded").message, "upstream exploded");
  EXPECT_EQ(a->translateError(500, "").message, "Cohere returned HTTP 500");
}

TEST(CohereError, NonStreamingErrorFinishReasonsFail) {
  auto a = igw::makeCohereAdapter();
  igw::TranslateContext ctx{"m", "chatcmpl-x", 1, false};
  auto r = a->translateResponse(R"({"finish_reason":"TIMEOUT","message":{"content":[]}})", ctx);
  EXPECT_EQ(r.status().code(), igw::Code::kDeadlineExceeded);
  r = a->translateResponse(R"({"finish_reason":"ERROR","message":{}})", ctx);
  EXPECT_EQ(r.status().code(), igw::Code::kUnavailable);
  EXPECT_FALSE(a->translateResponse("[1]", ctx).isOk());
  EXPECT_FALSE(a->translateResponse(R"({"message":"x"})", ctx).isOk());
}

std::string badRequest(const std::string& body) {
  auto r = igw::makeCohereAdapter()->buildRequest(json::parse(body), false);
  EXPECT_FALSE(r.isOk()) << body;
  if (r.isOk()) return {};
  EXPECT_EQ(r.status().code(), igw::Code::kInvalidArgument) << body;
  return r.status().message();
}

TEST(CohereRequest, BadInputIsA400SayingWhatToChange) {
  const std::string user = R"("messages":[{"role":"user","content":"hi"}])";
  EXPECT_NE(badRequest(R"({"messages":[]})").find("model"), std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m","messages":[]})").find("messages"), std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m","messages":[{"role":"function","content":"x"}]})")
                .find("function"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m","messages":[{"role":"user","content":5}]})")
                .find("messages[0].content"),
            std::string::npos);
  EXPECT_NE(
      badRequest(R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio"}]}]})")
          .find("input_audio"),
      std::string::npos);
  EXPECT_NE(
      badRequest(
          R"({"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x"}}]}]})")
          .find("image_url"),
      std::string::npos);
  EXPECT_NE(
      badRequest(
          R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]})")
          .find("arguments is not valid JSON"),
      std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})")
                .find("tool_call_id"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"n":2})").find("n must be 1"),
            std::string::npos);
  EXPECT_NE(
      badRequest(R"({"model":"m",)" + user + R"(,"tool_choice":"required"})").find("no tools"),
      std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user +
                       R"(,"tools":[{"type":"function","function":{"name":"a"}}],)"
                       R"("tool_choice":{"type":"function","function":{"name":"b"}}})")
                .find("\"b\""),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"tools":[{"type":"web_search"}]})")
                .find("tools[0]"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"reasoning_effort":"max"})")
                .find("reasoning_effort"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"max_tokens":0})").find("max_tokens"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"temperature":"hot"})").find("temperature"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"stop":[1]})").find("stop"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"response_format":{"type":5}})")
                .find("response_format"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user +
                       R"(,"response_format":{"type":"json_schema","json_schema":{"name":"x"}}})")
                .find("schema"),
            std::string::npos);
  EXPECT_NE(badRequest(R"({"model":"m",)" + user + R"(,"logprobs":true})").find("logprobs"),
            std::string::npos);
}

TEST(CohereRequest, ToolChoiceNoneAndReasoningNone) {
  auto r = igw::makeCohereAdapter()->buildRequest(
      json::parse(
          R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"none",)"
          R"("tools":[{"type":"function","function":{"name":"f"}}],"reasoning_effort":"none",)"
          R"("stop":["a","b"],"response_format":{"type":"json_object"}})"),
      true);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  json body = json::parse(r->body);
  EXPECT_EQ(body["tool_choice"], "NONE");
  EXPECT_EQ(body["thinking"], json::parse(R"({"type":"disabled"})"));
  EXPECT_EQ(body["stop_sequences"], json::parse(R"(["a","b"])"));
  EXPECT_EQ(body["response_format"], json::parse(R"({"type":"json_object"})"));
  EXPECT_EQ(body["stream"], true);
}

TEST(CohereModels, ListsOnlyChatModels) {
  auto names = igw::parseCohereModelList(R"({"models":[
      {"name":"command-a-03-2025","endpoints":["generate","chat","summarize"]},
      {"name":"embed-english-v3.0","endpoints":["embed"]},
      {"name":"command-r7b-12-2024","endpoints":["chat"]},
      {"endpoints":["chat"]},
      {"name":"odd","endpoints":"chat"}],"next_page_token":"x"})");
  ASSERT_TRUE(names.isOk());
  EXPECT_EQ(*names, (std::vector<std::string>{"command-a-03-2025", "command-r7b-12-2024"}));
  EXPECT_FALSE(igw::parseCohereModelList("nope").isOk());
  EXPECT_FALSE(igw::parseCohereModelList(R"({"models":{}})").isOk());
  EXPECT_TRUE(igw::parseCohereModelList(R"({"models":[]})")->empty());
}

}  // namespace
