// Cohere stream translator: arbitrary SSE bytes (parsed into event/data pairs) go through
// onEvent() and finish(). It never crashes, and everything it writes is whole OpenAI SSE events:
// "data: <valid JSON>\n\n" or, only from finish(), "data: [DONE]\n\n".
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "http/sse.h"
#include "translate/openai_cohere.h"

namespace {

FZ_NOCOV void check(std::string_view out, bool allow_done) {
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find("\n\n", pos);
    if (end == std::string_view::npos || out.compare(pos, 6, "data: ") != 0) std::abort();
    std::string_view payload = out.substr(pos + 6, end - pos - 6);
    if (payload.find('\n') != std::string_view::npos) std::abort();
    if (payload == "[DONE]") {
      if (!allow_done || end + 2 != out.size()) std::abort();  // only last, only from finish()
    } else {
      if (payload.empty() || payload[0] != '{' || !fz::validJson(payload)) std::abort();
    }
    pos = end + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  igw::TranslateContext ctx{"command-a", "chatcmpl-fuzz", 1700000000, (data[0] & 1) != 0};
  static const auto adapter = igw::makeCohereAdapter();
  auto stream = adapter->newStream(ctx);
  std::string out;
  bool failed = false;
  igw::SseParser parser(1 << 16);
  auto on = [&](const igw::SseEvent& e) {
    if (failed) return;
    size_t before = out.size();
    if (!stream->onEvent(e.event, e.data, out)) failed = true;  // a relay stops here
    check(std::string_view(out).substr(before), false);
  };
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!parser.feed(input, on)) return 0;
  parser.finish(on);
  size_t before = out.size();
  igw::Status s = stream->finish(out);
  if (!s.isOk() && out.size() != before) std::abort();
  check(std::string_view(out).substr(before), true);
  check(out, true);
  (void)stream->usage();
  return 0;
}
