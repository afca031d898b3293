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
  // All heads of one response, interim (1xx) ones included; and how many 1xx are skipped.
  uint32_t max_response_header_bytes = 64 * 1024;
  unsigned max_interim_responses = 8;
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
  double trace_sample_ratio = 1.0;        // for requests without a client trace context
  unsigned max_series_per_metric = 1000;  // label sets per metric; the rest fold into "__other__"
  unsigned max_label_length = 128;        // bytes per metric label value / span string attribute
};

// One MCP server from MCP_SERVERS: "[name=]http(s)://host/mcp" or "[name=]stdio:command args".
struct McpServerConfig {
  std::string name;                  // label: given, else the URL's host or "stdio-<n>"
  std::string url;                   // http(s) endpoint; empty for stdio servers
  std::vector<std::string> command;  // stdio: argv (split on spaces; "..." quotes allowed)
  std::vector<std::pair<std::string, std::string>> headers;  // MCP_<NAME>_HEADERS (secrets)
  bool stdio() const { return url.empty(); }
};

struct McpConfig {
  bool enable = false;
  bool expose = false;  // GET /v1/mcp/tools
  std::vector<McpServerConfig> servers;
  std::vector<std::string> include_tools;  // server tool names; empty = all
  std::vector<std::string> exclude_tools;
  Millis client_timeout{};       // initialize / tools/list exchanges
  Millis dial_timeout{};         // connect (TCP + TLS)
  Millis request_timeout{};      // one tools/call
  unsigned max_retries = 0;      // attempts at start-up before waiting reconnect_interval
  Millis retry_interval{};       // cap of the exponential backoff between attempts
  Millis initial_backoff{};      // first backoff
  bool enable_reconnect = true;  // keep retrying servers that are down or went away
  Millis reconnect_interval{};   // between reconnect rounds after max_retries
  bool polling_enable = true;    // health pings
  Millis polling_interval{};
  Millis polling_timeout{};
  bool disable_healthcheck_logs = true;
};

struct A2aConfig {
  bool enable = false;
  bool expose = false;              // GET /v1/a2a/agents
  std::vector<std::string> agents;  // base URLs
  Millis client_timeout{};          // one request to an agent (card, send, get)
  bool polling_enable = true;       // poll tasks that are not finished after send
  Millis polling_interval{};
  Millis polling_timeout{};  // overall limit for one task
  unsigned max_poll_attempts = 0;
  unsigned max_retries = 0;
  Millis retry_interval{};
  Millis initial_backoff{};
  bool enable_reconnect = true;
  Millis reconnect_interval{};
  bool disable_healthcheck_logs = true;
  bool discovery_enable = false;    // Kubernetes service discovery
  std::string discovery_namespace;  // empty: the pod's own namespace
  std::string discovery_label_selector;
  std::string
      discovery_api_url;  // empty: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
  std::string discovery_service_account_dir;  // token, ca.crt, namespace
  Millis discovery_polling_interval{};
};

// The tool-calling loop the gateway runs when MCP or A2A tools are offered.
struct AgentConfig {
  unsigned max_iterations = 0;         // model calls per client request
  unsigned max_tool_calls = 0;         // tool calls executed per iteration
  uint64_t max_tool_result_bytes = 0;  // longer tool output is cut (and says so)
};

// Bounds on the work one request may cause (see docs on limits).
struct RequestLimitsConfig {
  unsigned json_max_depth = 0;     // nesting of any JSON from outside (bodies, arguments, answers)
  uint64_t chat_max_messages = 0;  // messages of a request the gateway translates
  uint64_t chat_max_json_values = 0;       // JSON values of a body the gateway builds a DOM of
  uint64_t chat_max_translated_bytes = 0;  // native request body built from a client request
};

// Authentication (docs/auth.md): OpenID Connect tokens, gateway-issued API keys, the admin API.
struct AuthConfig {
  bool enable = false;
  std::string oidc_issuer;         // empty: no OpenID Connect, gateway keys only
  std::string oidc_client_id;      // the audience a token must carry
  std::string oidc_client_secret;  // accepted for the Go gateway's sake; verification needs none
  Millis oidc_leeway{};            // clock skew allowed on exp / nbf
  std::string admin_claim;         // token claim holding roles ("roles")
  std::string admin_role;          // the role that makes a token an admin ("gateway-admin")
  Millis jwks_refresh_interval{};
  Millis jwks_min_refresh_interval{};  // fetches caused by unknown key ids, at most one per this
  std::string admin_key;               // static admin credential; empty: none
  std::string database_url;            // sqlite path or postgres:// URL
  std::string data_dir;                // where the default SQLite file lives
  Millis key_refresh_interval{};       // how often replicas look for key changes
  unsigned token_cache_size = 0;       // verified tokens remembered per worker
};

// Limits, budgets and the spend log (docs/limits.md); in force when AUTH_ENABLED.
struct SpendConfig {
  bool spend_log = true;            // one row per request of an authenticated caller
  std::string model_prices_path;    // overrides/extends the built-in price table
  uint64_t default_max_tokens = 0;  // output estimate for a request that sets no max_tokens
  Millis spend_flush_interval{};    // spend log batches
  std::string redis_url;            // shared counters; empty: in this process
  bool fail_open = false;           // Redis unreachable: admit (true) or 503 (false)
  Millis redis_timeout{};           // per Redis command
  Millis lease{};                   // a request in flight counts at most this long in Redis
};

// Model aliases over pools of deployments (docs/routing.md).
struct RoutingSettings {
  bool enable = false;
  std::string config_path;  // the routing file (YAML)
  Millis watch_interval{};  // how often the file is checked for changes; 0: only on SIGHUP
};

struct Config {
  std::string environment;  // "production" (JSON logs) | "development" (readable logs)
  std::string log_level;
  ServerConfig server;
  ClientConfig client;
  RequestLimitsConfig limits;
  TelemetryConfig telemetry;
  McpConfig mcp;
  A2aConfig a2a;
  AgentConfig agent;
  AuthConfig auth;
  SpendConfig spend;
  RoutingSettings routing;
  bool log_message_content = false;
  uint64_t log_max_field_length = 1024;  // bytes per log field value; longer ones are cut
  std::string azure_api_version;         // AZURE_API_VERSION
  uint64_t anthropic_default_max_tokens =
      0;  // Anthropic requires max_tokens  // debugging only: put message bodies in debug logs
  std::map<std::string, ProviderSetting, std::less<>> providers;  // every catalog id
  std::vector<std::string> allowed_models;                        // lower-cased
  std::vector<std::string> disallowed_models;                     // lower-cased
  bool enable_images = false;  // ENABLE_IMAGES: /v1/images/* (docs/media.md)
  bool enable_audio = false;   // ENABLE_AUDIO: /v1/audio/*
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
