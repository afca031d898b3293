#include "http/response_reader.h"

#include <gtest/gtest.h>

namespace {

using igw::BodyFraming;
using igw::ResponseReader;

struct Read {
  bool ok = false;
  std::string error;
  int status = 0;
  std::string body;
  bool reusable = false;
};

// Feeds `wire` in `piece`-byte reads as the upstream client does; `eof`: the peer closes after.
Read readResponse(std::string_view wire, size_t piece = 1 << 20, bool head = false,
                  bool eof = false) {
  ResponseReader r(head, {4096, 3});
  Read out;
  std::string buf;
  size_t fed = 0;
  auto more = [&] {
    if (fed >= wire.size()) return false;
    size_t n = std::min(piece, wire.size() - fed);
    buf.append(wire.substr(fed, n));
    fed += n;
    return true;
  };
  auto fail = [&](const igw::Status& s) {
    out.error = s.message();
    return out;
  };
  while (!r.headComplete()) {
    auto used = r.feedHead(buf);
    if (!used) return fail(used.status());
    buf.erase(0, *used);
    if (r.headComplete()) break;
    if (!more()) return fail(eof ? r.onEof() : igw::unavailable("incomplete"));
  }
  while (!r.bodyDone()) {
    if (!buf.empty()) {
      auto used = r.feedBody(buf, out.body);
      if (!used) return fail(used.status());
      buf.erase(0, *used);
      continue;
    }
    if (!more()) {
      if (!eof) return fail(igw::unavailable("incomplete body"));
      if (auto s = r.onEof(); !s) return fail(s);
      break;
    }
  }
  out.ok = true;
  out.status = r.head().status;
  out.reusable = r.reusable(buf.size() + wire.size() - fed);
  return out;
}

TEST(ResponseReader, SkipsInterimResponsesInAnySplit) {
  std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  for (size_t piece : {1u, 2u, 5u, 17u, 1000u}) {
    auto r = readResponse(wire, piece);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_TRUE(r.reusable);
  }
}

TEST(ResponseReader, BoundsInterimResponses) {
  std::string wire;
  for (int i = 0; i < 4; ++i) wire += "HTTP/1.1 100 Continue\r\n\r\n";
  wire += "HTTP/1.1 204 No Content\r\n\r\n";
  auto r = readResponse(wire);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("CLIENT_MAX_INTERIM_RESPONSES"), std::string::npos) << r.error;
}

TEST(ResponseReader, BoundsHeadSizeAcrossInterimHeads) {
  std::string interim = "HTTP/1.1 103 Early Hints\r\nLink: " + std::string(1500, 'a') + "\r\n\r\n";
  auto r =
      readResponse(interim + interim + interim + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("CLIENT_MAX_RESPONSE_HEADER_SIZE"), std::string::npos) << r.error;
}

TEST(ResponseReader, RefusesSwitchingProtocolsAndOddFinalStatuses) {
  for (std::string_view status : {"101 Switching Protocols", "600 Odd", "999 Odd", "302 Found",
                                  "304 Not Modified", "99 Odd", "2000 OK", "abc OK"}) {
    auto r = readResponse("HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 0\r\n\r\n");
    EXPECT_FALSE(r.ok) << status;
  }
  auto lone = readResponse("HTTP/1.1 199 Odd\r\n\r\n", 1 << 20, false, true);
  EXPECT_FALSE(lone.ok);
  EXPECT_NE(lone.error.find("interim"), std::string::npos) << lone.error;
  EXPECT_TRUE(readResponse("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n").ok);
  EXPECT_TRUE(readResponse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").ok);  // no reason
}

TEST(ResponseReader, RefusesAmbiguousFraming) {
  for (std::string_view head : {
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
           "Content-Length: 5\r\nContent-Length: 6\r\n",
           "Content-Length: 5, 6\r\n",
           "Content-Length: -1\r\n",
           "Content-Length: 0x10\r\n",
           "Content-Length: 99999999999999999999999\r\n",
           "Content-Length:\r\n",
           "Transfer-Encoding: gzip, chunked\r\n",
           "Transfer-Encoding: chunked, gzip\r\n",
           "Transfer-Encoding: identity\r\n",
           "Content-Length : 5\r\n",
           "X-A: 1\r\n folded\r\n",
           "X-A: a\x01b\r\n",
           "Bad Name: 1\r\n",
           ": novalue\r\n",
           "Content-Encoding: gzip\r\nContent-Length: 5\r\n",
       }) {
    auto r = readResponse("HTTP/1.1 200 OK\r\n" + std::string(head) + "\r\nhello");
    EXPECT_FALSE(r.ok) << head;
  }
  EXPECT_FALSE(readResponse("HTTP/1.1 200 OK\nContent-Length: 0\n\n").ok);  // bare LF
  auto same = readResponse("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello");
  EXPECT_TRUE(same.ok) << same.error;
  auto identity = readResponse(
      "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
      "Content-Length: 2\r\n\r\nok");
  EXPECT_TRUE(identity.ok) << identity.error;
}

TEST(ResponseReader, BytesAfterTheBodyMakeTheConnectionUnusable) {
  auto r = readResponse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, "ok");
  EXPECT_FALSE(r.reusable);
  auto chunked =
      readResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nX", 3);
  ASSERT_TRUE(chunked.ok) << chunked.error;
  EXPECT_EQ(chunked.body, "ok");
  EXPECT_FALSE(chunked.reusable);
}

TEST(ResponseReader, HeadAndNoContentHaveNoBody) {
  auto head = readResponse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 7, true);
  ASSERT_TRUE(head.ok) << head.error;
  EXPECT_EQ(head.body, "");
  EXPECT_TRUE(head.reusable);
  // A body sent anyway is bytes nobody asked for.
  auto extra = readResponse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 7, true);
  ASSERT_TRUE(extra.ok);
  EXPECT_FALSE(extra.reusable);
  auto no_content = readResponse("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(no_content.ok);
  EXPECT_TRUE(no_content.reusable);
}

TEST(ResponseReader, CloseDelimitedAndHttp10AreNeverReused) {
  auto until_close = readResponse("HTTP/1.1 200 OK\r\n\r\nall of it", 4, false, true);
  ASSERT_TRUE(until_close.ok) << until_close.error;
  EXPECT_EQ(until_close.body, "all of it");
  EXPECT_FALSE(until_close.reusable);
  auto old = readResponse("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(old.ok);
  EXPECT_FALSE(old.reusable);
  auto close = readResponse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(close.ok);
  EXPECT_FALSE(close.reusable);
  auto cut = readResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", 4, false, true);
  EXPECT_FALSE(cut.ok);
}

}  // namespace
