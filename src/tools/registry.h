// The gateway's tool sources (MCP, A2A), built once in main() and shared read-only by workers.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "tools/tool_source.h"

namespace igw {

class ToolRegistry {
 public:
  void add(std::unique_ptr<ToolSource> source) { sources_.push_back(std::move(source)); }
  void start() {
    for (auto& s : sources_) s->start();
  }
  void stop() {
    for (auto& s : sources_) s->stop();
  }
  // Destroys the sources, and with them any worker coroutine still suspended in a tool call
  // (its frame is handed back to its worker's io_context). main() calls this after the workers
  // stopped but before the server is destroyed, so no frame outlives the worker it refers to.
  void clear() { sources_.clear(); }
  bool empty() const { return sources_.empty(); }
  const std::vector<std::unique_ptr<ToolSource>>& sources() const { return sources_; }
  ToolSource* find(std::string_view kind) const {
    for (const auto& s : sources_) {
      if (s->kind() == kind) return s.get();
    }
    return nullptr;
  }

 private:
  std::vector<std::unique_ptr<ToolSource>> sources_;
};

}  // namespace igw
