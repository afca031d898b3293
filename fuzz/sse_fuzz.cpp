// SSE parser: never crashes, and the events seen do not depend on how the bytes were split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/sse.h"

namespace {

std::vector<std::string> parse(std::string_view input, size_t split_every) {
  igw::SseParser parser(1 << 16);
  std::vector<std::string> events;
  auto on = [&](const igw::SseEvent& e) {
    events.push_back(std::string(e.event) + "|" + std::string(e.data) + "|" +
                     (e.has_data ? "d" : "-"));
  };
  for (size_t i = 0; i < input.size(); i += split_every) {
    if (!parser.feed(input.substr(i, split_every), on)) return {"<too large>"};
  }
  parser.finish(on);
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t split = (data[0] % 7) + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole = parse(input, input.size() + 1);
  auto pieces = parse(input, split);
  if (whole != pieces && whole != std::vector<std::string>{"<too large>"} &&
      pieces != std::vector<std::string>{"<too large>"}) {
    std::abort();
  }
  return 0;
}
