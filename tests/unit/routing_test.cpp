#include "providers/routing.h"

#include <gtest/gtest.h>

TEST(Routing, PrefixPicksProviderAndIsStripped) {
  auto r = igw::resolveRoute("", "anthropic/claude-3-haiku");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->spec->id, "anthropic");
  EXPECT_EQ(r->upstream_model, "claude-3-haiku");
}

TEST(Routing, PrefixIsCaseInsensitiveAndOnlyFirstSlashCounts) {
  auto r = igw::resolveRoute("", "GROQ/meta-llama/llama-4");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->spec->id, "groq");
  EXPECT_EQ(r->upstream_model, "meta-llama/llama-4");
}

TEST(Routing, QueryProviderWins) {
  auto r = igw::resolveRoute("groq", "meta-llama/llama-4");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->spec->id, "groq");
  EXPECT_EQ(r->upstream_model, "meta-llama/llama-4");
  auto same = igw::resolveRoute("openai", "openai/gpt-4o");
  EXPECT_EQ(same->upstream_model, "gpt-4o");
}

TEST(Routing, UnknownProviderListsValidIds) {
  auto r = igw::resolveRoute("", "foo/bar");
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("'foo'"), std::string::npos);
  EXPECT_NE(r.status().message().find("openai"), std::string::npos);
  EXPECT_NE(r.status().message().find("ollama_cloud"), std::string::npos);
  EXPECT_FALSE(igw::resolveRoute("nope", "gpt-4o").isOk());
  EXPECT_FALSE(igw::resolveRoute("", "gpt-4o").isOk());
  EXPECT_FALSE(igw::resolveRoute("", "openai/").isOk());
}

TEST(Routing, AllowAndDisallowLists) {
  igw::Config cfg;
  cfg.allowed_models = {"openai/gpt-4o", "llama3"};
  EXPECT_TRUE(igw::modelAllowed(cfg, "openai", "GPT-4o"));
  EXPECT_TRUE(igw::modelAllowed(cfg, "ollama", "llama3"));
  EXPECT_FALSE(igw::modelAllowed(cfg, "groq", "gpt-4o"));
  cfg.disallowed_models = {"llama3"};
  EXPECT_FALSE(igw::modelAllowed(cfg, "ollama", "llama3"));
  igw::Config open;
  open.disallowed_models = {"groq/bad"};
  EXPECT_TRUE(igw::modelAllowed(open, "openai", "bad"));
  EXPECT_FALSE(igw::modelAllowed(open, "groq", "bad"));
}
