#include "api/chat_body.h"

#include <gtest/gtest.h>

TEST(ChatBody, ExtractsModelAndStream) {
  auto info = igw::inspectChatBody(R"({"model":"openai/gpt-4o","stream":true,"messages":[]})");
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->model, "openai/gpt-4o");
  EXPECT_TRUE(info->stream);
  EXPECT_FALSE(info->has_stream_options);
}

TEST(ChatBody, MissingOrWrongModelIsAClearError) {
  auto none = igw::inspectChatBody(R"({"messages":[]})");
  ASSERT_FALSE(none.isOk());
  EXPECT_NE(none.status().message().find("'model'"), std::string::npos);
  EXPECT_FALSE(igw::inspectChatBody(R"({"model":""})").isOk());
  EXPECT_FALSE(igw::inspectChatBody(R"({"model":42})").isOk());
  EXPECT_FALSE(igw::inspectChatBody(R"({"model":"a/b","stream":"yes"})").isOk());
  EXPECT_FALSE(igw::inspectChatBody("not json").isOk());
}

// Found by chat_route_fuzz: a model name with invalid UTF-8 was routed, then written upstream
// with U+FFFD in its place, i.e. as a different model than the one allow-listed.
TEST(ChatBody, ModelThatIsNotUtf8IsAClearError) {
  for (std::string body : {std::string("{\"model\":\"groq/\xecllama\"}"),
                           std::string("{\"model\":\"groq/\xed\xa0\x80x\"}")}) {
    auto info = igw::inspectChatBody(body);
    ASSERT_FALSE(info.isOk()) << body;
    EXPECT_NE(info.status().message().find("UTF-8"), std::string::npos);
  }
  EXPECT_TRUE(igw::inspectChatBody("{\"model\":\"groq/\xc3\xa9\"}").isOk());
}

TEST(ChatBody, RewriteRenamesModelAndKeepsEverythingElse) {
  std::string body = R"({"model":"openai/gpt-4o","x_unknown":{"deep":[1,2]},"temperature":0.2})";
  auto info = igw::inspectChatBody(body);
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(igw::rewriteChatBody(body, *info, "gpt-4o", false),
            R"({"model":"gpt-4o","x_unknown":{"deep":[1,2]},"temperature":0.2})");
}

TEST(ChatBody, StreamingAsksForUsage) {
  std::string body = R"({"model":"a/b","stream":true})";
  auto info = igw::inspectChatBody(body);
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(igw::rewriteChatBody(body, *info, "b", true),
            R"({"stream_options":{"include_usage":true},"model":"b","stream":true})");
}

TEST(ChatBody, UsageAddedInsideExistingStreamOptions) {
  std::string body = R"({"stream_options":{},"model":"a/b","stream":true})";
  auto info = igw::inspectChatBody(body);
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(igw::rewriteChatBody(body, *info, "b", true),
            R"({"stream_options":{"include_usage":true},"model":"b","stream":true})");
  std::string body2 = R"({"model":"a/b","stream":true,"stream_options":{"x":1}})";
  auto info2 = igw::inspectChatBody(body2);
  EXPECT_EQ(igw::rewriteChatBody(body2, *info2, "b", true),
            R"({"model":"b","stream":true,"stream_options":{"include_usage":true,"x":1}})");
}

TEST(ChatBody, ClientChoiceOnUsageIsKept) {
  std::string body = R"({"model":"a/b","stream":true,"stream_options":{"include_usage":false}})";
  auto info = igw::inspectChatBody(body);
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(igw::rewriteChatBody(body, *info, "b", true),
            R"({"model":"b","stream":true,"stream_options":{"include_usage":false}})");
}

TEST(ChatBody, ModelWithEscapesIsDecodedAndReEncoded) {
  std::string body = R"({"model":"openai\/gpt\u002d4o"})";
  auto info = igw::inspectChatBody(body);
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->model, "openai/gpt-4o");
  EXPECT_EQ(igw::rewriteChatBody(body, *info, "gpt-4o", false), R"({"model":"gpt-4o"})");
}

TEST(ChatBody, DuplicateKeysAreRefusedByName) {
  for (const char* key : {"model", "stream", "stream_options", "messages"}) {
    std::string body =
        std::string(R"({"model":"openai/a","stream":false,"stream_options":{},"messages":[],")") +
        key + R"(":null})";
    auto info = igw::inspectChatBody(body);
    ASSERT_FALSE(info.isOk()) << key;
    EXPECT_EQ(info.status().code(), igw::Code::kInvalidArgument);
    EXPECT_NE(info.status().message().find(std::string("duplicate key '") + key + "'"),
              std::string::npos)
        << info.status().message();
  }
  auto inner = igw::inspectChatBody(
      R"({"model":"openai/a","stream_options":{"include_usage":true,"include_usage":false}})");
  ASSERT_FALSE(inner.isOk());
  EXPECT_NE(inner.status().message().find("'include_usage'"), std::string::npos);
  // Equal keys at different levels are not duplicates.
  EXPECT_TRUE(igw::inspectChatBody(R"({"model":"openai/a","x":{"model":1}})").isOk());
}

TEST(ChatBody, CountsMessagesAndValuesForTheTranslationLimits) {
  auto info = igw::inspectChatBody(
      R"({"model":"google/g","messages":[{"role":"user","content":"a"},{"role":"assistant","content":[1,2]}]})");
  ASSERT_TRUE(info.isOk()) << info.status().message();
  EXPECT_EQ(info->messages, 2u);
  // object, model, messages, 2 messages, their 4 members, the 2 array elements
  EXPECT_EQ(info->json_values, 11u);
  EXPECT_TRUE(igw::checkTranslationLimits(*info, 2, 11).isOk());
  auto many = igw::checkTranslationLimits(*info, 1, 100);
  EXPECT_EQ(many.code(), igw::Code::kInvalidArgument);
  EXPECT_NE(many.message().find("2 messages"), std::string::npos) << many.message();
  EXPECT_NE(many.message().find("CHAT_MAX_MESSAGES"), std::string::npos);
  auto values = igw::checkTranslationLimits(*info, 100, 10);
  EXPECT_NE(values.message().find("CHAT_MAX_JSON_VALUES"), std::string::npos) << values.message();
}
