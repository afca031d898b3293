// Handing freed heap pages back to the system after a large request. A translated request
// allocates many small blocks (its DOMs); glibc keeps the freed pages in its arenas for ever, so
// after a large one they are returned explicitly. Small requests skip it: the trim walks every
// arena, which costs a few milliseconds on a big heap.
#pragma once

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace igw {

// Declare it before the request's buffers, so its destructor runs after theirs.
class ReturnMemoryAfter {
 public:
  static constexpr size_t kLargeBody = size_t{1} << 20;

  explicit ReturnMemoryAfter(size_t body_bytes) : large_(body_bytes >= kLargeBody) {}
  ~ReturnMemoryAfter() {
#if defined(__GLIBC__)
    if (large_) malloc_trim(0);
#endif
  }
  ReturnMemoryAfter(const ReturnMemoryAfter&) = delete;
  ReturnMemoryAfter& operator=(const ReturnMemoryAfter&) = delete;

 private:
  bool large_;
};

}  // namespace igw
