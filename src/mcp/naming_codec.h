// Exposed names of MCP tools, and the include/exclude filter. Pure: unit-tested.
//
// Rule (documented in mcp_source.h): every tool is offered as mcp_<tool>, its server's name for
// it sanitised to [A-Za-z0-9_-] (anything else becomes '_') and the whole name cut to 64
// characters. Servers are taken in MCP_SERVERS order and tools in their server's order. All
// plain names are handed out first: the first tool to want mcp_<tool> keeps it. A tool whose
// plain name is taken gets mcp_<server>_<tool> (cut to 64), and when that is taken too, the
// first free of <that>_2, <that>_3, ... (the base cut so the suffix fits).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace igw::mcp {

inline constexpr size_t kMaxToolNameLength = 64;

// [A-Za-z0-9_-] kept, every other byte replaced by '_'.
std::string sanitizeName(std::string_view name);

// Whether a tool passes MCP_INCLUDE_TOOLS / MCP_EXCLUDE_TOOLS. Entries match the server's tool
// name or the plain exposed name mcp_<tool>. An empty include list includes everything; the
// exclude list wins.
bool toolAllowed(std::string_view remote_name, const std::vector<std::string>& include,
                 const std::vector<std::string>& exclude);

struct ServerToolNames {
  std::string server;
  std::vector<std::string> tools;  // the server's names, in its order
};

// Exposed names, parallel to the input: result[s][t] names servers[s].tools[t]. Tools should
// already be filtered (toolAllowed) so that excluded tools do not take names.
std::vector<std::vector<std::string>> assignToolNames(const std::vector<ServerToolNames>& servers);

}  // namespace igw::mcp
