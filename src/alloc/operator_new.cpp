// The program's operator new and delete: a per-thread cache of freed blocks up to 4 KiB
// (core/block_cache.h) in front of malloc. Linked into the gateway executable only, and not in
// sanitizer builds, whose own operator new must see every allocation to find misuse.
#include <malloc.h>

#include <cstdlib>
#include <new>

#include "core/block_cache.h"

namespace {

using igw::blocks::classBelow;
using igw::blocks::classFor;
using igw::blocks::classSize;
using igw::blocks::kMaxCachedSize;
using igw::blocks::tBlocks;

[[gnu::noinline]] void* allocateSlow(size_t n) {
  for (;;) {
    if (void* p = std::malloc(n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

inline void* allocate(size_t n) {
  if (n <= kMaxCachedSize) [[likely]] {
    unsigned c = classFor(n);
    if (tBlocks.mode == 1) [[likely]] {
      if (void* p = tBlocks.cache.pop(c)) return p;
    } else if (tBlocks.mode == 0) {
      igw::blocks::startThisThread();
    }
    // Always the class's full size, whichever thread frees it and however.
    n = classSize(c);
  }
  if (void* p = std::malloc(n)) [[likely]]
    return p;
  return allocateSlow(n);
}

inline void release(void* p, unsigned c) {
  if (c != 0 && tBlocks.mode == 1 && tBlocks.cache.push(c, p)) return;
  std::free(p);
}

inline void releaseUnsized(void* p) {
  if (p == nullptr) return;
  size_t usable = malloc_usable_size(p);
  release(p, usable < kMaxCachedSize + 16 ? classBelow(usable) : 0);
}

inline void releaseSized(void* p, size_t n) {
  if (p == nullptr) return;
  release(p, n <= kMaxCachedSize ? classFor(n) : 0);
}

}  // namespace

void* operator new(size_t n) {
  return allocate(n);
}
void* operator new[](size_t n) {
  return allocate(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept {
  releaseUnsized(p);
}
void operator delete[](void* p) noexcept {
  releaseUnsized(p);
}
void operator delete(void* p, size_t n) noexcept {
  releaseSized(p, n);
}
void operator delete[](void* p, size_t n) noexcept {
  releaseSized(p, n);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  releaseUnsized(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  releaseUnsized(p);
}
