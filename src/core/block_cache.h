// A per-thread cache of freed small blocks, in front of malloc, for the program's operator
// new and delete (src/alloc/operator_new.cpp).
//
// Why: a chat request allocates about 40 blocks (strings, header vectors, coroutine frames) and
// frees them a few hundred microseconds later, while up to hundreds of other requests on the
// same worker do the same. glibc's per-thread cache holds 7 blocks per size and nothing above
// 1,032 bytes, so at 64 connections about 8 of those allocations a request fall through to its
// arena code (about 240 instructions each) and every free costs about 80 (bench/RESULTS.md,
// "tenth session"). Here a block is a pop or a push on a singly linked list per size class.
//
// Bounded: a class keeps at most max(8, 32 KiB / its size) blocks (about 1.3 MiB per thread
// when every class is full); more are handed to free(). flush() gives every cached block back,
// and the heap trims (core/heap_trim.h) call it first, so memory held by a wave of closed
// connections still goes back to the system.
//
// Blocks are classed by size: 16-byte steps up to 512, 64-byte steps up to 2,048, 256-byte steps
// up to 4,096. A class's blocks are all at least its size. Blocks freed without their size are
// classed by malloc_usable_size, into the largest class not above it, so a block can only ever
// be handed out for a request it is big enough for.
#pragma once

#include <cstddef>
#include <cstdint>

namespace igw::blocks {

inline constexpr size_t kMaxCachedSize = 4096;
inline constexpr unsigned kClasses = 65;  // 1..64; 0 is unused

// The smallest class whose size is >= n (1 <= result <= 64); n <= kMaxCachedSize.
constexpr unsigned classFor(size_t n) {
  if (n <= 512) return n == 0 ? 1 : static_cast<unsigned>((n + 15) >> 4);
  if (n <= 2048) return 32 + static_cast<unsigned>((n - 512 + 63) >> 6);
  return 56 + static_cast<unsigned>((n - 2048 + 255) >> 8);
}

constexpr size_t classSize(unsigned c) {
  if (c <= 32) return size_t{c} * 16;
  if (c <= 56) return 512 + size_t{c - 32} * 64;
  return 2048 + size_t{c - 56} * 256;
}

// The largest class whose size is <= usable, or 0 when usable < 16.
constexpr unsigned classBelow(size_t usable) {
  if (usable < 512) return static_cast<unsigned>(usable >> 4);
  if (usable < 2048) return 32 + static_cast<unsigned>((usable - 512) >> 6);
  if (usable < kMaxCachedSize) return 56 + static_cast<unsigned>((usable - 2048) >> 8);
  return 64;
}

constexpr uint32_t classCap(unsigned c) {
  size_t by_bytes = (size_t{32} << 10) / classSize(c);
  return static_cast<uint32_t>(by_bytes < 8 ? 8 : by_bytes);
}

// One thread's lists. Trivially constructible and destructible, so it can be a constinit
// thread_local that is usable before and after the thread's C++ objects.
class ThreadBlockCache {
 public:
  void* pop(unsigned c) {
    Node* n = head_[c];
    if (n == nullptr) return nullptr;
    head_[c] = n->next;
    --count_[c];
    return n;
  }
  // False when the class is full: the caller frees the block.
  bool push(unsigned c, void* p) {
    if (count_[c] >= classCap(c)) return false;
    Node* n = static_cast<Node*>(p);
    n->next = head_[c];
    head_[c] = n;
    ++count_[c];
    return true;
  }
  // Hands every cached block to release (free).
  void flush(void (*release)(void*)) {
    for (unsigned c = 1; c < kClasses; ++c) {
      while (Node* n = head_[c]) {
        head_[c] = n->next;
        release(n);
      }
      count_[c] = 0;
    }
  }
  uint32_t count(unsigned c) const { return count_[c]; }

 private:
  struct Node {
    Node* next;
  };
  Node* head_[kClasses];
  uint32_t count_[kClasses];
};

// A thread's cache and where it is in its life: 0 before its first operator new, 1 caching,
// 2 after its thread_local objects were destroyed (blocks then go straight to free()).
struct ThreadBlockState {
  ThreadBlockCache cache;
  uint8_t mode;
};
extern thread_local constinit ThreadBlockState tBlocks;

// Moves this thread to mode 1 and arranges the flush at its exit (first operator new).
void startThisThread();

// Gives this thread's cached blocks back to malloc. A no-op when operator new is not the
// caching one (sanitizer builds, the unit tests): the cache is then always empty.
void flushThisThread();

}  // namespace igw::blocks
