// The per-thread state behind core/block_cache.h. It lives in igw_core so that the heap trims
// can flush it whether or not the executable links the caching operator new.
#include "core/block_cache.h"

#include <cstdlib>

namespace igw::blocks {

thread_local constinit ThreadBlockState tBlocks{};

namespace {

// Destroyed with the thread's other thread_local objects: the cache goes back to malloc and
// later frees on this thread (from other objects' destructors) bypass it.
struct ExitFlush {
  ExitFlush() = default;
  ExitFlush(const ExitFlush&) = delete;
  ExitFlush& operator=(const ExitFlush&) = delete;
  ~ExitFlush() {
    tBlocks.mode = 2;
    tBlocks.cache.flush(std::free);
  }
  void touch() {}
};

}  // namespace

void startThisThread() {
  // Mode 1 first: registering the destructor may allocate, and must not come back here.
  tBlocks.mode = 1;
  static thread_local ExitFlush exit_flush;
  exit_flush.touch();
}

void flushThisThread() {
  tBlocks.cache.flush(std::free);
}

}  // namespace igw::blocks
