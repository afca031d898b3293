#include "net/parallel.h"

#include "net/beast.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only

awaitable<void> runConcurrently(std::vector<Task> tasks) {
  if (tasks.empty()) co_return;
  auto executor = co_await asio::this_coro::executor;
  // The timer is the join point: the last task to finish cancels it.
  asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
  size_t remaining = tasks.size();
  for (auto& task : tasks) {
    asio::co_spawn(
        executor,
        [&remaining, &all_done, t = std::move(task)]() -> awaitable<void> {
          // A task that throws still counts as finished; otherwise the join below would wait
          // forever and keep the worker's io_context (and shutdown) from ever completing.
          try {
            co_await t();
          } catch (...) {
          }
          if (--remaining == 0) all_done.cancel();
        },
        asio::detached);
  }
  error_code ec;
  while (remaining > 0) co_await all_done.async_wait(useAwaitableEc(ec));
}

}  // namespace igw
