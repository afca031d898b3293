// Handing freed heap pages back to the system: after a large request, and after many
// connections have ended. A translated request allocates many small blocks (its DOMs), and a
// few thousand held streams a few KB each; glibc keeps freed pages in its arenas for ever (it
// returns only the top of a heap, which a single live block pins), so they are returned
// explicitly. Rarely: the trim walks every arena, a few milliseconds on a big heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/block_cache.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace igw {

// This thread's cached blocks first (core/block_cache.h), then every arena's free pages.
inline void returnFreedMemory() {
  blocks::flushThisThread();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// Declare it before the request's buffers, so its destructor runs after theirs.
class ReturnMemoryAfter {
 public:
  static constexpr size_t kLargeBody = size_t{1} << 20;

  explicit ReturnMemoryAfter(size_t body_bytes) : large_(body_bytes >= kLargeBody) {}
  ~ReturnMemoryAfter() {
    if (large_) returnFreedMemory();
  }
  ReturnMemoryAfter(const ReturnMemoryAfter&) = delete;
  ReturnMemoryAfter& operator=(const ReturnMemoryAfter&) = delete;

 private:
  bool large_;
};

// Counts one worker's connections and trims the heap once many of them have ended: when the
// count has fallen to half of its peak since the last trim (by at least kMinDrop), and once more
// when it reaches zero after such a trim. A steady load never trims; 4,000 streams ending trim
// a handful of times. Not thread-safe: one per worker thread.
class ConnectionTrimmer {
 public:
  static constexpr uint64_t kMinDrop = 256;

  void opened() {
    ++live_;
    if (live_ > peak_) peak_ = live_;
  }
  // True when it trimmed (for tests).
  bool closed() {
    if (live_ > 0) --live_;
    bool half_gone = peak_ - live_ >= kMinDrop && live_ <= peak_ / 2;
    bool last_of_wave = live_ == 0 && in_wave_;
    if (!half_gone && !last_of_wave) return false;
    in_wave_ = live_ != 0;
    peak_ = live_;
    returnFreedMemory();
    return true;
  }

 private:
  uint64_t live_ = 0;
  uint64_t peak_ = 0;     // since the last trim
  bool in_wave_ = false;  // trimmed, and connections of that wave are still open
};

}  // namespace igw
