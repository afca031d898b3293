// The one JSON entry point for text that comes from outside the process: client bodies, strings
// parsed again (tool-call arguments, tool results), upstream answers, MCP and A2A messages,
// Kubernetes answers. Every parse is bounded in size and in nesting depth, so every later
// operation on the DOM (copy, dump, comparison, recursive walks) is bounded too: nlohmann's parser
// is iterative but its copy and dump recurse, and a deep document would overflow the stack.
// A unit test (json_parse_test) fails if anything else in src/ calls json::parse directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace igw {

struct JsonLimits {
  unsigned max_depth = 128;          // JSON_MAX_DEPTH: nested arrays/objects, outermost is 1
  uint64_t max_bytes = 64ull << 20;  // larger text is refused before parsing
};

// Process-wide limits, set once at start-up from the configuration (before any worker runs).
void setJsonLimits(const JsonLimits& limits);
const JsonLimits& jsonLimits();

enum class JsonError { kNone, kInvalid, kTooDeep, kTooLarge };

struct ParsedJson {
  nlohmann::json value;  // discarded unless ok()
  JsonError error = JsonError::kNone;
  size_t offset = 0;  // where parsing stopped, for kInvalid and kTooDeep
  unsigned max_depth = 0;
  uint64_t max_bytes = 0;

  bool ok() const { return error == JsonError::kNone; }
  // The limit was hit (as opposed to plain invalid JSON): callers say so to the user.
  bool overLimit() const { return error == JsonError::kTooDeep || error == JsonError::kTooLarge; }
  // "nested deeper than 128 levels (JSON_MAX_DEPTH)", "larger than N bytes", "not valid JSON
  // (at byte N)". Empty when ok.
  std::string describe() const;
};

ParsedJson parseJson(std::string_view text);
ParsedJson parseJson(std::string_view text, const JsonLimits& limits);

// parseJson(text).value, or a discarded value on any failure: for call sites that treat "too
// deep" like any other malformed input (e.g. best-effort reads of an error body).
nlohmann::json parseJsonOrDiscarded(std::string_view text);

// A Status for a failed parse: `code` chosen by the caller (400 for clients, 502 for upstreams),
// message "<what> <describe()>".
Status jsonStatus(const ParsedJson& parsed, Code code, std::string_view what);

}  // namespace igw
