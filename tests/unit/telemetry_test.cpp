#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

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
  // Quotes and backslashes are escaped; a newline, like every control character, is replaced
  // (U+FFFD) so that no label value spans lines in any tool that shows it.
  EXPECT_NE(text.find("model=\"we\\\"ird\\\\model\xEF\xBF\xBDname\"} 1"), std::string::npos)
      << text;
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

TEST(Usage, ReadsCachedAndReasoningDetails) {
  igw::TokenUsage u;
  ASSERT_TRUE(igw::extractUsage(
      R"({"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150,)"
      R"("prompt_tokens_details":{"cached_tokens":80},)"
      R"("completion_tokens_details":{"reasoning_tokens":30}}})",
      u));
  EXPECT_EQ(u.prompt, 100);
  EXPECT_EQ(u.cached, 80);
  EXPECT_EQ(u.reasoning, 30);
}

TEST(Usage, AnthropicMessageAndStreamEvents) {
  // A whole message: prompt counts the cached and cache-written input too.
  igw::AnthropicUsage whole;
  ASSERT_TRUE(igw::extractAnthropicUsage(
      R"({"type":"message","usage":{"input_tokens":10,"cache_read_input_tokens":90,)"
      R"("cache_creation_input_tokens":5,"output_tokens":7}})",
      whole));
  igw::TokenUsage t = whole.tokens();
  EXPECT_EQ(t.prompt, 105);
  EXPECT_EQ(t.cached, 90);
  EXPECT_EQ(t.completion, 7);
  EXPECT_EQ(t.total, 112);

  // A stream: message_start carries the input under "message", message_delta the output.
  igw::AnthropicUsage stream;
  EXPECT_TRUE(igw::extractAnthropicUsage(
      R"({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"output_tokens":1}}})",
      stream));
  EXPECT_FALSE(igw::extractAnthropicUsage(
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}})",
      stream));
  EXPECT_TRUE(igw::extractAnthropicUsage(
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}})",
      stream));
  t = stream.tokens();
  EXPECT_EQ(t.prompt, 12);
  EXPECT_EQ(t.completion, 42);
  EXPECT_EQ(t.total, 54);
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

// ---- bounded cardinality (docs/metrics.md) -------------------------------------------------

namespace {

// The sample lines of one metric family (counter name, or histogram name + suffix).
std::vector<std::string> samples(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (line.rfind(name + "{", 0) == 0) out.push_back(line);
    pos = end + 1;
  }
  return out;
}

uint64_t sampleSum(const std::vector<std::string>& lines) {
  uint64_t sum = 0;
  for (const auto& l : lines) sum += std::stoull(l.substr(l.rfind(' ') + 1));
  return sum;
}

// The value of label `name` in a sample line (escapes left as they are).
std::string labelValue(const std::string& line, const std::string& name) {
  size_t at = line.find(name + "=\"");
  if (at == std::string::npos) return "<missing>";
  at += name.size() + 2;
  size_t end = at;
  while (end < line.size() && line[end] != '"') end += line[end] == '\\' ? 2 : 1;
  return line.substr(at, end - at);
}

bool validUtf8NoControls(const std::string& s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  for (size_t i = 0; i < s.size();) {
    unsigned char c = b(i);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return false;
    }
    if (n == 1 && (c < 0x20 || c == 0x7f)) return false;
    if (n == 2 && c == 0xC2 && b(i + 1) < 0xA0) return false;  // C1 controls
    i += n;
  }
  return true;
}

}  // namespace

TEST(MetricsCardinality, DefaultCapFoldsNewModelsIntoOneSeriesAndKeepsTheSum) {
  igw::MetricsRegistry reg(1, "v");  // defaults: 1000 series per metric
  for (int i = 0; i < 3000; ++i) {
    reg.shard(0).add(igw::Metric::kPromptTokens, {"openai", "model-" + std::to_string(i)}, 2);
  }
  // Models seen before the metric filled up keep their own series.
  reg.shard(0).add(igw::Metric::kPromptTokens, {"openai", "model-7"}, 5);
  std::string text = reg.renderPrometheus();
  auto lines = samples(text, "llm_usage_prompt_tokens_total");
  EXPECT_EQ(lines.size(), 1001u);
  EXPECT_EQ(sampleSum(lines), 3000u * 2 + 5);
  EXPECT_NE(text.find("llm_usage_prompt_tokens_total{provider=\"openai\",model=\"model-7\"} 7\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("llm_usage_prompt_tokens_total{provider=\"__other__\",model=\"__other__\"} 4000\n"),
      std::string::npos);
  EXPECT_LT(text.size(), 200u * 1000);
}

TEST(MetricsCardinality, CapHoldsForTheMergedOutputOfAllShards) {
  igw::MetricsRegistry reg(4, "v");
  for (size_t s = 0; s < 4; ++s) {
    for (int i = 0; i < 600; ++i) {
      reg.shard(s).add(igw::Metric::kToolCalls, {"openai", "m", "standard_tool_use",
                                                 "tool-" + std::to_string(s * 1000 + i)});
    }
  }
  auto lines = samples(reg.renderPrometheus(), "llm_tool_calls_total");
  EXPECT_LE(lines.size(), 1001u);  // not 4 x 1000
  EXPECT_EQ(sampleSum(lines), 2400u);
}

TEST(MetricsCardinality, ALabelSetAdmittedByOneShardIsNotFoldedInAnother) {
  igw::MetricsRegistry reg(2, "v", igw::MetricsLimits{2, 128});
  reg.shard(0).add(igw::Metric::kTotalTokens, {"openai", "a"}, 1);
  reg.shard(0).add(igw::Metric::kTotalTokens, {"openai", "b"}, 1);
  reg.shard(0).add(igw::Metric::kTotalTokens, {"openai", "c"}, 1);  // full: folded
  reg.shard(1).add(igw::Metric::kTotalTokens, {"openai", "a"}, 10);
  reg.shard(1).add(igw::Metric::kTotalTokens, {"openai", "d"}, 100);  // folded
  std::string text = reg.renderPrometheus();
  EXPECT_NE(text.find("llm_usage_total_tokens_total{provider=\"openai\",model=\"a\"} 11\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("llm_usage_total_tokens_total{provider=\"__other__\",model=\"__other__\"} 101\n"),
      std::string::npos)
      << text;
  EXPECT_EQ(samples(text, "llm_usage_total_tokens_total").size(), 3u);
}

TEST(MetricsCardinality, HistogramsFoldToo) {
  igw::MetricsRegistry reg(1, "v", igw::MetricsLimits{1, 128});
  reg.shard(0).observe(igw::Histo::kTimeToFirstToken, {"openai", "x"}, 3);
  reg.shard(0).observe(igw::Histo::kTimeToFirstToken, {"openai", "y"}, 3);
  reg.shard(0).observe(igw::Histo::kTimeToFirstToken, {"openai", "z"}, 3);
  std::string text = reg.renderPrometheus();
  auto counts = samples(text, "llm_time_to_first_token_count");
  ASSERT_EQ(counts.size(), 2u) << text;
  EXPECT_EQ(sampleSum(counts), 3u);
  EXPECT_NE(
      text.find("llm_time_to_first_token_count{provider=\"__other__\",model=\"__other__\"} 2"),
      std::string::npos)
      << text;
}

TEST(MetricsCardinality, ConcurrentShardsNeverExceedTheCap) {
  constexpr size_t kThreads = 4, kPerThread = 5000;
  igw::MetricsRegistry reg(kThreads, "v", igw::MetricsLimits{100, 128});
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&reg, t] {
      for (size_t i = 0; i < kPerThread; ++i) {
        // Half shared names (several shards admit the same ones), half private.
        std::string model = i % 2 ? "shared-" + std::to_string(i % 300)
                                  : "t" + std::to_string(t) + "-" + std::to_string(i);
        reg.shard(t).add(igw::Metric::kPromptTokens, {"openai", model});
      }
    });
  }
  for (size_t i = 0; i < 50; ++i) reg.renderPrometheus();  // scrapes while the shards write
  for (auto& th : threads) th.join();
  auto lines = samples(reg.renderPrometheus(), "llm_usage_prompt_tokens_total");
  EXPECT_LE(lines.size(), 101u);
  EXPECT_EQ(sampleSum(lines), kThreads * kPerThread);
}

TEST(MetricsCardinality, LongLabelValuesAreCutOnACharacterBoundary) {
  igw::MetricsRegistry reg(1, "v");
  std::string huge(1 << 20, 'm');
  reg.shard(0).add(igw::Metric::kPromptTokens, {"openai", huge}, 1);
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";  // é, 200 bytes
  reg.shard(0).add(igw::Metric::kPromptTokens, {"openai", "x" + accents}, 1);
  std::string text = reg.renderPrometheus();
  EXPECT_LT(text.size(), 16u * 1024);
  auto lines = samples(text, "llm_usage_prompt_tokens_total");
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    std::string model = labelValue(l, "model");
    EXPECT_LE(model.size(), 128u);
    EXPECT_GE(model.size(), 126u);
    EXPECT_TRUE(validUtf8NoControls(l)) << l;
  }
}

TEST(MetricsCardinality, ControlCharactersAndInvalidUtf8NeverReachTheExposition) {
  igw::MetricsRegistry reg(1, "v");
  reg.shard(0).add(igw::Metric::kPromptTokens,
                   {"openai",
                    "a\x1b[31m\r\x7f\xC2\x85\xff\xfe\xC0\xAF\xED\xA0\x80\x1f"
                    "b"},
                   1);
  std::string text = reg.renderPrometheus();
  auto lines = samples(text, "llm_usage_prompt_tokens_total");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(validUtf8NoControls(lines[0])) << lines[0];
  std::string model = labelValue(lines[0], "model");
  EXPECT_EQ(model.front(), 'a');
  EXPECT_EQ(model.back(), 'b');
}

TEST(MetricsCardinality, EveryMetricIsCappedWhateverItsLabels) {
  // E.g. request methods: any token is one. The cap holds even for labels that look bounded.
  igw::MetricsRegistry reg(1, "v", igw::MetricsLimits{10, 128});
  for (int i = 0; i < 100; ++i) {
    reg.shard(0).add(igw::Metric::kRequests, {"unknown", "M" + std::to_string(i), "other"});
  }
  auto lines = samples(reg.renderPrometheus(), "llm_requests_total");
  EXPECT_EQ(lines.size(), 11u);
  EXPECT_EQ(sampleSum(lines), 100u);
}

TEST(Tracing, SpanStringsAreBoundedAndTheBatchStaysValidJson) {
  igw::Span span;
  span.trace_id = std::string(32, 'a');
  span.span_id = std::string(16, 'b');
  span.name = "chat " + std::string(1 << 20, 'm');
  span.attributes = {{"gen_ai.request.model", std::string(1 << 20, 'm') + "\xff"},
                     {"url.path", std::string("/v1/\xC3\x28\x1b[2J")},
                     {"http.response.status_code", int64_t{200}}};
  span.status_message = "bad \xff upstream";
  igw::boundSpan(span, 128);
  EXPECT_LE(span.name.size(), 128u);
  std::string body = igw::encodeOtlpJson({span}, "svc", "1");
  EXPECT_LT(body.size(), 4096u);
  auto parsed = nlohmann::json::parse(body, nullptr, false);  // rejects invalid UTF-8
  ASSERT_FALSE(parsed.is_discarded()) << body;
  const auto& attrs = parsed["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"];
  EXPECT_LE(attrs[0]["value"]["stringValue"].get<std::string>().size(), 128u);
  EXPECT_EQ(attrs[1]["value"]["stringValue"].get<std::string>().find('\x1b'), std::string::npos);
}
