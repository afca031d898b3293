// ServiceHost: the hop from a caller's executor to the service thread and back, bounded stop
// with work still pending, repeated start/stop; and the lock-free tool snapshots that workers
// read (ToolSource::tools(), ToolView).
#include "service/service_host.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/registry.h"
#include "tools/tool_source.h"

namespace igw {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Logger quietLog() {
  return Logger(false, LogLevel::kError);
}

// Work for the service thread: reports the thread it ran on and returns a value.
net::awaitable<int> answer(std::thread::id* ran_on, int value) {
  *ran_on = std::this_thread::get_id();
  co_return value;
}

// Work that never ends on its own: waits on a timer nobody cancels unless `cancelled_by` is set
// (the stop hook then cancels it). `started` is set once it runs on the service thread.
net::awaitable<std::string> hang(asio::steady_timer* timer, std::promise<void>* started) {
  timer->expires_at(asio::steady_timer::time_point::max());
  started->set_value();
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(igw::net::useAwaitable, ec));
  co_return ec ? std::string("woken: ") + ec.message() : std::string("expired");
}

net::awaitable<void> reportThread(std::promise<std::thread::id>* to) {
  to->set_value(std::this_thread::get_id());
  co_return;
}

net::awaitable<void> cancelTimer(asio::steady_timer* timer, std::thread::id* ran_on) {
  *ran_on = std::this_thread::get_id();
  timer->cancel();
  co_return;
}

net::awaitable<int> fails() {
  throw std::runtime_error("boom");
  co_return 0;
}

TEST(ServiceHost, CallRunsOnServiceThreadAndResumesOnCallersExecutor) {
  ServiceHost host("test service", quietLog());
  ASSERT_TRUE(host.start());
  asio::io_context worker(1);
  std::thread::id work_thread, before, after;
  std::optional<Result<int>> got;
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        before = std::this_thread::get_id();
        auto hop = host.call(answer(&work_thread, 42));
        got.emplace(co_await std::move(hop));
        after = std::this_thread::get_id();
      },
      asio::detached);
  worker.run();  // returns once the caller finished: the pending call kept it busy until then
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->isOk()) << got->status().message();
  EXPECT_EQ(got->value(), 42);
  EXPECT_EQ(before, std::this_thread::get_id());
  EXPECT_EQ(after, std::this_thread::get_id()) << "resumed on the caller's executor";
  EXPECT_NE(work_thread, std::this_thread::get_id()) << "the work ran on the service thread";
  EXPECT_NE(work_thread, std::thread::id());
  EXPECT_TRUE(host.stop(milliseconds(1000)));
}

TEST(ServiceHost, WorkThatThrowsResumesTheCallerWithAnError) {
  ServiceHost host("test service", quietLog());
  host.start();
  asio::io_context worker(1);
  std::optional<Result<int>> got;
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        auto hop = host.call(fails());
        got.emplace(co_await std::move(hop));
      },
      asio::detached);
  worker.run();
  ASSERT_TRUE(got.has_value());
  ASSERT_FALSE(got->isOk());
  EXPECT_EQ(got->status().code(), Code::kInternal);
  EXPECT_NE(got->status().message().find("boom"), std::string::npos);
  EXPECT_TRUE(host.stop(milliseconds(1000)));
}

// The stop hook ends what is in flight: the caller gets the work's own answer, the stop is clean.
TEST(ServiceHost, StopHookEndsPendingWorkCleanly) {
  ServiceHost host("test service", quietLog());
  asio::steady_timer timer(host.context());
  host.start();
  asio::io_context worker(1);
  std::promise<void> started;
  std::promise<Result<std::string>> result;
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        auto hop = host.call(hang(&timer, &started));
        result.set_value(co_await std::move(hop));
      },
      asio::detached);
  std::thread worker_thread([&] { worker.run(); });
  started.get_future().wait();
  std::thread::id hook_thread;
  bool clean = host.stop(milliseconds(5000), [&] { return cancelTimer(&timer, &hook_thread); });
  EXPECT_TRUE(clean);
  EXPECT_FALSE(host.abandoned());
  EXPECT_NE(hook_thread, std::thread::id());
  EXPECT_NE(hook_thread, std::this_thread::get_id()) << "the hook ran on the service thread";
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto r = f.get();
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r.value().rfind("woken", 0), 0u) << r.value();
  worker_thread.join();
}

// Work nobody ends: stop() gives up after its bound, and the waiting caller is resumed with
// kUnavailable instead of hanging.
TEST(ServiceHost, StopWithWorkPendingReturnsWithinBoundAndResumesTheCaller) {
  // The host abandons its io_context (and the hung work in it, and this timer) on purpose. Kept
  // reachable from a static so that LeakSanitizer (make asan-test) does not report the leak.
  static auto* deliberately_leaked = new std::vector<const void*>();  // never destroyed
  auto* timer_holder = new std::optional<asio::steady_timer>();
  ServiceHost host("test service", quietLog());
  deliberately_leaked->push_back(timer_holder);
  deliberately_leaked->push_back(&host.context());
  timer_holder->emplace(host.context());
  host.start();
  asio::io_context worker(1);
  std::promise<void> started;
  std::promise<Result<std::string>> result;
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        auto hop = host.call(hang(&**timer_holder, &started));
        result.set_value(co_await std::move(hop));
      },
      asio::detached);
  std::thread worker_thread([&] { worker.run(); });
  started.get_future().wait();
  auto t0 = Clock::now();
  bool clean = host.stop(milliseconds(200));
  auto took = Clock::now() - t0;
  EXPECT_FALSE(clean);
  EXPECT_TRUE(host.abandoned());
  EXPECT_FALSE(host.running());
  EXPECT_GE(took, milliseconds(200));
  EXPECT_LT(took, milliseconds(2000)) << "stop() must respect its bound";
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "the pending caller must be resumed";
  auto r = f.get();
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  worker_thread.join();  // the worker ran out of work: nothing of the call is left on it
}

TEST(ServiceHost, StartAndStopTwiceAreSafe) {
  ServiceHost host("test service", quietLog());
  EXPECT_FALSE(host.running());
  EXPECT_TRUE(host.start());
  EXPECT_FALSE(host.start());
  EXPECT_TRUE(host.running());
  EXPECT_TRUE(host.stop(milliseconds(1000)));
  EXPECT_TRUE(host.stop(milliseconds(1000)));
  EXPECT_FALSE(host.start()) << "a stopped host stays stopped";
  EXPECT_FALSE(host.running());

  // A call after stop is answered at once, on the caller's executor.
  asio::io_context worker(1);
  std::thread::id ran_on;
  std::optional<Result<int>> got;
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        auto hop = host.call(answer(&ran_on, 1));
        got.emplace(co_await std::move(hop));
      },
      asio::detached);
  worker.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status().code(), Code::kUnavailable);
  EXPECT_EQ(ran_on, std::thread::id()) << "the work never ran";
}

TEST(ServiceHost, NeverStartedHostStopsAndAnswersPendingCalls) {
  auto host = std::make_unique<ServiceHost>("test service", quietLog());
  asio::io_context worker(1);
  std::thread::id ran_on;
  std::optional<Result<int>> got;
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        auto hop = host->call(answer(&ran_on, 7));
        got.emplace(co_await std::move(hop));
      },
      asio::detached);
  worker.poll();  // the call is handed over and waits for the host to start
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(host->stop(milliseconds(1000)));
  worker.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status().code(), Code::kUnavailable);
  host.reset();
}

TEST(ServiceHost, PostAndSpawnRunOnTheServiceThread) {
  ServiceHost host("test service", quietLog());
  std::promise<std::thread::id> posted, spawned;
  host.post([&] { posted.set_value(std::this_thread::get_id()); });  // before start: queued
  host.start();
  host.spawn(reportThread(&spawned));
  auto a = posted.get_future().get();
  auto b = spawned.get_future().get();
  EXPECT_NE(a, std::this_thread::get_id());
  EXPECT_EQ(a, b);
  EXPECT_TRUE(host.stop(milliseconds(1000)));
}

// A tool source that publishes what it is told to, on its host's thread.
class FakeSource final : public ToolSource {
 public:
  std::string_view kind() const override { return "fake"; }
  void start() override {}
  void stop() override {}
  net::awaitable<ToolOutcome> call(const ToolSpec&, std::string, ToolCallContext) override {
    co_return ToolOutcome{};
  }
  void set(std::vector<std::string> names, std::string description) {
    auto list = std::make_shared<ToolList>();
    for (auto& n : names) list->push_back(ToolSpec{n, n, "server", "", "{}"});
    publishSnapshot(std::move(list), std::move(description));
  }
};

net::awaitable<int> publishOn(FakeSource* source) {
  source->set({"mcp_a", "mcp_b"}, R"([{"name":"s"}])");
  co_return 0;
}

TEST(ServiceHostToolSnapshot, ReadersSeeAPublishedList) {
  ToolRegistry registry;
  auto owned = std::make_unique<FakeSource>();
  FakeSource* source = owned.get();
  registry.add(std::move(owned));
  ToolView view(registry);
  ASSERT_EQ(view.size(), 1u);
  ASSERT_NE(view.tools(0), nullptr);
  EXPECT_TRUE(view.tools(0)->empty()) << "empty before the first publish";
  EXPECT_EQ(source->describe(), "[]");

  // Published on a service thread, read on this (worker) thread after the hop back.
  ServiceHost host("test service", quietLog());
  host.start();
  asio::io_context worker(1);
  asio::co_spawn(
      worker,
      [&]() -> net::awaitable<void> {
        auto hop = host.call(publishOn(source));
        co_await std::move(hop);
      },
      asio::detached);
  worker.run();
  std::shared_ptr<const ToolList> pinned = view.tools(0);
  ASSERT_EQ(pinned->size(), 2u);
  EXPECT_EQ((*pinned)[0].name, "mcp_a");
  EXPECT_EQ(source->tools()->size(), 2u);
  EXPECT_EQ(source->describe(), R"([{"name":"s"}])");

  // A later publish replaces the list for new reads; a reader that pinned the old one keeps it.
  source->set({"mcp_c"}, "[]");
  EXPECT_EQ(view.tools(0)->size(), 1u);
  EXPECT_EQ(view.tools(0)->front().name, "mcp_c");
  EXPECT_EQ(pinned->size(), 2u);
  EXPECT_EQ((*pinned)[1].name, "mcp_b");
  EXPECT_TRUE(host.stop(milliseconds(1000)));
}

}  // namespace
}  // namespace igw
