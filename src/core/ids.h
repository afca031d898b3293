// Request ids and trace/span ids: random, cheap, per worker (no shared state).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace igw {

class IdGenerator {
 public:
  IdGenerator() : state_(std::random_device{}() | (uint64_t{std::random_device{}()} << 32) | 1) {}

  uint64_t next() {
    // xorshift64*: fast and good enough for identifiers (not for secrets).
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

  // `bytes` random bytes as lower-case hex. Written in place: several ids per request.
  std::string hex(int bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(static_cast<size_t>(bytes) * 2, '\0');
    char* p = out.data();
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      if (i % 8 == 0) v = next();
      p[2 * i] = kHex[(v >> 4) & 15];
      p[2 * i + 1] = kHex[v & 15];
      v >>= 8;
    }
    return out;
  }

 private:
  uint64_t state_;
};

}  // namespace igw
