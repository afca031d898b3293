// What a tool is and what calling it produced: plain data shared by the tool sources, the agent
// loop and its pure codec (no Asio here, so fuzz targets and unit tests can include it).
#pragma once

#include <string>

namespace igw {

// One tool as the model sees it.
struct ToolSpec {
  std::string name;         // exposed, unique across sources: mcp_<tool>, a2a_<agent>_<skill>
  std::string remote_name;  // the tool's name on its server / the skill id on its agent
  std::string server;       // the server or agent it belongs to (label for listings/logs)
  std::string description;
  std::string parameters;  // JSON Schema (an object) as JSON text
};

// What a call produced, ready to become the content of a `role: tool` message.
struct ToolOutcome {
  std::string content;     // text for the model; on failure a message that says what went wrong
  bool is_error = false;   // the tool reported an error, or the call could not be made
  std::string error_type;  // for llm_tool_calls_failure_total: tool_error, timeout,
                           // unavailable, invalid_arguments, cancelled, protocol_error
};

}  // namespace igw
