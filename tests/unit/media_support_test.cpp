// Which providers serve the Images and Audio APIs, and where.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/config.h"
#include "providers/catalog.h"
#include "providers/media_support.h"

namespace igw {
namespace {

// Every catalog row is decided: a provider added to the catalog without a row in
// media_support.cpp would silently have none of the media endpoints.
TEST(MediaSupport, EveryCatalogProviderHasARow) {
  for (const auto& spec : providerCatalog()) {
    EXPECT_TRUE(mediaSupportDecided(spec.id)) << spec.id;
  }
  EXPECT_FALSE(mediaSupportDecided("nosuch"));
}

TEST(MediaSupport, RoutesAndTheirBodies) {
  EXPECT_EQ(mediaEndpointOf("/v1/images/generations"), MediaEndpoint::kImageGenerations);
  EXPECT_EQ(mediaEndpointOf("/v1/audio/translations"), MediaEndpoint::kTranslations);
  EXPECT_EQ(mediaEndpointOf("/v1/images/generations/"), std::nullopt);
  EXPECT_EQ(mediaEndpointOf("/v1/audio"), std::nullopt);
  EXPECT_TRUE(isImages(MediaEndpoint::kImageVariations));
  EXPECT_FALSE(isImages(MediaEndpoint::kSpeech));
  EXPECT_FALSE(isMultipart(MediaEndpoint::kImageGenerations));
  EXPECT_FALSE(isMultipart(MediaEndpoint::kSpeech));
  EXPECT_TRUE(isMultipart(MediaEndpoint::kImageEdits));
  EXPECT_TRUE(isMultipart(MediaEndpoint::kTranscriptions));
  EXPECT_EQ(mediaClientPath(MediaEndpoint::kSpeech), "/v1/audio/speech");
}

TEST(MediaSupport, PathsUnderTheProviderBaseUrl) {
  EXPECT_EQ(mediaProviderPath("openai", MediaEndpoint::kImageVariations), "/images/variations");
  EXPECT_EQ(mediaProviderPath("azure", MediaEndpoint::kImageGenerations), "/images/generations");
  EXPECT_EQ(mediaProviderPath("azure", MediaEndpoint::kImageVariations), "");
  EXPECT_EQ(mediaProviderPath("groq", MediaEndpoint::kTranscriptions), "/audio/transcriptions");
  EXPECT_EQ(mediaProviderPath("groq", MediaEndpoint::kImageGenerations), "");
  EXPECT_EQ(mediaProviderPath("anthropic", MediaEndpoint::kSpeech), "");
  EXPECT_EQ(mediaProviderPath("nosuch", MediaEndpoint::kSpeech), "");
  EXPECT_EQ(mediaProvidersWith(MediaEndpoint::kImageGenerations), "azure, openai, zai");
  EXPECT_EQ(mediaProvidersWith(MediaEndpoint::kImageVariations), "openai");
  EXPECT_EQ(mediaProvidersWith(MediaEndpoint::kSpeech), "azure, groq, openai");
  EXPECT_EQ(mediaProvidersWith(MediaEndpoint::kTranscriptions),
            "azure, groq, mistral, openai, vllm");
  EXPECT_EQ(mediaProvidersWith(MediaEndpoint::kTranslations), "azure, groq, openai, vllm");
}

// ENABLE_IMAGES (the Go gateway's name; IMAGES_ENABLED also read) and ENABLE_AUDIO
// (AUDIO_ENABLED): off by default, booleans checked like the others.
TEST(MediaSupport, Flags) {
  auto load = [](std::map<std::string, std::string> vars) {
    return loadConfig([vars](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    });
  };
  auto off = load({});
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->enable_images);
  EXPECT_FALSE(off->enable_audio);
  auto on = load({{"ENABLE_IMAGES", "true"}, {"AUDIO_ENABLED", "1"}});
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->enable_images);
  EXPECT_TRUE(on->enable_audio);
  auto alias = load({{"IMAGES_ENABLED", "true"}});
  ASSERT_TRUE(alias);
  EXPECT_TRUE(alias->enable_images);
  auto bad = load({{"ENABLE_AUDIO", "sometimes"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("ENABLE_AUDIO"), std::string::npos);
}

}  // namespace
}  // namespace igw
