// Telemetry parsers fed untrusted bytes (client traceparent headers, provider responses): no
// crash; an accepted traceparent formats back to the same trace and span ids.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "telemetry/tracing.h"
#include "telemetry/usage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto tp = igw::parseTraceParent(in)) {
    auto again =
        igw::parseTraceParent(igw::formatTraceParent(tp->trace_id, tp->span_id, tp->sampled));
    if (!again || again->trace_id != tp->trace_id || again->span_id != tp->span_id) std::abort();
  }
  igw::TokenUsage usage;
  igw::extractUsage(in, usage);
  // Anthropic usage (byte-for-byte routes): counts are never negative, totals add up.
  igw::AnthropicUsage anthropic;
  igw::extractAnthropicUsage(in, anthropic);
  igw::TokenUsage tokens = anthropic.tokens();
  if (tokens.prompt < -1 || tokens.completion < -1) std::abort();
  if (tokens.total >= 0 && (tokens.prompt < 0 || tokens.completion < 0)) std::abort();
  std::vector<std::string> names;
  igw::extractToolCallNames(in, names);
  return 0;
}
