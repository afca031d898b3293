// Spans and their OTLP/HTTP JSON encoding, plus W3C trace-context parsing. Pure code: the
// exporter that ships batches lives in net/trace_exporter.*.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace igw {

struct TraceParent {
  std::string trace_id;  // 32 lower-case hex, not all zero
  std::string span_id;   // 16 lower-case hex, not all zero
  bool sampled = true;
};

// Parses a `traceparent` header (version 00, or a future version read as 00). nullopt when it
// is malformed, which per the spec means: start a new trace.
std::optional<TraceParent> parseTraceParent(std::string_view header);
std::string formatTraceParent(std::string_view trace_id, std::string_view span_id, bool sampled);

enum class SpanKind { kServer = 2, kClient = 3 };

struct Span {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;  // empty for a root span
  std::string name;
  SpanKind kind = SpanKind::kServer;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  std::vector<std::pair<std::string, std::variant<std::string, int64_t>>> attributes;
  bool error = false;
  std::string status_message;
};

// Cuts the span's name, string attributes and status message to `max_length` bytes of valid
// UTF-8 without control characters. Model names and paths come from clients: unbounded, a
// queue of spans could hold gigabytes, and invalid UTF-8 would make the collector refuse the
// whole batch.
void boundSpan(Span& span, size_t max_length);

// ExportTraceServiceRequest in the OTLP JSON encoding (hex ids, 64-bit integers as strings).
std::string encodeOtlpJson(const std::vector<Span>& spans, std::string_view service_name,
                           std::string_view version);

}  // namespace igw
