// Gateway configuration: read once from the environment at start-up, immutable afterwards and
// shared as std::shared_ptr<const Config>. Every variable, its default and its help text live in
// one table (config.cpp), which also drives --help and the README's configuration table.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/status.h"

namespace igw {

struct ServerConfig {
  std::string host;
  uint16_t port = 0;
  Millis read_timeout{};    // whole request (headers + body) must arrive within this
  Millis write_timeout{};   // each write to the client; reset per streamed chunk
  Millis idle_timeout{};    // keep-alive connection waiting for its next request
  Millis shutdown_grace{};  // SIGTERM: in-flight requests get this long to finish
  uint64_t max_body_bytes = 0;
  uint32_t max_header_bytes = 0;
  unsigned threads = 0;  // 0 = one per core
  std::string tls_cert_path;
  std::string tls_key_path;
  bool tls() const { return !tls_cert_path.empty(); }
};

struct ClientConfig {
  Millis timeout{};                  // whole non-streaming upstream exchange
  Millis connect_timeout{};          // DNS + TCP + TLS handshake
  Millis response_header_timeout{};  // request sent -> response headers received
  Millis idle_chunk_timeout{};       // silence allowed between two streamed chunks
  Millis idle_conn_timeout{};        // pooled idle connection lifetime
  unsigned max_idle_conns_per_host = 0;
  uint64_t max_response_bytes = 0;  // buffered (non-streaming) upstream bodies
  std::string tls_min_version;      // "TLS12" | "TLS13"
};

struct ProviderSetting {
  std::string url;       // base URL without trailing slash
  std::string key;       // empty when not configured
  bool url_set = false;  // {ID}_API_URL given explicitly
  bool native = false;   // {ID}_API_FORMAT=native (the default where a native adapter exists)
};

struct TelemetryConfig {
  bool enable = false;
  std::string metrics_host;  // empty: same as SERVER_HOST
  uint16_t metrics_port = 0;
  bool tracing_enable = false;
  std::string otlp_endpoint;  // OTLP/HTTP base URL, e.g. http://collector:4318
  std::string service_name;
  Millis trace_flush_interval{};
  unsigned trace_max_queue = 0;
  double trace_sample_ratio = 1.0;  // for requests without a client trace context
};

struct Config {
  std::string environment;  // "production" (JSON logs) | "development" (readable logs)
  std::string log_level;
  ServerConfig server;
  ClientConfig client;
  TelemetryConfig telemetry;
  bool log_message_content = false;
  uint64_t anthropic_default_max_tokens =
      0;  // Anthropic requires max_tokens  // debugging only: put message bodies in debug logs
  std::map<std::string, ProviderSetting, std::less<>> providers;  // every catalog id
  std::vector<std::string> allowed_models;                        // lower-cased
  std::vector<std::string> disallowed_models;                     // lower-cased
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment.
EnvLookup processEnv();

// Builds the configuration; the error names the offending variable and what is wrong with it.
Result<Config> loadConfig(const EnvLookup& env);

// Text for --help: every variable with its default and meaning.
std::string configHelp();

// Markdown table of every variable (kept in README.md).
std::string configMarkdownTable();

}  // namespace igw
