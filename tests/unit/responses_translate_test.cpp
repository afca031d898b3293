// The Responses API bridge: golden files under tests/golden/responses-openai/ (request, Response
// object, stream events), plus what the bridge refuses, edge cases of the stream writer, and
// reading Responses usage for the byte-for-byte relay.
//
// IGW_GOLDEN_WRITE=1 writes each case's client_response.json / client_stream.txt from the
// current output (then review them by hand against the documented formats before committing).
#include "translate/responses_openai.h"

#include <gtest/gtest.h>

#include "golden.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/sse.h"
#include "telemetry/usage.h"

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

using igw::golden::readFile;
using igw::golden::readJson;

const fs::path kGoldenDir = fs::path(IGW_GOLDEN_DIR) / "responses-openai";

bool writeGoldens() {
  const char* v = std::getenv("IGW_GOLDEN_WRITE");
  return v != nullptr && std::string(v) == "1";
}

struct Event {
  std::string name;
  json data;
};

// Responses SSE text -> events, checking each is exactly "event: X\ndata: <json>\n\n" with the
// JSON's "type" equal to X and sequence_number counting from 0.
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
    EXPECT_EQ(e.data.value("sequence_number", -1), static_cast<int>(out.size())) << ev;
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
// the way the sink does.
std::string translateStream(const std::string& model, const std::string& echo,
                            const std::string& transcript, size_t piece, bool* ok = nullptr) {
  igw::ResponsesStreamWriter writer(model, echo);
  igw::SseParser parser;
  std::string out;
  bool all_ok = true;
  auto on = [&](const igw::SseEvent& e) {
    if (e.has_data && !writer.onChunk(e.data, out).isOk()) all_ok = false;
  };
  for (size_t i = 0; i < transcript.size(); i += piece) {
    EXPECT_TRUE(parser.feed(std::string_view(transcript).substr(i, piece), on).isOk());
  }
  parser.finish(on);
  if (!writer.finish(out).isOk()) all_ok = false;
  if (ok != nullptr) *ok = all_ok;
  return out;
}

class ResponsesGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ResponsesGolden, Matches) {
  const fs::path dir = kGoldenDir / GetParam();
  json client_request = readJson(dir / "client_request.json");
  json expected_upstream = readJson(dir / "upstream_request.json");
  auto req = igw::responsesToChatRequest(readFile(dir / "client_request.json"),
                                         expected_upstream.value("model", ""));
  ASSERT_TRUE(req.isOk()) << req.status().message();
  EXPECT_EQ(json::parse(req->chat), expected_upstream) << req->chat;
  EXPECT_EQ(req->stream, client_request.value("stream", false));

  std::string model = client_request.value("model", "");
  if (fs::exists(dir / "upstream_response.json")) {
    auto out =
        igw::chatResponseToResponse(readFile(dir / "upstream_response.json"), model, req->echo);
    ASSERT_TRUE(out.isOk()) << out.status().message();
    if (writeGoldens()) {
      std::ofstream(dir / "client_response.json") << ojson::parse(*out).dump(2) << "\n";
    }
    EXPECT_EQ(json::parse(*out), readJson(dir / "client_response.json"));
  } else {
    std::string transcript = readFile(dir / "upstream_stream.txt");
    if (writeGoldens()) {
      std::ofstream(dir / "client_stream.txt")
          << translateStream(model, req->echo, transcript, transcript.size());
    }
    std::string expected = readFile(dir / "client_stream.txt");
    for (size_t piece : {transcript.size(), size_t{1}, size_t{7}, size_t{64}}) {
      SCOPED_TRACE("piece size " + std::to_string(piece));
      expectSameEvents(translateStream(model, req->echo, transcript, piece), expected);
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

INSTANTIATE_TEST_SUITE_P(ResponsesOpenAI, ResponsesGolden, ::testing::ValuesIn(goldenCases()),
                         [](const auto& info) { return info.param; });

// What the bridge cannot carry: a 400 whose message names the field.
TEST(ResponsesRequest, RefusesWhatTheBridgeCannotCarry) {
  struct Case {
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {R"({"model":"m","input":"hi","previous_response_id":"resp_1"})", "previous_response_id"},
      {R"({"model":"m","input":"hi","conversation":"conv_1"})", "conversation"},
      {R"({"model":"m","input":"hi","background":true})", "background"},
      {R"({"model":"m","input":"hi","prompt":{"id":"pmpt_1"}})", "prompt"},
      {R"({"model":"m","input":"hi","tools":[{"type":"web_search"}]})", "'web_search'"},
      {R"({"model":"m","input":"hi","tools":[{"type":"file_search","vector_store_ids":[]}]})",
       "'file_search'"},
      {R"({"model":"m","input":"hi","tool_choice":{"type":"web_search_preview"}})",
       "tool_choice type"},
      {R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})", "item_reference"},
      {R"({"model":"m","input":[{"type":"web_search_call","id":"ws_1"}]})", "'web_search_call'"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]})",
       "file_id"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})",
       "'input_file'"},
      {R"({"model":"m"})", "input is required"},
      {R"({"model":"m","input":[]})", "at least one message"},
      {R"({"model":"m","input":7})", "input must be"},
      {R"({"model":"m","input":"hi","max_output_tokens":0})", "max_output_tokens"},
      {R"({"model":"m","input":"hi","stream":"yes"})", "stream"},
      {R"({"model":"m","input":"hi","text":{"format":{"type":"xml"}}})", "text.format.type"},
      {R"({"model":"m","input":[{"type":"function_call","name":"f"}]})", "call_id"},
      {R"({"model":"m","input":[{"role":"tool","content":"x"}]})", "role"},
      {R"([1,2])", "JSON object"},
  };
  for (const auto& c : cases) {
    auto r = igw::responsesToChatRequest(c.body, "m");
    ASSERT_FALSE(r.isOk()) << c.body;
    EXPECT_EQ(r.status().code(), igw::Code::kInvalidArgument) << c.body;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.body << " -> " << r.status().message();
  }
}

TEST(ResponsesRequest, AcceptsStoreAndTheSettingsItDoesNotForward) {
  auto r = igw::responsesToChatRequest(
      R"({"model":"m","input":"hi","store":true,"include":["reasoning.encrypted_content"],)"
      R"("service_tier":"auto","prompt_cache_key":"k","safety_identifier":"s","top_logprobs":2,)"
      R"("max_tool_calls":3,"stream_options":{"include_obfuscation":false},"background":false})",
      "up");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(json::parse(r->chat),
            json::parse(R"({"model":"up","messages":[{"role":"user","content":"hi"}]})"));
  json echo = json::parse(r->echo);
  EXPECT_EQ(echo["store"], false);  // nothing is stored
}

TEST(ResponsesRequest, FunctionOutputImagesFollowTheToolMessages) {
  auto r = igw::responsesToChatRequest(
      R"({"model":"m","input":[{"role":"user","content":"look"},)"
      R"({"type":"function_call","call_id":"c1","name":"shot","arguments":""},)"
      R"({"type":"function_call_output","call_id":"c1","output":[{"type":"input_text","text":"ok"},)"
      R"({"type":"input_image","image_url":"data:image/png;base64,AA=="}]}]})",
      "m");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  json chat = json::parse(r->chat);
  ASSERT_EQ(chat["messages"].size(), 4u) << r->chat;
  EXPECT_EQ(chat["messages"][1]["tool_calls"][0]["function"]["arguments"], "{}");
  EXPECT_EQ(chat["messages"][2],
            json::parse(R"({"role":"tool","tool_call_id":"c1","content":"ok"})"));
  EXPECT_EQ(chat["messages"][3]["role"], "user");
  EXPECT_EQ(chat["messages"][3]["content"][0]["type"], "image_url");
}

TEST(ResponsesResponse, RefusalAndNoUsage) {
  auto out = igw::chatResponseToResponse(
      R"({"id":"chatcmpl-x","created":5,"choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]})",
      "m", "{}");
  ASSERT_TRUE(out.isOk());
  json r = json::parse(*out);
  EXPECT_EQ(r["id"], "resp_x");
  EXPECT_EQ(r["status"], "completed");
  EXPECT_EQ(r["output"][0]["content"][0],
            json::parse(R"({"type":"refusal","refusal":"I can't help with that."})"));
  EXPECT_TRUE(r["usage"].is_null());
}

TEST(ResponsesResponse, NotACompletionIs502) {
  for (const char* body : {"[]", "{}", R"({"choices":[]})", "not json"}) {
    auto out = igw::chatResponseToResponse(body, "m", "{}");
    ASSERT_FALSE(out.isOk()) << body;
    EXPECT_EQ(out.status().code(), igw::Code::kUnavailable) << body;
  }
}

TEST(ResponsesStream, EmptyUpstreamIsAnErrorAndResponseFailed) {
  igw::ResponsesStreamWriter writer("m", "{}");
  std::string out;
  EXPECT_FALSE(writer.finish(out).isOk());
  auto events = parseEvents(out);
  ASSERT_EQ(events.size(), 4u) << out;
  EXPECT_EQ(events[0].name, "response.created");
  EXPECT_EQ(events[1].name, "response.in_progress");
  EXPECT_EQ(events[2].name, "error");
  EXPECT_EQ(events[2].data["code"], "server_error");
  EXPECT_EQ(events[3].name, "response.failed");
  EXPECT_EQ(events[3].data["response"]["status"], "failed");
  EXPECT_EQ(events[3].data["response"]["error"]["code"], "server_error");
  // Nothing after the end.
  std::string more;
  EXPECT_TRUE(writer.onChunk(R"({"choices":[{"index":0,"delta":{"content":"x"}}]})", more).isOk());
  EXPECT_TRUE(more.empty());
}

TEST(ResponsesStream, CutShortAfterTextFails) {
  igw::ResponsesStreamWriter writer("m", "{}");
  std::string out;
  ASSERT_TRUE(
      writer.onChunk(R"({"id":"chatcmpl-a","choices":[{"index":0,"delta":{"content":"Hi"}}]})", out)
          .isOk());
  EXPECT_FALSE(writer.finish(out).isOk());
  auto events = parseEvents(out);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].name, "error");
  EXPECT_EQ(events.back().name, "response.failed");
  // The text that was streamed is in the failed Response, its item incomplete.
  const json& item = events.back().data["response"]["output"][0];
  EXPECT_EQ(item["type"], "message");
  EXPECT_EQ(item["status"], "incomplete");
  EXPECT_EQ(item["content"][0]["text"], "Hi");
}

TEST(ResponsesStream, NameAfterIdAndArgumentsBeforeIt) {
  const std::string transcript =
      "data: "
      "{\"id\":\"chatcmpl-t\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
      "\"id\":\"call_1\",\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n"
      "data: "
      "{\"id\":\"chatcmpl-t\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
      "\"function\":{\"name\":\"f\",\"arguments\":\"1}\"}}]}}]}\n\n"
      "data: {\"id\":\"chatcmpl-t\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
      "\"tool_calls\"}]}\n\ndata: [DONE]\n\n";
  bool ok = false;
  auto events = parseEvents(translateStream("m", "{}", transcript, transcript.size(), &ok));
  EXPECT_TRUE(ok);
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed"}));
  EXPECT_EQ(events[2].data["item"]["call_id"], "call_1");
  EXPECT_EQ(events[2].data["item"]["name"], "f");
  EXPECT_EQ(events[5].data["arguments"], "{\"a\":1}");
  EXPECT_EQ(events.back().data["response"]["output"][0]["arguments"], "{\"a\":1}");
}

TEST(ResponsesStream, ErrorEventJson) {
  json e = json::parse(igw::responses::errorEvent("rate_limit_exceeded", "slow \xff down", 7));
  EXPECT_EQ(e["type"], "error");
  EXPECT_EQ(e["code"], "rate_limit_exceeded");
  EXPECT_EQ(e["message"], "slow \xEF\xBF\xBD down");
  EXPECT_TRUE(e["param"].is_null());
  EXPECT_EQ(e["sequence_number"], 7);
}

TEST(ResponsesUsage, FromResponseObjectAndCompletedEvent) {
  igw::TokenUsage u;
  EXPECT_TRUE(igw::extractResponsesUsage(
      R"({"id":"resp_1","object":"response","usage":{"input_tokens":36,"input_tokens_details":)"
      R"({"cached_tokens":4},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":9},)"
      R"("total_tokens":123}})",
      u));
  EXPECT_EQ(u.prompt, 36);
  EXPECT_EQ(u.completion, 87);
  EXPECT_EQ(u.total, 123);
  EXPECT_EQ(u.cached, 4);
  EXPECT_EQ(u.reasoning, 9);
  igw::TokenUsage s;
  EXPECT_TRUE(igw::extractResponsesUsage(
      R"({"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","output":[],)"
      R"("usage":{"input_tokens":5,"output_tokens":6,"total_tokens":11}}})",
      s));
  EXPECT_EQ(s.prompt, 5);
  EXPECT_EQ(s.completion, 6);
  igw::TokenUsage none;
  EXPECT_FALSE(igw::extractResponsesUsage(
      R"({"type":"response.created","response":{"id":"resp_1","usage":null}})", none));
  EXPECT_FALSE(igw::extractResponsesUsage(
      R"({"type":"response.output_text.delta","delta":"\"usage\":{"})", none));
  EXPECT_FALSE(none.known());
}

}  // namespace
