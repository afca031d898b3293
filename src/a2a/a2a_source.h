// A2A agents as a tool source: every skill of every agent (from A2A_AGENTS and, when enabled,
// Kubernetes discovery) becomes a tool a2a_<agent>_<skill> whose call sends the model's
// `input` to the agent and returns what the agent produced. See a2a_source.cpp.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/log.h"
#include "tools/tool_source.h"

namespace igw {

std::unique_ptr<ToolSource> makeA2aSource(const A2aConfig& cfg, const ClientConfig& client,
                                          const Logger& log);

}  // namespace igw
