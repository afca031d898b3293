// Gemini stream translator: arbitrary SSE bytes in, then finish(). Never crashes, and every
// byte it writes is a complete `data: ...\n\n` event holding valid JSON or [DONE]. The same
// bytes also go through the non-streaming translator, whose output must be valid JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "http/sse.h"
#include "translate/openai_gemini.h"

namespace {

FZ_NOCOV void checkEvents(std::string_view out) {
  while (!out.empty()) {
    if (out.substr(0, 6) != "data: ") std::abort();
    size_t end = out.find("\n\n");
    if (end == std::string_view::npos) std::abort();
    std::string_view payload = out.substr(6, end - 6);
    if (payload != "[DONE]" && !fz::validJson(payload)) std::abort();
    out.remove_prefix(end + 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const auto adapter = igw::makeGeminiAdapter();
  igw::TranslateContext ctx;
  ctx.model = "gemini-fuzz";
  ctx.response_id = "chatcmpl-fuzz";
  ctx.created = 1;
  ctx.include_usage = data[0] & 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto stream = adapter->newStream(ctx);
  igw::SseParser parser(1 << 16);
  std::string out;
  auto on = [&](const igw::SseEvent& e) {
    if (e.has_data) (void)stream->onEvent(e.event, e.data, out);
  };
  // One feed: the translator sees whole events whatever the split (sse_fuzz covers splits).
  (void)parser.feed(input, on);
  parser.finish(on);
  // The whole input as one event too (the common case of a single JSON chunk).
  (void)stream->onEvent("", input, out);
  bool finished = stream->finish(out).isOk();
  checkEvents(out);
  if (finished && (out.size() < 14 || out.substr(out.size() - 14) != "data: [DONE]\n\n")) {
    std::abort();
  }

  auto resp = adapter->translateResponse(input, ctx);
  if (resp.isOk() && !fz::validJson(*resp)) std::abort();
  (void)adapter->translateError(400, input);
  return 0;
}
