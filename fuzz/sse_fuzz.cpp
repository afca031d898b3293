// SSE parser: never crashes, and the events seen do not depend on how the bytes were split.
// Events are compared by a running hash (computed outside the coverage instrumentation) rather
// than by building strings: the harness, not the parser, was most of the cost per execution.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "http/sse.h"

namespace {

struct Seen {
  uint64_t hash = 1469598103934665603ull;
  size_t events = 0;
  bool too_large = false;
};

FZ_NOCOV void mix(Seen& s, std::string_view bytes) {
  for (unsigned char c : bytes) s.hash = (s.hash ^ c) * 1099511628211ull;
  s.hash = (s.hash ^ bytes.size()) * 1099511628211ull;  // field boundary
}

Seen parse(std::string_view input, size_t split_every) {
  igw::SseParser parser(1 << 16);
  Seen seen;
  auto on = [&](const igw::SseEvent& e) {
    ++seen.events;
    mix(seen, e.event);
    mix(seen, e.data);
    mix(seen, e.has_data ? "d" : "-");
  };
  for (size_t i = 0; i < input.size(); i += split_every) {
    if (!parser.feed(input.substr(i, split_every), on)) {
      seen.too_large = true;
      return seen;
    }
  }
  parser.finish(on);
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t split = (data[0] % 7) + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Seen whole = parse(input, input.size() + 1);
  Seen pieces = parse(input, split);
  if (whole.too_large || pieces.too_large) return 0;
  if (whole.events != pieces.events || whole.hash != pieces.hash) std::abort();
  return 0;
}
