// What one request learned on its way through, for metrics, the access log and traces.
// Owned by the router for the duration of the request; handlers fill it in.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/usage.h"

namespace igw {

struct RequestInfo {
  using Clock = std::chrono::steady_clock;

  std::string request_id;
  std::string provider = "unknown";  // metric label: a catalog id, "all" or "unknown"
  std::string model;                 // model as sent upstream
  bool stream = false;
  Clock::time_point start = Clock::now();
  std::optional<Clock::time_point> first_token;
  TokenUsage usage;
  std::vector<std::string> tool_calls;
  // Tools the gateway executed itself (MCP / A2A), for the tool-call metrics.
  struct ToolExecution {
    std::string name;
    bool ok = true;
    std::string error_type;  // failures only
    double duration_ms = 0;
  };
  std::vector<ToolExecution> tool_executions;
  int agent_iterations = 0;  // model calls made by the agent loop (0: no loop)
  std::string traceparent;   // W3C header to send upstream (ours when tracing, else the client's)
  // The authenticated caller (auth on): key id, token subject or "admin", and its team. Views
  // into the Exchange's identity, which outlives the request's telemetry.
  std::string_view caller;
  std::string_view team;

  // Tracing, when enabled: ids and the upstream call's timing.
  struct Trace {
    bool enabled = false;
    bool sampled = true;
    std::string trace_id;
    std::string span_id;           // the server span
    std::string parent_span_id;    // the client's span, when it sent traceparent
    std::string upstream_span_id;  // the client span of the upstream call
    uint64_t start_unix_nano = 0;
    uint64_t upstream_start_unix_nano = 0;
    uint64_t upstream_end_unix_nano = 0;
    int upstream_status = 0;
    std::string upstream_error;
  } trace;

  static uint64_t unixNanoNow() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }

  double elapsedMs(Clock::time_point until = Clock::now()) const {
    return std::chrono::duration<double, std::milli>(until - start).count();
  }
};

}  // namespace igw
