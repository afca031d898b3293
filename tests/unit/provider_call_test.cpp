// The provider call path under upstream faults, without sockets: requests go through the real
// router, filter chain, endpoints, ProviderCall and chat sinks to a FakeUpstream
// (tests/unit/fake_upstream.h), and the tests check what the client would receive.
#include <gtest/gtest.h>

#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "core/config.h"
#include "core/ids.h"
#include "fake_upstream.h"
#include "filters/filters.h"
#include "pipeline/exchange.h"
#include "telemetry/metrics.h"

namespace igw {
namespace {

using testing::FakeOutcome;
using testing::FakeResponder;
using testing::FakeUpstream;
using Json = nlohmann::json;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Keeps a copy of what the request recorded (usage, provider, model) once it completes.
class RecordInfo final : public Filter {
 public:
  explicit RecordInfo(std::vector<RequestInfo>* out) : out_(out) {}
  std::string_view name() const override { return "test_record"; }
  void onComplete(Exchange& ex) const override { out_->push_back(ex.info); }

 private:
  std::vector<RequestInfo>* out_;
};

// One gateway worker: an App built from a test environment, the chain's filters in their
// production order (plus a recorder), and a FakeUpstream in its WorkerContext.
class Gateway {
 public:
  // `metrics`: the App has a metrics registry, so token usage and tool calls are read out of
  // answers (App::readsUsage); without one (and with the log at error level) nothing reads them.
  explicit Gateway(std::map<std::string, std::string> env = {}, bool metrics = true) {
    env.emplace("OPENAI_API_KEY", "sk-gateway");
    env.emplace("ANTHROPIC_API_KEY", "ak-gateway");
    auto cfg = loadConfig(envOf(env));
    EXPECT_TRUE(cfg.isOk()) << cfg.status().message();
    auto config = std::make_shared<const Config>(std::move(cfg.value()));
    auto table = ProviderTable::build(*config);
    EXPECT_TRUE(table.isOk()) << table.status().message();
    std::vector<std::unique_ptr<Filter>> filters;
    filters.push_back(std::make_unique<RecordInfo>(&infos));
    filters.push_back(makeRequestIdFilter(*config));
    filters.push_back(makeTelemetryFilter(*config));
    filters.push_back(makeRouteFilter(*config));
    if (auto allow = makeModelAllowListFilter(*config)) filters.push_back(std::move(allow));
    app = std::shared_ptr<const App>(new App{config, std::move(table.value()), log, nullptr,
                                             FilterChain(std::move(filters)), nullptr, nullptr,
                                             nullptr, metrics ? &registry : nullptr});
  }

  // Serves one request to completion on a local io_context.
  FakeResponder serve(Request req) {
    FakeResponder res;
    boost::asio::io_context ioc;
    std::exception_ptr failed;
    boost::asio::co_spawn(ioc, handleRequest(app, req, res, ctx),
                          [&](std::exception_ptr e) { failed = e; });
    ioc.run();
    if (failed) std::rethrow_exception(failed);
    EXPECT_FALSE(res.watching()) << "the request returned still watching the client";
    return res;
  }

  FakeResponder post(std::string target, std::string body, Headers headers = {}) {
    Request req;
    req.method = "POST";
    req.target = std::move(target);
    req.headers = std::move(headers);
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = std::move(body);
    return serve(std::move(req));
  }

  // A request whose upstream hangs: the client disconnects while the gateway waits in it.
  FakeResponder postAndLeave(std::string target, std::string body) {
    Request req;
    req.method = "POST";
    req.target = std::move(target);
    req.headers = {{"Content-Type", "application/json"}};
    req.body = std::move(body);
    FakeResponder res;
    upstream.on_waiting = [&res] { res.disconnect(); };
    boost::asio::io_context ioc;
    std::exception_ptr failed;
    boost::asio::co_spawn(ioc, handleRequest(app, req, res, ctx),
                          [&](std::exception_ptr e) { failed = e; });
    ioc.run();
    upstream.on_waiting = nullptr;
    if (failed) std::rethrow_exception(failed);
    EXPECT_FALSE(res.watching());
    return res;
  }

  const RequestInfo& lastInfo() const { return infos.back(); }

  Logger log{false, LogLevel::kError};
  MetricsRegistry registry{1, "test"};
  std::vector<RequestInfo> infos;
  std::shared_ptr<const App> app;
  IdGenerator ids;
  FakeUpstream upstream;
  WorkerContext ctx{upstream, ids, nullptr, nullptr, 0};
};

Json parse(const std::string& body) {
  auto j = Json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << body;
  return j;
}

// The data payloads of an SSE body, in order (comments and blank lines skipped).
std::vector<std::string> dataOf(const std::string& sse) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < sse.size()) {
    size_t end = sse.find('\n', pos);
    if (end == std::string::npos) end = sse.size();
    std::string_view line(sse.data() + pos, end - pos);
    if (line.rfind("data: ", 0) == 0) out.emplace_back(line.substr(6));
    pos = end + 1;
  }
  return out;
}

// The event names of an SSE body, in order.
std::vector<std::string> eventsOf(const std::string& sse) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < sse.size()) {
    size_t end = sse.find('\n', pos);
    if (end == std::string::npos) end = sse.size();
    std::string_view line(sse.data() + pos, end - pos);
    if (line.rfind("event: ", 0) == 0) out.emplace_back(line.substr(7));
    pos = end + 1;
  }
  return out;
}

const char* kChat = R"({"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]})";
const char* kChatStream =
    R"({"model":"openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]})";
const char* kClaudeChat =
    R"({"model":"anthropic/claude-3-5-haiku-latest","messages":[{"role":"user","content":"hi"}]})";
const char* kClaudeChatStream = R"({"model":"anthropic/claude-3-5-haiku-latest","stream":true,)"
                                R"("messages":[{"role":"user","content":"hi"}]})";
const char* kMessagesToClaude = R"({"model":"anthropic/claude-3-5-haiku-latest","max_tokens":64,)"
                                R"("messages":[{"role":"user","content":"hi"}]})";
const char* kMessagesToClaudeStream =
    R"({"model":"anthropic/claude-3-5-haiku-latest","max_tokens":64,"stream":true,)"
    R"("messages":[{"role":"user","content":"hi"}]})";
const char* kMessagesToOpenAIStream = R"({"model":"openai/gpt-4o","max_tokens":64,"stream":true,)"
                                      R"("messages":[{"role":"user","content":"hi"}]})";

std::string chunk(std::string_view content) {
  return R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o",)"
         R"("choices":[{"index":0,"delta":{"content":")" +
         std::string(content) + R"("},"finish_reason":null}]})";
}

std::string sse(std::string_view data) {
  return "data: " + std::string(data) + "\n\n";
}

std::string anthropicEvent(std::string_view name, std::string_view data) {
  return "event: " + std::string(name) + "\ndata: " + std::string(data) + "\n\n";
}

const std::string kClaudeMessageStart = anthropicEvent(
    "message_start",
    R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",)"
    R"("model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,)"
    R"("stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}})");
const std::string kClaudeBlockStart = anthropicEvent(
    "content_block_start",
    R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
const std::string kClaudeDelta = anthropicEvent(
    "content_block_delta",
    R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})");
const std::string kClaudeBlockStop =
    anthropicEvent("content_block_stop", R"({"type":"content_block_stop","index":0})");
const std::string kClaudeMessageDelta = anthropicEvent(
    "message_delta",
    R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
    R"("usage":{"output_tokens":15}})");
const std::string kClaudeMessageStop = anthropicEvent("message_stop", R"({"type":"message_stop"})");

// --- the upstream cannot be reached -------------------------------------------------------

TEST(ProviderCall, ConnectFailureIsA502NamingTheProvider) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::connectFailure());
  auto res = gw.post("/v1/chat/completions", kChat);
  EXPECT_EQ(res.status_code, 502);
  Json j = parse(res.body);
  std::string message = j["error"]["message"];
  EXPECT_EQ(message.rfind("upstream openai: ", 0), 0u) << message;
  EXPECT_NE(message.find("connection refused"), std::string::npos) << message;
  EXPECT_TRUE(j["error"]["type"].is_string());
  ASSERT_EQ(gw.upstream.calls(), 1u);
  EXPECT_EQ(gw.upstream.lastRequest().url.host, "api.openai.com");
}

TEST(ProviderCall, TimeoutBeforeHeadersIsA504NamingTheProvider) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::timeoutBeforeHeaders());
  auto res = gw.post("/v1/chat/completions", kChatStream);
  EXPECT_EQ(res.status_code, 504);
  std::string message = parse(res.body)["error"]["message"];
  EXPECT_EQ(message.rfind("upstream openai: ", 0), 0u) << message;
}

TEST(ProviderCall, ConnectFailureOnMessagesIsAnAnthropicError) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::connectFailure());
  for (const char* body : {kMessagesToClaude, kMessagesToOpenAIStream}) {
    auto res = gw.post("/v1/messages", body);
    EXPECT_EQ(res.status_code, 502) << body;
    Json j = parse(res.body);
    EXPECT_EQ(j["type"], "error") << res.body;
    EXPECT_EQ(j["error"]["type"], "api_error") << res.body;
    std::string message = j["error"]["message"];
    EXPECT_EQ(message.rfind("upstream ", 0), 0u) << message;
    EXPECT_NE(message.find("connection refused"), std::string::npos) << message;
  }
}

TEST(ProviderCall, ConnectFailureOnProxyIsA502NamingTheProvider) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::connectFailure());
  auto res = gw.post("/proxy/openai/chat/completions", kChat);
  EXPECT_EQ(res.status_code, 502);
  std::string message = parse(res.body)["error"]["message"];
  EXPECT_EQ(message.rfind("upstream openai: ", 0), 0u) << message;
}

// --- rate limits and overload: the provider's status and headers reach the client -----------

const Headers kOpenAILimits{{"Retry-After", "7"},
                            {"x-ratelimit-limit-requests", "500"},
                            {"x-ratelimit-remaining-requests", "0"},
                            {"x-ratelimit-reset-requests", "7s"},
                            {"Set-Cookie", "provider=secret"}};

void expectOpenAILimits(const FakeResponder& res) {
  ASSERT_NE(res.header("Retry-After"), nullptr);
  EXPECT_EQ(*res.header("Retry-After"), "7");
  ASSERT_NE(res.header("x-ratelimit-remaining-requests"), nullptr);
  EXPECT_EQ(*res.header("x-ratelimit-remaining-requests"), "0");
  ASSERT_NE(res.header("x-ratelimit-reset-requests"), nullptr);
  EXPECT_EQ(*res.header("x-ratelimit-reset-requests"), "7s");
  EXPECT_EQ(res.header("Set-Cookie"), nullptr) << "provider cookies stay with the gateway";
}

TEST(ProviderCall, OpenAI429KeepsStatusRetryAfterAndRateLimitHeaders) {
  Gateway gw;
  gw.upstream.push(
      FakeOutcome::json(429,
                        R"({"error":{"message":"Rate limit reached for gpt-4o","type":"requests",)"
                        R"("code":"rate_limit_exceeded"}})",
                        kOpenAILimits));
  for (const char* target : {"/v1/chat/completions", "/proxy/openai/chat/completions"}) {
    auto res = gw.post(target, kChat);
    EXPECT_EQ(res.status_code, 429) << target;
    expectOpenAILimits(res);
    std::string message = parse(res.body)["error"]["message"];
    EXPECT_NE(message.find("Rate limit reached"), std::string::npos) << target << ": " << message;
  }
  auto res = gw.post("/v1/messages", R"({"model":"openai/gpt-4o","max_tokens":64,)"
                                     R"("messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(res.status_code, 429);
  expectOpenAILimits(res);
  Json j = parse(res.body);
  EXPECT_EQ(j["type"], "error");
  EXPECT_EQ(j["error"]["type"], "rate_limit_error");
}

const Headers kAnthropicLimits{{"retry-after", "30"},
                               {"anthropic-ratelimit-requests-remaining", "0"},
                               {"anthropic-ratelimit-requests-reset", "2026-12-02T06:00:30Z"}};
const char* kOverloaded =
    R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})";

void expectAnthropicLimits(const FakeResponder& res) {
  ASSERT_NE(res.header("retry-after"), nullptr);
  EXPECT_EQ(*res.header("retry-after"), "30");
  ASSERT_NE(res.header("anthropic-ratelimit-requests-remaining"), nullptr);
  EXPECT_EQ(*res.header("anthropic-ratelimit-requests-remaining"), "0");
  ASSERT_NE(res.header("anthropic-ratelimit-requests-reset"), nullptr);
}

TEST(ProviderCall, Anthropic529StaysA529WithItsRateLimitHeadersOnEveryRoute) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::json(529, kOverloaded, kAnthropicLimits));
  // Chat (translated by the Anthropic adapter): an OpenAI error with Anthropic's status.
  for (const char* body : {kClaudeChat, kClaudeChatStream}) {
    auto res = gw.post("/v1/chat/completions", body);
    EXPECT_EQ(res.status_code, 529) << body;
    expectAnthropicLimits(res);
    std::string message = parse(res.body)["error"]["message"];
    EXPECT_NE(message.find("Overloaded"), std::string::npos) << message;
  }
  // Messages (byte for byte) and the proxy: Anthropic's own answer.
  for (const char* target : {"/v1/messages", "/proxy/anthropic/messages"}) {
    auto res = gw.post(target, kMessagesToClaude);
    EXPECT_EQ(res.status_code, 529) << target;
    expectAnthropicLimits(res);
    Json j = parse(res.body);
    EXPECT_EQ(j["error"]["type"], "overloaded_error") << target;
  }
}

TEST(ProviderCall, SuccessfulStreamsPassRateLimitHeadersOn) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hi")), sse("[DONE]")},
                                       {{"x-ratelimit-remaining-tokens", "9000"}}));
  auto res = gw.post("/v1/chat/completions", kChatStream);
  EXPECT_EQ(res.status_code, 200);
  ASSERT_NE(res.header("x-ratelimit-remaining-tokens"), nullptr);
  EXPECT_EQ(*res.header("x-ratelimit-remaining-tokens"), "9000");

  gw.upstream.push(FakeOutcome::events({kClaudeMessageStart, kClaudeBlockStart, kClaudeDelta,
                                        kClaudeBlockStop, kClaudeMessageDelta, kClaudeMessageStop},
                                       {{"anthropic-ratelimit-tokens-remaining", "7000"}}));
  for (const char* target : {"/v1/messages", "/v1/chat/completions"}) {
    const char* body =
        target == std::string("/v1/messages") ? kMessagesToClaudeStream : kClaudeChatStream;
    auto r = gw.post(target, body);
    EXPECT_EQ(r.status_code, 200) << target;
    ASSERT_NE(r.header("anthropic-ratelimit-tokens-remaining"), nullptr) << target;
  }
}

// --- a stream that breaks -----------------------------------------------------------------

TEST(ProviderCall, StreamFailingAfterTwoEventsEndsWithAnErrorEventAndDone) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hel")), sse(chunk("lo"))}).thenFail());
  auto res = gw.post("/v1/chat/completions", kChatStream);
  EXPECT_EQ(res.status_code, 200);
  EXPECT_TRUE(res.ended) << "the response must end cleanly";
  auto data = dataOf(res.body);
  ASSERT_EQ(data.size(), 4u) << res.body;
  EXPECT_EQ(data[0], chunk("Hel"));
  EXPECT_EQ(data[1], chunk("lo"));
  Json err = parse(data[2]);
  std::string message = err["error"]["message"];
  EXPECT_EQ(message.rfind("upstream openai: ", 0), 0u) << message;
  EXPECT_NE(message.find("connection reset"), std::string::npos) << message;
  EXPECT_EQ(data[3], "[DONE]");
}

TEST(ProviderCall, NativeStreamFailingMidwayEndsWithAnErrorEventAndDone) {
  Gateway gw;
  gw.upstream.push(
      FakeOutcome::events({kClaudeMessageStart, kClaudeBlockStart + kClaudeDelta}).thenFail());
  auto res = gw.post("/v1/chat/completions", kClaudeChatStream);
  EXPECT_EQ(res.status_code, 200);
  EXPECT_TRUE(res.ended);
  auto data = dataOf(res.body);
  ASSERT_GE(data.size(), 3u) << res.body;
  EXPECT_NE(data[data.size() - 3].find("\"Hi\""), std::string::npos) << res.body;
  EXPECT_NE(data[data.size() - 2].find("upstream anthropic: "), std::string::npos) << res.body;
  EXPECT_EQ(data.back(), "[DONE]");
}

TEST(ProviderCall, MessagesStreamFailingMidwayEndsWithAnAnthropicErrorEvent) {
  Gateway gw;
  // Translated (OpenAI upstream): the Messages sink turns the failure into an error event.
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hel")), sse(chunk("lo"))}).thenFail());
  auto res = gw.post("/v1/messages", kMessagesToOpenAIStream);
  EXPECT_EQ(res.status_code, 200);
  EXPECT_TRUE(res.ended);
  auto events = eventsOf(res.body);
  ASSERT_FALSE(events.empty()) << res.body;
  EXPECT_EQ(events.front(), "message_start");
  EXPECT_EQ(events.back(), "error") << res.body;
  EXPECT_NE(res.body.find("\"Hel\""), std::string::npos);
  EXPECT_NE(res.body.find("\"lo\""), std::string::npos);
  Json err = parse(dataOf(res.body).back());
  EXPECT_EQ(err["type"], "error");
  std::string message = err["error"]["message"];
  EXPECT_NE(message.find("upstream openai: "), std::string::npos) << message;
}

TEST(ProviderCall, ByteForByteMessagesStreamFailingMidwayEndsWithAnAnthropicErrorEvent) {
  Gateway gw;
  gw.upstream.push(
      FakeOutcome::events({kClaudeMessageStart, kClaudeBlockStart, kClaudeDelta}).thenFail());
  auto res = gw.post("/v1/messages", kMessagesToClaudeStream);
  EXPECT_EQ(res.status_code, 200);
  EXPECT_TRUE(res.ended);
  EXPECT_EQ(res.body.rfind(kClaudeMessageStart + kClaudeBlockStart + kClaudeDelta, 0), 0u)
      << "what arrived is passed on byte for byte";
  auto events = eventsOf(res.body);
  ASSERT_EQ(events.size(), 4u) << res.body;
  EXPECT_EQ(events.back(), "error") << res.body;
  Json err = parse(dataOf(res.body).back());
  EXPECT_EQ(err["type"], "error");
  std::string message = err["error"]["message"];
  EXPECT_EQ(message.rfind("upstream anthropic: ", 0), 0u) << message;
}

TEST(ProviderCall, ProxyStreamFailingMidwayEndsWithAnErrorEventAndDone) {
  Gateway gw;
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hel")), sse(chunk("lo"))}).thenFail());
  auto res = gw.post("/proxy/openai/chat/completions", kChatStream);
  EXPECT_EQ(res.status_code, 200);
  EXPECT_TRUE(res.ended);
  EXPECT_EQ(res.body.rfind(sse(chunk("Hel")) + sse(chunk("lo")), 0), 0u) << res.body;
  auto data = dataOf(res.body);
  ASSERT_EQ(data.size(), 4u) << res.body;
  std::string message = parse(data[2])["error"]["message"];
  EXPECT_EQ(message.rfind("upstream openai: ", 0), 0u) << message;
  EXPECT_EQ(data[3], "[DONE]");

  // Cut inside an event: nothing is added to the half-passed event; the stream just ends.
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hel")), "data: {\"id\":"}).thenFail());
  auto cut = gw.post("/proxy/openai/chat/completions", kChatStream);
  EXPECT_EQ(cut.body, sse(chunk("Hel")) + "data: {\"id\":");
  EXPECT_TRUE(cut.ended);

  // A stream that completed before the connection broke gets nothing more.
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hel")), sse("[DONE]")}).thenFail());
  auto done = gw.post("/proxy/openai/chat/completions", kChatStream);
  EXPECT_EQ(done.body, sse(chunk("Hel")) + sse("[DONE]"));
}

// --- the client leaves --------------------------------------------------------------------

TEST(ProviderCall, ClientLeavingBeforeHeadersCancelsTheUpstreamAndWritesNothing) {
  for (const char* target :
       {"/v1/chat/completions", "/v1/messages", "/proxy/openai/chat/completions"}) {
    Gateway gw;
    gw.upstream.push(FakeOutcome::hangBeforeHeaders());
    const char* body = target == std::string("/v1/messages") ? kMessagesToClaude : kChat;
    auto res = gw.postAndLeave(target, body);
    EXPECT_EQ(gw.upstream.log().abort_fired, 1) << target;
    EXPECT_EQ(res.status_code, 0) << target << ": " << res.body;
    EXPECT_TRUE(res.body.empty()) << target;
    EXPECT_EQ(res.writes_after_gone, 0) << target << ": wrote to a client that left";
  }
}

TEST(ProviderCall, ClientLeavingMidStreamAbortsTheUpstreamResponse) {
  struct Case {
    const char* target;
    const char* body;
    std::string first;
  };
  for (const Case& c : {Case{"/v1/chat/completions", kChatStream, sse(chunk("Hel"))},
                        Case{"/v1/chat/completions", kClaudeChatStream, kClaudeMessageStart},
                        Case{"/v1/messages", kMessagesToClaudeStream, kClaudeMessageStart},
                        Case{"/v1/messages", kMessagesToOpenAIStream, sse(chunk("Hel"))},
                        Case{"/proxy/openai/chat/completions", kChatStream, sse(chunk("Hel"))}}) {
    Gateway gw;
    gw.upstream.push(FakeOutcome::events({c.first}).thenHang());
    auto res = gw.postAndLeave(c.target, c.body);
    EXPECT_GE(gw.upstream.log().response_aborted, 1) << c.target << " " << c.body;
    EXPECT_EQ(res.status_code, 200) << c.target;
    EXPECT_EQ(res.writes_after_gone, 0) << c.target << ": wrote to a client that left";
    EXPECT_EQ(res.body.find("error"), std::string::npos) << c.target << ": " << res.body;
    EXPECT_EQ(gw.upstream.log().responses_destroyed, 1) << c.target;
  }
}

TEST(ProviderCall, ClientLeavingWhileANonStreamedBodyArrivesAbortsTheUpstreamResponse) {
  for (const char* target : {"/v1/chat/completions", "/proxy/openai/chat/completions"}) {
    Gateway gw;
    gw.upstream.push(FakeOutcome::respond(200, {{"Content-Type", "application/json"}},
                                          {R"({"id":"chatcmpl-1",)"})
                         .thenHang());
    auto res = gw.postAndLeave(target, kChat);
    EXPECT_GE(gw.upstream.log().response_aborted, 1) << target;
    EXPECT_EQ(res.writes_after_gone, 0) << target << ": wrote to a client that left";
    EXPECT_EQ(res.body.find("error"), std::string::npos) << target << ": " << res.body;
  }
}

TEST(ProviderCall, BodyBreakingBeforeItCompletesIsA502NamingTheProvider) {
  Gateway gw;
  const std::string whole = R"({"id":"chatcmpl-1","object":"chat.completion","choices":[]})";
  gw.upstream.push(FakeOutcome::respond(200,
                                        {{"Content-Type", "application/json"},
                                         {"Content-Length", std::to_string(whole.size())}},
                                        {whole.substr(0, 10)})
                       .thenFail());
  for (const char* target : {"/v1/chat/completions", "/proxy/openai/chat/completions"}) {
    auto res = gw.post(target, kChat);
    EXPECT_EQ(res.status_code, 502) << target << ": " << res.body;
    std::string message = parse(res.body)["error"]["message"];
    EXPECT_EQ(message.rfind("upstream openai: ", 0), 0u) << message;
    EXPECT_NE(message.find("connection reset"), std::string::npos) << message;
  }
}

// --- usage --------------------------------------------------------------------------------

TEST(ProviderCall, UsageFromAStreamedOpenAIUsageChunk) {
  Gateway gw;
  const std::string usage =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o",)"
      R"("choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})";
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hi")), sse(usage) + sse("[DONE]")}));
  for (const char* target : {"/v1/chat/completions", "/proxy/openai/chat/completions"}) {
    auto res = gw.post(target, kChatStream);
    EXPECT_EQ(res.status_code, 200);
    EXPECT_TRUE(res.ended);
    const RequestInfo& info = gw.lastInfo();
    EXPECT_EQ(info.usage.prompt, 12) << target;
    EXPECT_EQ(info.usage.completion, 3) << target;
    EXPECT_EQ(info.usage.total, 15) << target;
    EXPECT_TRUE(info.first_token.has_value()) << target;
  }
  // The chat route asks OpenAI-compatible providers for the usage chunk.
  EXPECT_NE(gw.upstream.log().requests[0].body.find("include_usage"), std::string::npos);
}

// Nothing reads usage (no metrics, no traces, no access log, no limits): the answer is relayed
// as it is and not walked for usage or tool calls.
TEST(ProviderCall, UsageIsNotReadWhenNothingUsesIt) {
  Gateway gw({}, /*metrics=*/false);
  ASSERT_FALSE(gw.app->readsUsage());
  const std::string usage =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o",)"
      R"("choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})";
  gw.upstream.push(FakeOutcome::events({sse(chunk("Hi")), sse(usage) + sse("[DONE]")}));
  auto res = gw.post("/v1/chat/completions", kChatStream);
  EXPECT_EQ(res.status_code, 200);
  EXPECT_NE(res.body.find(R"("prompt_tokens":12)"), std::string::npos);  // still relayed
  EXPECT_FALSE(gw.lastInfo().usage.known());
  EXPECT_TRUE(gw.lastInfo().first_token.has_value());
}

TEST(ProviderCall, UsageFromANativeAnthropicStream) {
  Gateway gw;
  gw.upstream.push(
      FakeOutcome::events({kClaudeMessageStart, kClaudeBlockStart, kClaudeDelta, kClaudeBlockStop,
                           kClaudeMessageDelta, kClaudeMessageStop}));
  struct Case {
    const char* target;
    const char* body;
  };
  for (const Case& c : {Case{"/v1/messages", kMessagesToClaudeStream},
                        Case{"/v1/chat/completions", kClaudeChatStream},
                        Case{"/proxy/anthropic/messages", kMessagesToClaudeStream}}) {
    auto res = gw.post(c.target, c.body);
    EXPECT_EQ(res.status_code, 200) << c.target;
    EXPECT_TRUE(res.ended) << c.target;
    const RequestInfo& info = gw.lastInfo();
    EXPECT_EQ(info.usage.prompt, 25) << c.target;
    EXPECT_EQ(info.usage.completion, 15) << c.target;
    EXPECT_EQ(info.usage.total, 40) << c.target;
    EXPECT_TRUE(info.first_token.has_value()) << c.target;
    EXPECT_EQ(info.provider, "anthropic") << c.target;
  }
  // The byte-for-byte route passed the events on unchanged.
  auto res = gw.post("/v1/messages", kMessagesToClaudeStream);
  EXPECT_EQ(res.body, kClaudeMessageStart + kClaudeBlockStart + kClaudeDelta + kClaudeBlockStop +
                          kClaudeMessageDelta + kClaudeMessageStop);
}

// --- allow-lists on /proxy ----------------------------------------------------------------

TEST(ProviderCall, ProxyRefusesADisallowedModelWithoutCallingTheProvider) {
  Gateway gw(std::map<std::string, std::string>{{"DISALLOWED_MODELS", "openai/gpt-4o"}});
  gw.upstream.push(FakeOutcome::json(200, R"({"id":"x"})"));
  auto res = gw.post("/proxy/openai/chat/completions", kChat);
  EXPECT_EQ(res.status_code, 403);
  Json j = parse(res.body);
  EXPECT_EQ(j["error"]["code"], "model_not_allowed") << res.body;
  EXPECT_EQ(gw.upstream.calls(), 0u);

  // The same body naming another model goes through, with the gateway's credentials only.
  auto ok = gw.post("/proxy/openai/chat/completions",
                    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})",
                    {{"Authorization", "Bearer client-key"}});
  EXPECT_EQ(ok.status_code, 200);
  ASSERT_EQ(gw.upstream.calls(), 1u);
  const UpstreamRequest& up = gw.upstream.lastRequest();
  EXPECT_EQ(up.url.target, "/v1/chat/completions");
  const std::string* auth = findHeader(up.headers, "Authorization");
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(*auth, "Bearer sk-gateway");
}

}  // namespace
}  // namespace igw
