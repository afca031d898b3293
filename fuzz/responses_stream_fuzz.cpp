// Responses API stream writer (the /v1/responses bridge): arbitrary OpenAI SSE data payloads
// never crash it, and everything it writes is whole Responses events
// ("event: X\ndata: {"type":"X",...,"sequence_number":N}\n\n") whose JSON is valid, numbered
// 0, 1, 2, ... without a gap. An `error` event is followed by response.failed; nothing follows a
// terminal event (response.completed, response.incomplete, response.failed); a failure always
// tells the client.
//
// Input: data payloads separated by 0x1F, fed to onChunk in order, then finish().
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "translate/responses_openai.h"

namespace {

struct State {
  int64_t next = 0;      // the sequence_number the next event must have
  bool ended = false;    // a terminal event went out
  bool errored = false;  // an error event went out: response.failed must come next
};

// Checks `out` is a sequence of complete events.
FZ_NOCOV void checkOutput(std::string_view out, State& st) {
  while (!out.empty()) {
    if (st.ended) std::abort();  // nothing may follow a terminal event
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
    std::string type_prefix = "{\"type\":\"" + std::string(name) + "\"";
    if (!data.starts_with(type_prefix) || !fz::validJson(data)) std::abort();
    std::string seq = "\"sequence_number\":" + std::to_string(st.next) + "}";
    if (!data.ends_with(seq)) std::abort();
    ++st.next;
    if (st.errored && name != "response.failed") std::abort();
    st.errored = name == "error";
    st.ended =
        name == "response.completed" || name == "response.incomplete" || name == "response.failed";
    out.remove_prefix(end + 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  igw::ResponsesStreamWriter writer("client-model", R"({"store":false,"tools":[]})");
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out;
  State st;
  while (!input.empty()) {
    size_t sep = input.find('\x1f');
    std::string_view payload = input.substr(0, sep);
    input = sep == std::string_view::npos ? std::string_view() : input.substr(sep + 1);
    size_t before = out.size();
    igw::Status s = writer.onChunk(payload, out);
    checkOutput(std::string_view(out).substr(before), st);
    if (!s.isOk() && !st.ended) std::abort();  // a failure always tells the client
  }
  size_t before = out.size();
  igw::Status s = writer.finish(out);
  checkOutput(std::string_view(out).substr(before), st);
  if (!st.ended) std::abort();  // every stream ends with a terminal event
  (void)s;
  return 0;
}
