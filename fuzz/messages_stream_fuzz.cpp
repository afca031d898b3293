// Inbound Anthropic Messages stream writer: arbitrary OpenAI SSE data payloads never crash it,
// and everything it writes is whole Anthropic SSE events ("event: X\ndata: <json>\n\n") whose
// JSON is valid and whose "type" is X. After an error event nothing more is written.
//
// Input: data payloads separated by 0x1F, fed to onChunk in order, then finish().
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "translate/anthropic_openai.h"
#include "fuzz_util.h"

namespace {

// Checks `out` is a sequence of complete events; returns whether the last one was an error.
FZ_NOCOV bool checkOutput(std::string_view out, bool errored) {
  while (!out.empty()) {
    if (errored) std::abort();  // nothing may follow an error event
    size_t end = out.find("\n\n");
    if (end == std::string_view::npos || !out.starts_with("event: ")) std::abort();
    std::string_view event = out.substr(0, end);
    size_t nl = event.find('\n');
    if (nl == std::string_view::npos) std::abort();
    std::string_view name = event.substr(7, nl - 7);
    std::string_view data = event.substr(nl + 1);
    if (!data.starts_with("data: ")) std::abort();
    data.remove_prefix(6);
    if (data.find('\n') != std::string_view::npos) std::abort();
    // The writer puts "type" first; the whole payload must be valid JSON.
    std::string type_prefix = "{\"type\":\"" + std::string(name) + "\"";
    if (!data.starts_with(type_prefix) || !fz::validJson(data)) std::abort();
    errored = name == "error";
    out.remove_prefix(end + 2);
  }
  return errored;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  igw::MessagesStreamWriter writer("client-model");
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out;
  bool errored = false;
  while (!input.empty()) {
    size_t sep = input.find('\x1f');
    std::string_view payload = input.substr(0, sep);
    input = sep == std::string_view::npos ? std::string_view() : input.substr(sep + 1);
    size_t before = out.size();
    igw::Status s = writer.onChunk(payload, out);
    errored = checkOutput(std::string_view(out).substr(before), errored);
    if (!s.isOk() && !errored) std::abort();  // a failure always tells the client
  }
  size_t before = out.size();
  igw::Status s = writer.finish(out);
  errored = checkOutput(std::string_view(out).substr(before), errored);
  if (!s.isOk() && !errored) std::abort();
  return 0;
}
