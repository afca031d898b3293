// Constructors of the three transports.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/log.h"
#include "mcp/transport.h"

namespace boost::asio {
class io_context;
}
namespace igw {
class UpstreamClient;
}

namespace igw::mcp {

// Streamable HTTP (2025-03-26 and later): POST per message, JSON or SSE answers, session id,
// optional GET stream for server notifications, DELETE on close.
std::shared_ptr<Transport> makeStreamableHttpTransport(const McpServerConfig& server,
                                                       UpstreamClient& client, const Logger& log,
                                                       boost::asio::io_context& ioc);

// HTTP+SSE (2024-11-05): a GET event stream announces the POST endpoint and carries every
// answer. `open_timeout` bounds the wait for the endpoint event.
std::shared_ptr<Transport> makeSseTransport(const McpServerConfig& server, UpstreamClient& client,
                                            const Logger& log, boost::asio::io_context& ioc,
                                            Millis open_timeout);

// A child process: newline-delimited JSON-RPC on its stdin/stdout, stderr logged at debug.
std::shared_ptr<Transport> makeStdioTransport(const McpServerConfig& server, const Logger& log,
                                              boost::asio::io_context& ioc);

}  // namespace igw::mcp
