// The agent loop's stream reader: any chunk sequence is read without crashing, every tool call
// it reports has a name, and a chunk it asks to rewrite is still valid JSON.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "http/sse.h"
#include "tools/loop_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  igw::SseParser parser(1 << 16);
  igw::agent::StreamAccumulator acc;
  igw::agent::UsageTotals usage;
  std::string rewritten;
  auto on = [&](const igw::SseEvent& ev) {
    if (!ev.has_data || ev.data == "[DONE]") return;
    acc.onChunk(ev.data, rewritten, usage);
    if (!rewritten.empty() && !fz::validJson(rewritten)) std::abort();
  };
  if (!parser.feed(input, on)) return 0;
  parser.finish(on);
  for (const auto& call : acc.calls()) {
    if (call.name.empty() || call.arguments.empty()) std::abort();
  }
  if (!fz::validJson(acc.usageChunk(usage))) std::abort();
  // A whole response is read the same way.
  auto doc = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) (void)igw::agent::readCompletion(doc);
  return 0;
}
