#include <gtest/gtest.h>

#include "http/path.h"
#include "net/url.h"

TEST(ProxyPath, PlainPathsPass) {
  EXPECT_EQ(igw::sanitizeProxyPath("/chat/completions").value(), "/chat/completions");
  EXPECT_EQ(igw::sanitizeProxyPath("/models/gpt-4o%3Aft").value(), "/models/gpt-4o%3Aft");
  EXPECT_EQ(igw::sanitizeProxyPath("").value(), "/");
}

TEST(ProxyPath, EscapesAreRefused) {
  for (const char* bad : {"/../secrets", "/a/..", "/a/./b", "/%2e%2e/x", "/%2E%2e/x", "/.%2e/x",
                          "/a%2fb", "/a%2F..", "/a%5cb", "/a\\b", "//evil.example/x",
                          "/http://evil.example/", "/%zz", "/%2", "/a%00b", "/%252e%252e"}) {
    auto r = igw::sanitizeProxyPath(bad);
    EXPECT_FALSE(r.isOk()) << bad;
    if (!r.isOk()) EXPECT_NE(r.status().message().find("proxy path refused"), std::string::npos);
  }
}

TEST(Url, ParsesSchemesHostsPortsAndPaths) {
  auto u = igw::parseUrl("https://api.openai.com/v1");
  ASSERT_TRUE(u.isOk());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/v1");
  EXPECT_EQ(u->hostHeader(), "api.openai.com");
  auto l = igw::parseUrl("http://127.0.0.1:8081");
  ASSERT_TRUE(l.isOk());
  EXPECT_EQ(l->port, 8081);
  EXPECT_EQ(l->target, "/");
  EXPECT_EQ(l->hostHeader(), "127.0.0.1:8081");
  auto v6 = igw::parseUrl("http://[::1]:9/x?y=1");
  ASSERT_TRUE(v6.isOk());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target, "/x?y=1");
  EXPECT_FALSE(igw::parseUrl("ftp://x").isOk());
  EXPECT_FALSE(igw::parseUrl("http://user:pw@host/").isOk());
  EXPECT_FALSE(igw::parseUrl("http://host:99999/").isOk());
}
