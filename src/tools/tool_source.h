// A source of tools the gateway executes itself: MCP servers, A2A agents. The agent loop
// (filters/tool_loop.cpp) offers every source's tools to the model next to the client's own tools
// and, when the model calls one, runs it through its source. Sources are long-lived, own their
// connections and background work (discovery, reconnects) on a ServiceHost (service/), and are
// shared by all workers.
//
// Reading a source from a request never locks: the tool list and the description are immutable
// snapshots (core/snapshot.h) that the source's own thread publishes. tools() copies the current
// one under a short mutex; a worker that reads on every request keeps a
// Snapshot<ToolList>::Reader per source (ToolView in tools/registry.h), which takes no lock and
// touches shared memory only when the list changed.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/snapshot.h"
#include "net/asio.h"
#include "tools/tool_types.h"

namespace igw {

// Set when the client that caused a call goes away; sources stop work they can stop (A2A tasks
// are cancelled). Thread-safe: cancel() may come from a worker thread while the source runs on
// its own thread.
class CancelToken {
 public:
  void cancel() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mu_);
      if (cancelled_.load(std::memory_order_relaxed)) return;
      cancelled_.store(true, std::memory_order_release);
      run.swap(callbacks_);
    }
    for (auto& f : run) f();
  }
  // No lock: one atomic load.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Runs `f` once when cancel() is called (on the cancelling thread), or at once when already
  // cancelled. `f` must be cheap and thread-safe (typically: post to the source's executor).
  void onCancel(std::function<void()> f) {
    {
      std::lock_guard lock(mu_);
      if (!cancelled_.load(std::memory_order_relaxed)) {
        callbacks_.push_back(std::move(f));
        return;
      }
    }
    f();
  }

 private:
  std::mutex mu_;  // guards callbacks_ and the transition of cancelled_
  std::atomic<bool> cancelled_{false};
  std::vector<std::function<void()>> callbacks_;
};

struct ToolCallContext {
  std::string request_id;               // the client request's id, for logs on the tool side
  std::shared_ptr<CancelToken> cancel;  // never null
};

using ToolList = std::vector<ToolSpec>;

class ToolSource {
 public:
  virtual ~ToolSource() = default;

  // "mcp" or "a2a": the tool_type label of tool metrics, and the bypass header it obeys.
  virtual std::string_view kind() const = 0;

  // Starts background work (connect, discover, reconnect). Never fails: sources that cannot
  // reach their servers keep retrying in the background.
  virtual void start() = 0;
  // Stops background work and closes connections; called once at shutdown.
  virtual void stop() = 0;

  // The tools offered right now: an immutable snapshot, never null (empty while no server is
  // up). Any thread; no lock (one atomic load). Names are already unique within this source and
  // sanitised for every provider: [A-Za-z0-9_-], at most 64 characters.
  std::shared_ptr<const ToolList> tools() const { return tools_.load(); }
  // The snapshot behind tools(), for a per-worker Snapshot<ToolList>::Reader (see ToolView).
  const Snapshot<ToolList>& toolSnapshot() const { return tools_; }

  // Runs one call. Called from any worker thread; the returned awaitable completes on the
  // caller's executor (implementations hop to their service thread and back with
  // ServiceHost::call()).
  // `arguments` is the JSON text the model produced (may be invalid JSON: report that as an
  // invalid_arguments error). Never throws; every failure is an outcome with is_error set.
  virtual net::awaitable<ToolOutcome> call(const ToolSpec& tool, std::string arguments,
                                           ToolCallContext ctx) = 0;

  // JSON array describing this source's servers/agents (for the listing endpoints): at least
  // name, url, healthy/status, and tools or skills. Any thread; no lock (a snapshot).
  std::string describe() const { return *description_.load(); }

 protected:
  // For the source's own thread: replace what tools() and describe() return. Readers that hold
  // the previous versions keep them.
  void publishSnapshot(std::shared_ptr<const ToolList> tools, std::string description) {
    tools_.publish(std::move(tools));
    description_.publish(std::make_shared<const std::string>(std::move(description)));
  }

 private:
  Snapshot<ToolList> tools_{std::make_shared<const ToolList>()};
  Snapshot<std::string> description_{std::make_shared<const std::string>("[]")};
};

}  // namespace igw
