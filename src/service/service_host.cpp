// ServiceHost: the thread, the bounded stop and the bookkeeping of pending calls. The contract
// is in service_host.h.
#include "service/service_host.h"

#include <boost/asio/detached.hpp>

#include "core/duration.h"

namespace igw {

namespace asio = boost::asio;

ServiceHost::ServiceHost(std::string name, const Logger& log)
    : name_(std::move(name)),
      log_(log),
      ioc_(std::make_unique<asio::io_context>(1)),
      guard_(std::make_unique<asio::executor_work_guard<Executor>>(ioc_->get_executor())) {}

ServiceHost::~ServiceHost() {
  // The owner normally stopped us already; this only catches an owner that did not.
  stop(std::chrono::milliseconds(1000));
  if (abandoned()) {
    // Coroutines of unfinished work are still suspended in the io_context and reference the
    // owner's objects; destroying the io_context would destroy (run destructors of) them.
    guard_.reset();  // the thread is joined: safe from here, and the io_context is alive
    (void)ioc_.release();
    return;
  }
  guard_.reset();
  ioc_.reset();
}

bool ServiceHost::start() {
  if (started_ || stopped_) return false;
  started_ = true;
  accepting_.store(true, std::memory_order_release);
  thread_ = std::thread([this] {
    ioc_->run();
    finished_.set_value();
  });
  return true;
}

bool ServiceHost::stop(std::chrono::milliseconds bound, StopHook hook) {
  if (stopped_) return !abandoned();
  stopped_ = true;
  accepting_.store(false, std::memory_order_release);
  stop_requested_.store(true, std::memory_order_release);
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  if (started_) {
    // The hook and the release of the work guard run on the service thread, in that order.
    auto release = [this](std::exception_ptr e) {
      if (e) log_.warn("service stop hook failed", {{"service", name_}, {"error", describe(e)}});
      guard_.reset();
    };
    stop_hook_ = std::move(hook);
    if (stop_hook_) {
      asio::co_spawn(*ioc_, stop_hook_(), std::move(release));
    } else {
      asio::post(*ioc_, [release] { release(nullptr); });
    }
    if (finished_.get_future().wait_for(bound) != std::future_status::ready) {
      log_.warn(name_ + " did not stop within " + formatDuration(bound) +
                "; abandoning its connections");
      abandoned_.store(true, std::memory_order_release);
      ioc_->stop();
    }
    thread_.join();
  }
  // The thread is gone: whatever is still pending will never finish. Resume those callers.
  std::unordered_map<Pending*, std::shared_ptr<Pending>> left;
  {
    std::lock_guard lock(mu_);
    left.swap(pending_);
  }
  for (auto& [raw, p] : left) p->fail(unavailable(name_ + " stopped"));
  return !abandoned();
}

void ServiceHost::spawn(net::awaitable<void> work) {
  if (stop_requested_.load(std::memory_order_acquire)) return;
  asio::co_spawn(*ioc_, std::move(work), [this](std::exception_ptr e) {
    if (e) log_.warn("service task failed", {{"service", name_}, {"error", describe(e)}});
  });
}

void ServiceHost::delist(Pending* p) {
  std::lock_guard lock(mu_);
  pending_.erase(p);
}

std::string ServiceHost::describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace igw
