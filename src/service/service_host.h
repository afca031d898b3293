// The host of one background client: a thread of its own running an io_context, for the
// gateway's long-lived clients that are not on the request path's workers — MCP servers, A2A
// agents and their Kubernetes discovery, and the clients still to come (identity provider key
// refresh, database and Redis clients). One implementation of start, bounded stop and the hop
// from a worker to the service and back, instead of one copy per client. See docs/services.md.
//
// Threading contract
//  - The service's state lives on the service thread. Objects bound to context() (clients,
//    timers, sockets) may be constructed on any thread before start(), but are used only from
//    work running on the service thread: post(), spawn(), call(), and the stop hook.
//  - post(), spawn() and call() may be called from any thread, before or after start(). Work
//    handed over before start() runs once the thread starts; work handed over once stop() has
//    begun is dropped (post, spawn) or answered at once with kUnavailable (call).
//  - call() runs `work` on the service thread and resumes the calling coroutine on the caller's
//    own executor (never on the service thread) with the work's value, or with a non-ok Status
//    when the work threw (kInternal) or the host stopped before it finished (kUnavailable).
//    The caller's executor must be single-threaded (an io_context run by one thread, as the
//    gateway's workers are, or a strand) and must outlive stop(): stop() resumes every pending
//    caller through it. Registering and completing a call takes the host's mutex once each;
//    nothing else on a caller's path locks. State of the call that is bound to context()
//    (timers, responses) belongs in the work, not in the caller's frame: a caller's frame may be
//    destroyed after the host (at shutdown, with its worker's io_context).
//  - start() and stop() are for the owner's thread (main, or the owner's constructor and
//    destructor); both are idempotent. A host is started at most once: start() after stop() is
//    a no-op.
//  - stop(bound, hook): runs `hook` on the service thread (close connections, cancel what is in
//    flight; the hook must also stop periodic work such as a DeadlineSweeper), then lets the
//    io_context run out of work. If the thread has not finished within `bound`, the io_context
//    is stopped where it is and the host is "abandoned": the suspended coroutines of unfinished
//    work may still reference the owner's clients, so the io_context is never destroyed (it is
//    leaked: at shutdown, a leak beats a use-after-free) and the owner must not destroy objects
//    those coroutines use in a way that touches the io_context's handlers. Either way, when
//    stop() returns the thread has been joined and every pending call() has been resumed.
//  - Destruction: an owner declares its ServiceHost before the objects bound to its context()
//    (so they are destroyed first) and calls stop() in its own destructor; ~ServiceHost calls
//    stop() again as a safety net (with a short bound and no hook).
//
// Boost 1.74: no cancellation slots. A caller that must give up early (its client went away)
// passes its own cancellation into the work (see CancelToken in tools/tool_source.h).
#pragma once

#include "net/asio.h"  // first: the include-order fix for Boost 1.74

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "core/status.h"

namespace igw {

class ServiceHost {
 public:
  using Executor = boost::asio::io_context::executor_type;
  using StopHook = std::function<net::awaitable<void>()>;

  // `name` labels log lines ("mcp client", "a2a client").
  ServiceHost(std::string name, const Logger& log);
  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // The service's io_context and executor, for objects of the service (see the contract).
  boost::asio::io_context& context() { return *ioc_; }
  Executor executor() { return ioc_->get_executor(); }
  const std::string& name() const { return name_; }

  // Starts the thread. Returns false when already started or stopped.
  bool start();

  // Stops the service within `bound` (see the contract). Returns true when the thread ran out
  // of work in time, false when the host was abandoned. Later calls return the first answer.
  bool stop(std::chrono::milliseconds bound, StopHook hook = {});

  // True between start() and the beginning of stop().
  bool running() const { return accepting_.load(std::memory_order_acquire); }
  // stop() timed out (see the contract).
  bool abandoned() const { return abandoned_.load(std::memory_order_acquire); }

  // Runs `f` on the service thread.
  template <class F>
  void post(F&& f) {
    if (stop_requested_.load(std::memory_order_acquire)) return;
    boost::asio::post(*ioc_, std::forward<F>(f));
  }

  // Runs a coroutine on the service thread, detached. An exception it throws is logged.
  void spawn(net::awaitable<void> work);

  // Runs `work` (a coroutine created by the caller, not yet started) on the service thread and
  // resumes the caller on its own executor with the result. See the contract.
  template <class T>
  net::awaitable<Result<T>> call(net::awaitable<T> work) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<net::Executor>&,
                                       void(Result<T>)>(
        [this](auto handler, auto&& w) { launch<T>(std::move(handler), std::move(w)); },
        net::useAwaitable, std::move(work));
  }

 private:
  // One call() in flight: resumes its caller exactly once, with the work's value or a failure.
  struct Pending {
    virtual ~Pending() = default;
    virtual void fail(Status s) = 0;
    std::atomic<bool> done{false};
  };

  template <class T, class Handler>
  struct PendingCall final : Pending {
    PendingCall(Handler h, boost::asio::any_io_executor ex)
        : handler(std::move(h)), caller(std::move(ex)) {}
    void fail(Status s) override { finish(Result<T>(std::move(s))); }
    void finish(Result<T> r) {
      if (done.exchange(true, std::memory_order_acq_rel)) return;
      // Hands the handler to the caller's executor; the caller resumes there. Dropping `caller`
      // afterwards releases the outstanding work it counted.
      boost::asio::post(caller,
                        [h = std::move(handler), r = std::move(r)]() mutable { h(std::move(r)); });
      caller = boost::asio::any_io_executor();
    }
    Handler handler;
    boost::asio::any_io_executor caller;  // tracks work: the caller's context keeps running
  };

  template <class T, class Handler>
  void launch(Handler handler, net::awaitable<T> work) {
    namespace asio = boost::asio;
    auto caller = asio::prefer(asio::get_associated_executor(handler),
                               asio::execution::outstanding_work.tracked);
    auto pending = std::make_shared<PendingCall<T, Handler>>(std::move(handler), caller);
    {
      // Enlisted and handed over under one lock: stop() either refuses the call or finds it
      // (already queued on the io_context) when it resumes whatever is left.
      std::lock_guard lock(mu_);
      if (!closed_) {
        pending_.emplace(pending.get(), pending);
        asio::co_spawn(*ioc_, runCall<T>(std::move(work), pending),
                       [this, pending](std::exception_ptr e) {
                         if (e) pending->fail(internalError(describe(e)));
                         delist(pending.get());
                       });
        return;
      }
    }
    pending->fail(unavailable(name_ + " is not running"));
  }

  template <class T, class P>
  static net::awaitable<void> runCall(net::awaitable<T> work, std::shared_ptr<P> pending) {
    T value = co_await std::move(work);
    pending->finish(Result<T>(std::move(value)));
  }

  void delist(Pending* p);
  static std::string describe(std::exception_ptr e);

  const std::string name_;
  const Logger log_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<boost::asio::executor_work_guard<Executor>> guard_;  // service thread after start
  StopHook stop_hook_;  // kept alive while its coroutine may run
  std::thread thread_;
  std::promise<void> finished_;
  bool started_ = false;  // owner's thread
  bool stopped_ = false;  // owner's thread
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> accepting_{false};
  std::atomic<bool> abandoned_{false};

  std::mutex mu_;  // guards pending_ and closed_
  std::unordered_map<Pending*, std::shared_ptr<Pending>> pending_;
  bool closed_ = false;  // stop() has begun: no more calls are accepted
};

}  // namespace igw
