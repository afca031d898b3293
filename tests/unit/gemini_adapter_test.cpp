// Gemini adapter: golden request/response/stream fixtures (tests/golden/openai-gemini/<case>),
// plus error mapping, input validation, model list parsing and stream edge cases.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include "golden.h"

#include "http/sse.h"
#include "translate/openai_gemini.h"

namespace igw {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

using igw::golden::readFile;
using igw::golden::readJson;
const auto& sseEvents = igw::golden::ssePayloads;

const fs::path kGolden = fs::path(IGW_GOLDEN_DIR) / "openai-gemini";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

TranslateContext contextFor(const json& req) {
  TranslateContext ctx;
  ctx.model = req.value("model", "");
  ctx.response_id = "chatcmpl-test";
  ctx.created = 1700000000;
  auto so = req.find("stream_options");
  ctx.include_usage = so != req.end() && so->is_object() && so->value("include_usage", false);
  return ctx;
}

// Runs a native SSE transcript through the real SSE parser (in small pieces) and the adapter.
std::string runStream(const ChatAdapter& adapter, const TranslateContext& ctx,
                      std::string_view transcript, Status* finish_status = nullptr) {
  auto tr = adapter.newStream(ctx);
  SseParser parser;
  std::string out;
  auto on = [&](const SseEvent& e) {
    if (!e.has_data) return;
    Status s = tr->onEvent(e.event, e.data, out);
    EXPECT_TRUE(s.isOk()) << s.message();
  };
  for (size_t i = 0; i < transcript.size(); i += 7) {
    EXPECT_TRUE(parser.feed(transcript.substr(i, 7), on).isOk());
  }
  parser.finish(on);
  Status fs = tr->finish(out);
  if (finish_status) {
    *finish_status = fs;
  } else {
    EXPECT_TRUE(fs.isOk()) << fs.message();
  }
  return out;
}

std::vector<std::string> goldenCases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kGolden)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class GeminiGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(GeminiGolden, Matches) {
  const fs::path dir = kGolden / GetParam();
  auto adapter = makeGeminiAdapter();
  json req = readJson(dir / "client_request.json");
  bool stream = req.value("stream", false);
  auto native = adapter->buildRequest(req, stream);
  ASSERT_TRUE(native.isOk()) << native.status().message();
  EXPECT_EQ(native->method, "POST");
  EXPECT_EQ(native->path, trim(readFile(dir / "upstream_path.txt")));
  json body = json::parse(native->body, nullptr, false);
  ASSERT_FALSE(body.is_discarded());
  EXPECT_EQ(body, readJson(dir / "upstream_request.json")) << body.dump(2);

  TranslateContext ctx = contextFor(req);
  if (fs::exists(dir / "upstream_response.json")) {
    auto out = adapter->translateResponse(readFile(dir / "upstream_response.json"), ctx);
    ASSERT_TRUE(out.isOk()) << out.status().message();
    json got = json::parse(*out, nullptr, false);
    ASSERT_FALSE(got.is_discarded()) << *out;
    EXPECT_EQ(got, readJson(dir / "client_response.json")) << got.dump(2);
  }
  if (fs::exists(dir / "upstream_stream.txt")) {
    auto got = sseEvents(runStream(*adapter, ctx, readFile(dir / "upstream_stream.txt")));
    auto want = sseEvents(readFile(dir / "client_stream.txt"));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      if (want[i] == "[DONE]") {
        EXPECT_EQ(got[i], "[DONE]");
        continue;
      }
      json g = json::parse(got[i], nullptr, false);
      ASSERT_FALSE(g.is_discarded()) << got[i];
      EXPECT_EQ(g, json::parse(want[i])) << "event " << i << ": " << got[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(GeminiFixtures, GeminiGolden, ::testing::ValuesIn(goldenCases()),
                         [](const auto& info) { return info.param; });

TEST(GeminiGoldenSet, HasEveryRequiredCase) {
  auto cases = goldenCases();
  for (const char* name :
       {"simple_text", "system_multiturn", "images", "tools_auto", "tool_choice_named",
        "tool_choice_required", "tool_choice_none", "parallel_multiturn", "thinking_signature",
        "json_schema", "safety_block", "max_tokens", "stream_text", "stream_function_calls",
        "stream_usage", "stream_error"}) {
    EXPECT_NE(std::find(cases.begin(), cases.end(), name), cases.end()) << name;
  }
}

// ---- errors ----

TEST(GeminiErrors, MapsRpcStatus) {
  auto a = makeGeminiAdapter();
  auto body = [](int code, const char* status, const char* msg) {
    return json{{"error", {{"code", code}, {"message", msg}, {"status", status}}}}.dump();
  };
  struct Case {
    int http;
    const char* status;
    Code code;
  } cases[] = {
      {400, "INVALID_ARGUMENT", Code::kInvalidArgument},
      {400, "FAILED_PRECONDITION", Code::kInvalidArgument},
      {401, "UNAUTHENTICATED", Code::kUnauthenticated},
      {403, "PERMISSION_DENIED", Code::kPermissionDenied},
      {404, "NOT_FOUND", Code::kNotFound},
      {429, "RESOURCE_EXHAUSTED", Code::kRateLimited},
      {503, "UNAVAILABLE", Code::kServiceUnavailable},
      {500, "INTERNAL", Code::kInternal},
      {504, "DEADLINE_EXCEEDED", Code::kDeadlineExceeded},
  };
  for (const auto& c : cases) {
    ProviderError e = a->translateError(c.http, body(c.http, c.status, "provider says no"));
    EXPECT_EQ(e.status, c.http) << c.status;  // passed through
    EXPECT_EQ(e.message, "provider says no");
    // Errors inside a response or a stream carry only the google.rpc status: it names the class.
    EXPECT_EQ(gemini::errorStatus(0, c.status, "m").code(), c.code) << c.status;
  }
}

TEST(GeminiErrors, InvalidApiKeyIsUnauthenticated) {
  std::string body =
      R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
    "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",
    "reason":"API_KEY_INVALID","domain":"googleapis.com"}]}})";
  ProviderError e = makeGeminiAdapter()->translateError(400, body);
  EXPECT_EQ(e.status, 401);  // the one documented change of a Gemini status
  EXPECT_EQ(e.message, "API key not valid. Please pass a valid API key.");
}

TEST(GeminiErrors, ArrayWrappedAndNonJsonBodies) {
  auto a = makeGeminiAdapter();
  ProviderError e = a->translateError(
      429, R"([{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}])");
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.message, "Quota exceeded");
  e = a->translateError(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(e.status, 502);
  EXPECT_FALSE(e.message.empty());
  e = a->translateError(503, "");
  EXPECT_EQ(e.status, 503);
  EXPECT_FALSE(e.message.empty());
  e = a->translateError(404, R"({"error":{"code":404,"message":"gone","status":"WEIRD"}})");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.message, "gone");
  // A status that is not an HTTP error becomes 502, whatever the body says.
  e = a->translateError(200,
                        R"({"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED"}})");
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(e.message, "q");
}

TEST(GeminiErrors, ErrorBodyOnSuccessPathIsNotASuccess) {
  TranslateContext ctx;
  auto out = makeGeminiAdapter()->translateResponse(
      R"({"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}})", ctx);
  ASSERT_FALSE(out.isOk());
  EXPECT_EQ(out.status().code(), Code::kRateLimited);
  EXPECT_FALSE(makeGeminiAdapter()->translateResponse("not json", ctx).isOk());
  EXPECT_FALSE(makeGeminiAdapter()->translateResponse(R"({"candidates":[]})", ctx).isOk());
}

// ---- bad input -> 400 with a message naming the field ----

void expectBad(const json& req, const std::string& fragment) {
  auto r = makeGeminiAdapter()->buildRequest(req, false);
  ASSERT_FALSE(r.isOk()) << req.dump();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
}

json userMsg(json content) {
  return {{"role", "user"}, {"content", std::move(content)}};
}

TEST(GeminiRequest, BadInputIsA400NamingTheField) {
  json ok = {{"model", "gemini-2.0-flash"}, {"messages", {userMsg("hi")}}};
  expectBad({{"messages", {userMsg("hi")}}}, "model");
  expectBad({{"model", "bad model?"}, {"messages", {userMsg("hi")}}}, "not a valid Gemini model");
  expectBad({{"model", "m"}}, "messages");
  expectBad({{"model", "m"}, {"messages", json::array()}}, "messages");
  expectBad({{"model", "m"}, {"messages", {{{"role", "wizard"}, {"content", "x"}}}}},
            "messages[0].role 'wizard'");
  expectBad({{"model", "m"}, {"messages", {userMsg(42)}}}, "messages[0].content");
  expectBad({{"model", "m"}, {"messages", {userMsg(json::array({{{"type", "video"}}}))}}},
            "messages[0].content[0]");
  expectBad({{"model", "m"},
             {"messages",
              {userMsg(json::array(
                  {{{"type", "image_url"}, {"image_url", {{"url", "data:image/png,xx"}}}}}))}}},
            "base64");
  json bad_args = ok;
  bad_args["messages"].push_back({{"role", "assistant"},
                                  {"tool_calls",
                                   {{{"id", "c1"},
                                     {"type", "function"},
                                     {"function", {{"name", "f"}, {"arguments", "{not json"}}}}}}});
  expectBad(bad_args, "messages[1].tool_calls[0].function.arguments");
  json orphan = ok;
  orphan["messages"].push_back({{"role", "tool"}, {"tool_call_id", "nope"}, {"content", "x"}});
  expectBad(orphan, "tool_call_id 'nope'");
  json t = ok;
  t["temperature"] = "hot";
  expectBad(t, "temperature");
  t = ok;
  t["max_tokens"] = 1.5;
  expectBad(t, "max_tokens must be an integer");
  t = ok;
  t["stop"] = json::array({1});
  expectBad(t, "stop");
  t = ok;
  t["reasoning_effort"] = "extreme";
  expectBad(t, "reasoning_effort");
  t = ok;
  t["response_format"] = {{"type", "json_schema"}};
  expectBad(t, "response_format.json_schema.schema");
  t = ok;
  t["tools"] = {{{"type", "web_search"}}};
  expectBad(t, "tools[0].type");
  t = ok;
  t["tools"] = {{{"type", "function"}, {"function", {{"name", "f"}}}}};
  t["tool_choice"] = "sometimes";
  expectBad(t, "tool_choice");
  expectBad({{"model", "m"}, {"messages", {{{"role", "system"}, {"content", "only system"}}}}},
            "at least one user");
}

TEST(GeminiRequest, SchemaSanitizingKeepsOnlyWhatGeminiAccepts) {
  json in = json::parse(R"({"$schema":"x","type":"object","additionalProperties":false,
    "properties":{"a":{"type":["integer","null"],"format":"int64","minimum":0},
      "b":{"const":"fixed"},"c":{"type":"array","items":{"type":"string","$ref":"#/x"}},
      "d":{"oneOf":[{"type":"string"},{"type":"number"}]}},"required":["a"],"$defs":{}})");
  json want = json::parse(R"({"type":"object","properties":{
      "a":{"type":"integer","nullable":true,"format":"int64","minimum":0},
      "b":{"enum":["fixed"]},"c":{"type":"array","items":{"type":"string"}},
      "d":{"anyOf":[{"type":"string"},{"type":"number"}]}},"required":["a"]})");
  EXPECT_EQ(gemini::sanitizeSchema(in), want);
}

TEST(GeminiRequest, ToolNameFallsBackToMessageNameAndSignatureOnText) {
  json req = {{"model", "models/gemini-2.5-pro"},
              {"messages",
               {userMsg("hi"),
                {{"role", "assistant"}, {"content", "Hello"}, {"reasoning_signature", "SIG"}},
                {{"role", "tool"}, {"tool_call_id", "x"}, {"name", "lookup"}, {"content", "42"}}}}};
  auto r = makeGeminiAdapter()->buildRequest(req, true);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->path, "/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
  json body = json::parse(r->body);
  EXPECT_EQ(body["contents"][1]["parts"][0],
            json::parse(R"({"text":"Hello","thoughtSignature":"SIG"})"));
  // "42" is JSON but not an object: wrapped.
  EXPECT_EQ(body["contents"][2]["parts"][0]["functionResponse"],
            json::parse(R"({"name":"lookup","response":{"content":"42"}})"));
}

// ---- model list ----

TEST(GeminiModels, ListKeepsGenerateContentModels) {
  auto r = parseGeminiModelList(R"({"models":[
    {"name":"models/gemini-2.0-flash","supportedGenerationMethods":["generateContent","countTokens"]},
    {"name":"models/text-embedding-004","supportedGenerationMethods":["embedContent"]},
    {"name":"models/gemini-2.5-pro","supportedGenerationMethods":["createCachedContent","generateContent"]},
    {"name":"models/aqa"}],"nextPageToken":"abc"})");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, (std::vector<std::string>{"gemini-2.0-flash", "gemini-2.5-pro"}));
  EXPECT_TRUE(parseGeminiModelList("{}").isOk());
  EXPECT_FALSE(parseGeminiModelList("[").isOk());
  EXPECT_FALSE(parseGeminiModelList(R"({"models":3})").isOk());
}

// ---- stream edge cases ----

TEST(GeminiStream, EndingWithoutFinishReasonFails) {
  auto a = makeGeminiAdapter();
  TranslateContext ctx;
  ctx.model = "m";
  Status fs;
  std::string out = runStream(
      *a, ctx, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n",
      &fs);
  EXPECT_FALSE(fs.isOk());
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
}

TEST(GeminiStream, BlockedPromptAndMalformedData) {
  auto a = makeGeminiAdapter();
  TranslateContext ctx;
  ctx.model = "m";
  ctx.response_id = "chatcmpl-1";
  std::string out =
      runStream(*a, ctx, "data: {\"promptFeedback\":{\"blockReason\":\"OTHER\"}}\n\n");
  auto events = sseEvents(out);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(json::parse(events[1])["choices"][0]["finish_reason"], "content_filter");
  EXPECT_EQ(json::parse(events[0])["id"], "chatcmpl-1");
  auto tr = a->newStream(ctx);
  std::string o;
  EXPECT_FALSE(tr->onEvent("", "{\"candidates\":", o).isOk());
  EXPECT_TRUE(tr->onEvent("", "  ", o).isOk());
  EXPECT_TRUE(o.empty());
}

TEST(GeminiStream, UsageIsReportedAndNotDoubleCounted) {
  auto a = makeGeminiAdapter();
  auto tr = a->newStream(TranslateContext{});
  std::string out;
  ASSERT_TRUE(
      tr->onEvent("", R"({"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"thoughtsTokenCount":3,"totalTokenCount":18}})",
                  out)
          .isOk());
  auto u = tr->usage();
  EXPECT_EQ(u.prompt, 10);
  EXPECT_EQ(u.completion, 8);
  EXPECT_EQ(u.total, 18);
  EXPECT_EQ(u.reasoning, 3);
  EXPECT_EQ(u.cached, -1);
}

TEST(GeminiJsonView, RejectsWhatStrictParsersReject) {
  gemini::JsonView v;
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "\"\\ud800\"", "\"\\udc00\"", "01",
                          "\"\xff\"", "\"a\nb\"", "{\"a\":1}x", "tru", "1.", "-"}) {
    EXPECT_FALSE(v.parse(bad)) << bad;
  }
  ASSERT_TRUE(v.parse(R"( {"a": [1, -2.5e3, true, null], "b": {"c": "\ud83d\ude00\n"}} )"));
  uint32_t a = v.find(v.root(), "a");
  EXPECT_EQ(v.integer(v.first(a), 0), 1);
  EXPECT_EQ(v.inner(v.find(v.find(v.root(), "b"), "c")), "\\ud83d\\ude00\\n");
  EXPECT_EQ(v.find(v.root(), "zz"), gemini::JsonView::npos);
}

}  // namespace
}  // namespace igw
