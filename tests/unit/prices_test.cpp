// The model price table: the built-in data file loads and covers every provider, lookups find
// dated snapshots without mixing up model families, override files (JSON, YAML, both shapes)
// replace or extend entries, broken files are refused with a message naming the entry, and cost
// arithmetic is exact in nano-dollars.
#include "limits/prices.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include <unistd.h>

namespace {

using igw::ModelPrice;
using igw::PriceFormat;
using igw::PriceTable;
using igw::Status;
using igw::TokenUsage;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

PriceTable builtin() {
  auto t = PriceTable::builtin();
  EXPECT_TRUE(t.isOk()) << t.status().message();
  return t.isOk() ? std::move(t).value() : PriceTable{};
}

// A temporary file removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& suffix, const std::string& text) {
    path_ = (std::filesystem::temp_directory_path() / ("igw_prices_" + std::to_string(::getpid()) +
                                                       "_" + std::to_string(counter_++) + suffix))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(Prices, BuiltinLoadsWithSourceDateAndEveryProvider) {
  PriceTable t = builtin();
  EXPECT_GE(t.size(), 50u);
  EXPECT_NE(t.source().find("https://"), std::string::npos);
  EXPECT_EQ(t.updated(), "2026-12-02");
  struct Probe {
    const char* provider;
    const char* model;
  };
  for (Probe p : {Probe{"openai", "gpt-4o"},
                  {"anthropic", "claude-sonnet-4-20250514"},
                  {"google", "gemini-2.5-flash"},
                  {"groq", "llama-3.3-70b-versatile"},
                  {"cohere", "command-a-03-2025"},
                  {"deepseek", "deepseek-chat"},
                  {"mistral", "mistral-large-latest"},
                  {"cloudflare", "@cf/meta/llama-3.3-70b-instruct-fp8-fast"},
                  {"ollama", "llama3.2:3b"},
                  {"llamacpp", "anything"}}) {
    const ModelPrice* price = t.find(p.provider, p.model);
    ASSERT_NE(price, nullptr) << p.provider << "/" << p.model;
    EXPECT_GE(price->output, price->input) << p.provider << "/" << p.model;
  }
  // Local providers cost nothing.
  const ModelPrice* local = t.find("ollama", "qwen3:8b");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->input, 0);
  EXPECT_EQ(local->output, 0);
}

TEST(Prices, AzureDeploymentsAreBilledAtOpenAIsListPricesUnlessListed) {
  PriceTable t = builtin();
  ASSERT_NE(t.find("openai", "gpt-4o"), nullptr);
  EXPECT_EQ(t.find("azure", "gpt-4o"), t.find("openai", "gpt-4o"));
  EXPECT_EQ(t.find("azure", "gpt-4o-mini-2024-07-18"), t.find("openai", "gpt-4o-mini"));
  EXPECT_EQ(t.find("azure", "prod-chat"), nullptr);  // a deployment named otherwise: no price
  ASSERT_TRUE(t.overlayText("azure/prod-chat: {input: 1, output: 2}\n"
                            "azure/gpt-4o: {input: 3, output: 4}\n",
                            PriceFormat::kYaml)
                  .isOk());
  ASSERT_NE(t.find("azure", "prod-chat"), nullptr);
  EXPECT_DOUBLE_EQ(t.find("azure", "prod-chat")->output, 2.0);
  EXPECT_DOUBLE_EQ(t.find("azure", "gpt-4o")->input, 3.0);  // its own entry wins
  EXPECT_DOUBLE_EQ(t.find("openai", "gpt-4o")->input, 2.5);
}

TEST(Prices, BuiltinFigures) {
  PriceTable t = builtin();
  const ModelPrice* p = t.find("openai", "gpt-4o");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->input, 2.5);
  EXPECT_DOUBLE_EQ(p->cached_input, 1.25);
  EXPECT_DOUBLE_EQ(p->output, 10.0);
  EXPECT_DOUBLE_EQ(p->reasoning, 10.0);  // defaults to output
  p = t.find("cohere", "command-r");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->cached_input, p->input);  // defaults to input
}

TEST(Prices, ExactMatchIsCaseInsensitive) {
  PriceTable t = builtin();
  EXPECT_EQ(t.find("OpenAI", "GPT-4o-Mini"), t.find("openai", "gpt-4o-mini"));
  EXPECT_NE(t.find("OpenAI", "GPT-4o-Mini"), nullptr);
}

TEST(Prices, DatedSnapshotsTakeTheLongestListedPrefix) {
  PriceTable t = builtin();
  const ModelPrice* gpt4o = t.find("openai", "gpt-4o");
  const ModelPrice* mini = t.find("openai", "gpt-4o-mini");
  ASSERT_NE(gpt4o, nullptr);
  ASSERT_NE(mini, nullptr);
  ASSERT_NE(gpt4o, mini);
  EXPECT_EQ(t.find("openai", "gpt-4o-2024-08-06"), gpt4o);
  EXPECT_EQ(t.find("openai", "gpt-4o-mini-2024-07-18"), mini);
  // A listed snapshot with its own price wins over the family.
  const ModelPrice* may = t.find("openai", "gpt-4o-2024-05-13");
  ASSERT_NE(may, nullptr);
  EXPECT_DOUBLE_EQ(may->input, 5.0);
  // Anthropic: version numbers are '-' separated too.
  EXPECT_EQ(t.find("anthropic", "claude-opus-4-1-20250805"),
            t.find("anthropic", "claude-opus-4-1"));
  EXPECT_DOUBLE_EQ(t.find("anthropic", "claude-opus-4-5-20251101")->input, 5.0);
  EXPECT_DOUBLE_EQ(t.find("anthropic", "claude-opus-4-20250514")->input, 15.0);
  // Only at a '-' boundary: "gpt-4oo" is not "gpt-4o", "command-r7b" is not "command-r".
  EXPECT_EQ(t.find("openai", "gpt-4oo"), nullptr);
  EXPECT_NE(t.find("cohere", "command-r7b-12-2024"), t.find("cohere", "command-r"));
  // Gemini's native "models/" prefix.
  EXPECT_EQ(t.find("google", "models/gemini-2.5-pro"), t.find("google", "gemini-2.5-pro"));
  // Provider-qualified model names (Groq's "openai/gpt-oss-120b").
  ASSERT_NE(t.find("groq", "openai/gpt-oss-120b"), nullptr);
  EXPECT_DOUBLE_EQ(t.find("groq", "openai/gpt-oss-120b")->input, 0.15);
}

TEST(Prices, UnknownModelsAndProvidersHaveNoPrice) {
  PriceTable t = builtin();
  EXPECT_EQ(t.find("openai", "my-finetune"), nullptr);
  EXPECT_EQ(t.find("nosuchprovider", "gpt-4o"), nullptr);
  EXPECT_EQ(t.find("openai", ""), nullptr);
  EXPECT_EQ(t.find("", ""), nullptr);
}

TEST(Prices, WildcardComesLast) {
  PriceTable t = builtin();
  ASSERT_TRUE(t.overlayText(R"({"openai/*": {"input": 1, "output": 2}})", PriceFormat::kJson));
  EXPECT_DOUBLE_EQ(t.find("openai", "my-finetune")->input, 1.0);
  EXPECT_DOUBLE_EQ(t.find("openai", "gpt-4o-2024-08-06")->input, 2.5);  // prefix beats '*'
}

TEST(Prices, OverlayFlatJsonFileReplacesAndExtends) {
  PriceTable t = builtin();
  size_t before = t.size();
  TempFile f(".json", R"({
    "_note": "ours",
    "openai/gpt-4o": {"input": 2.0, "output": 8.0, "cached_input": 0.5},
    "vllm/my-llama": {"input": 0.1, "output": 0.2, "reasoning": 0.3}
  })");
  ASSERT_TRUE(t.overlayFile(f.path())) << t.overlayFile(f.path()).message();
  const ModelPrice* p = t.find("openai", "gpt-4o-2024-11-20");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->input, 2.0);
  EXPECT_DOUBLE_EQ(p->cached_input, 0.5);
  EXPECT_DOUBLE_EQ(p->reasoning, 8.0);
  const ModelPrice* mine = t.find("vllm", "my-llama");
  ASSERT_NE(mine, nullptr);
  EXPECT_DOUBLE_EQ(mine->reasoning, 0.3);
  EXPECT_DOUBLE_EQ(mine->cached_input, 0.1);
  EXPECT_EQ(t.size(), before + 1);  // gpt-4o replaced, my-llama added
  // Untouched entries stay.
  EXPECT_DOUBLE_EQ(t.find("openai", "gpt-4o-mini")->input, 0.15);
}

TEST(Prices, OverlayWrappedJsonShape) {
  PriceTable t = builtin();
  ASSERT_TRUE(t.overlayText(
      R"({"_source": "x", "models": {"Mistral/Mistral-Large": {"input": 3, "output": 9}}})",
      PriceFormat::kJson));
  EXPECT_DOUBLE_EQ(t.find("mistral", "mistral-large-latest")->output, 9.0);
}

TEST(Prices, OverlayYamlFileBothShapes) {
  PriceTable t = builtin();
  TempFile flat(".yaml",
                "# our negotiated prices\n"
                "openai/gpt-4o:\n"
                "  input: 2\n"
                "  output: 8\n"
                "  cached_input: 0.5\n"
                "\"anthropic/claude-sonnet-4\": {input: 2.5, output: 12.5}\n");
  Status s = t.overlayFile(flat.path());
  ASSERT_TRUE(s) << s.message();
  EXPECT_DOUBLE_EQ(t.find("openai", "gpt-4o")->cached_input, 0.5);
  EXPECT_DOUBLE_EQ(t.find("anthropic", "claude-sonnet-4-20250514")->output, 12.5);
  EXPECT_DOUBLE_EQ(t.find("anthropic", "claude-sonnet-4-20250514")->cached_input, 2.5);

  TempFile wrapped(".yml",
                   "_updated: 2026-12-01\n"
                   "models:\n"
                   "  deepseek/deepseek-chat: {input: 0.3, output: 0.5, cached_input: 0.03}\n"
                   "  local/*: {input: 0, output: 0}\n");
  s = t.overlayFile(wrapped.path());
  ASSERT_TRUE(s) << s.message();
  EXPECT_DOUBLE_EQ(t.find("deepseek", "deepseek-chat")->output, 0.5);
  EXPECT_NE(t.find("local", "whatever"), nullptr);
}

TEST(Prices, FileWithoutKnownSuffixIsSniffed) {
  PriceTable t;
  TempFile json(".prices", R"({"openai/x": {"input": 1, "output": 2}})");
  ASSERT_TRUE(t.overlayFile(json.path()));
  TempFile yaml(".prices", "openai/y: {input: 1, output: 2}\n");
  ASSERT_TRUE(t.overlayFile(yaml.path()));
  EXPECT_EQ(t.size(), 2u);
}

void expectRefused(std::string_view text, PriceFormat format, std::string_view want) {
  PriceTable t = builtin();
  size_t before = t.size();
  Status s = t.overlayText(text, format);
  EXPECT_FALSE(s) << text;
  EXPECT_EQ(s.code(), igw::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(want), std::string::npos) << s.message();
  EXPECT_EQ(t.size(), before);  // all or nothing
  EXPECT_DOUBLE_EQ(t.find("openai", "gpt-4o")->input, 2.5);
}

TEST(Prices, BadEntriesAreRefusedNamingTheEntry) {
  const auto J = PriceFormat::kJson;
  const auto Y = PriceFormat::kYaml;
  // A good entry first: a later bad one still refuses the whole file.
  expectRefused(R"({"openai/gpt-4o": {"input": 1, "output": 1},
                    "openai/bad": {"input": -1, "output": 1}})",
                J, R"(entry "openai/bad": "input" must be a number)");
  expectRefused(
      R"({"openai/bad": {"input": "cheap", "output": 1}})", J,
      R"(entry "openai/bad": "input" must be a number from 0 to 1000000 (USD per 1M tokens), got cheap)");
  expectRefused(R"({"openai/bad": {"input": 1}})", J, R"(entry "openai/bad": "output" is missing)");
  expectRefused(R"({"openai/bad": {"input": 1, "output": 2, "cache_input": 1}})", J,
                R"(entry "openai/bad": unknown field "cache_input")");
  expectRefused(R"({"openai/bad": {"input": 1, "output": 2e7}})", J, R"(entry "openai/bad")");
  expectRefused(R"({"gpt-4o": {"input": 1, "output": 2}})", J,
                R"(entry "gpt-4o": the key must be "provider/model")");
  expectRefused(R"({"openai/": {"input": 1, "output": 2}})", J, R"(entry "openai/")");
  expectRefused(R"({"openai/gpt-4*": {"input": 1, "output": 2}})", J,
                R"('*' is only allowed as the whole model)");
  expectRefused(R"({"openai/bad": 3})", J, R"(entry "openai/bad": must be an object)");
  expectRefused(R"({"models": {}, "openai/x": {"input": 1, "output": 2}})", J,
                R"(unexpected top-level key "openai/x")");
  expectRefused(R"([1, 2])", J, "must be a JSON object");
  expectRefused(R"({"openai/x": )", J, "not valid JSON");
  expectRefused(std::string(100, '['), J, "nested deeper");

  expectRefused("openai/bad:\n  input: .nan\n  output: 1\n", Y,
                R"(entry "openai/bad": "input" must be a number)");
  expectRefused("openai/bad:\n  input: inf\n  output: 1\n", Y, R"(entry "openai/bad")");
  expectRefused("openai/bad:\n  input: 1\n", Y, R"("output" is missing)");
  expectRefused("openai/a: {input: 1, output: 1}\nOpenAI/A: {input: 2, output: 2}\n", Y,
                R"(entry "OpenAI/A": appears twice)");
  expectRefused("openai/a: {input: 1, output: 1, input: 2}\n", Y, R"("input" is given twice)");
  expectRefused("openai/a: [1, 2]\n", Y, R"(entry "openai/a": must be an object)");
  expectRefused("openai/a: {input: 1, output: 1\n", Y, "not valid YAML");
  expectRefused("- 1\n- 2\n", Y, "must be a mapping");
  expectRefused(std::string(200, '[') + std::string(200, ']'), Y, "nested too deeply");
}

TEST(Prices, OversizedInputsAreRefused) {
  PriceTable t;
  std::string big(igw::kMaxPriceFileBytes + 1, ' ');
  EXPECT_NE(t.overlayText(big, PriceFormat::kYaml).message().find("larger than"),
            std::string::npos);
  EXPECT_NE(t.overlayText(big, PriceFormat::kJson).message().find("larger than"),
            std::string::npos);
  std::string many = "{";
  for (size_t i = 0; i <= igw::kMaxPriceEntries; ++i) {
    many +=
        (i ? "," : "") + std::string("\"p/m") + std::to_string(i) + R"(":{"input":1,"output":1})";
  }
  many += "}";
  EXPECT_NE(t.overlayText(many, PriceFormat::kJson).message().find("more than 10000 entries"),
            std::string::npos);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Prices, MissingFileNamesThePath) {
  PriceTable t;
  Status s = t.overlayFile("/nonexistent/prices.yaml");
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("/nonexistent/prices.yaml"), std::string::npos) << s.message();
  TempFile bad(".json", R"({"openai/x": {"input": 1}})");
  s = t.overlayFile(bad.path());
  EXPECT_NE(s.message().find(bad.path()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(R"(entry "openai/x")"), std::string::npos) << s.message();
}

TEST(Prices, CostPricesEachKindOfTokenSeparately) {
  ModelPrice p{.input = 2.5, .output = 10, .cached_input = 1.25, .reasoning = 12};
  TokenUsage u;
  u.prompt = 1000;  // includes 400 cached
  u.cached = 400;
  u.completion = 300;  // includes 100 reasoning
  u.reasoning = 100;
  // 600 x 2.5 + 400 x 1.25 + 200 x 10 + 100 x 12 = 5200 USD per 1M tokens = 0.0052 USD.
  EXPECT_EQ(igw::costNanoUsd(p, u), 5'200'000);

  // Without cache and reasoning counts, everything at the plain prices.
  TokenUsage plain;
  plain.prompt = 1'000'000;
  plain.completion = 1'000'000;
  EXPECT_EQ(igw::costNanoUsd(p, plain), 12'500'000'000);  // $12.50
}

TEST(Prices, CostWithBuiltinPrices) {
  PriceTable t = builtin();
  TokenUsage u;
  u.prompt = 1234;
  u.cached = 1000;
  u.completion = 56;
  // gpt-4o-mini: 234 x 0.15 + 1000 x 0.075 + 56 x 0.6 = 35.1 + 75 + 33.6 = 143.7 USD/1M.
  EXPECT_EQ(igw::costNanoUsd(*t.find("openai", "gpt-4o-mini"), u), 143'700);
  // Local models are free.
  EXPECT_EQ(igw::costNanoUsd(*t.find("ollama", "llama3"), u), 0);
}

TEST(Prices, CostUnknownCountsAndOddUsage) {
  ModelPrice p{.input = 1, .output = 2, .cached_input = 0.5, .reasoning = 4};
  TokenUsage unknown;  // all -1
  EXPECT_EQ(igw::costNanoUsd(p, unknown), 0);
  TokenUsage u;
  u.prompt = 10;
  u.completion = -1;  // unknown output: only the prompt is charged
  EXPECT_EQ(igw::costNanoUsd(p, u), 10'000);
  u.cached = 50;  // more cached than prompt: capped at the prompt
  EXPECT_EQ(igw::costNanoUsd(p, u), 5'000);
  TokenUsage r;
  r.completion = 5;
  r.reasoning = 9;  // capped at the completion
  EXPECT_EQ(igw::costNanoUsd(p, r), 20'000);
}

TEST(Prices, CostRoundsToTheNearestNanoDollar) {
  ModelPrice p{.input = 0.0375, .output = 0.0001, .cached_input = 0.0375, .reasoning = 0.0001};
  TokenUsage u;
  u.prompt = 1;  // 37.5 nano-dollars
  u.completion = 0;
  EXPECT_EQ(igw::costNanoUsd(p, u), 38);
  u.prompt = 2;
  EXPECT_EQ(igw::costNanoUsd(p, u), 75);
  u.prompt = 0;
  u.completion = 4;  // 0.4 nano-dollars
  EXPECT_EQ(igw::costNanoUsd(p, u), 0);
  EXPECT_EQ(igw::estimateNanoUsd(p, 0, 4), 1);  // an estimate rounds up
}

TEST(Prices, CostSaturatesAndIsNeverNegative) {
  ModelPrice p{.input = 1e6, .output = 1e6, .cached_input = 1e6, .reasoning = 1e6};
  TokenUsage u;
  u.prompt = kMax;
  u.completion = kMax;
  EXPECT_EQ(igw::costNanoUsd(p, u), kMax);
  EXPECT_EQ(igw::estimateNanoUsd(p, kMax, kMax), kMax);
  ModelPrice bad{.input = -5,
                 .output = std::numeric_limits<double>::quiet_NaN(),
                 .cached_input = -1,
                 .reasoning = -1};
  u.prompt = 100;
  u.completion = 100;
  EXPECT_EQ(igw::costNanoUsd(bad, u), 0);
  EXPECT_EQ(igw::estimateNanoUsd(bad, 100, 100), 0);
  EXPECT_EQ(igw::estimateNanoUsd(p, -5, -5), 0);
}

TEST(Prices, EstimateUsesTheHigherOutputPrice) {
  ModelPrice p{.input = 2, .output = 8, .cached_input = 0.5, .reasoning = 10};
  // 1000 x 2 + 500 x 10 = 7000 USD/1M.
  EXPECT_EQ(igw::estimateNanoUsd(p, 1000, 500), 7'000'000);
  p.reasoning = 8;
  EXPECT_EQ(igw::estimateNanoUsd(p, 1000, 500), 6'000'000);
}

}  // namespace
