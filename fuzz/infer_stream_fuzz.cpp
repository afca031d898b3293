// infer's stream decoder (src/cli/stream_decoder.h) on whatever a gateway could send: never
// crashes, the text handed out as it streams is exactly the turn's text, and neither depends on
// how the bytes were split.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/stream_decoder.h"
#include "fuzz_util.h"

namespace {

struct Outcome {
  std::string streamed;
  igw::cli::AssistantTurn turn;
};

Outcome decode(std::string_view input, size_t split_every) {
  Outcome out;
  igw::cli::StreamDecoder decoder([&](std::string_view t) { out.streamed.append(t); });
  for (size_t i = 0; i < input.size(); i += split_every) {
    decoder.feed(input.substr(i, split_every));
  }
  decoder.finish();
  out.turn = decoder.turn();
  return out;
}

FZ_NOCOV bool same(const igw::cli::AssistantTurn& a, const igw::cli::AssistantTurn& b) {
  if (a.text != b.text || a.finish_reason != b.finish_reason || a.error != b.error ||
      a.done != b.done || a.tool_calls.size() != b.tool_calls.size()) {
    return false;
  }
  for (size_t i = 0; i < a.tool_calls.size(); ++i) {
    const auto& x = a.tool_calls[i];
    const auto& y = b.tool_calls[i];
    if (x.id != y.id || x.name != y.name || x.arguments != y.arguments) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Outcome whole = decode(input, size == 0 ? 1 : size);
  if (whole.streamed != whole.turn.text) std::abort();
  Outcome split = decode(input, 3);
  if (!same(whole.turn, split.turn) || split.streamed != split.turn.text) std::abort();
  if (whole.turn.tool_calls.size() > 129) std::abort();  // indexes are capped
  return 0;
}
