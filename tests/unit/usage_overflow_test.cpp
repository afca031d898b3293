// Token counts reported by an upstream are added up (prompt + cache reads, prompt + completion,
// totals over the turns of an agent loop). An upstream that reports absurd counts must not make
// the gateway wrap around into negative usage (signed overflow is undefined behaviour, found by
// the fuzzers): sums saturate at INT64_MAX. (Cohere's reader already caps each count.)
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "translate/openai_anthropic.h"
#include "translate/openai_gemini.h"
#include "tools/loop_codec.h"

namespace {

using nlohmann::json;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
const std::string kMaxText = std::to_string(kMax);

igw::TranslateContext ctx() {
  return {.model = "m", .response_id = "chatcmpl-1", .created = 1, .include_usage = true};
}

TEST(UsageOverflow, AnthropicResponseTotalsSaturate) {
  std::string body = R"({"id":"msg_1","content":[{"type":"text","text":"hi"}],)"
                     R"("stop_reason":"end_turn","usage":{"input_tokens":)" +
                     kMaxText + R"(,"cache_read_input_tokens":)" + kMaxText +
                     R"(,"output_tokens":)" + kMaxText + "}}";
  auto out = igw::anthropic::translateMessage(body, ctx());
  ASSERT_TRUE(out.isOk()) << out.status().message();
  json usage = json::parse(*out)["usage"];
  EXPECT_EQ(usage["prompt_tokens"].get<int64_t>(), kMax);
  EXPECT_EQ(usage["total_tokens"].get<int64_t>(), kMax);
}

TEST(UsageOverflow, AnthropicStreamUsageSaturates) {
  auto stream = igw::anthropic::newMessageStream(ctx());
  std::string out;
  std::string start =
      R"({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":)" + kMaxText +
      R"(,"cache_read_input_tokens":)" + kMaxText + R"(,"output_tokens":1}}})";
  ASSERT_TRUE(stream->onEvent("message_start", start, out).isOk());
  std::string delta = R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},)"
                      R"("usage":{"output_tokens":)" +
                      kMaxText + "}}";
  ASSERT_TRUE(stream->onEvent("message_delta", delta, out).isOk());
  auto u = stream->usage();
  EXPECT_EQ(u.prompt, kMax);
  EXPECT_EQ(u.total, kMax);
}

TEST(UsageOverflow, GeminiCompletionAndTotalSaturate) {
  std::string body = R"({"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},)"
                     R"("finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":)" +
                     kMaxText + R"(,"candidatesTokenCount":)" + kMaxText +
                     R"(,"thoughtsTokenCount":)" + kMaxText + "}}";
  auto out = igw::gemini::translateResponse(body, ctx());
  ASSERT_TRUE(out.isOk()) << out.status().message();
  json usage = json::parse(*out)["usage"];
  EXPECT_EQ(usage["completion_tokens"].get<int64_t>(), kMax);
  EXPECT_EQ(usage["total_tokens"].get<int64_t>(), kMax);
}

TEST(UsageOverflow, AgentLoopTotalsSaturateAcrossTurns) {
  igw::agent::UsageTotals totals;
  json usage = {{"prompt_tokens", kMax}, {"completion_tokens", kMax}, {"total_tokens", kMax}};
  totals.add(usage);
  totals.add(usage);
  EXPECT_EQ(totals.prompt, kMax);
  EXPECT_EQ(totals.completion, kMax);
  EXPECT_EQ(totals.total, kMax);
}

}  // namespace
