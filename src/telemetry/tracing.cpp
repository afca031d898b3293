#include "telemetry/tracing.h"

#include "core/json_text.h"
#include "core/safe_text.h"

namespace igw {

namespace {

bool isLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool allZero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

std::optional<TraceParent> parseTraceParent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags : 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), span = h.substr(36, 16),
                   flags = h.substr(53, 2);
  if (!isLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  if (!isLowerHex(trace) || !isLowerHex(span) || !isLowerHex(flags)) return std::nullopt;
  if (allZero(trace) || allZero(span)) return std::nullopt;
  int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return TraceParent{std::string(trace), std::string(span), (flag_bits & 1) != 0};
}

std::string formatTraceParent(std::string_view trace_id, std::string_view span_id, bool sampled) {
  std::string out = "00-";
  out.append(trace_id);
  out += '-';
  out.append(span_id);
  out += sampled ? "-01" : "-00";
  return out;
}

void boundSpan(Span& span, size_t max_length) {
  auto bound = [max_length](std::string& s) { s = safeText(s, max_length); };
  bound(span.name);
  bound(span.status_message);
  for (auto& [key, value] : span.attributes) {
    if (auto* str = std::get_if<std::string>(&value)) bound(*str);
  }
}

std::string encodeOtlpJson(const std::vector<Span>& spans, std::string_view service_name,
                           std::string_view version) {
  std::string out;
  out.reserve(256 + spans.size() * 600);
  out +=
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":)";
  appendJsonString(out, service_name);
  out += R"(}},{"key":"service.version","value":{"stringValue":)";
  appendJsonString(out, version);
  out += R"(}}]},"scopeSpans":[{"scope":{"name":"inference-gateway","version":)";
  appendJsonString(out, version);
  out += R"(},"spans":[)";
  bool first = true;
  for (const auto& s : spans) {
    if (!first) out.push_back(',');
    first = false;
    out += R"({"traceId":")" + s.trace_id + R"(","spanId":")" + s.span_id + '"';
    if (!s.parent_span_id.empty()) out += R"(,"parentSpanId":")" + s.parent_span_id + '"';
    out += R"(,"name":)";
    appendJsonString(out, s.name);
    out += R"(,"kind":)" + std::to_string(static_cast<int>(s.kind));
    out += R"(,"startTimeUnixNano":")" + std::to_string(s.start_unix_nano) + '"';
    out += R"(,"endTimeUnixNano":")" + std::to_string(s.end_unix_nano) + '"';
    out += R"(,"attributes":[)";
    bool first_attr = true;
    for (const auto& [key, value] : s.attributes) {
      if (!first_attr) out.push_back(',');
      first_attr = false;
      out += R"({"key":)";
      appendJsonString(out, key);
      if (const auto* str = std::get_if<std::string>(&value)) {
        out += R"(,"value":{"stringValue":)";
        appendJsonString(out, *str);
        out += "}}";
      } else {
        out += R"(,"value":{"intValue":")" + std::to_string(std::get<int64_t>(value)) + "\"}}";
      }
    }
    out += R"(],"status":{"code":)";
    out += s.error ? "2" : "1";
    if (s.error && !s.status_message.empty()) {
      out += R"(,"message":)";
      appendJsonString(out, s.status_message);
    }
    out += "}}";
  }
  out += "]}]}]}";
  return out;
}

}  // namespace igw
