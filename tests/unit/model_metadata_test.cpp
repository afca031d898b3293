// The model metadata table behind GET /v1/models?include= and Azure OpenAI's deployment URLs.
#include <gtest/gtest.h>

#include "core/config.h"
#include "providers/model_metadata.h"
#include "providers/table.h"

namespace igw {
namespace {

TEST(ModelMetadata, BuiltinLoadsWithSourceAndDate) {
  auto t = ModelMetadataTable::builtin();
  ASSERT_TRUE(t.isOk()) << t.status().message();
  EXPECT_GT(t->size(), 50u);
  EXPECT_NE(t->source().find("platform.openai.com"), std::string::npos);
  EXPECT_EQ(t->updated().size(), 10u);  // YYYY-MM-DD
  const ModelMetadata* m = t->find("openai", "gpt-4o");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->context_window, 128000);
  EXPECT_EQ(m->max_output_tokens, 16384);
  EXPECT_EQ(m->input_modalities, (std::vector<std::string>{"text", "image"}));
  EXPECT_EQ(m->output_modalities, (std::vector<std::string>{"text"}));
}

TEST(ModelMetadata, SnapshotsTakeTheLongestListedNameBeforeADash) {
  auto t = ModelMetadataTable::builtin().value();
  EXPECT_EQ(t.find("openai", "gpt-4o-2024-08-06"), t.find("openai", "gpt-4o"));
  EXPECT_EQ(t.find("OpenAI", "GPT-4o-mini-2024-07-18"), t.find("openai", "gpt-4o-mini"));
  EXPECT_NE(t.find("openai", "gpt-4o-mini"), t.find("openai", "gpt-4o"));
  EXPECT_EQ(t.find("google", "models/gemini-2.5-pro"), t.find("google", "gemini-2.5-pro"));
  // No dash at the prefix's end: not the same model.
  EXPECT_EQ(t.find("openai", "gpt-4oo"), nullptr);
  EXPECT_EQ(t.find("openai", "gpt-5.9"), nullptr);
  EXPECT_EQ(t.find("nosuch", "gpt-4o"), nullptr);
  // Unknown fields of a known model stay unknown.
  const ModelMetadata* e = t.find("openai", "text-embedding-3-small");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->max_output_tokens, -1);
}

TEST(ModelMetadata, AzureDeploymentsNamedAfterTheirModelTakeOpenAIsFigures) {
  auto t = ModelMetadataTable::builtin().value();
  ASSERT_NE(t.find("openai", "gpt-4o"), nullptr);
  EXPECT_EQ(t.find("azure", "gpt-4o"), t.find("openai", "gpt-4o"));
  EXPECT_EQ(t.find("Azure", "gpt-4o-2024-08-06"), t.find("openai", "gpt-4o"));
  EXPECT_EQ(t.find("azure", "my-own-deployment"), nullptr);
  // An "azure/..." entry of its own wins.
  auto own = ModelMetadataTable::parse(
      R"({"models":{"azure/gpt-4o":{"context_window":1000},"openai/gpt-4o":{"context_window":2}}})");
  ASSERT_TRUE(own.isOk()) << own.status().message();
  EXPECT_EQ(own->find("azure", "gpt-4o")->context_window, 1000);
}

TEST(ModelMetadata, StrictParserNamesTheEntry) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {R"({"models":{"openai/x":{"context_window":-5}}})",
       "models[\"openai/x\"]: context_window must be a whole number of tokens or null"},
      {R"({"models":{"openai/x":{"context":1}}})", "unknown field 'context'"},
      {R"({"models":{"x":{}}})", "the key must be provider/model"},
      {R"({"models":{"openai/x":{"modalities":{"in":[]}}}})", "unknown field 'in'"},
      {R"({"models":{"openai/x":{"modalities":{"input":[1]}}}})", "not a short string"},
      {R"({"models":[]})", "models must be an object"},
      {R"({"model":{}})", "unknown field 'model'"},
      {R"([1])", "must be a JSON object"},
      {R"({"models":)", "not valid JSON"},
  };
  for (const auto& c : cases) {
    auto t = ModelMetadataTable::parse(c.text);
    ASSERT_FALSE(t.isOk()) << c.text;
    EXPECT_NE(t.status().message().find(c.message), std::string::npos)
        << "got: " << t.status().message() << "\nwant: " << c.message;
  }
  EXPECT_FALSE(ModelMetadataTable::parse(std::string(100, '[')).isOk());
  auto ok = ModelMetadataTable::parse(
      R"({"_source":"s","_x":1,"models":{"a/b":{"context_window":null,"modalities":null}}})");
  ASSERT_TRUE(ok.isOk()) << ok.status().message();
  ASSERT_NE(ok->find("a", "b"), nullptr);
  EXPECT_EQ(ok->find("a", "b")->context_window, -1);
  EXPECT_FALSE(ok->find("a", "b")->has_modalities);
}

Config azureConfig(std::optional<std::string> version) {
  return loadConfig([version](const std::string& n) -> std::optional<std::string> {
           if (n == "AZURE_API_URL") return std::string("https://res.openai.azure.com/");
           if (n == "AZURE_API_KEY") return std::string("az-key");
           if (n == "AZURE_API_VERSION") return version;
           return std::nullopt;
         })
      .value();
}

TEST(AzureOpenAI, DeploymentUrlsCarryTheApiVersion) {
  Config cfg = azureConfig(std::nullopt);
  ProviderTable table = ProviderTable::build(cfg).value();
  const ProviderEntry& az = table.get(*findProviderSpec("azure"));
  EXPECT_TRUE(az.usable);
  EXPECT_EQ(ProviderTable::operationUrl(az, "/chat/completions", "my-gpt4o").target,
            "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(ProviderTable::operationUrl(az, "/embeddings", "emb.small").target,
            "/openai/deployments/emb.small/embeddings?api-version=2024-10-21");
  // A deployment name is one path segment, whatever the client sent.
  EXPECT_EQ(ProviderTable::operationUrl(az, "/completions", "a/../b c").target,
            "/openai/deployments/a%2F..%2Fb%20c/completions?api-version=2024-10-21");
  EXPECT_EQ(ProviderTable::operationUrl(az, "/responses", "my-gpt4o").target,
            "/openai/v1/responses");
  EXPECT_EQ(az.models_path, "/openai/models?api-version=2024-10-21");
  Headers h;
  ProviderTable::addAuth(az, h);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].name, "api-key");
  EXPECT_EQ(h[0].value, "az-key");
  // Everyone else: base URL + operation, the model in the body only.
  const ProviderEntry& oa = table.get(*findProviderSpec("openai"));
  EXPECT_EQ(ProviderTable::operationUrl(oa, "/chat/completions", "gpt-4o").target,
            "/v1/chat/completions");
}

TEST(AzureOpenAI, ApiVersionIsConfigurableAndChecked) {
  Config cfg = azureConfig(std::string("2025-04-01-preview"));
  ProviderTable table = ProviderTable::build(cfg).value();
  const ProviderEntry& az = table.get(*findProviderSpec("azure"));
  EXPECT_EQ(ProviderTable::operationUrl(az, "/chat/completions", "d").target,
            "/openai/deployments/d/chat/completions?api-version=2025-04-01-preview");
  auto bad = loadConfig([](const std::string& n) -> std::optional<std::string> {
    if (n == "AZURE_API_VERSION") return std::string("2024&x=1");
    return std::nullopt;
  });
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("AZURE_API_VERSION"), std::string::npos);
}

}  // namespace
}  // namespace igw
