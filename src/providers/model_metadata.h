// What the gateway knows about models besides their prices: context window, largest output and
// modalities, from data/model_metadata.json (compiled into the binary, with its sources and
// date). GET /v1/models?include=context_window,modalities reads it; null where unknown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace igw {

struct ModelMetadata {
  int64_t context_window = -1;     // tokens; -1: unknown
  int64_t max_output_tokens = -1;  // tokens; -1: unknown
  bool has_modalities = false;
  std::vector<std::string> input_modalities;   // "text", "image", "audio", "video", "pdf"
  std::vector<std::string> output_modalities;  // "text", "image", "audio", "embedding"
};

// Bounds of a metadata document.
inline constexpr size_t kMaxMetadataBytes = 4u << 20;
inline constexpr size_t kMaxMetadataEntries = 10000;
inline constexpr size_t kMaxModalities = 16;

class ModelMetadataTable {
 public:
  // The built-in table. Fails only if data/model_metadata.json is broken (a unit test loads it).
  static Result<ModelMetadataTable> builtin();
  // {"_source": .., "_updated": .., "models": {"provider/model": {"context_window": N,
  // "max_output_tokens": N, "modalities": {"input": [..], "output": [..]}}}}. Strict: a wrong
  // type or an unknown field is an error naming the entry.
  static Result<ModelMetadataTable> parse(std::string_view text);

  // `model` of `provider`: exact, else the longest listed model that `model` starts with,
  // followed by '-' (dated snapshots). Case-insensitive; a leading "models/" is ignored. An
  // "azure" deployment not listed under "azure/" takes the "openai/" entry of its name.
  const ModelMetadata* find(std::string_view provider, std::string_view model) const;

  size_t size() const { return models_.size(); }
  const std::string& source() const { return source_; }
  const std::string& updated() const { return updated_; }

 private:
  std::unordered_map<std::string, ModelMetadata> models_;  // "provider/model", lower case
  std::string source_;
  std::string updated_;
};

}  // namespace igw
