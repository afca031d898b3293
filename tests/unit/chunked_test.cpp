#include "http/chunked.h"

#include <gtest/gtest.h>

namespace {

std::string decodeInPieces(std::string_view wire, size_t piece, bool* done) {
  igw::ChunkedDecoder d;
  std::string out;
  for (size_t i = 0; i < wire.size(); i += piece) {
    auto n = d.decode(wire.substr(i, piece), out);
    EXPECT_TRUE(n.isOk()) << n.status().message();
    if (!n.isOk()) break;
  }
  *done = d.done();
  return out;
}

}  // namespace

TEST(Chunked, DecodesInAnySplit) {
  std::string_view wire = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n";
  for (size_t piece : {1u, 2u, 3u, 7u, 100u}) {
    bool done = false;
    EXPECT_EQ(decodeInPieces(wire, piece, &done), "hello, world") << piece;
    EXPECT_TRUE(done);
  }
}

TEST(Chunked, StopsAtTheEndOfTheBody) {
  igw::ChunkedDecoder d;
  std::string out;
  auto n = d.decode("3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK", out);
  ASSERT_TRUE(n.isOk());
  EXPECT_EQ(*n, 13u);  // "3\r\nabc\r\n0\r\n\r\n"
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, "abc");
}

TEST(Chunked, UppercaseHexAndBareLf) {
  bool done = false;
  EXPECT_EQ(decodeInPieces("A\nabcdefghij\n0\n\n", 4, &done), "abcdefghij");
  EXPECT_TRUE(done);
}

TEST(Chunked, MalformedInputIsAnError) {
  for (std::string_view bad :
       {"zz\r\n", "5\r\nhelloXX", "\r\n", "1234567890abcdef0\r\n", "3\r\nabc\r\r"}) {
    igw::ChunkedDecoder d;
    std::string out;
    EXPECT_FALSE(d.decode(bad, out).isOk()) << bad;
  }
}

TEST(Chunked, IncompleteBodyIsNotDone) {
  bool done = true;
  decodeInPieces("5\r\nhel", 2, &done);
  EXPECT_FALSE(done);
}
