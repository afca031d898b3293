// Immutable state published to many threads: configuration, the provider table, tool lists.
//
// A writer builds a new immutable T and publish()es it; readers get a shared_ptr that keeps the
// version they saw alive for as long as they hold it (an in-flight request keeps the old one
// after a reload). Readers never take a mutex.
//
// Two ways to read:
//  - load(): a copy of the shared_ptr under a short mutex. Fine off the hot path (background
//    threads, listings, a Reader's refresh).
//  - Reader: a per-thread cache. pin() is one acquire load of a version counter (a read-only
//    cache line, so workers do not bounce it between cores) and calls load() only when the
//    version changed. Use one Reader per worker thread: the request path then takes no lock.
//
// Not std::atomic<std::shared_ptr>: libstdc++ 12 implements it with a lock bit whose unlock in
// load() is relaxed, and ThreadSanitizer reports the next publish() as a race with it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace igw {

template <class T>
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<const T> initial = nullptr) : ptr_(std::move(initial)) {}
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  void publish(std::shared_ptr<const T> next) {
    {
      std::lock_guard lock(mu_);
      ptr_.swap(next);
    }
    version_.fetch_add(1, std::memory_order_acq_rel);
    // `next` (the old value) is released here, outside the lock.
  }

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mu_);
    return ptr_;
  }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Per-thread view. Not thread-safe itself: one per thread.
  class Reader {
   public:
    explicit Reader(const Snapshot& source) : source_(&source) {}
    // The current value; the reference stays valid until the next get() on this Reader. Hold
    // the shared_ptr from pin() to keep a version across suspension points.
    const std::shared_ptr<const T>& pin() {
      uint64_t v = source_->version();
      if (v != seen_ || !cached_) {
        cached_ = source_->load();
        seen_ = v;
      }
      return cached_;
    }

   private:
    const Snapshot* source_;
    uint64_t seen_ = ~uint64_t{0};
    std::shared_ptr<const T> cached_;
  };

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> ptr_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace igw
