// OpenAI embeddings <-> Gemini batchEmbedContents and Cohere v2 embed (translate/*_embeddings.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "translate/gemini_embeddings.h"

namespace igw {
namespace {

using json = nlohmann::json;

TEST(GeminiEmbeddings, RequestOnePerInputWithDimensions) {
  EmbeddingsShape shape;
  auto r = geminiEmbeddingsRequest(
      R"({"model":"google/x","input":["a b","c"],"dimensions":3,"encoding_format":"base64"})",
      "gemini-embedding-001", shape);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->path, "/models/gemini-embedding-001:batchEmbedContents");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"requests":[
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a b"}]},"outputDimensionality":3},
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"c"}]},"outputDimensionality":3}]})"));
  EXPECT_TRUE(shape.base64);
  EXPECT_EQ(shape.inputs, 2u);
  EXPECT_EQ(shape.text_bytes, 4);
}

TEST(GeminiEmbeddings, RequestRefusals) {
  EmbeddingsShape shape;
  for (const char* bad : {R"({"input":[1,2]})", R"({"input":[]})", R"({"input":7})", R"({})",
                          R"({"input":"x","dimensions":0})",
                          R"({"input":"x","encoding_format":"hex"})", "[1]", "{"}) {
    auto r = geminiEmbeddingsRequest(bad, "gemini-embedding-001", shape);
    EXPECT_FALSE(r.isOk()) << bad;
    if (!r.isOk()) EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(geminiEmbeddingsRequest(R"({"input":"x"})", "../x", shape).isOk());
}

TEST(GeminiEmbeddings, AnswerFloatsAndBase64) {
  EmbeddingsShape shape{.model = "m", .base64 = false, .inputs = 2};
  int64_t tokens = 0;
  auto out = openAIEmbeddingsFromGemini(
      R"({"embeddings":[{"values":[0.5,-1]},{"values":[0.25]}],"usageMetadata":{"promptTokenCount":3}})",
      shape, tokens);
  ASSERT_TRUE(out.isOk()) << out.status().message();
  EXPECT_EQ(json::parse(*out), json::parse(R"({"object":"list","data":[
      {"object":"embedding","index":0,"embedding":[0.5,-1]},
      {"object":"embedding","index":1,"embedding":[0.25]}],"model":"m",
      "usage":{"prompt_tokens":3,"total_tokens":3}})"));
  EXPECT_EQ(tokens, 3);

  shape.base64 = true;
  shape.inputs = 1;
  out = openAIEmbeddingsFromGemini(R"({"embeddings":[{"values":[1.0, 0.5]}]})", shape, tokens);
  ASSERT_TRUE(out.isOk());
  // 1.0f = 00 00 80 3f, 0.5f = 00 00 00 3f (little-endian), base64 "AACAPwAAAD8=".
  EXPECT_EQ(json::parse(*out)["data"][0]["embedding"], "AACAPwAAAD8=");
  EXPECT_EQ(json::parse(*out).count("usage"), 0u);
  EXPECT_EQ(tokens, -1);
}

TEST(GeminiEmbeddings, AnswerRefusals) {
  EmbeddingsShape shape{.model = "m", .base64 = false, .inputs = 1};
  int64_t tokens = 0;
  for (const char* bad :
       {R"({"embeddings":[]})", R"({"embeddings":[{"values":["x"]}]})", R"({"embeddings":[{}]})",
        R"({})", "nope", R"({"embeddings":[{"values":[1]},{"values":[2]}]})"}) {
    auto r = openAIEmbeddingsFromGemini(bad, shape, tokens);
    EXPECT_FALSE(r.isOk()) << bad;
    if (!r.isOk()) EXPECT_EQ(r.status().code(), Code::kUnavailable) << bad;
  }
}

}  // namespace
}  // namespace igw

// Cohere v2 embed (translate/cohere_embeddings.h).
#include "translate/cohere_embeddings.h"

namespace igw {
namespace {

TEST(CohereEmbeddings, RequestTextsInputTypeAndDimensions) {
  EmbeddingsShape shape;
  auto r = cohereEmbeddingsRequest(
      R"({"model":"cohere/embed-v4.0","input":["a","b c"],"dimensions":256,"user":"u"})",
      "embed-v4.0", shape);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->path, "/v2/embed");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"model":"embed-v4.0","texts":["a","b c"],
      "input_type":"search_document","embedding_types":["float"],"output_dimension":256})"));
  r = cohereEmbeddingsRequest(R"({"input":"q","input_type":"search_query","truncate":"END"})",
                              "embed-v4.0", shape);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(json::parse(r->body)["input_type"], "search_query");
  EXPECT_EQ(json::parse(r->body)["truncate"], "END");
  EXPECT_FALSE(cohereEmbeddingsRequest(R"({"input":[[1]]})", "m", shape).isOk());
  EXPECT_FALSE(cohereEmbeddingsRequest(R"({"input":"x","input_type":3})", "m", shape).isOk());
}

TEST(CohereEmbeddings, AnswerWithBilledUnits) {
  EmbeddingsShape shape{.model = "embed-v4.0", .base64 = false, .inputs = 2};
  int64_t tokens = 0;
  auto out = openAIEmbeddingsFromCohere(
      R"({"id":"x","embeddings":{"float":[[0.5],[1,2]]},"texts":["a","b"],
          "meta":{"billed_units":{"input_tokens":4}},"response_type":"embeddings_by_type"})",
      shape, tokens);
  ASSERT_TRUE(out.isOk()) << out.status().message();
  EXPECT_EQ(json::parse(*out), json::parse(R"({"object":"list","data":[
      {"object":"embedding","index":0,"embedding":[0.5]},
      {"object":"embedding","index":1,"embedding":[1,2]}],"model":"embed-v4.0",
      "usage":{"prompt_tokens":4,"total_tokens":4}})"));
  EXPECT_EQ(tokens, 4);
  for (const char* bad : {R"({"embeddings":{"int8":[[1]]}})", R"({"embeddings":{"float":[[1]]}})",
                          R"({"embeddings":[[1],[2]]})", "{"}) {
    EXPECT_FALSE(openAIEmbeddingsFromCohere(bad, shape, tokens).isOk()) << bad;
  }
}

}  // namespace
}  // namespace igw
