// Redis reply parsing (hiredis's reader building RedisReply under RedisLimits): never crashes,
// never allocates past the limits (a huge announced array or string is refused, not reserved),
// and the replies seen and whether it fails do not depend on how the bytes were split.
// The first byte picks the split and whether small limits apply.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "store/redis_protocol.h"

namespace {

struct Seen {
  uint64_t hash = 1469598103934665603ull;
  size_t replies = 0;
  bool failed = false;
};

FZ_NOCOV void mix(Seen& s, std::string_view bytes) {
  for (unsigned char c : bytes) s.hash = (s.hash ^ c) * 1099511628211ull;
  s.hash = (s.hash ^ bytes.size()) * 1099511628211ull;
}

FZ_NOCOV void mixReply(Seen& s, const igw::RedisReply& r, const igw::RedisLimits& limits,
                       int depth) {
  if (depth > limits.max_depth) std::abort();
  mix(s, std::string_view(reinterpret_cast<const char*>(&r.type), sizeof r.type));
  mix(s, std::string_view(reinterpret_cast<const char*>(&r.integer), sizeof r.integer));
  if (r.str.size() > limits.max_bytes) std::abort();
  mix(s, r.str);
  if (r.elements.size() > limits.max_elements) std::abort();
  for (const auto& e : r.elements) mixReply(s, e, limits, depth + 1);
}

Seen parse(std::string_view input, size_t split, const igw::RedisLimits& limits) {
  igw::RedisReplyReader reader(limits);
  Seen seen;
  for (size_t i = 0; i < input.size(); i += split) {
    reader.feed(input.substr(i, split));
    for (;;) {
      auto r = reader.next();
      if (!r.isOk()) {
        seen.failed = true;
        return seen;
      }
      if (!r->has_value()) break;
      ++seen.replies;
      mixReply(seen, **r, limits, 0);
    }
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t split = (data[0] % 13) + 1;
  igw::RedisLimits limits;
  if (data[0] & 0x80) {
    limits.max_depth = data[0] % 4;
    limits.max_elements = 16;
    limits.max_bytes = 2048;
  }
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Seen whole = parse(input, input.size() + 1, limits);
  Seen pieces = parse(input, split, limits);
  if (whole.failed != pieces.failed || whole.replies != pieces.replies ||
      whole.hash != pieces.hash) {
    std::abort();
  }
  return 0;
}
