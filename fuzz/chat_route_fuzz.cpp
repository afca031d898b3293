// The chat routing path: body inspection, provider resolution and the body splice. Whatever the
// input, no crash; and a body that passes inspection is rewritten into one that still passes,
// with the new model and the same stream flag.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/chat_body.h"
#include "providers/routing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto info = igw::inspectChatBody(body);
  if (!info) return 0;
  auto route = igw::resolveRoute("", info->model);
  std::string model = route ? route->upstream_model : std::string("m\"\\x");
  for (bool usage : {false, true}) {
    std::string out = igw::rewriteChatBody(body, *info, model, usage);
    auto again = igw::inspectChatBody(out);
    if (!again) std::abort();
    if (again->model != model || again->stream != info->stream) std::abort();
    if (usage && !again->include_usage_set &&
        (!info->has_stream_options || info->stream_options_is_object)) {
      std::abort();
    }
  }
  return 0;
}
