// The agent loop's pure parts: offering tools, reading tool calls out of whole responses and
// streams, and writing turns back into the conversation.
#include "tools/loop_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace igw::agent {
namespace {

using nlohmann::json;
using Action = StreamAccumulator::Action;

ToolSpec spec(std::string name, std::string params = R"({"type":"object"})") {
  return ToolSpec{name, name.substr(4), "srv", "does " + name, std::move(params)};
}

TEST(LoopCodec, OffersToolsNextToTheClientsOwn) {
  json req =
      json::parse(R"({"messages":[],"tools":[{"type":"function","function":{"name":"mine"}}]})");
  ToolSpec a = spec("mcp_echo"), b = spec("mcp_sum", "not json");
  EXPECT_EQ(offerTools(req, {&a, &b}), 2u);
  ASSERT_EQ(req["tools"].size(), 3u);
  EXPECT_EQ(req["tools"][0]["function"]["name"], "mine");  // the client's tool stays first
  EXPECT_EQ(req["tools"][1]["function"]["name"], "mcp_echo");
  EXPECT_EQ(req["tools"][1]["function"]["description"], "does mcp_echo");
  EXPECT_EQ(req["tools"][1]["function"]["parameters"]["type"], "object");
  // An unreadable schema becomes an empty object schema rather than a broken request.
  EXPECT_EQ(req["tools"][2]["function"]["parameters"]["type"], "object");
}

TEST(LoopCodec, ClientToolWinsANameClash) {
  json req = json::parse(R"({"tools":[{"type":"function","function":{"name":"mcp_echo"}}]})");
  ToolSpec a = spec("mcp_echo");
  EXPECT_EQ(offerTools(req, {&a}), 0u);
  EXPECT_EQ(req["tools"].size(), 1u);
}

TEST(LoopCodec, ReadsToolCallsOfAWholeResponse) {
  json resp = json::parse(R"({"choices":[{"index":0,"finish_reason":"tool_calls","message":{
    "role":"assistant","content":null,"tool_calls":[
      {"id":"c1","type":"function","function":{"name":"mcp_a","arguments":"{\"x\":1}"}},
      {"id":"c2","type":"function","function":{"name":"mcp_b","arguments":{"y":2}}}]}}]})");
  auto c = readCompletion(resp);
  ASSERT_TRUE(static_cast<bool>(c));
  ASSERT_EQ(c->calls.size(), 2u);
  EXPECT_EQ(c->calls[0].id, "c1");
  EXPECT_EQ(c->calls[0].arguments, R"({"x":1})");
  EXPECT_EQ(c->calls[1].arguments, R"({"y":2})");  // object arguments become JSON text
  EXPECT_EQ(c->finish_reason, "tool_calls");
  EXPECT_FALSE(static_cast<bool>(readCompletion(json::parse(R"({"choices":[]})"))));
}

TEST(LoopCodec, StreamForwardsTextHoldsToolCallsAndDropsUsage) {
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  EXPECT_EQ(
      acc.onChunk(
          R"({"id":"x","model":"m","created":5,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]})",
          rw, usage),
      Action::kForward);
  EXPECT_EQ(
      acc.onChunk(
          R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"mcp_a","arguments":""}}]}}]})",
          rw, usage),
      Action::kHold);
  EXPECT_EQ(
      acc.onChunk(
          R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":"}}]}}]})",
          rw, usage),
      Action::kHold);
  EXPECT_EQ(
      acc.onChunk(
          R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c2","function":{"name":"mcp_b","arguments":"{}"}},{"index":0,"function":{"arguments":"1}"}}]}}]})",
          rw, usage),
      Action::kHold);
  EXPECT_EQ(acc.onChunk(R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})", rw,
                        usage),
            Action::kHold);
  EXPECT_EQ(
      acc.onChunk(
          R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})",
          rw, usage),
      Action::kDrop);
  auto calls = acc.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].name, "mcp_a");
  EXPECT_EQ(calls[0].arguments, R"({"q":1})");
  EXPECT_EQ(calls[1].id, "c2");
  EXPECT_EQ(acc.content(), "Hi");
  EXPECT_EQ(acc.finishReason(), "tool_calls");
  EXPECT_TRUE(usage.seen);
  EXPECT_EQ(usage.total, 7);
  json chunk = json::parse(acc.usageChunk(usage));
  EXPECT_EQ(chunk["id"], "x");
  EXPECT_EQ(chunk["model"], "m");
  EXPECT_EQ(chunk["usage"]["prompt_tokens"], 3);
  EXPECT_TRUE(chunk["choices"].empty());
}

TEST(LoopCodec, UsageOnAChunkWithChoicesIsCountedOnceAndRemoved) {
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  auto a = acc.onChunk(
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})",
      rw, usage);
  EXPECT_EQ(a, Action::kHold);
  ASSERT_FALSE(rw.empty());
  EXPECT_FALSE(json::parse(rw).contains("usage"));
  EXPECT_EQ(usage.completion, 2);
}

TEST(LoopCodec, ErrorChunkMarksTheStreamFailed) {
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  EXPECT_EQ(acc.onChunk(R"({"error":{"message":"boom"}})", rw, usage), Action::kForward);
  EXPECT_TRUE(acc.failed());
  EXPECT_EQ(acc.onChunk("not json", rw, usage), Action::kForward);
}

TEST(LoopCodec, HugeToolIndexIsIgnored) {
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  acc.onChunk(
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":4000000000,"function":{"name":"x"}}]}}]})",
      rw, usage);
  EXPECT_TRUE(acc.calls().empty());
}

TEST(LoopCodec, WritesAssistantTurnAndToolResults) {
  std::vector<ToolCall> calls{{"c1", "mcp_a", R"({"x":1})"}};
  json msg = assistantMessage("", calls);
  EXPECT_TRUE(msg["content"].is_null());
  EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "mcp_a");
  EXPECT_EQ(msg["tool_calls"][0]["function"]["arguments"], R"({"x":1})");

  json ok = toolMessage(calls[0], ToolOutcome{"42", false, ""}, 100);
  EXPECT_EQ(ok["role"], "tool");
  EXPECT_EQ(ok["tool_call_id"], "c1");
  EXPECT_EQ(ok["content"], "42");
  json err = toolMessage(calls[0], ToolOutcome{"no such file", true, "tool_error"}, 100);
  EXPECT_EQ(err["content"], "Error: no such file");
}

TEST(LoopCodec, LongToolResultsAreCutOnACharacterBoundary) {
  ToolCall call{"c1", "mcp_a", "{}"};
  std::string text = std::string(9, 'a') + "\xC3\xA9" + "tail";  // é straddles byte 10
  json m = toolMessage(call, ToolOutcome{text, false, ""}, 10);
  std::string content = m["content"];
  EXPECT_EQ(content.rfind(std::string(9, 'a') + "\n[tool result truncated: 15 bytes, limit 10]", 0),
            0u);
}

TEST(LoopCodec, InvalidUtf8FromAToolNeverThrows) {
  ToolCall call{"c1", "mcp_a", "{}"};
  json m = toolMessage(call, ToolOutcome{"bad \xff\xfe bytes", true, "unavailable"}, 100);
  std::string text;
  EXPECT_NO_THROW(text = safeDump(m));
  EXPECT_NE(text.find("bad"), std::string::npos);
  EXPECT_TRUE(json::accept(text));
}

}  // namespace
}  // namespace igw::agent
