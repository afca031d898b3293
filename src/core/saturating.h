// Adding numbers that come from outside (token counts in an upstream's usage object, a client's
// limits): an int64 overflow is undefined behaviour, so sums saturate at the int64 range instead.
// Found by the fuzzers: an upstream reporting INT64_MAX input tokens.
#pragma once

#include <cstdint>
#include <limits>

namespace igw {

inline int64_t addSat(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

inline int64_t addSat(int64_t a, int64_t b, int64_t c) {
  return addSat(addSat(a, b), c);
}

}  // namespace igw
