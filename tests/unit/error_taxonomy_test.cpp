// The error taxonomy table: every API's name for each status, the round trips between them,
// Anthropic's 529, statuses the table does not name, and the documented status mapping.
#include "http/error_taxonomy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "http/errors.h"
#include "translate/anthropic_openai.h"

namespace igw {
namespace {

TEST(ErrorTaxonomy, EveryRowRoundTripsThroughEachApisName) {
  std::set<int> seen;
  for (const ErrorClass& row : errorTable()) {
    SCOPED_TRACE(row.status);
    EXPECT_TRUE(seen.insert(row.status).second) << "one row per status";
    EXPECT_GE(row.status, 400);
    EXPECT_LE(row.status, 599);
    EXPECT_FALSE(row.openai.empty());
    EXPECT_FALSE(row.anthropic.empty());
    EXPECT_FALSE(row.google.empty());
    EXPECT_FALSE(row.cohere.empty());
    EXPECT_EQ(&errorClass(row.status), &row);
    EXPECT_EQ(errorType(row.status), row.openai);
    EXPECT_EQ(messagesErrorType(row.status), row.anthropic);
    // Name -> status -> name gives the name back (several statuses may share a name).
    EXPECT_EQ(openAiErrorType(statusForOpenAiType(row.openai)), row.openai);
    EXPECT_EQ(anthropicErrorType(statusForAnthropicType(row.anthropic)), row.anthropic);
    // google.rpc names map by google's own table: same class (4xx/5xx) at least.
    int google = statusForGoogleRpcStatus(row.google);
    EXPECT_EQ(google / 100, row.status / 100) << row.google;
  }
}

TEST(ErrorTaxonomy, TheCommonStatusesByName) {
  struct Case {
    int status;
    const char *openai, *anthropic, *google;
  };
  for (const Case& c :
       {Case{400, "invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT"},
        Case{401, "authentication_error", "authentication_error", "UNAUTHENTICATED"},
        Case{403, "permission_error", "permission_error", "PERMISSION_DENIED"},
        Case{404, "not_found_error", "not_found_error", "NOT_FOUND"},
        Case{429, "rate_limit_error", "rate_limit_error", "RESOURCE_EXHAUSTED"},
        Case{500, "server_error", "api_error", "INTERNAL"},
        Case{503, "overloaded_error", "overloaded_error", "UNAVAILABLE"},
        Case{504, "timeout_error", "api_error", "DEADLINE_EXCEEDED"}}) {
    SCOPED_TRACE(c.status);
    EXPECT_EQ(openAiErrorType(c.status), c.openai);
    EXPECT_EQ(anthropicErrorType(c.status), c.anthropic);
    EXPECT_EQ(googleRpcStatus(c.status), c.google);
    EXPECT_EQ(statusForGoogleRpcStatus(c.google), c.status);
  }
  EXPECT_EQ(statusForAnthropicType("invalid_request_error"), 400);
  EXPECT_EQ(statusForAnthropicType("request_too_large"), 413);
  EXPECT_EQ(statusForAnthropicType("billing_error"), 402);
  EXPECT_EQ(statusForOpenAiType("rate_limit_error"), 429);
  EXPECT_EQ(cohereErrorName(429), "TooManyRequestsError");
  EXPECT_EQ(cohereErrorName(499), "ClientClosedRequestError");
}

TEST(ErrorTaxonomy, AnthropicOverloadedIs529AndStaysOverloaded) {
  EXPECT_EQ(anthropicErrorType(529), "overloaded_error");
  EXPECT_EQ(openAiErrorType(529), "overloaded_error");
  EXPECT_EQ(googleRpcStatus(529), "UNAVAILABLE");
  EXPECT_EQ(statusForAnthropicType("overloaded_error"), 529);
  EXPECT_EQ(statusForOpenAiType("overloaded_error"), 503);
  EXPECT_EQ(providerErrorStatus(529), 529);  // passed through, not turned into a 503
  EXPECT_EQ(codeForStatus(529), Code::kServiceUnavailable);
}

TEST(ErrorTaxonomy, UnknownStatusesAndNames) {
  // A 4xx or 5xx the table does not name takes the generic row of its class.
  EXPECT_EQ(errorClass(418).status, 0);
  EXPECT_EQ(openAiErrorType(418), "invalid_request_error");
  EXPECT_EQ(anthropicErrorType(418), "invalid_request_error");
  EXPECT_EQ(openAiErrorType(599), "server_error");
  EXPECT_EQ(anthropicErrorType(599), "api_error");
  // Anything that is not an error status is a server-side failure.
  for (int s : {0, 100, 200, 302, 600, -1, 99999}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(openAiErrorType(s), "server_error");
    EXPECT_EQ(anthropicErrorType(s), "api_error");
    EXPECT_EQ(providerErrorStatus(s), 502);
    EXPECT_EQ(codeForStatus(s), Code::kUnavailable);
  }
  EXPECT_EQ(statusForOpenAiType("brand_new_error"), 0);
  EXPECT_EQ(statusForAnthropicType(""), 0);
  EXPECT_EQ(statusForGoogleRpcStatus("WEIRD"), 0);
  // google.rpc codes sharing a status with the row's name.
  EXPECT_EQ(statusForGoogleRpcStatus("FAILED_PRECONDITION"), 400);
  EXPECT_EQ(statusForGoogleRpcStatus("OUT_OF_RANGE"), 400);
  EXPECT_EQ(statusForGoogleRpcStatus("UNKNOWN"), 500);
}

TEST(ErrorTaxonomy, ProviderStatusesPassThrough) {
  for (int s = 400; s <= 599; ++s) EXPECT_EQ(providerErrorStatus(s), s);
}

TEST(ErrorTaxonomy, CodesMatchHttpStatusBothWays) {
  for (Code c : {Code::kInvalidArgument, Code::kUnauthenticated, Code::kPermissionDenied,
                 Code::kNotFound, Code::kPayloadTooLarge, Code::kRateLimited, Code::kInternal,
                 Code::kUnavailable, Code::kServiceUnavailable, Code::kDeadlineExceeded}) {
    EXPECT_EQ(codeForStatus(httpStatus(c)), c) << httpStatus(c);
  }
}

}  // namespace
}  // namespace igw
