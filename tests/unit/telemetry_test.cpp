#include <gtest/gtest.h>

#include "telemetry/metrics.h"
#include "telemetry/tracing.h"
#include "telemetry/usage.h"

TEST(Metrics, CountersAndHistogramsMergeAcrossShards) {
  igw::MetricsRegistry reg(2, "1.2.3");
  reg.shard(0).add(igw::Metric::kRequests, {"openai", "POST", "/v1/chat/completions"});
  reg.shard(1).add(igw::Metric::kRequests, {"openai", "POST", "/v1/chat/completions"}, 2);
  reg.shard(1).add(igw::Metric::kPromptTokens, {"openai", "gpt-4o"}, 42);
  reg.shard(0).observe(igw::Histo::kRequestDuration, {"openai", "POST", "/v1/chat/completions"}, 3);
  reg.shard(1).observe(igw::Histo::kRequestDuration, {"openai", "POST", "/v1/chat/completions"},
                       600);
  std::string text = reg.renderPrometheus();
  EXPECT_NE(text.find("llm_requests_total{provider=\"openai\",request_method=\"POST\","
                      "request_path=\"/v1/chat/completions\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("llm_usage_prompt_tokens_total{provider=\"openai\",model=\"gpt-4o\"} 42\n"),
            std::string::npos);
  const std::string labels =
      "provider=\"openai\",request_method=\"POST\",request_path=\"/v1/chat/completions\"";
  EXPECT_NE(text.find("llm_request_duration_bucket{" + labels + ",le=\"1\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("llm_request_duration_bucket{" + labels + ",le=\"5\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("llm_request_duration_bucket{" + labels + ",le=\"750\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("llm_request_duration_bucket{" + labels + ",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("llm_request_duration_sum{" + labels + "} 603\n"), std::string::npos);
  EXPECT_NE(text.find("llm_request_duration_count{" + labels + "} 2\n"), std::string::npos);
  EXPECT_NE(text.find("llm_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  igw::MetricsRegistry reg(1, "v");
  reg.shard(0).add(igw::Metric::kPromptTokens, {"openai", "we\"ird\\model\nname"}, 1);
  std::string text = reg.renderPrometheus();
  EXPECT_NE(text.find(R"(model="we\"ird\\model\nname"} 1)"), std::string::npos) << text;
}

TEST(Usage, ReadsUsageFromResponsesAndChunks) {
  igw::TokenUsage u;
  EXPECT_TRUE(igw::extractUsage(
      R"({"id":"x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}})",
      u));
  EXPECT_EQ(u.prompt, 9);
  EXPECT_EQ(u.completion, 12);
  EXPECT_EQ(u.total, 21);
  igw::TokenUsage none;
  EXPECT_FALSE(igw::extractUsage(R"({"choices":[{"delta":{"content":"hi"}}],"usage":null})", none));
  EXPECT_FALSE(none.known());
}

TEST(Usage, ToolCallNamesAndTypes) {
  std::vector<std::string> names;
  igw::extractToolCallNames(
      R"({"choices":[{"message":{"tool_calls":[{"id":"a","type":"function","function":{"name":"mcp_read","arguments":"{}"}},{"function":{"name":"get_weather","arguments":"{}"}}]}}]})",
      names);
  igw::extractToolCallNames(
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\""}}]}}]})",
      names);
  ASSERT_EQ(names, (std::vector<std::string>{"mcp_read", "get_weather"}));
  EXPECT_EQ(igw::toolType("mcp_read"), "mcp");
  EXPECT_EQ(igw::toolType("a2a_booking_book"), "a2a");
  EXPECT_EQ(igw::toolType("get_weather"), "standard_tool_use");
}

TEST(Tracing, TraceParentRoundTripAndRejects) {
  auto tp = igw::parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(tp->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(tp->span_id, "b7ad6b7169203331");
  EXPECT_TRUE(tp->sampled);
  EXPECT_EQ(igw::formatTraceParent(tp->trace_id, tp->span_id, true),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  for (const char* bad : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                          "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                          "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"}) {
    EXPECT_FALSE(igw::parseTraceParent(bad).has_value()) << bad;
  }
  // A future version may carry more fields.
  EXPECT_TRUE(igw::parseTraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-x"));
}

TEST(Tracing, OtlpJsonShape) {
  igw::Span s;
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.name = "POST /v1/chat/completions";
  s.start_unix_nano = 1;
  s.end_unix_nano = 2;
  s.attributes = {{"gen_ai.usage.input_tokens", int64_t{7}}, {"k", std::string("v\"")}};
  std::string json = igw::encodeOtlpJson({s}, "svc", "1.0");
  EXPECT_NE(json.find(R"("service.name","value":{"stringValue":"svc"})"), std::string::npos);
  EXPECT_NE(json.find(R"("spanId":"b7ad6b7169203331")"), std::string::npos);
  EXPECT_EQ(json.find("parentSpanId"), std::string::npos);
  EXPECT_NE(json.find(R"({"key":"gen_ai.usage.input_tokens","value":{"intValue":"7"}})"),
            std::string::npos);
  EXPECT_NE(json.find(R"({"key":"k","value":{"stringValue":"v\""}})"), std::string::npos);
  EXPECT_NE(json.find(R"("startTimeUnixNano":"1","endTimeUnixNano":"2")"), std::string::npos);
}
