// Which providers serve /v1/embeddings, /v1/completions and /v1/responses, and the /v1/proxy
// alias's path split.
#include <gtest/gtest.h>

#include "http/path.h"
#include "providers/api_support.h"
#include "providers/catalog.h"

namespace igw {
namespace {

// Every catalog row is decided: a provider added to the catalog without a row in
// api_support.cpp would silently have neither endpoint.
TEST(ApiSupport, EveryCatalogProviderHasARow) {
  for (const auto& spec : providerCatalog()) {
    EXPECT_TRUE(apiSupportDecided(spec.id)) << spec.id;
  }
  EXPECT_FALSE(apiSupportDecided("nosuch"));
}

TEST(ApiSupport, PathsUnderTheProviderBaseUrl) {
  EXPECT_EQ(providerPath("openai", OpenAIEndpoint::kEmbeddings), "/embeddings");
  EXPECT_EQ(providerPath("openai", OpenAIEndpoint::kCompletions), "/completions");
  EXPECT_EQ(providerPath("cohere", OpenAIEndpoint::kEmbeddings), "/compatibility/v1/embeddings");
  EXPECT_EQ(providerPath("google", OpenAIEndpoint::kEmbeddings), "/openai/embeddings");
  EXPECT_EQ(providerPath("deepseek", OpenAIEndpoint::kCompletions), "/beta/completions");
  EXPECT_EQ(providerPath("cloudflare", OpenAIEndpoint::kEmbeddings), "/v1/embeddings");
  EXPECT_EQ(providerPath("groq", OpenAIEndpoint::kEmbeddings), "");
  EXPECT_EQ(providerPath("anthropic", OpenAIEndpoint::kCompletions), "");
  EXPECT_EQ(providerPath("nosuch", OpenAIEndpoint::kEmbeddings), "");
}

TEST(ApiSupport, ProvidersWithListsCatalogIdsInOrder) {
  EXPECT_EQ(providersWith(OpenAIEndpoint::kEmbeddings),
            "azure, cloudflare, cohere, google, llamacpp, mistral, nvidia, ollama, openai, vllm");
  EXPECT_EQ(providersWith(OpenAIEndpoint::kCompletions),
            "azure, deepseek, llamacpp, ollama, openai, vllm");
  EXPECT_EQ(clientPath(OpenAIEndpoint::kEmbeddings), "/v1/embeddings");
  EXPECT_EQ(clientPath(OpenAIEndpoint::kCompletions), "/v1/completions");
  EXPECT_EQ(providersWith(OpenAIEndpoint::kResponses),
            "azure, groq, ollama, ollama_cloud, openai, vllm");
  EXPECT_EQ(clientPath(OpenAIEndpoint::kResponses), "/v1/responses");
  EXPECT_EQ(providerPath("openai", OpenAIEndpoint::kResponses), "/responses");
  EXPECT_EQ(providerPath("anthropic", OpenAIEndpoint::kResponses), "");
}

TEST(ProxyRoutePart, BothPrefixes) {
  EXPECT_EQ(proxyRoutePart("/proxy/openai/files"), "openai/files");
  EXPECT_EQ(proxyRoutePart("/v1/proxy/openai/files"), "openai/files");
  EXPECT_EQ(proxyRoutePart("/v1/proxy/openai"), "openai");
  EXPECT_EQ(proxyRoutePart("/v1/proxyx/openai"), "");
  EXPECT_EQ(proxyRoutePart("/v2/proxy/openai"), "");
  EXPECT_EQ(proxyRoutePart("/v1/chat/completions"), "");
}

}  // namespace
}  // namespace igw
