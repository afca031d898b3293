#include "http/errors.h"

#include <gtest/gtest.h>

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
