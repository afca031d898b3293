// The gateway's tool sources (MCP, A2A), built once in main() and shared read-only by workers,
// and ToolView, a worker's lock-free view of their tool lists.
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
  // Destroys the sources. After stop() no worker coroutine waits in a source any more (a
  // source's ServiceHost resumes every pending call, through the caller's io_context), but a
  // source's objects may still be referenced from what the workers have queued: main() calls
  // this after the workers stopped and before the server is destroyed.
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

// One worker's view of every source's tools: a Snapshot Reader per source, so reading the lists
// on every request is one load of a version counter per source and touches the shared snapshot
// only after a source published a new list. Not thread-safe itself: one per worker thread,
// built after every source was added to the registry, and outliving no source.
class ToolView {
 public:
  explicit ToolView(const ToolRegistry& registry) {
    for (const auto& s : registry.sources())
      readers_.push_back({s.get(), Snapshot<ToolList>::Reader(s->toolSnapshot())});
  }
  size_t size() const { return readers_.size(); }
  ToolSource& source(size_t i) const { return *readers_[i].source; }
  // Source i's tools right now (never null). The reference is valid until the next tools(i);
  // copy the shared_ptr to keep the list across suspension points.
  const std::shared_ptr<const ToolList>& tools(size_t i) { return readers_[i].reader.pin(); }

 private:
  struct Entry {
    ToolSource* source;
    Snapshot<ToolList>::Reader reader;
  };
  std::vector<Entry> readers_;
};

}  // namespace igw
