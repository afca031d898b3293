// Anthropic stream translator: arbitrary (event, data) pairs never crash it, and everything it
// writes is whole OpenAI SSE events ("data: ...\n\n") whose payload is valid JSON or [DONE].
//
// Input: first byte = flags (bit 0: include_usage), then fields separated by 0x1F, taken as
// event name, data, event name, data, ...
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "translate/openai_anthropic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const auto adapter = igw::makeAnthropicAdapter({});
  igw::TranslateContext ctx{.model = "claude",
                            .response_id = "chatcmpl-x",
                            .created = 1,
                            .include_usage = (data[0] & 1) != 0};
  auto stream = adapter->newStream(ctx);
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string out;
  while (!input.empty()) {
    size_t sep = input.find('\x1f');
    std::string_view event = input.substr(0, sep);
    input = sep == std::string_view::npos ? std::string_view() : input.substr(sep + 1);
    sep = input.find('\x1f');
    std::string_view payload = input.substr(0, sep);
    input = sep == std::string_view::npos ? std::string_view() : input.substr(sep + 1);
    size_t before = out.size();
    igw::Status s = stream->onEvent(event, payload, out);
    if (!s.isOk() && out.size() != before) std::abort();  // a failed event writes nothing
    if (fz::checkOpenAiSse(std::string_view(out).substr(before)) != 0) std::abort();
  }
  size_t before = out.size();
  (void)stream->finish(out);
  if (fz::checkOpenAiSse(std::string_view(out).substr(before)) > 1) std::abort();
  (void)stream->usage();
  return 0;
}
