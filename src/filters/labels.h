// Metric labels derived from the request: bounded sets only, so that clients cannot create
// unbounded series (shared by the telemetry and tracing filters).
#pragma once

#include <string_view>

namespace igw {

// Metric label for the path: fixed routes as they are, proxy paths collapsed per provider so
// that client-chosen paths cannot create unbounded series.
inline std::string_view metricPath(std::string_view path) {
  auto startsWith = [](std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
  };
  if (path == "/v1/chat/completions" || path == "/v1/models" || path == "/v1/messages" ||
      path == "/v1/mcp/tools" || path == "/v1/a2a/agents" || path == "/v1/embeddings" ||
      path == "/v1/completions" || path == "/v1/responses") {
    return path;
  }
  for (std::string_view media :
       {"/v1/images/generations", "/v1/images/edits", "/v1/images/variations", "/v1/audio/speech",
        "/v1/audio/transcriptions", "/v1/audio/translations"}) {
    if (path == media) return media;
  }
  if (startsWith(path, "/v1/a2a/agents/")) return "/v1/a2a/agents/{id}";
  if (startsWith(path, "/proxy/") || startsWith(path, "/v1/proxy/")) return "/proxy";
  return "other";
}

// Metric label for the method: any token is a valid HTTP method, so only the standard ones are
// kept; a client sending random methods must not fill llm_requests_total with its own series.
inline std::string_view metricMethod(std::string_view method) {
  for (std::string_view known :
       {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE"}) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace igw
