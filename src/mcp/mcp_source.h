// The MCP tool source: a client for every server in MCP_SERVERS (Streamable HTTP with fallback
// to HTTP+SSE, or stdio), on one thread of its own, offering the servers' tools to the agent
// loop.
//
// Tool names. Every tool is offered as mcp_<tool>: the server's name for the tool with every
// character outside [A-Za-z0-9_-] replaced by '_', the whole name cut to 64 characters.
// MCP_INCLUDE_TOOLS / MCP_EXCLUDE_TOOLS list tools by the server's name for them (the exposed
// mcp_<tool> name is accepted too); exclusion wins, and an empty include list includes all.
// When two servers offer a tool of the same name, servers count in MCP_SERVERS order: the first
// keeps mcp_<tool>, a later one gets mcp_<server>_<tool> (cut to 64), and if that is taken too,
// the first free of mcp_<server>_<tool>_2, _3, ... Plain names are handed out before any
// qualified one, so a server's mcp_<server>_<tool> never displaces another's plain name. A
// server's last known tool list keeps its names reserved while it is down, so names stay stable
// across reconnects; only servers that are up have their tools offered.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/log.h"
#include "tools/tool_source.h"

namespace igw {

std::unique_ptr<ToolSource> makeMcpSource(const McpConfig& cfg, const ClientConfig& client,
                                          const Logger& log);

}  // namespace igw
