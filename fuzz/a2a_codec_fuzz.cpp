// A2A codec: agent cards, JSON-RPC results and stream events of both protocol generations, and
// the Kubernetes list parsers, never crash on any input; the tracker's outcome is always
// well-formed (done trackers end in content, errors carry a type).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "a2a/a2a_codec.h"
#include "a2a/k8s_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace igw::a2a;
  (void)parseAgentCard(input, "http://agent.example:8080");
  (void)parseServiceList(input, "ns");
  (void)parseAgentList(input, "ns");
  (void)partsText(input);
  (void)parseInput(input);
  (void)sanitizeName(input, "x");
  // The input as a stream: one JSON-RPC response per line, folded like a call does.
  TaskTracker tracker;
  size_t start = 0;
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    std::string_view line =
        input.substr(start, nl == std::string_view::npos ? input.npos : nl - start);
    auto r = parseResponse(line);
    if (r && !r->error) tracker.apply(r->event);
    if (r && r->error && rpcErrorOutcome("a", *r->error).error_type.empty()) std::abort();
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  auto o = tracker.outcome("agent");
  if (o.content.empty()) std::abort();
  if (o.is_error && o.error_type.empty()) std::abort();
  ToolNamer namer;
  auto a = namer.name(sanitizeName(input, "a"), "s");
  auto b = namer.name(sanitizeName(input, "a"), "s");
  if (a == b || a.size() > kMaxToolName || b.size() > kMaxToolName) std::abort();
  return 0;
}
