// A worker thread's state, shared by the listener side (net/server.cpp) and the connection
// side (net/session.cpp): its io_context, deadline sweeper, upstream client, metrics shard and
// the drain list of its sessions. Internal to net/; only the worker's own thread touches it,
// except the atomic `active` counter read by the drain timer.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_set>

#include "core/heap_trim.h"
#include "core/ids.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/trace_exporter.h"
#include "net/upstream.h"

namespace igw::detail {

using namespace igw::net;  // NOLINT: aliases only (asio, tcp)

// What the drain needs to know of a connection.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void closeIfIdle() = 0;
  // Arms the session's disconnect watch if it began before `due_before` (see
  // Session::watchDisconnect). True when a younger watch should stay queued.
  virtual bool armWatch(std::chrono::steady_clock::time_point due_before) = 0;
};

// An io_context whose pending handlers can be destroyed before the objects they refer to.
class WorkerContextIo : public asio::io_context {
 public:
  using asio::io_context::io_context;
  // Destroys every handler still queued or waiting (suspended sessions among them) while the
  // sweeper, upstream client and tracer they use are still alive. Idempotent.
  void destroyPendingHandlers() { shutdown(); }
};

struct Worker {
  // One thread runs it, and only that thread creates, registers, operates on or closes its
  // sockets: the acceptor hands over bare descriptors, which the worker wraps in sockets itself
  // (Server::Impl::acceptLoop). So Asio's per-socket I/O locks are skipped (UNSAFE_IO). Posting
  // to the worker from other threads, timers and descriptor registration stay locked. (Before,
  // worker 0 registered accepted sockets with this reactor, racing with this thread's reads of
  // recycled descriptor states: ThreadSanitizer showed it.)
  WorkerContextIo ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  DeadlineSweeper deadlines{ioc, std::chrono::milliseconds(50)};
  std::unique_ptr<UpstreamClient> upstream;
  IdGenerator ids;
  unsigned index = 0;  // position in Server::Impl::workers
  MetricsShard* metrics = nullptr;
  std::unique_ptr<TraceExporter> tracer;
  std::unordered_set<SessionBase*> sessions;  // touched only on this worker's thread
  std::atomic<size_t> active{0};              // read by the drain timer on worker 0
  ConnectionTrimmer trimmer;                  // gives memory back after many connections end
  bool draining = false;                      // this worker's thread only
  std::thread thread;

  // Disconnect watches are armed on the socket only once they have lasted kArmWatchAfter: a
  // request answered sooner (most of them, even queued behind 256 others at saturation) costs
  // no epoll_ctl and no cancel. Checked every kArmWatchAfter / 2 while any are waiting.
  static constexpr std::chrono::milliseconds kArmWatchAfter{20};
  std::vector<SessionBase*> unarmed_watches;  // sessions with a watch not yet armed
  asio::steady_timer watch_tick{ioc};
  bool watch_tick_running = false;

  void queueWatch(SessionBase* s) {
    unarmed_watches.push_back(s);
    if (!watch_tick_running) startWatchTick();
  }
  void unqueueWatch(SessionBase* s) { std::erase(unarmed_watches, s); }
  void startWatchTick() {
    watch_tick_running = true;
    watch_tick.expires_after(kArmWatchAfter / 2);
    watch_tick.async_wait([this](error_code ec) {
      watch_tick_running = false;
      if (ec) return;
      auto due_before = std::chrono::steady_clock::now() - kArmWatchAfter;
      // armWatch() may call a handler's on_gone, which may start another watch: iterate a copy.
      auto queued = std::move(unarmed_watches);
      unarmed_watches.clear();
      for (SessionBase* s : queued) {
        if (s->armWatch(due_before)) unarmed_watches.push_back(s);
      }
      if (!unarmed_watches.empty() && !watch_tick_running) startWatchTick();
    });
  }

  // Sessions left over after a stop (grace period over) are destroyed here, before the members
  // above that their destructors still use.
  ~Worker() { ioc.destroyPendingHandlers(); }
};

// A session's entry in its worker's drain list. Tied to the session's lifetime, so that a
// connection coroutine that ends by an exception, or whose frame is destroyed at shutdown, never
// leaves a dangling pointer for the drain to read.
class Registration {
 public:
  Registration(Worker& w, SessionBase* s) : worker_(w), session_(s) {
    worker_.sessions.insert(session_);
    ++worker_.active;
    worker_.trimmer.opened();
  }
  ~Registration() {
    worker_.sessions.erase(session_);
    --worker_.active;
    worker_.trimmer.closed();
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Worker& worker_;
  SessionBase* session_;
};

}  // namespace igw::detail
