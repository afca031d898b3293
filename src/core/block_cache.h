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
// Bounded: a thread keeps at most 8 MiB of blocks; more are handed to free(). flush() gives every
// cached block back, and the heap trims (core/heap_trim.h) call it first, so memory held by a wave
// of closed connections still goes back to the system.
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

inline constexpr auto kClassSizes = [] {
  struct Table {
    uint32_t size[kClasses];
  } t{};
  for (unsigned c = 0; c < kClasses; ++c) t.size[c] = static_cast<uint32_t>(classSize(c));
  return t;
}();

// All classes of one thread together: enough for a thousand requests in flight on one worker
// (at 256 connections a worker frees and reallocates hundreds of blocks of a size in one burst;
// a smaller cache sends the rest to malloc, whose arena code costs ~240 instructions a block).
// glibc would keep these blocks in its arenas after such a peak too; both are given back by the
// heap trims.
inline constexpr size_t kMaxCachedBytes = size_t{8} << 20;

// One thread's lists. Trivially constructible and destructible, so it can be a constinit
// thread_local that is usable before and after the thread's C++ objects.
class ThreadBlockCache {
 public:
  void* pop(unsigned c) {
    Node* n = head_[c];
    if (n == nullptr) return nullptr;
    head_[c] = n->next;
    __builtin_prefetch(n->next);  // the next pop of this size reads it
    bytes_ -= kClassSizes.size[c];
    return n;
  }
  // False when the cache is full: the caller frees the block.
  bool push(unsigned c, void* p) {
    const size_t size = kClassSizes.size[c];
    if (bytes_ + size > kMaxCachedBytes) return false;
    Node* n = static_cast<Node*>(p);
    n->next = head_[c];
    head_[c] = n;
    bytes_ += size;
    return true;
  }
  // Hands every cached block to release (free).
  void flush(void (*release)(void*)) {
    for (unsigned c = 1; c < kClasses; ++c) {
      while (Node* n = head_[c]) {
        head_[c] = n->next;
        release(n);
      }
    }
    bytes_ = 0;
  }
  size_t bytes() const { return bytes_; }

 private:
  struct Node {
    Node* next;
  };
  Node* head_[kClasses];
  size_t bytes_;
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
