// Pieces the two HTTP transports share: request headers, reading an SSE body, error texts.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "http/sse.h"
#include "mcp/transport.h"
#include "net/asio.h"
#include "net/upstream.h"

namespace igw::mcp {

// Longest JSON body or single SSE event accepted from an MCP server.
inline constexpr uint64_t kMaxMessageBytes = 16u << 20;

// The operator's MCP_<NAME>_HEADERS first, then the protocol's own headers.
Headers baseHeaders(const McpServerConfig& server, std::string_view accept);

bool isEventStream(const UpstreamResponse& resp);

// Reads an SSE body, calling on_event for each event until it returns false or the body ends.
// Registers the response with `exchange` while reading, so abandoning it stops the read.
net::awaitable<Status> readEvents(UpstreamResponse& resp, Exchange& exchange,
                                  std::function<bool(const SseEvent&)> on_event);

// Reads the rest of a body that nobody needs (to keep the connection reusable), small only.
net::awaitable<void> drain(UpstreamResponse& resp);

// "HTTP 500: <first 200 bytes of the body>" (errorSnippet(), jsonrpc_codec.h).
net::awaitable<std::string> httpError(UpstreamResponse& resp);

}  // namespace igw::mcp
