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

TEST(BlockCache, ListsAreBoundedAndFlushGivesEveryBlockBack) {
  ThreadBlockCache cache{};
  const unsigned small = classFor(24);
  const unsigned large = classFor(4000);
  EXPECT_EQ(classCap(small), 1024u);
  EXPECT_EQ(classCap(large), 8u);

  std::vector<void*> blocks;
  for (uint32_t i = 0; i < classCap(large); ++i) {
    blocks.push_back(std::malloc(classSize(large)));
    ASSERT_TRUE(cache.push(large, blocks.back()));
  }
  void* extra = std::malloc(classSize(large));
  EXPECT_FALSE(cache.push(large, extra)) << "a full class refuses the block; the caller frees it";
  std::free(extra);
  EXPECT_EQ(cache.count(large), classCap(large));

  // Last in, first out: the block most likely still in the CPU's cache is reused first.
  EXPECT_EQ(cache.pop(large), blocks.back());
  EXPECT_TRUE(cache.push(large, blocks.back()));
  EXPECT_EQ(cache.pop(small), nullptr);

  static int released;
  released = 0;
  cache.flush([](void* p) {
    ++released;
    std::free(p);
  });
  EXPECT_EQ(released, static_cast<int>(classCap(large)));
  EXPECT_EQ(cache.count(large), 0u);
  EXPECT_EQ(cache.pop(large), nullptr);
}

}  // namespace
}  // namespace igw::blocks
