// Anthropic adapter: golden files under tests/golden/openai-anthropic/<case>/ (request, response
// and stream translation), plus error mapping, bad input and stream-splitting checks.
#include "translate/openai_anthropic.h"

#include <gtest/gtest.h>

#include "golden.h"

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

using igw::golden::expectSameEvents;
using igw::golden::readFile;
using igw::golden::readJson;
using igw::golden::ssePayloads;

const fs::path kGoldenDir = fs::path(IGW_GOLDEN_DIR) / "openai-anthropic";

igw::TranslateContext contextFor(const json& client_request) {
  igw::TranslateContext ctx;
  ctx.model = client_request.value("model", "");
  ctx.response_id = "chatcmpl-fallback";
  ctx.created = 1700000000;
  auto opts = client_request.value("stream_options", json::object());
  ctx.include_usage = opts.is_object() && opts.value("include_usage", false);
  return ctx;
}

// Runs the native transcript through SseParser (fed in pieces of `piece` bytes) and the
// translator, the way the relay does.
std::string translateStream(const igw::ChatAdapter& adapter, const igw::TranslateContext& ctx,
                            const std::string& transcript, size_t piece) {
  auto stream = adapter.newStream(ctx);
  igw::SseParser parser;
  std::string out;
  auto on = [&](const igw::SseEvent& e) {
    if (e.has_data) EXPECT_TRUE(stream->onEvent(e.event, e.data, out).isOk()) << e.data;
  };
  for (size_t i = 0; i < transcript.size(); i += piece) {
    EXPECT_TRUE(parser.feed(std::string_view(transcript).substr(i, piece), on).isOk());
  }
  parser.finish(on);
  EXPECT_TRUE(stream->finish(out).isOk());
  return out;
}

class AnthropicGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(AnthropicGolden, Matches) {
  const fs::path dir = kGoldenDir / GetParam();
  auto adapter = igw::makeAnthropicAdapter({});
  json client_request = readJson(dir / "client_request.json");
  bool stream = client_request.value("stream", false);

  auto native = adapter->buildRequest(client_request, stream);
  ASSERT_TRUE(native.isOk()) << native.status().message();
  EXPECT_EQ(native->path, "/messages");
  EXPECT_EQ(json::parse(native->body), readJson(dir / "upstream_request.json"));

  auto ctx = contextFor(client_request);
  if (fs::exists(dir / "upstream_response.json")) {
    auto out = adapter->translateResponse(readFile(dir / "upstream_response.json"), ctx);
    ASSERT_TRUE(out.isOk()) << out.status().message();
    EXPECT_EQ(json::parse(*out), readJson(dir / "client_response.json"));
  } else {
    std::string transcript = readFile(dir / "upstream_stream.txt");
    std::string expected = readFile(dir / "client_stream.txt");
    for (size_t piece : {transcript.size(), size_t{1}, size_t{7}, size_t{64}}) {
      SCOPED_TRACE("piece size " + std::to_string(piece));
      expectSameEvents(translateStream(*adapter, ctx, transcript, piece), expected);
    }
  }
}

std::vector<std::string> goldenCases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Anthropic, AnthropicGolden, ::testing::ValuesIn(goldenCases()),
                         [](const auto& info) { return info.param; });

// --- request validation ---------------------------------------------------------------

igw::Status buildError(const json& request) {
  auto adapter = igw::makeAnthropicAdapter({});
  auto r = adapter->buildRequest(request, false);
  EXPECT_FALSE(r.isOk());
  return r.status();
}

json userRequest(json content) {
  return {{"model", "claude"}, {"messages", {{{"role", "user"}, {"content", content}}}}};
}

TEST(AnthropicRequest, NonJsonToolArgumentsAre400) {
  json req = userRequest("hi");
  req["messages"].push_back({{"role", "assistant"},
                             {"tool_calls",
                              {{{"id", "call_1"},
                                {"type", "function"},
                                {"function", {{"name", "f"}, {"arguments", "{not json"}}}}}}});
  auto s = buildError(req);
  EXPECT_EQ(s.code(), igw::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("messages[1].tool_calls[0].function.arguments"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("{not json"), std::string::npos);
}

TEST(AnthropicRequest, UnsupportedContentPartIs400) {
  auto s = buildError(userRequest(
      {{{"type", "input_audio"}, {"input_audio", {{"data", "AAAA"}, {"format", "wav"}}}}}));
  EXPECT_EQ(s.code(), igw::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("messages[0].content[0]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("input_audio"), std::string::npos);
}

TEST(AnthropicRequest, BadImagesAre400) {
  auto s =
      buildError(userRequest({{{"type", "image_url"}, {"image_url", {{"url", "ftp://x/y.png"}}}}}));
  EXPECT_NE(s.message().find("data URL"), std::string::npos) << s.message();
  s = buildError(userRequest(
      {{{"type", "image_url"}, {"image_url", {{"url", "data:image/tiff;base64,AAAA"}}}}}));
  EXPECT_NE(s.message().find("image/tiff"), std::string::npos) << s.message();
}

TEST(AnthropicRequest, OptionsAnthropicCannotHonourAre400) {
  json req = userRequest("hi");
  req["temperature"] = 1.5;
  EXPECT_NE(buildError(req).message().find("between 0 and 1"), std::string::npos);
  req = userRequest("hi");
  req["n"] = 2;
  EXPECT_NE(buildError(req).message().find("n must be 1"), std::string::npos);
  req = userRequest("hi");
  req["reasoning_effort"] = "high";
  req["max_tokens"] = 500;
  EXPECT_NE(buildError(req).message().find("minimum thinking budget"), std::string::npos);
  req = userRequest("hi");
  req["reasoning_effort"] = "extreme";
  EXPECT_NE(buildError(req).message().find("reasoning_effort"), std::string::npos);
  req = userRequest("hi");
  req["max_tokens"] = "lots";
  EXPECT_NE(buildError(req).message().find("max_tokens must be a positive integer"),
            std::string::npos);
  EXPECT_NE(
      buildError({{"model", "claude"}, {"messages", json::array()}}).message().find("messages"),
      std::string::npos);
  EXPECT_NE(buildError({{"model", "claude"}, {"messages", {{{"role", "function"}}}}})
                .message()
                .find("'function'"),
            std::string::npos);
  EXPECT_NE(buildError({{"model", "claude"}, {"messages", {{{"role", "tool"}, {"content", "x"}}}}})
                .message()
                .find("tool_call_id"),
            std::string::npos);
  EXPECT_EQ(buildError(json::array()).code(), igw::Code::kInvalidArgument);
}

TEST(AnthropicRequest, HeadersOptionsAndThinkingBudgetCap) {
  auto adapter = igw::makeAnthropicAdapter({.default_max_tokens = 1000, .version = "2099-01-01"});
  json req = userRequest("hi");
  auto r = adapter->buildRequest(req, true);
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->headers.size(), 1u);
  EXPECT_EQ(r->headers[0].name, "anthropic-version");
  EXPECT_EQ(r->headers[0].value, "2099-01-01");
  json body = json::parse(r->body);
  EXPECT_EQ(body["max_tokens"], 1000);
  EXPECT_EQ(body["stream"], true);

  req["reasoning_effort"] = "high";
  req["max_completion_tokens"] = 5000;  // explicit limit caps the 16384 budget below it
  body = json::parse(adapter->buildRequest(req, false)->body);
  EXPECT_EQ(body["max_tokens"], 5000);
  EXPECT_EQ(body["thinking"]["budget_tokens"], 4999);
  EXPECT_FALSE(body.contains("stream"));

  req["reasoning_effort"] = "none";
  body = json::parse(adapter->buildRequest(req, false)->body);
  EXPECT_FALSE(body.contains("thinking"));
}

TEST(AnthropicRequest, UnsignedReasoningIsDroppedAndEmptyTurnsSkipped) {
  json req = userRequest("hi");
  req["messages"].push_back(
      {{"role", "assistant"}, {"content", "ok"}, {"reasoning_content", "from another model"}});
  req["messages"].push_back({{"role", "assistant"}, {"content", nullptr}});
  auto r = igw::makeAnthropicAdapter({})->buildRequest(req, false);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  json body = json::parse(r->body);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][1]["content"], json::parse(R"([{"type":"text","text":"ok"}])"));
}

// --- errors ---------------------------------------------------------------------------

TEST(AnthropicErrors, StatusPassesThroughAndTheTypeNamesTheClass) {
  auto adapter = igw::makeAnthropicAdapter({});
  struct Case {
    const char* type;
    int status;
    igw::Code code;
  };
  for (const Case& c : {Case{"invalid_request_error", 400, igw::Code::kInvalidArgument},
                        Case{"authentication_error", 401, igw::Code::kUnauthenticated},
                        Case{"permission_error", 403, igw::Code::kPermissionDenied},
                        Case{"not_found_error", 404, igw::Code::kNotFound},
                        Case{"request_too_large", 413, igw::Code::kPayloadTooLarge},
                        Case{"rate_limit_error", 429, igw::Code::kRateLimited},
                        Case{"api_error", 500, igw::Code::kInternal},
                        Case{"overloaded_error", 529, igw::Code::kServiceUnavailable}}) {
    std::string body = std::string(R"({"type":"error","error":{"type":")") + c.type +
                       R"(","message":"provider says \"no\""},"request_id":"req_011"})";
    igw::ProviderError e = adapter->translateError(c.status, body);
    EXPECT_EQ(e.status, c.status) << c.type;  // passed through: a 529 stays a 529
    EXPECT_EQ(e.message, "provider says \"no\"");
    // The HTTP status is what the client gets, whatever the type says.
    EXPECT_EQ(adapter->translateError(400, body).status, 400) << c.type;
    // Stream error events carry only the type: it names the class through the taxonomy.
    EXPECT_EQ(igw::anthropic::errorCode(c.type, 500), c.code) << c.type;
  }
}

TEST(AnthropicErrors, UnknownTypesAndBodiesFallBackOnTheStatus) {
  auto adapter = igw::makeAnthropicAdapter({});
  EXPECT_EQ(adapter->translateError(529, "").status, 529);
  EXPECT_EQ(adapter->translateError(429, "<html>slow down</html>").status, 429);
  EXPECT_EQ(adapter->translateError(429, "<html>slow down</html>").message,
            "<html>slow down</html>");
  EXPECT_EQ(adapter->translateError(418, R"({"error":{"type":"new_error","message":"m"}})").status,
            418);
  EXPECT_EQ(adapter->translateError(502, "bad gateway").status, 502);
  // The documented mapping: a status that is not an HTTP error becomes 502.
  EXPECT_EQ(adapter->translateError(200, R"({"error":{"type":"api_error","message":"m"}})").status,
            502);
  EXPECT_EQ(adapter->translateError(0, "").status, 502);
  EXPECT_EQ(adapter->translateError(600, "").status, 502);
  // Anthropic answers billing_error with 402, which the gateway keeps (as it does its own spent
  // budgets).
  EXPECT_EQ(igw::anthropic::errorCode("billing_error", 500), igw::Code::kPaymentRequired);
  EXPECT_EQ(igw::anthropic::errorCode("new_error", 418), igw::Code::kInvalidArgument);
}

TEST(AnthropicResponse, MalformedBodiesAreErrorsNotCrashes) {
  auto adapter = igw::makeAnthropicAdapter({});
  igw::TranslateContext ctx;
  EXPECT_FALSE(adapter->translateResponse("not json", ctx).isOk());
  EXPECT_FALSE(adapter->translateResponse("[1,2]", ctx).isOk());
  EXPECT_FALSE(adapter->translateResponse(R"({"content":"text"})", ctx).isOk());
  auto r = adapter->translateResponse(R"({"content":[{"type":"text"},{"type":7},5]})", ctx);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(json::parse(*r)["usage"]["total_tokens"], 0);
}

// --- stream ---------------------------------------------------------------------------

const char* kStart =
    R"({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":5,"output_tokens":1}}})";

TEST(AnthropicStream, AcceptsEventsSplitAsTheSseParserDeliversThem) {
  // CRLF endings, a comment, and the delta split mid-string and mid-line.
  std::vector<std::string> pieces = {
      "event: message_start\r\ndata: ",
      std::string(kStart) + "\r\n\r\n: keep-alive\r\n\r\n",
      "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,",
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel",
      "lo\"}}\r",
      "\n\r\n"};
  auto adapter = igw::makeAnthropicAdapter({});
  auto stream = adapter->newStream({.model = "m", .response_id = "x", .created = 1});
  igw::SseParser parser;
  std::string out;
  for (const auto& p : pieces) {
    ASSERT_TRUE(parser
                    .feed(p,
                          [&](const igw::SseEvent& e) {
                            if (e.has_data) {
                              EXPECT_TRUE(stream->onEvent(e.event, e.data, out).isOk());
                            }
                          })
                    .isOk());
  }
  auto events = ssePayloads(out);
  ASSERT_EQ(events.size(), 2u) << out;
  EXPECT_EQ(json::parse(events[1])["choices"][0]["delta"]["content"], "Hello");
  EXPECT_EQ(json::parse(events[1])["id"], "chatcmpl-msg_1");
}

TEST(AnthropicStream, FastAndGeneralPathsAgree) {
  auto adapter = igw::makeAnthropicAdapter({});
  igw::TranslateContext ctx{.model = "m", .response_id = "x", .created = 1};
  auto run = [&](std::string_view delta) {
    auto stream = adapter->newStream(ctx);
    std::string out;
    EXPECT_TRUE(stream->onEvent("", kStart, out).isOk());
    out.clear();
    EXPECT_TRUE(stream->onEvent("content_block_delta", delta, out).isOk());
    return json::parse(out.substr(6));
  };
  json fast = run(
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\"\u00e9"}})");
  json general = run(
      R"({ "index": 0, "delta": {"text": "a\"é", "type": "text_delta"}, "type": "content_block_delta"})");
  EXPECT_EQ(fast, general);
  EXPECT_EQ(fast["choices"][0]["delta"]["content"], "a\"é");
}

TEST(AnthropicStream, BadEventsFailWithoutOutput) {
  auto stream = igw::makeAnthropicAdapter({})->newStream({});
  std::string out;
  EXPECT_FALSE(stream->onEvent("message_start", "{oops", out).isOk());
  EXPECT_FALSE(stream->onEvent("", "[1]", out).isOk());
  EXPECT_TRUE(out.empty());
  // Lone surrogate and invalid UTF-8 cannot be copied verbatim; they are rejected.
  EXPECT_FALSE(
      stream
          ->onEvent(
              "",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\ud800"}})",
              out)
          .isOk());
  EXPECT_FALSE(stream
                   ->onEvent("",
                             "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                             "\"text_delta\",\"text\":\"\xff\"}}",
                             out)
                   .isOk());
  EXPECT_TRUE(out.empty());
}

TEST(AnthropicStream, EndingEarlyFailsAndUsageIsTracked) {
  auto stream = igw::makeAnthropicAdapter({})->newStream({.model = "m"});
  EXPECT_EQ(stream->usage().prompt, -1);
  std::string out;
  ASSERT_TRUE(
      stream
          ->onEvent(
              "",
              R"({"type":"message_start","message":{"id":"m","usage":{"input_tokens":3,"cache_read_input_tokens":10,"cache_creation_input_tokens":2,"output_tokens":1}}})",
              out)
          .isOk());
  ASSERT_TRUE(
      stream
          ->onEvent(
              "",
              R"({"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":9}})",
              out)
          .isOk());
  auto u = stream->usage();
  EXPECT_EQ(u.prompt, 15);
  EXPECT_EQ(u.cached, 10);
  EXPECT_EQ(u.completion, 9);
  EXPECT_EQ(u.total, 24);
  out.clear();
  EXPECT_FALSE(stream->finish(out).isOk());
  EXPECT_TRUE(out.empty());
}

}  // namespace

namespace {

TEST(AnthropicStream, StopWithoutStopReasonStillFinishesAndEventsAfterTheEndAreIgnored) {
  auto stream = igw::makeAnthropicAdapter({})->newStream({.model = "m", .include_usage = true});
  std::string out;
  ASSERT_TRUE(stream->onEvent("message_start", kStart, out).isOk());
  ASSERT_TRUE(stream->onEvent("message_stop", R"({"type":"message_stop"})", out).isOk());
  ASSERT_TRUE(stream->onEvent("", "not json after the end", out).isOk());
  ASSERT_TRUE(stream->finish(out).isOk());
  ASSERT_TRUE(stream->finish(out).isOk());  // idempotent
  auto events = ssePayloads(out);
  ASSERT_EQ(events.size(), 4u) << out;
  EXPECT_EQ(json::parse(events[1])["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(json::parse(events[2])["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(events[3], "[DONE]");
}

}  // namespace
