// The Redis client (issue 13) against a real redis-server started by the test (redis_server.h):
// REDIS_URL parsing, the reply parser's limits, the pipelined async RedisConnection (round trips,
// 1000 concurrent calls in order, scripts with the NOSCRIPT fallback, AUTH, a killed and
// restarted server, timeouts) and the blocking RedisSyncClient.
#include <chrono>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "redis_server.h"
#include "store/redis_client.h"
#include "store/redis_protocol.h"
#include "store/redis_sync_client.h"
#include "store/redis_url.h"

namespace igw {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::RedisServer;
using testing::RedisServerOptions;
using Type = RedisReply::Type;
using Args = std::vector<std::string>;

std::unique_ptr<RedisServer> startRedis(RedisServerOptions opts = {}) {
  std::string error;
  auto server = RedisServer::start(std::move(opts), &error);
  EXPECT_TRUE(server) << error;
  return server;
}

RedisOptions optionsFor(const RedisServer& s) {
  auto o = parseRedisUrl(s.url());
  EXPECT_TRUE(o.isOk()) << o.status().message();
  return o.isOk() ? *o : RedisOptions{};
}

// Runs `body` (a coroutine) on `ioc` until it finishes. The connection's reader keeps the
// io_context busy, so run() alone would not return.
void runCo(asio::io_context& ioc, std::function<net::awaitable<void>()> body) {
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
    error = e;
    done = true;
    ioc.stop();
  });
  ioc.restart();
  ioc.run();
  ASSERT_TRUE(done);
  if (error) std::rethrow_exception(error);
}

net::awaitable<void> pause(milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(igw::net::useAwaitable);
}

// ------------------------------------------------------------------------------- REDIS_URL

TEST(RedisUrl, ParsesHostPortCredentialsAndDatabase) {
  auto a = parseRedisUrl("redis://localhost");
  ASSERT_TRUE(a.isOk()) << a.status().message();
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, 6379);
  EXPECT_EQ(a->db, 0);
  EXPECT_TRUE(a->password.empty());
  EXPECT_TRUE(a->username.empty());

  auto b = parseRedisUrl("redis://:p%40ss%3Aw0rd@10.0.0.7:6380/2");
  ASSERT_TRUE(b.isOk()) << b.status().message();
  EXPECT_EQ(b->host, "10.0.0.7");
  EXPECT_EQ(b->port, 6380);
  EXPECT_EQ(b->password, "p@ss:w0rd");
  EXPECT_TRUE(b->username.empty());
  EXPECT_EQ(b->db, 2);
  EXPECT_EQ(b->endpoint(), "10.0.0.7:6380");

  auto c = parseRedisUrl("redis://gateway:secret@redis.internal:7000/");
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->username, "gateway");
  EXPECT_EQ(c->password, "secret");
  EXPECT_EQ(c->host, "redis.internal");
  EXPECT_EQ(c->port, 7000);
  EXPECT_EQ(c->db, 0);

  auto d = parseRedisUrl("redis://[::1]:7001/15");
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->endpoint(), "[::1]:7001");
  EXPECT_EQ(d->db, 15);
}

TEST(RedisUrl, RefusesBadUrlsWithoutEchoingThePassword) {
  const std::vector<std::string> bad = {
      "http://:hunter2@host",
      "rediss://:hunter2@host",
      "redis://:hunter2@",
      "redis://:hunter2@host:0",
      "redis://:hunter2@host:99999",
      "redis://:hunter2@host:x",
      "redis://:hunter2@host:",
      "redis://:hunter2@host/db1",
      "redis://:hunter2@host/-1",
      "redis://hunter2@host",
      "redis://:hunter2@host?db=1",
      "redis://:hunter2%zz@host",
      "redis://:hunter2@[::1",
      "redis://:hunter2@ho st",
      "redis://:@host",
      "",
  };
  for (const auto& url : bad) {
    auto r = parseRedisUrl(url);
    ASSERT_FALSE(r.isOk()) << url;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << url;
    EXPECT_TRUE(r.status().message().starts_with("REDIS_URL: ")) << r.status().message();
    EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos) << r.status().message();
  }
  EXPECT_NE(parseRedisUrl("rediss://h").status().message().find("TLS"), std::string::npos);
  EXPECT_NE(parseRedisUrl("redis://secret@h").status().message().find("redis://:PASSWORD@host"),
            std::string::npos);
}

// ------------------------------------------------------------------------------ RESP pieces

std::vector<RedisReply> parseAll(std::string_view bytes, size_t split, RedisLimits limits,
                                 Status* error) {
  RedisReplyReader reader(limits);
  std::vector<RedisReply> out;
  for (size_t i = 0; i < bytes.size(); i += split) {
    reader.feed(bytes.substr(i, split));
    for (;;) {
      auto r = reader.next();
      if (!r.isOk()) {
        *error = r.status();
        return out;
      }
      if (!r->has_value()) break;
      out.push_back(std::move(**r));
    }
  }
  return out;
}

TEST(RedisProtocol, FormatsCommandsAsArraysOfBulkStrings) {
  using namespace std::string_literals;
  Args cmd{"SET", "k", "a\0b\r\n"s};
  EXPECT_EQ(formatRedisCommand(cmd), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0b\r\n\r\n"s);
}

TEST(RedisProtocol, ParsesEveryReplyTypeHoweverTheBytesAreSplit) {
  const std::string wire =
      "+OK\r\n-ERR boom\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*0\r\n"
      "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n";
  for (size_t split : {size_t{1}, size_t{2}, size_t{7}, wire.size()}) {
    Status error;
    auto replies = parseAll(wire, split, {}, &error);
    ASSERT_TRUE(error.isOk()) << error.message();
    ASSERT_EQ(replies.size(), 8u) << split;
    EXPECT_TRUE(replies[0].isOk());
    EXPECT_EQ(replies[1].type, Type::kError);
    EXPECT_EQ(replies[1].str, "ERR boom");
    EXPECT_EQ(replies[2].type, Type::kInteger);
    EXPECT_EQ(replies[2].integer, -42);
    EXPECT_EQ(replies[3].type, Type::kString);
    EXPECT_EQ(replies[3].str, "he\r\no");
    EXPECT_TRUE(replies[4].isNil());
    EXPECT_TRUE(replies[5].isNil());
    EXPECT_TRUE(replies[6].isArray());
    EXPECT_TRUE(replies[6].elements.empty());
    EXPECT_EQ(describe(replies[7]), "[(integer) 1, [\"a\", nil], x]");
  }
}

TEST(RedisProtocol, LimitsRefuseOversizedOrDeepRepliesBeforeBuildingThem) {
  RedisLimits small;
  small.max_elements = 10;
  small.max_bytes = 1000;
  small.max_depth = 2;
  Status error;
  parseAll("*11\r\n", 100, small, &error);
  EXPECT_NE(error.message().find("more than 10 elements"), std::string::npos) << error.message();
  error = Status();
  parseAll("*2\r\n*5\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n*6\r\n", 100, small, &error);
  EXPECT_NE(error.message().find("more than 10 elements"), std::string::npos) << error.message();
  error = Status();
  parseAll("$1001\r\n" + std::string(1001, 'x') + "\r\n", 100, small, &error);
  EXPECT_NE(error.message().find("larger than 1000 bytes"), std::string::npos) << error.message();
  error = Status();
  // A string announced bigger than the limit is refused once more than the limit is buffered,
  // before it is complete.
  parseAll("$50000\r\n" + std::string(1100, 'x'), 100, small, &error);
  EXPECT_NE(error.message().find("larger than 1000 bytes"), std::string::npos) << error.message();
  error = Status();
  parseAll("*1\r\n*1\r\n*1\r\n:1\r\n", 100, small, &error);
  EXPECT_NE(error.message().find("nested deeper than 2"), std::string::npos) << error.message();
  error = Status();
  auto ok = parseAll("*1\r\n*1\r\n:1\r\n", 100, small, &error);
  EXPECT_TRUE(error.isOk()) << error.message();
  EXPECT_EQ(ok.size(), 1u);
  error = Status();
  parseAll("*-7\r\n", 100, {}, &error);
  EXPECT_FALSE(error.isOk());
  error = Status();
  parseAll("?what\r\n", 100, {}, &error);
  EXPECT_EQ(error.code(), Code::kUnavailable);
  EXPECT_NE(error.message().find("protocol error"), std::string::npos) << error.message();
}

TEST(RedisProtocol, ScriptsAreNamedByTheSha1OfTheirSource) {
  RedisScript s("return 1");
  EXPECT_EQ(s.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  Args keys{"k1", "k2"};
  Args args{"a"};
  EXPECT_EQ(evalShaCommand(s, keys, args),
            (Args{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "2", "k1", "k2", "a"}));
  EXPECT_EQ(evalCommand(s, keys, args), (Args{"EVAL", "return 1", "2", "k1", "k2", "a"}));
}

// ------------------------------------------------------------------------- RedisConnection

TEST(RedisConnection, CommandsRoundTripWithEveryReplyType) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  RedisConnection redis(ioc.get_executor(), optionsFor(*server));
  EXPECT_FALSE(redis.connected());
  std::vector<Result<RedisReply>> got;
  runCo(ioc, [&]() -> net::awaitable<void> {
    std::vector<Args> cmds = {
        {"SET", "greeting", "hello"},
        {"GET", "greeting"},
        {"INCRBY", "counter", "40"},
        {"INCRBY", "counter", "2"},
        {"GET", "missing"},
        {"RPUSH", "list", "a", "", "c"},
        {"LRANGE", "list", "0", "-1"},
        {"INCR", "greeting"},
        {"NOSUCHCOMMAND", "x"},
        {"SET", "bin", std::string("\0\r\n\xff", 4)},
        {"GET", "bin"},
    };
    for (auto& cmd : cmds) got.push_back(co_await redis.command(std::move(cmd)));
  });
  ASSERT_EQ(got.size(), 11u);
  for (const auto& r : got) ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_TRUE(got[0]->isOk());
  EXPECT_EQ(got[1]->type, Type::kString);
  EXPECT_EQ(got[1]->str, "hello");
  EXPECT_EQ(got[3]->type, Type::kInteger);
  EXPECT_EQ(got[3]->integer, 42);
  EXPECT_TRUE(got[4]->isNil());
  EXPECT_EQ(got[5]->integer, 3);
  EXPECT_EQ(describe(*got[6]), "[\"a\", \"\", \"c\"]");
  EXPECT_EQ(got[7]->type, Type::kError);  // an error reply is a value, not a failure
  EXPECT_TRUE(got[7]->str.starts_with("ERR value is not an integer")) << got[7]->str;
  EXPECT_EQ(got[8]->type, Type::kError);
  EXPECT_TRUE(got[8]->str.starts_with("ERR unknown command")) << got[8]->str;
  EXPECT_EQ(got[10]->str, std::string("\0\r\n\xff", 4));
  EXPECT_TRUE(redis.connected());
  EXPECT_TRUE(redis.healthy());
  // What the client wrote is what another client reads.
  EXPECT_EQ(server->cli({"GET", "counter"}), "42");
}

TEST(RedisConnection, ThousandConcurrentCallsArePipelinedAndAnsweredInOrder) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  auto o = optionsFor(*server);
  o.command_timeout = milliseconds(20000);  // about order, not speed: the machine may be busy
  RedisConnection redis(ioc.get_executor(), o);
  constexpr int kCalls = 1000;
  std::vector<std::optional<Result<RedisReply>>> incr(kCalls), echo(kCalls);
  int finished = 0;
  auto start = Clock::now();
  runCo(ioc, [&]() -> net::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer all_done(ex);
    all_done.expires_at(Clock::time_point::max());
    for (int i = 0; i < kCalls; ++i) {
      asio::co_spawn(
          ex,
          [&, i]() -> net::awaitable<void> {
            // The INCRs reach the server in call order: call i sees the value i + 1. The
            // ECHOs, of many sizes (some split over reads), match their own call.
            Args a{"INCR", "seq"};
            Args b{"ECHO", "call-" + std::to_string(i) + std::string((i * 37) % 9000, 'x')};
            auto first = redis.command(std::move(a));
            auto second = redis.command(std::move(b));
            incr[i].emplace(co_await std::move(first));
            echo[i].emplace(co_await std::move(second));
            if (++finished == kCalls) all_done.cancel();
          },
          asio::detached);
    }
    boost::system::error_code ec;
    co_await all_done.async_wait(asio::redirect_error(igw::net::useAwaitable, ec));
  });
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_EQ(finished, kCalls);
  int in_order = 0;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(incr[i]->isOk()) << incr[i]->status().message();
    ASSERT_TRUE(echo[i]->isOk()) << echo[i]->status().message();
    if ((*incr[i])->integer == i + 1) ++in_order;
    EXPECT_EQ((*echo[i])->str, "call-" + std::to_string(i) + std::string((i * 37) % 9000, 'x'));
  }
  EXPECT_EQ(in_order, kCalls);
  EXPECT_EQ(server->cli({"GET", "seq"}), std::to_string(kCalls));
  EXPECT_LT(took.count(), 20000);
}

TEST(RedisConnection, EvalFallsBackToEvalOnNoScriptThenUsesEvalShaAgain) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  RedisConnection redis(ioc.get_executor(), optionsFor(*server));
  RedisScript add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  RedisScript broken("return redis.call('NOPE')");
  std::vector<Result<RedisReply>> got;
  // const char*: no temporary with a destructor inside the co_await expressions below.
  auto evalOnce = [&](const RedisScript& s, const char* n) -> net::awaitable<void> {
    Args keys{"total"};
    Args args{n};
    got.push_back(co_await redis.eval(s, std::move(keys), std::move(args)));
  };
  runCo(ioc, [&]() -> net::awaitable<void> { co_await evalOnce(add, "5"); });
  EXPECT_EQ(server->cli({"SCRIPT", "EXISTS", add.sha1()}), "1");  // EVAL loaded it
  runCo(ioc, [&]() -> net::awaitable<void> { co_await evalOnce(add, "6"); });
  EXPECT_EQ(server->cli({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(server->cli({"SCRIPT", "EXISTS", add.sha1()}), "0");
  runCo(ioc, [&]() -> net::awaitable<void> { co_await evalOnce(add, "7"); });
  EXPECT_EQ(server->cli({"SCRIPT", "EXISTS", add.sha1()}), "1");
  runCo(ioc, [&]() -> net::awaitable<void> { co_await evalOnce(broken, "0"); });
  ASSERT_EQ(got.size(), 4u);
  for (const auto& r : got) ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(got[0]->integer, 5);
  EXPECT_EQ(got[1]->integer, 11);
  EXPECT_EQ(got[2]->integer, 18);
  EXPECT_EQ(got[3]->type, Type::kError);  // the script's own error, not NOSCRIPT
  EXPECT_FALSE(isNoScript(*got[3]));
  EXPECT_EQ(server->cli({"GET", "total"}), "18");
}

TEST(RedisConnection, AuthenticatesAndSelectsTheDatabase) {
  auto server = startRedis({.password = "s3cret-pw"});
  ASSERT_TRUE(server);
  asio::io_context ioc;
  auto good = optionsFor(*server);
  good.db = 3;
  auto with_user = good;
  with_user.username = "default";
  auto wrong = good;
  wrong.password = "wrong-pw";
  auto none = good;
  none.password.clear();
  none.db = 0;
  RedisConnection a(ioc.get_executor(), good), b(ioc.get_executor(), with_user),
      c(ioc.get_executor(), wrong), d(ioc.get_executor(), none);
  std::optional<Result<RedisReply>> ra, rb, rc, rd;
  bool c_healthy = true;
  runCo(ioc, [&]() -> net::awaitable<void> {
    Args set{"SET", "where", "db3"};
    ra.emplace(co_await a.command(std::move(set)));
    Args get{"GET", "where"};
    rb.emplace(co_await b.command(std::move(get)));
    Args ping{"PING"};
    rc.emplace(co_await c.command(std::move(ping)));
    c_healthy = c.healthy();
    Args ping2{"PING"};
    rd.emplace(co_await d.command(std::move(ping2)));
  });
  ASSERT_TRUE(ra->isOk()) << ra->status().message();
  EXPECT_TRUE((*ra)->isOk());
  ASSERT_TRUE(rb->isOk()) << rb->status().message();
  EXPECT_EQ((*rb)->str, "db3");
  EXPECT_EQ(server->cli({"-n", "3", "GET", "where"}), "db3");
  EXPECT_EQ(server->cli({"-n", "0", "EXISTS", "where"}), "0");
  // A wrong password fails the connection; the message names the server, not the password.
  ASSERT_FALSE(rc->isOk());
  EXPECT_EQ(rc->status().code(), Code::kUnavailable);
  const std::string& msg = rc->status().message();
  EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(server->port())), std::string::npos) << msg;
  EXPECT_NE(msg.find("AUTH failed"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("wrong-pw"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("s3cret-pw"), std::string::npos) << msg;
  EXPECT_FALSE(c_healthy);  // down for the backoff pause
  // No password: the server's NOAUTH error comes back as a reply.
  ASSERT_TRUE(rd->isOk()) << rd->status().message();
  EXPECT_EQ((*rd)->type, Type::kError);
  EXPECT_TRUE((*rd)->str.starts_with("NOAUTH")) << (*rd)->str;
}

TEST(RedisConnection, UnreachableServerFailsFastAndIsNotHammered) {
  const int port = testing::redis_detail::freeTcpPort();
  asio::io_context ioc;
  RedisOptions o;
  o.port = static_cast<uint16_t>(port);
  o.min_backoff = milliseconds(500);
  RedisConnection redis(ioc.get_executor(), o);
  std::optional<Result<RedisReply>> first, second;
  milliseconds first_took{}, second_took{};
  runCo(ioc, [&]() -> net::awaitable<void> {
    auto t0 = Clock::now();
    Args ping{"PING"};
    first.emplace(co_await redis.command(std::move(ping)));
    auto t1 = Clock::now();
    Args ping2{"PING"};
    second.emplace(co_await redis.command(std::move(ping2)));
    auto t2 = Clock::now();
    first_took = std::chrono::duration_cast<milliseconds>(t1 - t0);
    second_took = std::chrono::duration_cast<milliseconds>(t2 - t1);
  });
  ASSERT_FALSE(first->isOk());
  EXPECT_EQ(first->status().code(), Code::kUnavailable);
  EXPECT_NE(first->status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << first->status().message();
  EXPECT_NE(first->status().message().find("connect failed"), std::string::npos)
      << first->status().message();
  EXPECT_LT(first_took.count(), 1000);
  // During the backoff pause: the same error at once, with when the next attempt is.
  ASSERT_FALSE(second->isOk());
  EXPECT_NE(second->status().message().find("next attempt in"), std::string::npos)
      << second->status().message();
  EXPECT_LT(second_took.count(), 200);  // no network: only a busy machine adds time
  EXPECT_FALSE(redis.healthy());
}

// A port where the kernel accepts connections but nobody ever answers (a hung or blackholed
// server): the listening socket is never accept()ed.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(fd_, 64) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~SilentServer() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(RedisConnection, SilentServerTimesOutThenFailsFastDuringTheBackoff) {
  SilentServer silent;
  ASSERT_NE(silent.port(), 0);
  asio::io_context ioc;
  RedisOptions with_auth;
  with_auth.port = silent.port();
  with_auth.password = "pw-never-shown";
  with_auth.connect_timeout = milliseconds(150);
  with_auth.command_timeout = milliseconds(5000);
  RedisOptions plain;
  plain.port = silent.port();
  plain.command_timeout = milliseconds(100);
  RedisConnection a(ioc.get_executor(), with_auth), b(ioc.get_executor(), plain);
  std::optional<Result<RedisReply>> a1, a2, b1, b2;
  milliseconds a1_took{}, a2_took{}, b1_took{}, b2_took{};
  runCo(ioc, [&]() -> net::awaitable<void> {
    auto timed = [](auto& conn, auto& out, milliseconds& took) -> net::awaitable<void> {
      Args ping{"PING"};
      auto t0 = Clock::now();
      out.emplace(co_await conn.command(std::move(ping)));
      took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
    };
    co_await timed(a, a1, a1_took);
    co_await timed(a, a2, a2_took);
    co_await timed(b, b1, b1_took);
    co_await timed(b, b2, b2_took);
  });
  // AUTH unanswered: the connect timeout, not the (longer) command timeout.
  ASSERT_FALSE(a1->isOk());
  EXPECT_NE(a1->status().message().find("connect timed out after 150ms"), std::string::npos)
      << a1->status().message();
  EXPECT_EQ(a1->status().message().find("pw-never-shown"), std::string::npos);
  EXPECT_GE(a1_took.count(), 140);
  EXPECT_LT(a1_took.count(), 1000);
  ASSERT_FALSE(a2->isOk());
  EXPECT_NE(a2->status().message().find("next attempt in"), std::string::npos);
  EXPECT_LT(a2_took.count(), 200);
  // Connected, command unanswered: the command timeout, then down for the backoff pause too.
  ASSERT_FALSE(b1->isOk());
  EXPECT_NE(b1->status().message().find("no reply within 100ms"), std::string::npos)
      << b1->status().message();
  EXPECT_LT(b1_took.count(), 1000);
  ASSERT_FALSE(b2->isOk());
  EXPECT_NE(b2->status().message().find("next attempt in"), std::string::npos)
      << b2->status().message();
  EXPECT_LT(b2_took.count(), 200);
  EXPECT_FALSE(a.healthy());
  EXPECT_FALSE(b.healthy());
}

TEST(RedisConnection, KilledServerFailsCallsQuicklyAndRecoversAfterRestart) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  auto o = optionsFor(*server);
  o.command_timeout = milliseconds(10000);  // failures must come from the lost connection
  o.min_backoff = milliseconds(100);
  RedisConnection redis(ioc.get_executor(), o);
  std::optional<Result<RedisReply>> blocked, after_kill, recovered;
  milliseconds blocked_failed_after{}, after_kill_took{};
  int attempts = 0;
  runCo(ioc, [&]() -> net::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer done(ex);
    done.expires_at(Clock::time_point::max());
    Clock::time_point killed_at;
    // A call in flight: BLPOP on an empty list never answers by itself.
    asio::co_spawn(
        ex,
        [&]() -> net::awaitable<void> {
          Args blpop{"BLPOP", "nothing", "0"};
          blocked.emplace(co_await redis.command(std::move(blpop)));
          blocked_failed_after = std::chrono::duration_cast<milliseconds>(Clock::now() - killed_at);
          done.cancel();
        },
        asio::detached);
    while (server->cli({"CLIENT", "LIST"}).find("cmd=blpop") == std::string::npos) {
      co_await pause(milliseconds(5));
    }
    killed_at = Clock::now();
    server->kill();
    boost::system::error_code ec;
    co_await done.async_wait(asio::redirect_error(igw::net::useAwaitable, ec));
    // A new call: nothing listens, refused at once.
    auto t0 = Clock::now();
    Args ping{"PING"};
    after_kill.emplace(co_await redis.command(std::move(ping)));
    after_kill_took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
    std::string error;
    EXPECT_TRUE(server->start(&error)) << error;
    // Back within a backoff pause or two.
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      ++attempts;
      Args ping2{"PING"};
      recovered.emplace(co_await redis.command(std::move(ping2)));
      if (recovered->isOk()) break;
      co_await pause(milliseconds(20));
    }
  });
  ASSERT_TRUE(blocked.has_value());
  ASSERT_FALSE(blocked->isOk());
  EXPECT_EQ(blocked->status().code(), Code::kUnavailable);
  EXPECT_NE(blocked->status().message().find("connection lost"), std::string::npos)
      << blocked->status().message();
  EXPECT_LT(blocked_failed_after.count(), 1000);
  ASSERT_FALSE(after_kill->isOk());
  EXPECT_EQ(after_kill->status().code(), Code::kUnavailable);
  EXPECT_LT(after_kill_took.count(), 1000);
  ASSERT_TRUE(recovered.has_value());
  ASSERT_TRUE(recovered->isOk()) << recovered->status().message() << " after " << attempts;
  EXPECT_EQ((*recovered)->str, "PONG");
  EXPECT_TRUE(redis.connected());
}

TEST(RedisConnection, TimeoutClosesTheConnectionAndFailsEveryPendingCall) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  auto o = optionsFor(*server);
  o.command_timeout = milliseconds(100);
  RedisConnection redis(ioc.get_executor(), o);
  std::vector<std::optional<Result<RedisReply>>> got(4);
  milliseconds took{};
  int finished = 0;
  runCo(ioc, [&]() -> net::awaitable<void> {
    Args warm{"PING"};
    auto w = co_await redis.command(std::move(warm));
    EXPECT_TRUE(w.isOk()) << w.status().message();
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer done(ex);
    done.expires_at(Clock::time_point::max());
    auto t0 = Clock::now();
    for (int i = 0; i < 4; ++i) {
      asio::co_spawn(
          ex,
          [&, i]() -> net::awaitable<void> {
            Args cmd = i == 0 ? Args{"DEBUG", "SLEEP", "2"} : Args{"INCR", "after-sleep"};
            got[i].emplace(co_await redis.command(std::move(cmd)));
            if (++finished == 4) done.cancel();
          },
          asio::detached);
    }
    boost::system::error_code ec;
    co_await done.async_wait(asio::redirect_error(igw::net::useAwaitable, ec));
    took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  });
  for (auto& r : got) {
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(r->isOk());
    EXPECT_EQ(r->status().code(), Code::kUnavailable);
    EXPECT_NE(r->status().message().find("no reply within 100ms"), std::string::npos)
        << r->status().message();
  }
  EXPECT_LT(took.count(), 1500);  // well before the server wakes up
  EXPECT_FALSE(redis.connected());
  // Once the server answers again, the next call reconnects (after the sleep the INCRs that
  // were sent still ran: a timeout does not mean the command did not happen).
  auto probe_opts = optionsFor(*server);
  probe_opts.command_timeout = milliseconds(5000);
  RedisSyncClient probe(probe_opts);
  auto p = probe.command({"PING"});
  ASSERT_TRUE(p.isOk()) << p.status().message();
  std::optional<Result<RedisReply>> again;
  runCo(ioc, [&]() -> net::awaitable<void> {
    Args cmd{"INCR", "after-sleep"};
    again.emplace(co_await redis.command(std::move(cmd)));
  });
  ASSERT_TRUE(again->isOk()) << again->status().message();
  EXPECT_EQ((*again)->integer, 4);
}

TEST(RedisConnection, OversizedReplyFailsTheCallAndTheConnectionRecovers) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  auto o = optionsFor(*server);
  o.limits.max_bytes = 100000;
  RedisConnection redis(ioc.get_executor(), o);
  std::optional<Result<RedisReply>> big, small, large_ok;
  runCo(ioc, [&]() -> net::awaitable<void> {
    Args set{"SET", "big", std::string(200000, 'b')};
    co_await redis.command(std::move(set));
    Args get{"GET", "big"};
    big.emplace(co_await redis.command(std::move(get)));
    Args set2{"SET", "fine", std::string(90000, 'f')};
    co_await redis.command(std::move(set2));
    Args get2{"GET", "fine"};
    small.emplace(co_await redis.command(std::move(get2)));
  });
  ASSERT_FALSE(big->isOk());
  EXPECT_EQ(big->status().code(), Code::kUnavailable);
  EXPECT_NE(big->status().message().find("larger than 100000 bytes"), std::string::npos)
      << big->status().message();
  ASSERT_TRUE(small->isOk()) << small->status().message();
  EXPECT_EQ((*small)->str, std::string(90000, 'f'));
  // The default limits take a multi-megabyte value (read in many pieces).
  RedisConnection roomy(ioc.get_executor(), optionsFor(*server));
  runCo(ioc, [&]() -> net::awaitable<void> {
    Args set{"SET", "mb", std::string(3 << 20, 'm')};
    co_await roomy.command(std::move(set));
    Args get{"GET", "mb"};
    large_ok.emplace(co_await roomy.command(std::move(get)));
  });
  ASSERT_TRUE(large_ok->isOk()) << large_ok->status().message();
  EXPECT_EQ((*large_ok)->str.size(), size_t{3} << 20);
}

TEST(RedisConnection, CloseFailsPendingCallsAndTheNextCallReconnects) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  asio::io_context ioc;
  RedisConnection redis(ioc.get_executor(), optionsFor(*server));
  std::optional<Result<RedisReply>> blocked, after;
  runCo(ioc, [&]() -> net::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer done(ex);
    done.expires_at(Clock::time_point::max());
    asio::co_spawn(
        ex,
        [&]() -> net::awaitable<void> {
          Args blpop{"BLPOP", "nothing", "0"};
          blocked.emplace(co_await redis.command(std::move(blpop)));
          done.cancel();
        },
        asio::detached);
    while (server->cli({"CLIENT", "LIST"}).find("cmd=blpop") == std::string::npos) {
      co_await pause(milliseconds(5));
    }
    redis.close();
    boost::system::error_code ec;
    co_await done.async_wait(asio::redirect_error(igw::net::useAwaitable, ec));
    Args ping{"PING"};
    after.emplace(co_await redis.command(std::move(ping)));
  });
  ASSERT_FALSE(blocked->isOk());
  EXPECT_EQ(blocked->status().code(), Code::kUnavailable);
  EXPECT_NE(blocked->status().message().find("connection closed"), std::string::npos);
  ASSERT_TRUE(after->isOk()) << after->status().message();
  EXPECT_EQ((*after)->str, "PONG");
}

// ------------------------------------------------------------------------- RedisSyncClient

TEST(RedisSyncClient, CommandsPipelinesAndScripts) {
  auto server = startRedis({.password = "sync-pw"});
  ASSERT_TRUE(server);
  auto o = optionsFor(*server);
  o.db = 1;
  RedisSyncClient redis(o);
  auto set = redis.command({"SET", "k", "v"});
  ASSERT_TRUE(set.isOk()) << set.status().message();
  EXPECT_TRUE(set->isOk());
  auto get = redis.command({"GET", "k"});
  ASSERT_TRUE(get.isOk());
  EXPECT_EQ(get->str, "v");
  EXPECT_EQ(server->cli({"-n", "1", "GET", "k"}), "v");
  auto err = redis.command({"INCR", "k"});
  ASSERT_TRUE(err.isOk());
  EXPECT_EQ(err->type, Type::kError);

  auto batch = redis.pipeline({{"RPUSH", "log", "a"},
                               {"RPUSH", "log", "b"},
                               {"GET", "none"},
                               {"LRANGE", "log", "0", "-1"}});
  ASSERT_TRUE(batch.isOk()) << batch.status().message();
  ASSERT_EQ(batch->size(), 4u);
  EXPECT_EQ((*batch)[1].integer, 2);
  EXPECT_TRUE((*batch)[2].isNil());
  EXPECT_EQ(describe((*batch)[3]), "[\"a\", \"b\"]");

  RedisScript add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  auto e1 = redis.eval(add, {"n"}, {"3"});
  ASSERT_TRUE(e1.isOk()) << e1.status().message();
  EXPECT_EQ(e1->integer, 3);
  EXPECT_EQ(server->cli({"SCRIPT", "FLUSH"}), "OK");
  auto e2 = redis.eval(add, {"n"}, {"4"});
  ASSERT_TRUE(e2.isOk()) << e2.status().message();
  EXPECT_EQ(e2->integer, 7);

  auto wrong_opts = o;
  wrong_opts.password = "not-it";
  RedisSyncClient wrong(wrong_opts);
  auto denied = wrong.command({"PING"});
  ASSERT_FALSE(denied.isOk());
  EXPECT_EQ(denied.status().code(), Code::kUnavailable);
  EXPECT_NE(denied.status().message().find("AUTH failed"), std::string::npos)
      << denied.status().message();
  EXPECT_EQ(denied.status().message().find("not-it"), std::string::npos);
  EXPECT_EQ(denied.status().message().find("sync-pw"), std::string::npos);
}

TEST(RedisSyncClient, SilentServerTimesOutThenFailsFast) {
  SilentServer silent;
  RedisOptions o;
  o.port = silent.port();
  o.command_timeout = milliseconds(100);
  RedisSyncClient redis(o);
  auto t0 = Clock::now();
  auto first = redis.command({"PING"});
  const auto first_took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  ASSERT_FALSE(first.isOk());
  EXPECT_NE(first.status().message().find("no reply within 100ms"), std::string::npos)
      << first.status().message();
  EXPECT_LT(first_took.count(), 1000);
  t0 = Clock::now();
  auto second = redis.command({"PING"});
  ASSERT_FALSE(second.isOk());
  EXPECT_NE(second.status().message().find("next attempt in"), std::string::npos)
      << second.status().message();
  EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), 200);
}

TEST(RedisSyncClient, TimeoutAndKilledServerAreUnavailableThenItRecovers) {
  auto server = startRedis();
  ASSERT_TRUE(server);
  auto o = optionsFor(*server);
  o.command_timeout = milliseconds(100);
  o.min_backoff = milliseconds(300);
  RedisSyncClient redis(o);
  ASSERT_TRUE(redis.command({"PING"}).isOk());
  auto t0 = Clock::now();
  auto slow = redis.command({"DEBUG", "SLEEP", "2"});
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  ASSERT_FALSE(slow.isOk());
  EXPECT_EQ(slow.status().code(), Code::kUnavailable);
  EXPECT_NE(slow.status().message().find("no reply within 100ms"), std::string::npos)
      << slow.status().message();
  EXPECT_LT(took.count(), 1500);

  server->kill();
  auto down = redis.command({"PING"});
  ASSERT_FALSE(down.isOk());
  EXPECT_EQ(down.status().code(), Code::kUnavailable);
  EXPECT_NE(down.status().message().find("127.0.0.1:" + std::to_string(server->port())),
            std::string::npos);
  t0 = Clock::now();
  auto fast = redis.command({"PING"});
  EXPECT_FALSE(fast.isOk());
  EXPECT_NE(fast.status().message().find("next attempt in"), std::string::npos)
      << fast.status().message();
  EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), 200);

  std::string error;
  ASSERT_TRUE(server->start(&error)) << error;
  std::optional<Result<RedisReply>> back;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  asio::io_context ioc;  // only for a timer between attempts
  while (Clock::now() < deadline) {
    back.emplace(redis.command({"PING"}));
    if (back->isOk()) break;
    asio::steady_timer t(ioc, milliseconds(20));
    t.wait();
  }
  ASSERT_TRUE(back->isOk()) << back->status().message();
  EXPECT_EQ((*back)->str, "PONG");
}

}  // namespace
}  // namespace igw
