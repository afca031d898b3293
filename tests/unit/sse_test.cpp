#include "http/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Seen {
  std::string event, data, raw;
  bool has_data;
};

std::vector<Seen> feedAll(igw::SseParser& p, const std::vector<std::string>& pieces) {
  std::vector<Seen> out;
  for (const auto& piece : pieces) {
    EXPECT_TRUE(p.feed(piece, [&](const igw::SseEvent& e) {
                   out.push_back(
                       {std::string(e.event), std::string(e.data), std::string(e.raw), e.has_data});
                 }).isOk());
  }
  return out;
}

}  // namespace

TEST(Sse, EventsSplitAnywhereComeOutWhole) {
  igw::SseParser p;
  auto ev = feedAll(p, {"da", "ta: {\"a\"", ":1}\n", "\ndata: [DONE]\n\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "{\"a\":1}");
  EXPECT_EQ(ev[0].raw, "data: {\"a\":1}\n\n");
  EXPECT_EQ(ev[1].data, "[DONE]");
}

TEST(Sse, CrLfAndCrLineEndingsAndEventNames) {
  igw::SseParser p;
  auto ev = feedAll(p, {"event: message_start\r", "\ndata: x\r\n\r", "\ndata: y\r\rdata:z\n\n"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].event, "message_start");
  EXPECT_EQ(ev[0].data, "x");
  EXPECT_EQ(ev[0].raw, "event: message_start\r\ndata: x\r\n\r\n");
  EXPECT_EQ(ev[1].data, "y");
  EXPECT_EQ(ev[2].data, "z");
}

TEST(Sse, MultiLineDataAndComments) {
  igw::SseParser p;
  auto ev = feedAll(p, {": keep-alive\n\ndata: a\ndata: b\nid: 7\n\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_FALSE(ev[0].has_data);
  EXPECT_EQ(ev[0].raw, ": keep-alive\n\n");
  EXPECT_EQ(ev[1].data, "a\nb");
}

TEST(Sse, FinishFlushesATrailingEventWithoutBlankLine) {
  igw::SseParser p;
  EXPECT_TRUE(feedAll(p, {"data: last"}).empty());
  std::string data;
  EXPECT_TRUE(p.finish([&](const igw::SseEvent& e) { data = std::string(e.data); }));
  EXPECT_EQ(data, "last");
}

TEST(Sse, OversizedEventIsAnError) {
  igw::SseParser p(64);
  auto s = p.feed("data: " + std::string(100, 'x'), [](const igw::SseEvent&) {});
  EXPECT_FALSE(s.isOk());
}
