// Inbound Anthropic Messages translation: golden files under tests/golden/anthropic-openai/
// (request, response, stream and error mapping), plus bad input, edge cases of the stream
// writer and output well-formedness.
#include "translate/anthropic_openai.h"

#include <gtest/gtest.h>

#include "golden.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/sse.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

using igw::golden::readFile;
using igw::golden::readJson;

const fs::path kGoldenDir = fs::path(IGW_GOLDEN_DIR) / "anthropic-openai";

struct Event {
  std::string name;
  json data;
};

// Anthropic SSE text -> events, checking each is exactly "event: X\ndata: <json>\n\n" with the
// JSON's "type" equal to X.
std::vector<Event> parseEvents(const std::string& text) {
  std::vector<Event> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    std::string ev = text.substr(pos, end - pos);
    pos = end + 2;
    size_t nl = ev.find('\n');
    EXPECT_EQ(ev.rfind("event: ", 0), 0u) << ev;
    EXPECT_NE(nl, std::string::npos) << ev;
    if (nl == std::string::npos) continue;
    std::string data = ev.substr(nl + 1);
    EXPECT_EQ(data.rfind("data: ", 0), 0u) << ev;
    Event e{ev.substr(7, nl - 7), json::parse(data.substr(6), nullptr, false)};
    EXPECT_FALSE(e.data.is_discarded()) << ev;
    EXPECT_EQ(e.data.value("type", ""), e.name) << ev;
    out.push_back(std::move(e));
  }
  return out;
}

void expectSameEvents(const std::string& actual, const std::string& expected) {
  auto a = parseEvents(actual), e = parseEvents(expected);
  for (size_t i = 0; i < std::min(a.size(), e.size()); ++i) {
    EXPECT_EQ(a[i].name, e[i].name) << "event " << i;
    EXPECT_EQ(a[i].data, e[i].data) << "event " << i << ": " << a[i].data.dump();
  }
  ASSERT_EQ(a.size(), e.size()) << actual;
}

// Feeds an OpenAI SSE transcript through SseParser (in pieces of `piece` bytes) and the writer,
// the way the relay does.
std::string translateStream(const std::string& model, const std::string& transcript, size_t piece) {
  igw::MessagesStreamWriter writer(model);
  igw::SseParser parser;
  std::string out;
  auto on = [&](const igw::SseEvent& e) {
    if (e.has_data) (void)writer.onChunk(e.data, out);
  };
  for (size_t i = 0; i < transcript.size(); i += piece) {
    EXPECT_TRUE(parser.feed(std::string_view(transcript).substr(i, piece), on).isOk());
  }
  parser.finish(on);
  EXPECT_TRUE(writer.finish(out).isOk());
  return out;
}

class MessagesGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(MessagesGolden, Matches) {
  const fs::path dir = kGoldenDir / GetParam();
  json client_request = readJson(dir / "client_request.json");
  json expected_upstream = readJson(dir / "upstream_request.json");
  bool stream = !client_request.value("stream", false);  // must be overwritten
  auto req = igw::messagesToChatRequest(readFile(dir / "client_request.json"),
                                        expected_upstream.value("model", ""), &stream);
  ASSERT_TRUE(req.isOk()) << req.status().message();
  EXPECT_EQ(json::parse(*req), expected_upstream);
  EXPECT_EQ(stream, client_request.value("stream", false));

  std::string model = client_request.value("model", "");
  if (fs::exists(dir / "upstream_response.json")) {
    auto out = igw::chatResponseToMessage(readFile(dir / "upstream_response.json"), model);
    ASSERT_TRUE(out.isOk()) << out.status().message();
    EXPECT_EQ(json::parse(*out), readJson(dir / "client_response.json"));
  } else {
    std::string transcript = readFile(dir / "upstream_stream.txt");
    std::string expected = readFile(dir / "client_stream.txt");
    for (size_t piece : {transcript.size(), size_t{1}, size_t{7}, size_t{64}}) {
      SCOPED_TRACE("piece size " + std::to_string(piece));
      expectSameEvents(translateStream(model, transcript, piece), expected);
    }
  }
}

std::vector<std::string> goldenCases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.is_directory() && fs::exists(entry.path() / "client_request.json")) {
      cases.push_back(entry.path().filename().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AnthropicOpenAI, MessagesGolden, ::testing::ValuesIn(goldenCases()),
                         [](const auto& info) { return info.param; });

TEST(MessagesErrors, GoldenMappingTable) {
  json cases = readJson(kGoldenDir / "error_mapping" / "cases.json");
  ASSERT_TRUE(cases.is_array());
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    std::string out = igw::chatErrorToMessagesError(c["status"].get<int>(),
                                                    c["upstream_body"].get<std::string>());
    json parsed = json::parse(out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << out;
    EXPECT_EQ(parsed, c["client_body"]) << "status " << c["status"];
  }
}

TEST(MessagesErrors, TypeForEveryStatus) {
  EXPECT_EQ(igw::messagesErrorType(400), "invalid_request_error");
  EXPECT_EQ(igw::messagesErrorType(401), "authentication_error");
  EXPECT_EQ(igw::messagesErrorType(403), "permission_error");
  EXPECT_EQ(igw::messagesErrorType(404), "not_found_error");
  EXPECT_EQ(igw::messagesErrorType(409), "invalid_request_error");
  EXPECT_EQ(igw::messagesErrorType(413), "request_too_large");
  EXPECT_EQ(igw::messagesErrorType(429), "rate_limit_error");
  EXPECT_EQ(igw::messagesErrorType(500), "api_error");
  EXPECT_EQ(igw::messagesErrorType(502), "api_error");
  EXPECT_EQ(igw::messagesErrorType(503), "overloaded_error");
  EXPECT_EQ(igw::messagesErrorType(504), "api_error");
  EXPECT_EQ(igw::messagesErrorType(529), "overloaded_error");
  EXPECT_EQ(igw::messagesErrorType(599), "api_error");
  EXPECT_EQ(igw::messagesErrorType(200), "api_error");
}

TEST(MessagesErrors, InvalidUtf8MessageStaysValidJson) {
  std::string out = igw::chatErrorToMessagesError(500, "bad \xff\xfe bytes \"q\"\n");
  json parsed = json::parse(out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << out;
  EXPECT_EQ(parsed["error"]["type"], "api_error");
}

// --- request validation ---------------------------------------------------------------

std::string requestError(const json& request) {
  auto r = igw::messagesToChatRequest(request.dump(), "m", nullptr);
  EXPECT_FALSE(r.isOk()) << request.dump();
  if (r.isOk()) return {};
  EXPECT_EQ(r.status().code(), igw::Code::kInvalidArgument);
  return r.status().message();
}

json userMessage(json content) {
  return {{"model", "x"},
          {"max_tokens", 10},
          {"messages", json::array({{{"role", "user"}, {"content", std::move(content)}}})}};
}

TEST(MessagesRequest, RejectsWhatOpenAICannotExpress) {
  EXPECT_NE(
      requestError(userMessage(json::array(
                       {{{"type", "document"},
                         {"source", {{"type", "base64"}, {"media_type", "application/pdf"}}}}})))
          .find("'document'"),
      std::string::npos);
  EXPECT_NE(
      requestError(userMessage(json::array(
                       {{{"type", "image"}, {"source", {{"type", "file"}, {"file_id", "f"}}}}})))
          .find("source.type 'file'"),
      std::string::npos);
  json server_tool = userMessage("hi");
  server_tool["tools"] = {{{"type", "web_search_20250305"}, {"name", "web_search"}}};
  EXPECT_NE(requestError(server_tool).find("web_search_20250305"), std::string::npos);
  json mcp = userMessage("hi");
  mcp["mcp_servers"] = json::array({json::object()});
  EXPECT_NE(requestError(mcp).find("mcp_servers"), std::string::npos);
  json assistant_image = userMessage("hi");
  assistant_image["messages"].push_back(
      {{"role", "assistant"},
       {"content", {{{"type", "image"}, {"source", {{"type", "url"}, {"url", "u"}}}}}}});
  EXPECT_NE(requestError(assistant_image).find("messages[1].content[0]"), std::string::npos);
}

TEST(MessagesRequest, RejectsMalformedInput) {
  EXPECT_FALSE(igw::messagesToChatRequest("not json", "m", nullptr).isOk());
  EXPECT_FALSE(igw::messagesToChatRequest("[]", "m", nullptr).isOk());
  EXPECT_NE(requestError({{"model", "x"}}).find("messages"), std::string::npos);
  EXPECT_NE(requestError({{"messages", json::array({{{"role", "system"}, {"content", "x"}}})}})
                .find("top-level system"),
            std::string::npos);
  json r = userMessage("hi");
  r["max_tokens"] = -1;
  EXPECT_NE(requestError(r).find("max_tokens"), std::string::npos);
  r = userMessage("hi");
  r["tool_choice"] = {{"type", "tool"}};
  EXPECT_NE(requestError(r).find("tool_choice.name"), std::string::npos);
  r = userMessage("hi");
  r["thinking"] = {{"type", "enabled"}};
  EXPECT_NE(requestError(r).find("budget_tokens"), std::string::npos);
  r = userMessage("hi");
  r["tools"] = {{{"name", "t"}}};
  EXPECT_NE(requestError(r).find("tools[0].input_schema"), std::string::npos);
  r = userMessage(json::array({{{"type", "tool_result"}}}));
  EXPECT_NE(requestError(r).find("tool_use_id"), std::string::npos);
  r = userMessage(json::array({{{"text", "no type"}}}));
  EXPECT_NE(requestError(r).find("messages[0].content[0].type"), std::string::npos);
  r = userMessage(json::array({{{"type", "text"}, {"text", 5}}}));
  EXPECT_NE(requestError(r).find(".text must be a string"), std::string::npos);
  r = userMessage("hi");
  r["stream"] = "yes";
  EXPECT_NE(requestError(r).find("stream"), std::string::npos);
}

json translated(const json& request) {
  auto r = igw::messagesToChatRequest(request.dump(), "m", nullptr);
  EXPECT_TRUE(r.isOk()) << r.status().message();
  return r.isOk() ? json::parse(*r) : json();
}

TEST(MessagesRequest, ToolChoiceVariants) {
  json r = userMessage("hi");
  r["tools"] = {{{"name", "t"}, {"input_schema", {{"type", "object"}}}}};
  r["tool_choice"] = {{"type", "auto"}};
  EXPECT_EQ(translated(r)["tool_choice"], "auto");
  r["tool_choice"] = {{"type", "none"}};
  EXPECT_EQ(translated(r)["tool_choice"], "none");
  r["tool_choice"] = {{"type", "any"}};
  EXPECT_EQ(translated(r)["tool_choice"], "required");
  r["tool_choice"] = {{"type", "tool"}, {"name", "t"}, {"disable_parallel_tool_use", false}};
  json t = translated(r);
  EXPECT_EQ(t["tool_choice"], json({{"type", "function"}, {"function", {{"name", "t"}}}}));
  EXPECT_FALSE(t.contains("parallel_tool_calls"));
}

TEST(MessagesRequest, ThinkingBudgetsToEffort) {
  json r = userMessage("hi");
  auto effort = [&](int budget) {
    r["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
    return translated(r)["reasoning_effort"];
  };
  EXPECT_EQ(effort(1024), "low");
  EXPECT_EQ(effort(2048), "low");
  EXPECT_EQ(effort(2049), "medium");
  EXPECT_EQ(effort(8192), "medium");
  EXPECT_EQ(effort(8193), "high");
  r["thinking"] = {{"type", "disabled"}};
  EXPECT_FALSE(translated(r).contains("reasoning_effort"));
}

TEST(MessagesRequest, ToolResultImagesFollowToolMessages) {
  json r = userMessage(json::array(
      {{{"type", "tool_result"},
        {"tool_use_id", "t1"},
        {"content",
         {{{"type", "text"}, {"text", "screenshot taken"}},
          {{"type", "image"},
           {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "AAAA"}}}}}}}}));
  json t = translated(r);
  ASSERT_EQ(t["messages"].size(), 2u);
  EXPECT_EQ(t["messages"][0],
            json({{"role", "tool"}, {"tool_call_id", "t1"}, {"content", "screenshot taken"}}));
  EXPECT_EQ(t["messages"][1]["role"], "user");
  EXPECT_EQ(t["messages"][1]["content"][0]["image_url"]["url"], "data:image/png;base64,AAAA");
}

TEST(MessagesRequest, EmptySystemAndAssistantWithoutText) {
  json r = userMessage("hi");
  r["system"] = "";
  r["messages"].push_back({{"role", "assistant"}, {"content", json::array()}});
  json t = translated(r);
  ASSERT_EQ(t["messages"].size(), 2u);
  EXPECT_EQ(t["messages"][0]["role"], "user");
  EXPECT_EQ(t["messages"][1], json({{"role", "assistant"}, {"content", ""}}));
}

// --- response edge cases --------------------------------------------------------------

TEST(MessagesResponse, BadBodiesAre502) {
  for (const char* body : {"", "nope", "[]", "{}", R"({"choices":[]})", R"({"choices":[1]})"}) {
    auto r = igw::chatResponseToMessage(body, "m");
    ASSERT_FALSE(r.isOk()) << body;
    EXPECT_EQ(r.status().code(), igw::Code::kUnavailable);
  }
}

TEST(MessagesResponse, ContentFilterAndDoubleEncodedArgs) {
  auto r = igw::chatResponseToMessage(
      R"({"id":"x","choices":[{"message":{"content":null,"refusal":"I can't help with that."},
      "finish_reason":"content_filter"}]})",
      "m");
  ASSERT_TRUE(r.isOk());
  json m = json::parse(*r);
  EXPECT_EQ(m["stop_reason"], "refusal");
  EXPECT_EQ(m["content"][0]["text"], "I can't help with that.");
  EXPECT_EQ(m["usage"]["output_tokens"], 0);

  r = igw::chatResponseToMessage(
      R"({"id":"","choices":[{"message":{"tool_calls":[{"id":"c","function":{"name":"f",
      "arguments":"\"{\\\"a\\\":1}\""}}]},"finish_reason":"stop"}]})",
      "m");
  ASSERT_TRUE(r.isOk());
  m = json::parse(*r);
  EXPECT_EQ(m["content"][0]["input"], json({{"a", 1}}));
  EXPECT_EQ(m["stop_reason"], "tool_use");  // tool calls reported with finish_reason stop
  EXPECT_TRUE(m["id"].get<std::string>().starts_with("msg_"));
  EXPECT_GT(m["id"].get<std::string>().size(), 4u);
}

// --- stream edge cases ----------------------------------------------------------------

std::string run(const std::vector<std::string>& chunks, bool call_finish = true,
                igw::Status* last = nullptr) {
  igw::MessagesStreamWriter w("m");
  std::string out;
  igw::Status s;
  for (const auto& c : chunks) {
    s = w.onChunk(c, out);
    if (!s.isOk()) break;
  }
  if (call_finish && s.isOk()) s = w.finish(out);
  if (last) *last = s;
  return out;
}

std::vector<std::string> names(const std::string& out) {
  std::vector<std::string> n;
  for (const auto& e : parseEvents(out)) n.push_back(e.name);
  return n;
}

TEST(MessagesStream, TruncatedStreamEndsWithError) {
  igw::Status s;
  std::string out = run({R"({"id":"a","choices":[{"delta":{"content":"hi"}}]})"}, true, &s);
  EXPECT_FALSE(s.isOk());
  auto events = parseEvents(out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().name, "error");
  EXPECT_EQ(events.back().data["error"]["type"], "api_error");
}

TEST(MessagesStream, FinishReasonWithoutDoneCompletes) {
  igw::Status s;
  std::string out = run(
      {R"({"id":"a","choices":[{"delta":{"content":"hi"},"finish_reason":"stop"}]})"}, true, &s);
  EXPECT_TRUE(s.isOk());
  EXPECT_EQ(names(out),
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
}

TEST(MessagesStream, NonJsonChunkIsAnErrorEvent) {
  igw::Status s;
  std::string out = run({R"({"id":"a","choices":[]})", "{oops"}, true, &s);
  EXPECT_EQ(s.code(), igw::Code::kUnavailable);
  EXPECT_EQ(names(out), (std::vector<std::string>{"message_start", "error"}));
}

TEST(MessagesStream, ErrorFirstHasNoMessageStart) {
  igw::Status s;
  std::string out = run({R"({"error":{"message":"busy","code":503}})"}, true, &s);
  EXPECT_EQ(s.code(), igw::Code::kServiceUnavailable);
  auto events = parseEvents(out);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data["error"], json({{"type", "overloaded_error"}, {"message", "busy"}}));
}

TEST(MessagesStream, DoneOnlyGivesEmptyMessage) {
  EXPECT_EQ(names(run({"[DONE]"})),
            (std::vector<std::string>{"message_start", "message_delta", "message_stop"}));
}

TEST(MessagesStream, ToolNameLateAndIndexReuse) {
  // The name arrives after the id; then a server numbering every call 0 starts a second call.
  std::string out = run({
      R"({"id":"a","choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"arguments":"{\"x\""}}]}}]})",
      R"({"id":"a","choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":":1}"}}]}}]})",
      R"({"id":"a","choices":[{"delta":{"tool_calls":[{"index":0,"id":"c2","function":{"name":"g","arguments":"{}"}}]}}]})",
      R"({"id":"a","choices":[{"delta":{},"finish_reason":"stop"}]})",
      "[DONE]",
  });
  auto events = parseEvents(out);
  ASSERT_EQ(events.size(), 10u) << out;
  EXPECT_EQ(events[1].data["content_block"],
            json({{"type", "tool_use"}, {"id", "c1"}, {"name", "f"}, {"input", json::object()}}));
  EXPECT_EQ(events[2].data["delta"]["partial_json"], "{\"x\"");
  EXPECT_EQ(events[3].data["delta"]["partial_json"], ":1}");
  EXPECT_EQ(events[5].data["index"], 1);
  EXPECT_EQ(events[5].data["content_block"]["id"], "c2");
  EXPECT_EQ(events[8].data["delta"]["stop_reason"], "tool_use");
}

TEST(MessagesStream, MissingToolIdIsGenerated) {
  std::string out = run({
      R"({"id":"chatcmpl-z","choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]})",
      "[DONE]",
  });
  auto events = parseEvents(out);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1].data["content_block"]["id"], "toolu_z_0");
}

TEST(MessagesStream, RedactedThinkingAndLateSignature) {
  std::string out = run({
      R"({"id":"a","choices":[{"delta":{"reasoning_redacted":["blob"]}}]})",
      R"({"id":"a","choices":[{"delta":{"content":"x"}}]})",
      R"({"id":"a","choices":[{"delta":{"reasoning_signature":"sig"}}]})",
      "[DONE]",
  });
  auto events = parseEvents(out);
  ASSERT_EQ(events.size(), 11u) << out;
  EXPECT_EQ(events[1].data["content_block"],
            json({{"type", "redacted_thinking"}, {"data", "blob"}}));
  EXPECT_EQ(events[3].data["index"], 1);
  EXPECT_EQ(events[6].data["content_block"]["type"], "thinking");
  EXPECT_EQ(events[7].data["delta"], json({{"type", "signature_delta"}, {"signature", "sig"}}));
}

TEST(MessagesStream, NothingAfterTheEnd) {
  igw::MessagesStreamWriter w("m");
  std::string out;
  ASSERT_TRUE(w.onChunk("[DONE]", out).isOk());
  size_t size = out.size();
  EXPECT_TRUE(w.onChunk(R"({"choices":[{"delta":{"content":"late"}}]})", out).isOk());
  EXPECT_TRUE(w.finish(out).isOk());
  EXPECT_EQ(out.size(), size);
}

TEST(MessagesStream, InvalidUtf8ModelStaysValidJson) {
  igw::MessagesStreamWriter w("bad\xff model");
  std::string out;
  ASSERT_TRUE(w.onChunk(R"({"id":"a","choices":[]})", out).isOk());
  EXPECT_EQ(parseEvents(out).size(), 1u);
}

}  // namespace

namespace {

// Plain text chunks take a no-DOM fast path; an extra unknown member forces the general path.
// Both must write the same events.
TEST(MessagesStream, FastPathMatchesGeneralPath) {
  const std::vector<std::string> deltas = {
      R"("delta":{"role":"assistant","content":""})",
      R"("delta":{"content":"caf\u00e9 \ud83d\ude00 \"q\" \\ \n"},"logprobs":null)",
      R"("delta":{"content":"plain é"},"finish_reason":null)",
      R"("delta":{"content":null,"refusal":null})",
      R"("delta":{"content":"lone \udc00"})",
      R"("delta":{},"index":0)",
  };
  for (const auto& d : deltas) {
    std::string fast_chunk = R"({"id":"chatcmpl-q","choices":[{"index":0,)" + d + "}]}";
    std::string slow_chunk = R"({"id":"chatcmpl-q","x_extra":1,"choices":[{"index":0,)" + d + "}]}";
    igw::MessagesStreamWriter fast("m"), slow("m");
    std::string a, b;
    EXPECT_EQ(fast.onChunk(fast_chunk, a).code(), slow.onChunk(slow_chunk, b).code()) << d;
    EXPECT_EQ(a, b) << d;
    parseEvents(a);
  }
}

}  // namespace

namespace {

TEST(MessagesStream, CallerFailureEndsTheStream) {
  igw::MessagesStreamWriter w("m");
  std::string out;
  ASSERT_TRUE(w.onChunk(R"({"id":"a","choices":[{"delta":{"content":"x"}}]})", out).isOk());
  igw::Status s = w.fail("api_error", "event too large \xff", out);
  EXPECT_EQ(s.code(), igw::Code::kUnavailable);
  auto events = parseEvents(out);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events.back().name, "error");
  size_t size = out.size();
  EXPECT_FALSE(w.fail("api_error", "again", out).isOk());
  EXPECT_TRUE(w.finish(out).isOk());
  EXPECT_EQ(out.size(), size);
}

}  // namespace
