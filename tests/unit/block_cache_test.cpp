// The size classes and lists behind the gateway's operator new (core/block_cache.h).
#include "core/block_cache.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <vector>

namespace igw::blocks {
namespace {

TEST(BlockCache, EverySizeGetsTheSmallestClassThatHoldsIt) {
  for (size_t n = 0; n <= kMaxCachedSize; ++n) {
    unsigned c = classFor(n);
    ASSERT_GE(c, 1u) << n;
    ASSERT_LT(c, kClasses) << n;
    ASSERT_GE(classSize(c), n) << n;
    if (c > 1) {
      ASSERT_LT(classSize(c - 1), n) << n;
    }
  }
  EXPECT_EQ(classSize(kClasses - 1), kMaxCachedSize);
}

TEST(BlockCache, AFreedBlockIsClassedNoHigherThanItsUsableSize) {
  for (size_t usable = 16; usable < kMaxCachedSize + 16; ++usable) {
    unsigned c = classBelow(usable);
    ASSERT_GE(c, 1u) << usable;
    ASSERT_LE(classSize(c), usable) << usable;
    if (c + 1 < kClasses) {
      ASSERT_GT(classSize(c + 1), usable) << usable;
    }
  }
  EXPECT_EQ(classBelow(15), 0u) << "too small for any class";
}

// operator new asks malloc for a class's full size; a block freed without its size must come
// back into that same class, or the cache would drift its blocks into smaller classes.
TEST(BlockCache, UnsizedFreesFindTheClassTheBlockWasAllocatedFor) {
  for (unsigned c = 1; c < kClasses; ++c) {
    void* p = std::malloc(classSize(c));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(classBelow(malloc_usable_size(p)), c) << classSize(c);
    std::free(p);
  }
}

TEST(BlockCache, ListsAreLastInFirstOutAndFlushGivesEveryBlockBack) {
  ThreadBlockCache cache{};
  const unsigned small = classFor(24);
  const unsigned large = classFor(4000);
  std::vector<void*> blocks;
  for (int i = 0; i < 10; ++i) {
    blocks.push_back(std::malloc(classSize(large)));
    ASSERT_TRUE(cache.push(large, blocks.back()));
  }
  EXPECT_EQ(cache.bytes(), 10 * classSize(large));
  // Last in, first out: the block most likely still in the CPU's cache is reused first.
  EXPECT_EQ(cache.pop(large), blocks.back());
  EXPECT_EQ(cache.bytes(), 9 * classSize(large));
  EXPECT_TRUE(cache.push(large, blocks.back()));
  EXPECT_EQ(cache.pop(small), nullptr) << "classes do not share blocks";

  static int released;
  released = 0;
  cache.flush([](void* p) {
    ++released;
    std::free(p);
  });
  EXPECT_EQ(released, 10);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(cache.pop(large), nullptr);
}

TEST(BlockCache, AThreadKeepsAtMostEightMebibytes) {
  ThreadBlockCache cache{};
  const unsigned c = classFor(4096);
  const size_t fits = kMaxCachedBytes / classSize(c);
  for (size_t i = 0; i < fits; ++i) ASSERT_TRUE(cache.push(c, std::malloc(classSize(c))));
  EXPECT_EQ(cache.bytes(), kMaxCachedBytes);
  void* extra = std::malloc(16);
  EXPECT_FALSE(cache.push(classFor(16), extra))
      << "a full cache refuses any block; the caller frees it";
  std::free(extra);
  void* popped = cache.pop(c);
  EXPECT_NE(popped, nullptr);
  std::free(popped);
  void* again = std::malloc(16);
  EXPECT_TRUE(cache.push(classFor(16), again)) << "room again after a pop";
  cache.flush(std::free);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace igw::blocks
