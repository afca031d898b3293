// A source of tools the gateway executes itself: MCP servers, A2A agents. The agent loop
// (api/agent_loop.cpp) offers every source's tools to the model next to the client's own tools
// and, when the model calls one, runs it through its source. Sources are long-lived, own their
// connections and background work (discovery, reconnects), and are shared by all workers.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
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
      if (cancelled_) return;
      cancelled_ = true;
      run.swap(callbacks_);
    }
    for (auto& f : run) f();
  }
  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }
  // Runs `f` once when cancel() is called (on the cancelling thread), or at once when already
  // cancelled. `f` must be cheap and thread-safe (typically: post to the source's executor).
  void onCancel(std::function<void()> f) {
    {
      std::lock_guard lock(mu_);
      if (!cancelled_) {
        callbacks_.push_back(std::move(f));
        return;
      }
    }
    f();
  }

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::vector<std::function<void()>> callbacks_;
};

struct ToolCallContext {
  std::string request_id;               // the client request's id, for logs on the tool side
  std::shared_ptr<CancelToken> cancel;  // never null
};

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

  // The tools offered right now. Thread-safe and cheap (an immutable snapshot); empty while no
  // server is up. Names are already unique within this source and sanitised for every
  // provider: [A-Za-z0-9_-], at most 64 characters.
  virtual std::shared_ptr<const std::vector<ToolSpec>> tools() const = 0;

  // Runs one call. Called from any worker thread; the returned awaitable completes on the
  // caller's executor (implementations hop to their own thread and back as needed).
  // `arguments` is the JSON text the model produced (may be invalid JSON: report that as an
  // invalid_arguments error). Never throws; every failure is an outcome with is_error set.
  virtual net::awaitable<ToolOutcome> call(const ToolSpec& tool, std::string arguments,
                                           ToolCallContext ctx) = 0;

  // JSON array describing this source's servers/agents (for the listing endpoints): at least
  // name, url, healthy/status, and tools or skills. Thread-safe.
  virtual std::string describe() const = 0;
};

}  // namespace igw
