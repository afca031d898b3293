#include "http/request_framing.h"

#include <gtest/gtest.h>

namespace igw {
namespace {

std::optional<RequestHeadError> check(Headers h, int version = 11, std::string target = "/x",
                                      std::string_view method = "POST",
                                      std::string* rewritten = nullptr) {
  RequestHead head{version, method, std::move(target), &h};
  auto e = checkRequestHead(head);
  if (rewritten != nullptr) *rewritten = head.target;
  return e;
}

int statusOf(const std::optional<RequestHeadError>& e) {
  return e ? e->status : 0;
}

TEST(RequestFraming, TransferEncodingMustEndInChunked) {
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", "chunked"}})), 0);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", " Chunked "}})), 0);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", "gzip"}})), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", "chunked, gzip"}})), 400);
  EXPECT_EQ(
      statusOf(check(
          {{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}})),
      400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", "chunked, chunked"}})), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", ""}})), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", "chunked;x=1"}})), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Transfer-Encoding", "gzip, chunked"}})), 501);
}

TEST(RequestFraming, TransferEncodingConflicts) {
  EXPECT_EQ(
      statusOf(check({{"Host", "h"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}})),
      400);
  EXPECT_EQ(statusOf(check({{"Transfer-Encoding", "chunked"}}, 10)), 400);
}

TEST(RequestFraming, Host) {
  EXPECT_EQ(statusOf(check({})), 400);
  EXPECT_EQ(statusOf(check({}, 10)), 0);
  EXPECT_EQ(statusOf(check({{"Host", "a"}, {"host", "a"}})), 400);
  EXPECT_EQ(statusOf(check({{"Host", "a b"}})), 400);
  EXPECT_EQ(statusOf(check({{"Host", ""}})), 0);
  EXPECT_EQ(statusOf(check({{"Host", "[::1]:8080"}})), 0);
}

TEST(RequestFraming, Expect) {
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Expect", "100-Continue"}})), 0);
  EXPECT_EQ(statusOf(check({{"Host", "h"}, {"Expect", "200-ok"}})), 417);
}

TEST(RequestFraming, Targets) {
  std::string t;
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "http://h:1/v1/models?x=1", "GET", &t)), 0);
  EXPECT_EQ(t, "/v1/models?x=1");
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "HTTPS://h", "GET", &t)), 0);
  EXPECT_EQ(t, "/");
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "http://h?q", "GET", &t)), 0);
  EXPECT_EQ(t, "/?q");
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "http:///x", "GET")), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "http://u@h/x", "GET")), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "x", "GET")), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "*", "GET")), 400);
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "*", "OPTIONS")), 0);
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 11, "h:443", "CONNECT")), 501);
}

TEST(RequestFraming, Version) {
  EXPECT_EQ(statusOf(check({{"Host", "h"}}, 20)), 505);
}

}  // namespace
}  // namespace igw
