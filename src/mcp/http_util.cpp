#include "mcp/http_util.h"

#include "net/beast.h"

namespace igw::mcp {

Headers baseHeaders(const McpServerConfig& server, std::string_view accept) {
  Headers h;
  h.reserve(server.headers.size() + 4);
  for (const auto& [name, value] : server.headers) h.push_back({name, value});
  h.push_back({"Accept", std::string(accept)});
  h.push_back({"User-Agent", "inference-gateway-mcp"});
  return h;
}

bool isEventStream(const UpstreamResponse& resp) {
  const std::string* ct = findHeader(resp.headers(), "Content-Type");
  return ct && ct->find("text/event-stream") != std::string::npos;
}

net::awaitable<Status> readEvents(UpstreamResponse& resp, Exchange& exchange,
                                  std::function<bool(const SseEvent&)> on_event) {
  SseParser parser(kMaxMessageBytes);
  exchange.response = &resp;
  bool more = true;
  Status result;
  while (more && !exchange.abandoned) {
    auto piece = co_await resp.read();
    if (!piece) {
      result = piece.status();
      break;
    }
    if (piece->empty()) {
      parser.finish([&](const SseEvent& ev) { more = more && on_event(ev); });
      break;
    }
    Status st = parser.feed(*piece, [&](const SseEvent& ev) {
      if (more) more = on_event(ev);
    });
    if (!st) {
      result = st;
      break;
    }
  }
  exchange.response = nullptr;
  if (exchange.abandoned && result.isOk()) result = unavailable("exchange abandoned");
  co_return result;
}

net::awaitable<void> drain(UpstreamResponse& resp) {
  (void)co_await resp.readAll(64 * 1024);
}

net::awaitable<std::string> httpError(UpstreamResponse& resp) {
  std::string msg = "HTTP " + std::to_string(resp.status());
  auto body = co_await resp.readAll(64 * 1024);
  if (body && !body->empty()) {
    // One log-friendly line: servers answer errors with whole HTML pages.
    msg += ": " + errorSnippet(*body, 200);
  }
  co_return msg;
}

}  // namespace igw::mcp
