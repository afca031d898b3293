// The connection edge against a real igw::Server on a loopback port: a handler that throws gets
// its client a 500 (or a cut connection once the response is on the wire), one log line, and no
// session left behind for the shutdown drain; a client that hangs up is noticed at once, before
// and after the response started.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/log.h"
#include "net/beast.h"
#include "net/server.h"

namespace igw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What the client-disconnect handlers report to the test thread.
struct Probe {
  std::promise<Clock::time_point> gone;  // when on_gone ran
};

// Watches for the client's hang-up. With `announce`, the watch first lasts longer than the
// server's arming delay (so the hang-up is seen through the armed socket wait, not the check made
// when arming), then a first event tells the client that the response has started.
net::awaitable<void> waitUntilGone(Responder& res, Probe& probe, bool announce) {
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
  bool gone = false;
  res.watchDisconnect([&] {
    gone = true;
    probe.gone.set_value(Clock::now());
    timer.cancel();
  });
  net::error_code ec;
  if (announce) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(net::useAwaitableEc(ec));
    co_await res.writeChunk(std::string_view("data: first\n\n"));
  }
  timer.expires_after(std::chrono::seconds(30));  // a bound only: the hang-up cancels it
  if (!gone) co_await timer.async_wait(net::useAwaitableEc(ec));
  res.stopWatching();
  const Headers none;
  if (!gone && !announce) co_await res.send(200, none, std::string_view("nobody left"));
}

net::awaitable<void> route(Request& req, Responder& res, Probe& probe) {
  const Headers sse{{"Content-Type", "text/event-stream"}};
  std::string_view path = req.path();
  if (path == "/throw") throw std::runtime_error("boom\ninjected line");
  if (path == "/throw-after-begin") {
    co_await res.beginStream(200, sse);
    throw std::logic_error("failed before the first chunk");
  }
  if (path == "/throw-mid-stream") {
    co_await res.beginStream(200, sse);
    co_await res.writeChunk(std::string_view("data: 1\n\n"));
    throw std::runtime_error("failed mid-stream");
  }
  if (path == "/watch") {
    co_await waitUntilGone(res, probe, false);
    co_return;
  }
  if (path == "/watch-streaming") {
    co_await res.beginStream(200, sse);
    co_await waitUntilGone(res, probe, true);
    co_return;
  }
  const Headers text{{"Content-Type", "text/plain"}};
  if (path == "/echo") {
    std::string out = "body=" + req.body + " auth=" + (req.header("Authorization") ? "yes" : "no") +
                      " headers=" + std::to_string(req.headers.size());
    co_await res.send(200, text, out);
    co_return;
  }
  co_await res.send(200, text, std::string_view("ok"));
}

// A blocking loopback client. Every read has a receive timeout as a safety net only: the
// assertions wait for the server's bytes or its close, never for time to pass.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { close(); }

  bool connected() const { return connected_; }
  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Reads until `marker` has arrived (true) or the connection ended first (false).
  bool readUntil(std::string_view marker) {
    while (received_.find(marker) == std::string::npos) {
      if (!readSome()) return false;
    }
    return true;
  }
  // Reads until the server closes; false if it did not within the safety timeout.
  bool readToEnd() {
    while (readSome()) {
    }
    return eof_;
  }
  const std::string& received() const { return received_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool readSome() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      received_.append(buf, static_cast<size_t>(n));
      return true;
    }
    eof_ = n == 0 || errno == ECONNRESET;
    return false;
  }

  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string received_;
};

std::string post(std::string_view path, std::string_view extra_headers = {}) {
  static constexpr std::string_view kBody = R"({"model":"m","secret":"SECRET-BODY-TEXT"})";
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(kBody.size()) +
         "\r\n\r\n" + std::string(kBody);
}

class ServerEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, std::string> env{{"SERVER_HOST", "127.0.0.1"},
                                           {"SERVER_PORT", "0"},
                                           {"SERVER_THREADS", "1"},
                                           {"SERVER_SHUTDOWN_GRACE", "30s"},
                                           {"ENVIRONMENT", "production"}};
    auto cfg = loadConfig([&](const std::string& k) -> std::optional<std::string> {
      auto it = env.find(k);
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
    ASSERT_TRUE(cfg) << cfg.status().message();
    config_ = std::make_shared<const Config>(std::move(cfg.value()));
    ServerHandlers handlers;
    handlers.api = [this](Request& req, Responder& res, WorkerContext&) {
      return route(req, res, probe_);
    };
    testing::internal::CaptureStderr();
    capturing_ = true;
    server_ = std::make_unique<Server>(config_, log_, std::move(handlers));
    Status s = server_->start();
    ASSERT_TRUE(s.isOk()) << s.message();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    auto done = std::make_shared<std::promise<int>>();
    exited_ = done->get_future();
    thread_ = std::thread([this, done] { done->set_value(server_->run()); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
    server_.reset();
    if (capturing_) testing::internal::GetCapturedStderr();
  }

  // Stops the server the way SIGTERM does; true when the drain finished within `limit` (the
  // grace period is 30 s, so a connection left registered would make this false).
  bool shutDown(std::chrono::seconds limit) {
    ::raise(SIGTERM);
    if (exited_.wait_for(limit) != std::future_status::ready) return false;
    thread_.join();
    return exited_.get() == 0;
  }
  std::string capturedLog() {
    capturing_ = false;
    return testing::internal::GetCapturedStderr();
  }

  Logger log_{true, LogLevel::kInfo};
  std::shared_ptr<const Config> config_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::future<int> exited_;
  uint16_t port_ = 0;
  bool capturing_ = false;
  Probe probe_;
};

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string bodyOf(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

TEST_F(ServerEdgeTest, ThrowingHandlerGets500JsonAndServerKeepsServing) {
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send(post("/throw"));
  ASSERT_TRUE(c.readToEnd()) << "the server must close the connection after a handler threw";
  const std::string& r = c.received();
  EXPECT_EQ(r.rfind("HTTP/1.1 500 ", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  auto body = nlohmann::json::parse(bodyOf(r), nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << r;
  EXPECT_EQ(body["error"]["type"], "server_error") << r;
  EXPECT_TRUE(body["error"]["message"].is_string()) << r;
  EXPECT_EQ(r.find("boom"), std::string::npos) << "internal details stay out of the answer";

  // The next request, on a new connection, is served normally.
  Client next(port_);
  ASSERT_TRUE(next.connected());
  next.send(post("/ok", "Connection: close\r\n"));
  ASSERT_TRUE(next.readToEnd());
  EXPECT_EQ(next.received().rfind("HTTP/1.1 200 ", 0), 0u) << next.received();
  EXPECT_EQ(bodyOf(next.received()), "ok");

  ASSERT_TRUE(shutDown(std::chrono::seconds(10))) << "drain waited for a session that was gone";
  std::string log = capturedLog();
  EXPECT_EQ(count(log, "request handler threw"), 1u) << log;
  EXPECT_NE(log.find(R"(boom\ninjected line)"), std::string::npos) << "escaped what(): " << log;
  EXPECT_EQ(log.find("\ninjected"), std::string::npos) << "a raw newline split the line: " << log;
  EXPECT_EQ(log.find("SECRET-BODY-TEXT"), std::string::npos) << "the request body was logged";
  EXPECT_NE(log.find(R"("level":"error")"), std::string::npos) << log;
  EXPECT_NE(log.find("drained; exiting"), std::string::npos) << log;
  EXPECT_EQ(log.find("grace period over"), std::string::npos) << log;
}

TEST_F(ServerEdgeTest, ThrowAfterBeginStreamBeforeAnyByteStillGets500) {
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send(post("/throw-after-begin"));
  ASSERT_TRUE(c.readToEnd());
  EXPECT_EQ(c.received().rfind("HTTP/1.1 500 ", 0), 0u) << c.received();
  EXPECT_EQ(c.received().find("text/event-stream"), std::string::npos) << c.received();
  EXPECT_EQ(count(c.received(), "HTTP/1.1"), 1u) << c.received();
}

TEST_F(ServerEdgeTest, ThrowMidStreamClosesTheConnectionWithoutEndingTheBody) {
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send(post("/throw-mid-stream"));  // keep-alive: only the server's close ends the read
  ASSERT_TRUE(c.readToEnd()) << "connection left open after a handler threw mid-stream";
  const std::string& r = c.received();
  EXPECT_EQ(r.rfind("HTTP/1.1 200 ", 0), 0u) << r;
  EXPECT_NE(r.find("Transfer-Encoding: chunked"), std::string::npos) << r;
  EXPECT_NE(r.find("data: 1"), std::string::npos) << r;
  // No terminating chunk: the client can tell the stream is incomplete.
  EXPECT_EQ(r.find("0\r\n\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("HTTP/1.1 500"), std::string::npos) << r;

  Client next(port_);
  next.send(post("/ok", "Connection: close\r\n"));
  ASSERT_TRUE(next.readToEnd());
  EXPECT_EQ(next.received().rfind("HTTP/1.1 200 ", 0), 0u) << next.received();
  ASSERT_TRUE(shutDown(std::chrono::seconds(10)));
  std::string log = capturedLog();
  EXPECT_EQ(count(log, "request handler threw"), 1u) << log;
  EXPECT_NE(log.find(R"("response_started":true)"), std::string::npos) << log;
}

std::string describeDelay(Clock::duration d) {
  if (d == Clock::duration::max()) return "not noticed within 5 s";
  return "noticed after " +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(d).count()) + " us";
}

// The connection reuses one Request from request to request: nothing of the previous one may
// show through, and fields after a chunked body (trailers) are not headers.
TEST_F(ServerEdgeTest, KeepAliveRequestsDoNotInheritTheBodyOrTrailers) {
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer a\r\nX-One: 1\r\n"
      "Content-Length: 5\r\n\r\nhello"
      "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\nAuthorization: Bearer smuggled\r\n\r\n"
      "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(c.readToEnd());
  const std::string& r = c.received();
  EXPECT_NE(r.find("body=hello auth=yes headers=4"), std::string::npos) << r;
  EXPECT_NE(r.find("body= auth=no headers=1"), std::string::npos) << r;
  EXPECT_NE(r.find("body=abc auth=no headers=2"), std::string::npos) << r;
  EXPECT_NE(r.find("body= auth=no headers=2"), std::string::npos) << r;
  EXPECT_EQ(count(r, "HTTP/1.1 200"), 4u) << r;
}

// The time from the client's close() to the handler's on_gone.
Clock::duration hangUpDelay(Client& c, Probe& probe) {
  auto noticed = probe.gone.get_future();
  Clock::time_point closed = Clock::now();
  c.close();
  if (noticed.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
    return Clock::duration::max();
  auto d = noticed.get() - closed;
  ::testing::Test::RecordProperty(
      "noticed_after_us",
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
  return d;
}

TEST_F(ServerEdgeTest, HangUpBeforeTheResponseIsNoticedAtOnce) {
  Client c(port_);
  c.send(post("/watch"));
  auto d = hangUpDelay(c, probe_);
  EXPECT_LT(d, Clock::duration(100ms)) << describeDelay(d);
  ASSERT_TRUE(shutDown(std::chrono::seconds(10)));
}

TEST_F(ServerEdgeTest, HangUpAfterTheResponseStartedIsNoticedAtOnce) {
  Client c(port_);
  c.send(post("/watch-streaming"));
  ASSERT_TRUE(c.readUntil("data: first"));
  auto d = hangUpDelay(c, probe_);
  EXPECT_LT(d, Clock::duration(100ms)) << describeDelay(d);
  ASSERT_TRUE(shutDown(std::chrono::seconds(10)));
}

// A pipelined request waiting unread in the socket must not hide the hang-up.
TEST_F(ServerEdgeTest, HangUpIsNoticedWithAPipelinedRequestPending) {
  Client c(port_);
  c.send(post("/watch-streaming"));
  ASSERT_TRUE(c.readUntil("data: first"));
  c.send("GET /ok HTTP/1.1\r\nHost: test\r\n\r\n");
  auto d = hangUpDelay(c, probe_);
  EXPECT_LT(d, Clock::duration(100ms)) << describeDelay(d);
  ASSERT_TRUE(shutDown(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace igw
