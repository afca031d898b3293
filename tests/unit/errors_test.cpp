#include "http/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

TEST(Errors, OpenAIShape) {
  EXPECT_EQ(igw::errorJson("bad \"x\"", "invalid_request_error", "c"),
            R"({"error":{"message":"bad \"x\"","type":"invalid_request_error","code":"c"}})");
  EXPECT_EQ(
      igw::errorJson(igw::unauthenticated("set OPENAI_API_KEY")),
      R"({"error":{"message":"set OPENAI_API_KEY","type":"authentication_error","code":null}})");
}

TEST(Errors, StatusMapping) {
  EXPECT_EQ(igw::httpStatus(igw::Code::kInvalidArgument), 400);
  EXPECT_EQ(igw::httpStatus(igw::Code::kUnauthenticated), 401);
  EXPECT_EQ(igw::httpStatus(igw::Code::kPermissionDenied), 403);
  EXPECT_EQ(igw::httpStatus(igw::Code::kUnavailable), 502);
  EXPECT_EQ(igw::httpStatus(igw::Code::kDeadlineExceeded), 504);
  EXPECT_EQ(igw::errorType(429), "rate_limit_error");
}

TEST(Errors, UpstreamMessagesInEveryCommonShape) {
  EXPECT_EQ(igw::upstreamErrorMessage(R"({"error":{"message":"Rate limit","type":"x"}})"),
            "Rate limit");
  EXPECT_EQ(igw::upstreamErrorMessage(R"({"error":"model not found"})"), "model not found");
  EXPECT_EQ(igw::upstreamErrorMessage(R"({"message":"invalid api token"})"), "invalid api token");
  EXPECT_EQ(igw::upstreamErrorMessage("Bad Gateway\n"), "Bad Gateway");
  EXPECT_EQ(igw::upstreamErrorMessage(""), "(empty body)");
}

// A client's model name with invalid UTF-8 (e.g. GET /\xff or "model":"\xff...") is quoted back
// in the error: the answer must still be JSON an SDK can parse.
TEST(Errors, InvalidUtf8InMessagesStillGivesValidJson) {
  std::string bad = "model 'a\xff\xc0\xafz\xed\xa0\x80' and \xe2\x82\xac";
  std::string out = igw::errorJson(bad, "invalid_request_error");
  EXPECT_NE(out.find(R"(a\ufffd\ufffd\ufffdz\ufffd\ufffd\ufffd' and )"
                     "\xe2\x82\xac"),
            std::string::npos)
      << out;
  auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
}

TEST(Errors, HugeMessagesAreCutAndSaySo) {
  std::string model(1 << 20, 'm');
  std::string out = igw::errorJson("unknown model '" + model + "'", "invalid_request_error");
  EXPECT_LT(out.size(), igw::kMaxErrorMessageBytes + 200);
  EXPECT_NE(out.find("more bytes)"), std::string::npos);
  auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
}
