// The agent loop's pure parts: offering tools, reading tool calls out of whole responses and
// streams, and writing turns back into the conversation.
#include "tools/loop_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/sse.h"
#include "translate/openai_anthropic.h"
#include "translate/openai_cohere.h"
#include "translate/openai_gemini.h"

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
  std::vector<ToolCall> calls{{"c1", "mcp_a", R"({"x":1})", ""}};
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
  ToolCall call{"c1", "mcp_a", "{}", ""};
  std::string text = std::string(9, 'a') + "\xC3\xA9" + "tail";  // é straddles byte 10
  json m = toolMessage(call, ToolOutcome{text, false, ""}, 10);
  std::string content = m["content"];
  EXPECT_EQ(content.rfind(std::string(9, 'a') + "\n[tool result truncated: 15 bytes, limit 10]", 0),
            0u);
}

TEST(LoopCodec, InvalidUtf8FromAToolNeverThrows) {
  ToolCall call{"c1", "mcp_a", "{}", ""};
  json m = toolMessage(call, ToolOutcome{"bad \xff\xfe bytes", true, "unavailable"}, 100);
  std::string text;
  EXPECT_NO_THROW(text = safeDump(m));
  EXPECT_NE(text.find("bad"), std::string::npos);
  EXPECT_TRUE(json::accept(text));
}

// Anthropic's documented stream for a thinking block followed by a tool_use, through the real
// translator: what the loop's accumulator sees on a streamed turn.
std::vector<std::string> anthropicToolTurnChunks() {
  const char* events[] = {
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}})",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me add "}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"the numbers."}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBsig=="}})",
      R"({"type":"content_block_stop","index":0})",
      R"({"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBblob"}})",
      R"({"type":"content_block_stop","index":1})",
      R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"mcp_sum","input":{}}})",
      R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}})",
      R"({"type":"content_block_stop","index":2})",
      R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":20}})",
      R"({"type":"message_stop"})"};
  auto stream =
      makeAnthropicAdapter()->newStream(TranslateContext{"claude", "chatcmpl-x", 1, false});
  std::string sse;
  for (const char* ev : events) {
    EXPECT_TRUE(stream->onEvent("", ev, sse).isOk());
  }
  EXPECT_TRUE(stream->finish(sse).isOk());
  std::vector<std::string> chunks;
  SseParser parser;
  EXPECT_TRUE(parser
                  .feed(sse,
                        [&](const SseEvent& e) {
                          if (e.has_data && e.data != "[DONE]") chunks.emplace_back(e.data);
                        })
                  .isOk());
  return chunks;
}

TEST(LoopCodec, StreamForwardsReasoningAndReplaysTheTurnAsTheModelProducedIt) {
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  bool forwarded_signature = false;
  std::string forwarded_reasoning;
  for (const auto& chunk : anthropicToolTurnChunks()) {
    Action a = acc.onChunk(chunk, rw, usage);
    json delta = json::parse(chunk)["choices"][0]["delta"];
    if (delta.contains("reasoning_content") || delta.contains("reasoning_signature") ||
        delta.contains("reasoning_redacted")) {
      EXPECT_EQ(a, Action::kForward) << chunk;  // the client sees the reasoning at once
      forwarded_reasoning += delta.value("reasoning_content", "");
      forwarded_signature = forwarded_signature || delta.contains("reasoning_signature");
    }
  }
  EXPECT_EQ(forwarded_reasoning, "Let me add the numbers.");
  EXPECT_TRUE(forwarded_signature);
  const Reasoning& r = acc.reasoning();
  EXPECT_EQ(r.text, "Let me add the numbers.");
  EXPECT_EQ(r.signature, "EqQBsig==");
  EXPECT_EQ(r.redacted, std::vector<std::string>{"EmwKAhgBblob"});

  // The replay to Anthropic carries the signed thinking block (and the redacted one) before the
  // tool_use, byte for byte.
  json msg = assistantMessage(acc.content(), acc.calls(), r);
  json req{
      {"model", "claude"},
      {"reasoning_effort", "low"},
      {"messages", json::array({json{{"role", "user"}, {"content", "add"}}, msg,
                                toolMessage(acc.calls()[0], ToolOutcome{"1", false, ""}, 100)})}};
  auto native = makeAnthropicAdapter()->buildRequest(req, false);
  ASSERT_TRUE(static_cast<bool>(native)) << native.status().message();
  json body = json::parse(native->body);
  json content = body["messages"][1]["content"];
  ASSERT_EQ(content.size(), 3u) << content.dump();
  EXPECT_EQ(content[0], json::parse(R"({"type":"thinking","thinking":"Let me add the numbers.",
                                       "signature":"EqQBsig=="})"));
  EXPECT_EQ(content[1], json::parse(R"({"type":"redacted_thinking","data":"EmwKAhgBblob"})"));
  EXPECT_EQ(content[2]["type"], "tool_use");
  EXPECT_EQ(content[2]["id"], "toolu_1");
}

TEST(LoopCodec, ReadsReasoningAndExtraContentOfAWholeResponse) {
  json resp = json::parse(R"({"choices":[{"index":0,"finish_reason":"tool_calls","message":{
    "role":"assistant","content":"Checking.","reasoning_content":"think","reasoning_signature":"sig",
    "reasoning_redacted":["r1","r2"],"tool_calls":[
      {"id":"c1","type":"function","function":{"name":"mcp_a","arguments":"{}"},
       "extra_content":{"google":{"thought_signature":"ts1"}}}]}}]})");
  auto c = readCompletion(resp);
  ASSERT_TRUE(static_cast<bool>(c));
  EXPECT_EQ(c->content, "Checking.");
  EXPECT_EQ(c->reasoning.text, "think");
  EXPECT_EQ(c->reasoning.signature, "sig");
  EXPECT_EQ(c->reasoning.redacted, (std::vector<std::string>{"r1", "r2"}));
  json msg = assistantMessage(c->content, c->calls, c->reasoning);
  json original = resp["choices"][0]["message"];
  EXPECT_EQ(msg, original);  // the turn goes back exactly as it came

  // Without reasoning the message carries none of the fields.
  json plain = assistantMessage("hi", {});
  EXPECT_FALSE(plain.contains("reasoning_content"));
  EXPECT_FALSE(plain.contains("reasoning_signature"));
  EXPECT_FALSE(plain.contains("reasoning_redacted"));
}

TEST(LoopCodec, StreamKeepsGeminiThoughtSignaturesOfToolCalls) {
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  acc.onChunk(
      R"({"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"hm","tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"mcp_a","arguments":"{}"},"extra_content":{"google":{"thought_signature":"ts1"}}}]}}]})",
      rw, usage);
  auto calls = acc.calls();
  ASSERT_EQ(calls.size(), 1u);
  json msg = assistantMessage(acc.content(), calls, acc.reasoning());
  EXPECT_EQ(msg["tool_calls"][0]["extra_content"]["google"]["thought_signature"], "ts1");
  EXPECT_EQ(msg["reasoning_content"], "hm");
  EXPECT_FALSE(msg.contains("reasoning_signature"));
  // Gemini's builder puts it back on the functionCall part.
  json req{{"model", "gemini"},
           {"messages", json::array({json{{"role", "user"}, {"content", "go"}}, msg,
                                     toolMessage(calls[0], ToolOutcome{"ok", false, ""}, 100)})}};
  auto native = makeGeminiAdapter()->buildRequest(req, false);
  ASSERT_TRUE(static_cast<bool>(native)) << native.status().message();
  json body = json::parse(native->body);
  EXPECT_EQ(body["contents"][1]["parts"][0]["thoughtSignature"], "ts1") << body.dump();
}

TEST(LoopCodec, TextAndReasoningSharingAChunkWithToolCallsAreForwardedAtOnce) {
  // Gemini sends a candidate's text, thoughts and function calls in one chunk: the client sees
  // the text and reasoning now even when the tool calls are the gateway's and never reach it.
  StreamAccumulator acc;
  UsageTotals usage;
  std::string rw;
  Action a = acc.onChunk(
      R"({"id":"g","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking.","reasoning_content":"plan","reasoning_signature":"S","tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"mcp_a","arguments":"{}"}}]},"finish_reason":null}]})",
      rw, usage);
  ASSERT_EQ(a, Action::kSplit);
  json now = json::parse(rw);
  EXPECT_EQ(now["id"], "g");
  EXPECT_EQ(now["choices"][0]["delta"]["content"], "Checking.");
  EXPECT_EQ(now["choices"][0]["delta"]["reasoning_content"], "plan");
  EXPECT_EQ(now["choices"][0]["delta"]["reasoning_signature"], "S");
  EXPECT_FALSE(now["choices"][0]["delta"].contains("tool_calls"));
  json later = json::parse(acc.heldPart());
  EXPECT_EQ(later["choices"][0]["delta"],
            json::parse(R"({"tool_calls":[{"index":0,"id":"c1","type":"function",
                                           "function":{"name":"mcp_a","arguments":"{}"}}]})"));
  EXPECT_EQ(acc.calls().size(), 1u);
  EXPECT_EQ(acc.content(), "Checking.");
  EXPECT_EQ(acc.reasoning().signature, "S");

  // The same with the finish: the finish is held, the text goes now.
  a = acc.onChunk(
      R"({"choices":[{"index":0,"delta":{"content":" Done."},"finish_reason":"stop"}]})", rw,
      usage);
  ASSERT_EQ(a, Action::kSplit);
  EXPECT_TRUE(json::parse(rw)["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(json::parse(acc.heldPart())["choices"][0]["finish_reason"], "stop");
  // Tool calls or a finish alone are held whole, as before.
  EXPECT_EQ(
      acc.onChunk(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", rw, usage),
      Action::kHold);
}

TEST(LoopCodec, UnsignedReasoningReplaysToEveryProvider) {
  // reasoning_content without a signature (Cohere's tool plan, an OpenAI-compatible model's
  // reasoning): Anthropic's builder drops it, Cohere's keeps it as the tool plan.
  Reasoning r;
  r.text = "I will call mcp_a.";
  r.has_text = true;
  std::vector<ToolCall> calls{{"c1", "mcp_a", "{}", ""}};
  json msg = assistantMessage("", calls, r);
  json req{{"model", "m"},
           {"messages", json::array({json{{"role", "user"}, {"content", "go"}}, msg,
                                     toolMessage(calls[0], ToolOutcome{"ok", false, ""}, 100)})}};
  auto anthropic = makeAnthropicAdapter()->buildRequest(req, false);
  ASSERT_TRUE(static_cast<bool>(anthropic)) << anthropic.status().message();
  json a = json::parse(anthropic->body);
  EXPECT_EQ(a["messages"][1]["content"][0]["type"], "tool_use");
  auto cohere = makeCohereAdapter()->buildRequest(req, false);
  ASSERT_TRUE(static_cast<bool>(cohere)) << cohere.status().message();
  json c = json::parse(cohere->body);
  EXPECT_EQ(c["messages"][1]["tool_plan"], "I will call mcp_a.");
  auto gemini = makeGeminiAdapter()->buildRequest(req, false);
  ASSERT_TRUE(static_cast<bool>(gemini)) << gemini.status().message();
}

TEST(LoopCodec, JoinedReasoningKeepsASignatureOnlyWhileItSignsTheText) {
  Reasoning signed_turn;
  signed_turn.text = "a";
  signed_turn.has_text = true;
  signed_turn.signature = "S";
  signed_turn.has_signature = true;
  Reasoning plain;
  plain.text = "b";
  plain.has_text = true;
  Reasoning blob;
  blob.redacted = {"R"};

  Reasoning j = joinReasoning({}, signed_turn);
  EXPECT_EQ(j.text, "a");
  EXPECT_EQ(j.signature, "S");
  j = joinReasoning(signed_turn, blob);  // redacted blobs carry no text: the signature holds
  EXPECT_TRUE(j.has_signature);
  EXPECT_EQ(j.redacted, std::vector<std::string>{"R"});
  j = joinReasoning(signed_turn, plain);
  EXPECT_EQ(j.text, "ab");
  EXPECT_FALSE(j.has_signature);
  j = joinReasoning(signed_turn, signed_turn);
  EXPECT_EQ(j.text, "aa");
  EXPECT_FALSE(j.has_signature);
}

TEST(LoopCodec, SurfacesEarlierReasoningOnTheAnswerUnlessItIsSigned) {
  Reasoning earlier;
  earlier.text = "thought";
  earlier.has_text = true;
  earlier.signature = "S";
  earlier.has_signature = true;
  json answer = json::parse(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":"done"},"finish_reason":"stop"}]})");
  surfaceReasoning(answer, earlier);
  EXPECT_EQ(answer["choices"][0]["message"]["reasoning_content"], "thought");
  EXPECT_EQ(answer["choices"][0]["message"]["reasoning_signature"], "S");

  json own = json::parse(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"mine","reasoning_signature":"M","tool_calls":[]}}]})");
  json before = own;
  surfaceReasoning(own, earlier);
  EXPECT_EQ(own, before);  // its own signature must keep verifying

  json unsigned_own = json::parse(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":"x","reasoning_content":" more"}}]})");
  surfaceReasoning(unsigned_own, earlier);
  EXPECT_EQ(unsigned_own["choices"][0]["message"]["reasoning_content"], "thought more");
  EXPECT_FALSE(unsigned_own["choices"][0]["message"].contains("reasoning_signature"));

  json untouched = json::parse(R"({"choices":[]})");
  surfaceReasoning(untouched, earlier);
  EXPECT_EQ(untouched, json::parse(R"({"choices":[]})"));
}

}  // namespace
}  // namespace igw::agent
