// MCP JSON-RPC codec: whatever a server sends (one message, a batch, an SSE stream of them),
// classifying and rendering it never crashes or throws, and every accepted message is
// well-formed (a result/error has an id, a request a method).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/sse.h"
#include "mcp/jsonrpc_codec.h"

namespace {

void check(std::string_view text) {
  auto msgs = igw::mcp::parseMessages(text);
  if (!msgs) return;
  for (const auto& m : msgs.value()) {
    switch (m.kind) {
      case igw::mcp::MessageKind::kResult: {
        if (m.id.is_null()) std::abort();
        (void)m.intId();
        // Results are rendered as whatever the client was waiting for.
        (void)igw::mcp::renderCallResult(m.result);
        (void)igw::mcp::parseToolsListResult(m.result);
        (void)igw::mcp::parseInitializeResult(m.result);
        break;
      }
      case igw::mcp::MessageKind::kError:
        (void)igw::mcp::renderRpcError(m.error_code, m.error_message);
        break;
      case igw::mcp::MessageKind::kRequest:
        if (m.id.is_null()) std::abort();
        (void)igw::mcp::buildResult(m.id, nlohmann::json::object());
        (void)igw::mcp::buildError(m.id, igw::mcp::kMethodNotFound,
                                   "method not found: " + m.method);
        break;
      case igw::mcp::MessageKind::kNotification:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    check(input);
    return 0;
  }
  // As a Streamable HTTP / HTTP+SSE response body, split into pieces.
  igw::SseParser parser(1 << 16);
  size_t split = (data[0] >> 1) % 13 + 1;
  auto on = [](const igw::SseEvent& ev) {
    if (ev.has_data) check(ev.data);
  };
  for (size_t i = 0; i < input.size(); i += split) {
    if (!parser.feed(input.substr(i, split), on)) return 0;
  }
  parser.finish(on);
  return 0;
}
