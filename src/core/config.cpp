#include "core/config.h"

#include "core/config_parse.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "net/url.h"
#include "providers/catalog.h"

namespace igw {

namespace {

using namespace config_parse;

using Apply = Status (*)(Config&, const std::string& value);

struct Option {
  const char* name;
  const char* default_value;
  const char* help;
  Apply apply;
  const char* alias = nullptr;  // older spelling still accepted (e.g. TELEMETRY_ENABLED)
};

#define DURATION_OPTION(NAME, DEF, HELP, FIELD)            \
  Option {                                                 \
    NAME, DEF, HELP, [](Config& c, const std::string& v) { \
      auto d = parseTimeout(v);                            \
      if (!d) return d.status();                           \
      c.FIELD = *d;                                        \
      return Status::ok();                                 \
    }                                                      \
  }

#define UNSIGNED_OPTION(NAME, DEF, HELP, FIELD, MAX, TYPE) \
  Option {                                                 \
    NAME, DEF, HELP, [](Config& c, const std::string& v) { \
      auto n = parseUnsigned(v, MAX);                      \
      if (!n) return n.status();                           \
      c.FIELD = static_cast<TYPE>(*n);                     \
      return Status::ok();                                 \
    }                                                      \
  }

// An integer with a lower bound too: 0 never means "unlimited".
#define RANGE_OPTION(NAME, DEF, HELP, FIELD, MIN, MAX, TYPE)                             \
  Option {                                                                               \
    NAME, DEF, HELP, [](Config& c, const std::string& v) {                               \
      auto n = parseUnsigned(v, MAX);                                                    \
      if (!n) return n.status();                                                         \
      if (*n < (MIN)) return bad(v + " is too small (min " + std::to_string(MIN) + ")"); \
      c.FIELD = static_cast<TYPE>(*n);                                                   \
      return Status::ok();                                                               \
    }                                                                                    \
  }

#define BOOL_OPTION(NAME, DEF, HELP, FIELD, ALIAS) \
  Option {                                         \
    NAME, DEF, HELP,                               \
        [](Config& c, const std::string& v) {      \
          auto b = parseBool(v);                   \
          if (!b) return b.status();               \
          c.FIELD = *b;                            \
          return Status::ok();                     \
        },                                         \
        ALIAS                                      \
  }

const Option
    kOptions[] =
        {
            {"ENVIRONMENT", "production", "production: JSON logs; development: human-readable logs",
             [](Config& c, const std::string& v) {
               if (v != "production" && v != "development") {
                 return bad("must be 'production' or 'development', got '" + v + "'");
               }
               c.environment = v;
               return Status::ok();
             }},
            {"LOG_LEVEL", "info", "debug, info, warn or error",
             [](Config& c, const std::string& v) {
               if (v != "debug" && v != "info" && v != "warn" && v != "error") {
                 return bad("must be debug, info, warn or error, got '" + v + "'");
               }
               c.log_level = v;
               return Status::ok();
             }},
            {"ALLOWED_MODELS", "",
             "Comma-separated models to allow ('provider/model' or bare 'model'); empty allows all",
             [](Config& c, const std::string& v) {
               c.allowed_models = splitList(v);
               return Status::ok();
             }},
            {"DISALLOWED_MODELS", "",
             "Comma-separated models to refuse ('provider/model' or bare 'model'); wins over "
             "ALLOWED_MODELS",
             [](Config& c, const std::string& v) {
               c.disallowed_models = splitList(v);
               return Status::ok();
             }},
            // The Go gateway's ENABLE_IMAGES (default off; 404 when off). Audio has no flag there:
            // it gets its own, alike (docs/media.md).
            BOOL_OPTION("ENABLE_IMAGES", "false",
                        "Serve the Images API: POST /v1/images/generations, /v1/images/edits, "
                        "/v1/images/variations (404 when off)",
                        enable_images, "IMAGES_ENABLED"),
            BOOL_OPTION("ENABLE_AUDIO", "false",
                        "Serve the Audio API: POST /v1/audio/speech, /v1/audio/transcriptions, "
                        "/v1/audio/translations (404 when off)",
                        enable_audio, "AUDIO_ENABLED"),
            {"SERVER_HOST", "127.0.0.1", "Address to listen on (0.0.0.0 for all interfaces)",
             [](Config& c, const std::string& v) {
               if (v.empty()) return bad("must not be empty");
               c.server.host = v;
               return Status::ok();
             }},
            {"SERVER_PORT", "8080", "Port to listen on (0 picks a free port and logs it)",
             [](Config& c, const std::string& v) {
               auto n = parseUnsigned(v, 65535);
               if (!n) return bad("must be a port number 0-65535, got '" + v + "'");
               c.server.port = static_cast<uint16_t>(*n);
               return Status::ok();
             }},
            DURATION_OPTION("SERVER_READ_TIMEOUT", "30s", "Time allowed to receive a whole request",
                            server.read_timeout),
            DURATION_OPTION("SERVER_WRITE_TIMEOUT", "30s",
                            "Time allowed for each write to the client (reset per streamed chunk)",
                            server.write_timeout),
            DURATION_OPTION("SERVER_IDLE_TIMEOUT", "120s",
                            "How long a keep-alive connection may wait for its next request",
                            server.idle_timeout),
            DURATION_OPTION("SERVER_SHUTDOWN_GRACE", "30s",
                            "On SIGTERM/SIGINT, time in-flight requests get to finish",
                            server.shutdown_grace),
            UNSIGNED_OPTION("SERVER_MAX_REQUEST_BODY_SIZE", "20971520",
                            "Largest request body accepted, in bytes (larger gets 413)",
                            server.max_body_bytes, (1ull << 40), uint64_t),
            UNSIGNED_OPTION("SERVER_MAX_HEADER_SIZE", "65536",
                            "Largest request header block accepted, in bytes (larger gets 431)",
                            server.max_header_bytes, (1u << 24), uint32_t),
            {"JSON_MAX_DEPTH", "128",
             "Deepest nesting accepted in any JSON from outside: request bodies, tool-call "
             "arguments, "
             "tool results, upstream answers (deeper gets 400 from a client, 502 from an upstream)",
             [](Config& c, const std::string& v) {
               auto n = parseUnsigned(v, 1024);  // the DOM's copy and dump recurse once per level
               if (!n || *n == 0) return bad("must be an integer 1-1024, got '" + v + "'");
               c.limits.json_max_depth = static_cast<unsigned>(*n);
               return Status::ok();
             }},
            UNSIGNED_OPTION("CHAT_MAX_MESSAGES", "10000",
                            "Most messages in a request the gateway translates (native providers, "
                            "/v1/messages, tool loops); more gets 400",
                            limits.chat_max_messages, (1ull << 32), uint64_t),
            UNSIGNED_OPTION(
                "CHAT_MAX_JSON_VALUES", "500000",
                "Most JSON values (strings, numbers, objects, ...) in a request body the "
                "gateway translates; each costs about 100 bytes while translating; more gets "
                "400",
                limits.chat_max_json_values, (1ull << 40), uint64_t),
            UNSIGNED_OPTION(
                "CHAT_MAX_TRANSLATED_SIZE", "41943040",
                "Largest native request body, in bytes, the gateway builds from a client "
                "request for a provider's own API (larger gets 400)",
                limits.chat_max_translated_bytes, (1ull << 40), uint64_t),
            UNSIGNED_OPTION("SERVER_THREADS", "0", "Worker threads; 0 means one per CPU core",
                            server.threads, 256, unsigned),
            {"SERVER_TLS_CERT_PATH", "",
             "PEM certificate chain; with SERVER_TLS_KEY_PATH serves HTTPS",
             [](Config& c, const std::string& v) {
               c.server.tls_cert_path = v;
               return Status::ok();
             }},
            {"SERVER_TLS_KEY_PATH", "", "PEM private key for SERVER_TLS_CERT_PATH",
             [](Config& c, const std::string& v) {
               c.server.tls_key_path = v;
               return Status::ok();
             }},
            DURATION_OPTION("CLIENT_TIMEOUT", "30s", "Whole non-streaming upstream exchange",
                            client.timeout),
            DURATION_OPTION("CLIENT_CONNECT_TIMEOUT", "10s",
                            "DNS lookup, TCP connect and TLS handshake to an upstream",
                            client.connect_timeout),
            DURATION_OPTION("CLIENT_RESPONSE_HEADER_TIMEOUT", "10s",
                            "Request sent to upstream response headers received",
                            client.response_header_timeout),
            DURATION_OPTION("CLIENT_IDLE_CHUNK_TIMEOUT", "60s",
                            "Longest silence allowed between two streamed upstream chunks",
                            client.idle_chunk_timeout),
            DURATION_OPTION("CLIENT_IDLE_CONN_TIMEOUT", "30s",
                            "How long an idle pooled upstream connection is kept",
                            client.idle_conn_timeout),
            // Higher than the Go gateway's 20: with more concurrent requests than pooled
            // connections, every surplus request pays a connect and a close (measured: 0.56x
            // throughput at 64 clients).
            UNSIGNED_OPTION("CLIENT_MAX_IDLE_CONNS_PER_HOST", "256",
                            "Idle keep-alive connections kept per upstream host and worker thread",
                            client.max_idle_conns_per_host, 100000, unsigned),
            UNSIGNED_OPTION("CLIENT_MAX_RESPONSE_SIZE", "67108864",
                            "Largest non-streaming upstream response body, in bytes",
                            client.max_response_bytes, (1ull << 40), uint64_t),
            BOOL_OPTION(
                "AUTH_ENABLED", "false",
                "Require a credential (OIDC token, gateway key or AUTH_ADMIN_KEY) on every route "
                "but /health",
                auth.enable, "AUTH_ENABLE"),
            {"AUTH_OIDC_ISSUER", "",
             "OpenID Connect issuer URL; its discovery document names the signing keys",
             [](Config& c, const std::string& v) {
               c.auth.oidc_issuer = v;
               return Status::ok();
             }},
            {"AUTH_OIDC_CLIENT_ID", "", "The audience an OIDC token must carry (its aud claim)",
             [](Config& c, const std::string& v) {
               c.auth.oidc_client_id = v;
               return Status::ok();
             }},
            {"AUTH_OIDC_CLIENT_SECRET", "",
             "Accepted for compatibility with the Go gateway; token verification does not use it",
             [](Config& c, const std::string& v) {
               c.auth.oidc_client_secret = v;
               return Status::ok();
             }},
            DURATION_OPTION("AUTH_OIDC_LEEWAY", "60s",
                            "Clock skew allowed on a token's exp and nbf", auth.oidc_leeway),
            {"AUTH_OIDC_ADMIN_CLAIM", "roles",
             "Token claim (string or list) that holds the caller's roles",
             [](Config& c, const std::string& v) {
               if (v.empty()) return bad("must not be empty");
               c.auth.admin_claim = v;
               return Status::ok();
             }},
            {"AUTH_OIDC_ADMIN_ROLE", "gateway-admin",
             "Role in AUTH_OIDC_ADMIN_CLAIM that grants /admin",
             [](Config& c, const std::string& v) {
               if (v.empty()) return bad("must not be empty");
               c.auth.admin_role = v;
               return Status::ok();
             }},
            DURATION_OPTION("AUTH_JWKS_REFRESH_INTERVAL", "10m",
                            "How often the identity provider's signing keys are fetched again",
                            auth.jwks_refresh_interval),
            DURATION_OPTION(
                "AUTH_JWKS_MIN_REFRESH_INTERVAL", "30s",
                "At most one extra key fetch per this interval for tokens with an unknown key "
                "id",
                auth.jwks_min_refresh_interval),
            {"AUTH_ADMIN_KEY", "", "Static admin credential for /admin (Bearer); empty: none",
             [](Config& c, const std::string& v) {
               c.auth.admin_key = v;
               return Status::ok();
             }},
            {"DATA_DIR", "data", "Directory of the default SQLite database (created when missing)",
             [](Config& c, const std::string& v) {
               if (v.empty()) return bad("must not be empty");
               c.auth.data_dir = v;
               return Status::ok();
             }},
            {"DATABASE_URL", "",
             "Key store: a SQLite path (sqlite://PATH) or postgres://...; empty: "
             "DATA_DIR/gateway.db",
             [](Config& c, const std::string& v) {
               c.auth.database_url = v;
               return Status::ok();
             }},
            DURATION_OPTION(
                "AUTH_KEY_REFRESH_INTERVAL", "2s",
                "How often each replica looks for key changes (revocations) in the database",
                auth.key_refresh_interval),
            RANGE_OPTION("AUTH_TOKEN_CACHE_SIZE", "10000",
                         "Verified OIDC tokens remembered per worker thread until they expire",
                         auth.token_cache_size, 1, 10000000, unsigned),
            BOOL_OPTION("SPEND_LOG_ENABLED", "true",
                        "Write every request of an authenticated caller to the spend log "
                        "(/admin/spend); false leaves out callers without limits (limited ones "
                        "are always logged: budgets are rebuilt from the log)",
                        spend.spend_log, nullptr),
            {"MODEL_PRICES_PATH", "",
             "JSON or YAML file of model prices that overrides or extends the built-in table "
             "(USD per million tokens)",
             [](Config& c, const std::string& v) {
               c.spend.model_prices_path = v;
               return Status::ok();
             }},
            RANGE_OPTION("LIMITS_DEFAULT_MAX_TOKENS", "4096",
                         "Output tokens reserved for a request that sets no max_tokens (token "
                         "limits and budgets)",
                         spend.default_max_tokens, 1, 10000000, uint64_t),
            DURATION_OPTION("SPEND_LOG_FLUSH_INTERVAL", "1s",
                            "How often the spend log is written to the database, in batches",
                            spend.spend_flush_interval),
            {"REDIS_URL", "",
             "redis://[user:password@]host:port[/db]: limits and budgets shared by replicas; "
             "empty: counted in this process",
             [](Config& c, const std::string& v) {
               if (!v.empty() && v.rfind("redis://", 0) != 0) {
                 return bad("must start with redis://");
               }
               c.spend.redis_url = v;
               return Status::ok();
             }},
            BOOL_OPTION("LIMITS_FAIL_OPEN", "false",
                        "Redis unreachable: admit requests without limits (true) or answer 503 "
                        "(false)",
                        spend.fail_open, nullptr),
            DURATION_OPTION("REDIS_TIMEOUT", "500ms", "Timeout of one Redis command",
                            spend.redis_timeout),
            DURATION_OPTION("LIMITS_LEASE", "15m",
                            "Longest a request counts as in flight in Redis (frees the slots of a "
                            "replica that died)",
                            spend.lease),
            BOOL_OPTION("ROUTING_ENABLED", "false",
                        "Serve the model aliases of ROUTING_CONFIG_PATH (pools of deployments with "
                        "retries, fallbacks and circuit breakers)",
                        routing.enable, nullptr),
            {"ROUTING_CONFIG_PATH", "routing.yaml",
             "The routing file (YAML); loaded again on SIGHUP or when it changes",
             [](Config& c, const std::string& v) {
               if (v.empty()) return bad("must name the routing file");
               c.routing.config_path = v;
               return Status::ok();
             }},
            DURATION_OPTION("ROUTING_WATCH_INTERVAL", "2s",
                            "How often the routing file is checked for changes (0: only on SIGHUP)",
                            routing.watch_interval),
            BOOL_OPTION("TELEMETRY_ENABLE", "false",
                        "Serve Prometheus metrics on TELEMETRY_METRICS_PORT at /metrics",
                        telemetry.enable, "TELEMETRY_ENABLED"),
            {"TELEMETRY_METRICS_HOST", "",
             "Address for the metrics listener; empty means SERVER_HOST",
             [](Config& c, const std::string& v) {
               c.telemetry.metrics_host = v;
               return Status::ok();
             }},
            {"TELEMETRY_METRICS_PORT", "9464", "Port of the metrics listener (0 picks a free port)",
             [](Config& c, const std::string& v) {
               auto n = parseUnsigned(v, 65535);
               if (!n) return bad("must be a port number 0-65535, got '" + v + "'");
               c.telemetry.metrics_port = static_cast<uint16_t>(*n);
               return Status::ok();
             }},
            BOOL_OPTION(
                "TELEMETRY_TRACING_ENABLE", "false",
                "Export OpenTelemetry traces over OTLP/HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT",
                telemetry.tracing_enable, "TELEMETRY_TRACING_ENABLED"),
            {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318",
             "OTLP/HTTP collector base URL; spans go to {endpoint}/v1/traces",
             [](Config& c, const std::string& v) {
               if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
                 return bad("must start with http:// or https://, got '" + v + "'");
               }
               c.telemetry.otlp_endpoint = v;
               while (!c.telemetry.otlp_endpoint.empty() &&
                      c.telemetry.otlp_endpoint.back() == '/') {
                 c.telemetry.otlp_endpoint.pop_back();
               }
               return Status::ok();
             }},
            {"OTEL_SERVICE_NAME", "inference-gateway", "service.name resource attribute of spans",
             [](Config& c, const std::string& v) {
               c.telemetry.service_name = v;
               return Status::ok();
             }},
            DURATION_OPTION("TELEMETRY_TRACE_FLUSH_INTERVAL", "1s",
                            "How often finished spans are exported in a batch",
                            telemetry.trace_flush_interval),
            UNSIGNED_OPTION("TELEMETRY_TRACE_MAX_QUEUE", "2048",
                            "Spans buffered per worker; beyond it spans are dropped and counted",
                            telemetry.trace_max_queue, 1000000, unsigned),
            {"TELEMETRY_TRACE_SAMPLE_RATIO", "1",
             "Share of new traces recorded (0-1); a client's traceparent sampled flag always wins",
             [](Config& c, const std::string& v) {
               char* end = nullptr;
               double r = std::strtod(v.c_str(), &end);
               if (v.empty() || end != v.c_str() + v.size() || !(r >= 0.0 && r <= 1.0)) {
                 return bad("must be a number from 0 to 1, got '" + v + "'");
               }
               c.telemetry.trace_sample_ratio = r;
               return Status::ok();
             }},
            RANGE_OPTION(
                "TELEMETRY_MAX_SERIES_PER_METRIC", "1000",
                "Label sets (series) per metric, all workers together; once reached, new label "
                "values are counted under the value __other__ (docs/metrics.md)",
                telemetry.max_series_per_metric, 1, 1000000, unsigned),
            RANGE_OPTION(
                "TELEMETRY_MAX_LABEL_LENGTH", "128",
                "Longest metric label value and span attribute, in bytes; longer client-chosen "
                "values (model and tool names) are cut on a UTF-8 boundary",
                telemetry.max_label_length, 16, 65536, unsigned),
            RANGE_OPTION(
                "LOG_MAX_FIELD_LENGTH", "1024",
                "Longest log field value, in bytes (raise it to log whole bodies with "
                "LOG_MESSAGE_CONTENT); longer values are cut and marked with how much was cut",
                log_max_field_length, 64, (1ull << 32), uint64_t),
            BOOL_OPTION("LOG_MESSAGE_CONTENT", "false",
                        "Debugging only: log request bodies (message contents) at debug level",
                        log_message_content, nullptr),
            {"AZURE_API_VERSION", "2024-10-21",
             "Azure OpenAI api-version sent with every deployment call (the Responses API uses "
             "Azure's v1 surface, which takes none)",
             [](Config& c, const std::string& v) {
               const bool ok = !v.empty() && v.size() <= 64 &&
                               std::all_of(v.begin(), v.end(), [](unsigned char ch) {
                                 return std::isalnum(ch) || ch == '-' || ch == '.';
                               });
               if (!ok)
                 return bad("must look like 2024-10-21 or 2025-04-01-preview, got '" + v + "'");
               c.azure_api_version = v;
               return Status::ok();
             }},
            UNSIGNED_OPTION("ANTHROPIC_DEFAULT_MAX_TOKENS", "4096",
                            "max_tokens sent to Anthropic's native API when the client gives none",
                            anthropic_default_max_tokens, 1000000, uint64_t),
            UNSIGNED_OPTION("CLIENT_MAX_RESPONSE_HEADER_SIZE", "65536",
                            "Largest upstream response head in bytes, interim (1xx) heads included",
                            client.max_response_header_bytes, 16u << 20, uint32_t),
            UNSIGNED_OPTION(
                "CLIENT_MAX_INTERIM_RESPONSES", "8",
                "Interim (1xx) upstream responses skipped before the final one; more is a 502",
                client.max_interim_responses, 1000, unsigned),
            {"CLIENT_TLS_MIN_VERSION", "TLS12",
             "Minimum TLS version to upstreams: TLS12 or TLS13 (TLS 1.2: ECDHE with AEAD ciphers "
             "only)",
             [](Config& c, const std::string& v) {
               if (v != "TLS12" && v != "TLS13")
                 return bad("must be TLS12 or TLS13, got '" + v + "'");
               c.client.tls_min_version = v;
               return Status::ok();
             }},
            // MCP: tool servers whose tools the gateway offers to models and executes itself.
            BOOL_OPTION("MCP_ENABLE", "false",
                        "Offer the tools of MCP_SERVERS to every chat request and run them",
                        mcp.enable, "MCP_ENABLED"),
            BOOL_OPTION("MCP_EXPOSE", "false", "Serve GET /v1/mcp/tools (403 otherwise)",
                        mcp.expose, nullptr),
            {"MCP_SERVERS", "",
             "Comma-separated MCP servers: [name=]http(s)://host/mcp (Streamable HTTP, falling "
             "back to "
             "HTTP+SSE) or [name=]stdio:command args; per-server headers in MCP_<NAME>_HEADERS",
             [](Config& c, const std::string& v) {
               c.mcp.servers.clear();
               auto items = splitRaw(v);
               for (size_t i = 0; i < items.size(); ++i) {
                 auto server = parseMcpServer(items[i], i);
                 if (!server) return server.status();
                 for (const auto& other : c.mcp.servers) {
                   if (other.name == server->name) {
                     return bad("two servers are named '" + server->name +
                                "': give one a name with name=URL");
                   }
                 }
                 c.mcp.servers.push_back(std::move(server.value()));
               }
               return Status::ok();
             }},
            {"MCP_INCLUDE_TOOLS", "",
             "Comma-separated tool names to offer (server names); empty offers all",
             [](Config& c, const std::string& v) {
               c.mcp.include_tools = splitRaw(v);
               return Status::ok();
             }},
            {"MCP_EXCLUDE_TOOLS", "", "Comma-separated tool names never to offer",
             [](Config& c, const std::string& v) {
               c.mcp.exclude_tools = splitRaw(v);
               return Status::ok();
             }},
            DURATION_OPTION(
                "MCP_CLIENT_TIMEOUT", "10s",
                "Limit for one exchange with an MCP server (initialize, tools/list, ping)",
                mcp.client_timeout),
            DURATION_OPTION("MCP_DIAL_TIMEOUT", "3s", "Connect timeout to MCP servers (TCP + TLS)",
                            mcp.dial_timeout),
            DURATION_OPTION("MCP_REQUEST_TIMEOUT", "30s",
                            "Limit for one tools/call; the model is told the tool timed out",
                            mcp.request_timeout),
            UNSIGNED_OPTION(
                "MCP_MAX_RETRIES", "3",
                "Connection attempts (with backoff) before waiting MCP_RECONNECT_INTERVAL",
                mcp.max_retries, 1000, unsigned),
            DURATION_OPTION("MCP_RETRY_INTERVAL", "5s",
                            "Longest backoff between connection attempts", mcp.retry_interval),
            DURATION_OPTION("MCP_INITIAL_BACKOFF", "1s",
                            "First backoff after a failed connection attempt", mcp.initial_backoff),
            BOOL_OPTION("MCP_ENABLE_RECONNECT", "true",
                        "Keep reconnecting servers that are down or went away",
                        mcp.enable_reconnect, nullptr),
            DURATION_OPTION("MCP_RECONNECT_INTERVAL", "30s",
                            "Wait between reconnect rounds once MCP_MAX_RETRIES attempts failed",
                            mcp.reconnect_interval),
            BOOL_OPTION("MCP_POLLING_ENABLE", "true",
                        "Ping connected MCP servers to detect failures", mcp.polling_enable,
                        nullptr),
            DURATION_OPTION("MCP_POLLING_INTERVAL", "30s", "Interval between health pings",
                            mcp.polling_interval),
            DURATION_OPTION("MCP_POLLING_TIMEOUT", "5s", "Limit for one health ping",
                            mcp.polling_timeout),
            BOOL_OPTION("MCP_DISABLE_HEALTHCHECK_LOGS", "true",
                        "Do not log successful health pings", mcp.disable_healthcheck_logs,
                        nullptr),
            // A2A: external agents whose skills the gateway offers as tools.
            BOOL_OPTION("A2A_ENABLE", "false",
                        "Offer the skills of A2A agents as tools and delegate to them",
                        a2a.enable, "A2A_ENABLED"),
            BOOL_OPTION("A2A_EXPOSE", "false", "Serve GET /v1/a2a/agents (403 otherwise)",
                        a2a.expose, nullptr),
            {"A2A_AGENTS",
             "", "Comma-separated A2A agent base URLs (agent card under /.well-known/)",
             [](Config& c, const std::string& v) {
               c.a2a.agents = splitRaw(v);
               for (auto& a : c.a2a.agents) {
                 if (!isHttpUrl(a)) return bad("'" + a + "' must start with http:// or https://");
                 while (a.size() > 8 && a.back() == '/') a.pop_back();
               }
               return Status::ok();
             }},
            DURATION_OPTION("A2A_CLIENT_TIMEOUT", "30s", "Limit for one request to an agent",
                            a2a.client_timeout),
            BOOL_OPTION("A2A_POLLING_ENABLE",
                        "true", "Poll tasks that are still running after a non-streaming send",
                        a2a.polling_enable, nullptr),
            DURATION_OPTION("A2A_POLLING_INTERVAL", "1s", "Interval between task polls",
                            a2a.polling_interval),
            DURATION_OPTION("A2A_POLLING_TIMEOUT", "30s", "Overall limit for one delegated task",
                            a2a.polling_timeout),
            UNSIGNED_OPTION("A2A_MAX_POLL_ATTEMPTS", "30", "Most polls of one task",
                            a2a.max_poll_attempts, 100000, unsigned),
            UNSIGNED_OPTION(
                "A2A_MAX_RETRIES", "3",
                "Card fetch attempts (with backoff) before waiting A2A_RECONNECT_INTERVAL",
                a2a.max_retries, 1000, unsigned),
            DURATION_OPTION("A2A_RETRY_INTERVAL", "5s",
                            "Longest backoff between card fetch attempts", a2a.retry_interval),
            DURATION_OPTION("A2A_INITIAL_BACKOFF", "1s", "First backoff after a failed card fetch",
                            a2a.initial_backoff),
            BOOL_OPTION("A2A_ENABLE_RECONNECT", "true", "Keep retrying agents that are down",
                        a2a.enable_reconnect, nullptr),
            DURATION_OPTION("A2A_RECONNECT_INTERVAL", "30s",
                            "Wait between retry rounds once A2A_MAX_RETRIES attempts failed",
                            a2a.reconnect_interval),
            BOOL_OPTION("A2A_DISABLE_HEALTHCHECK_LOGS",
                        "true", "Do not log successful agent health checks",
                        a2a.disable_healthcheck_logs, nullptr),
            BOOL_OPTION("A2A_SERVICE_DISCOVERY_ENABLE", "false",
                        "Discover agents in Kubernetes (in-cluster service account)",
                        a2a.discovery_enable, nullptr),
            {"A2A_SERVICE_DISCOVERY_NAMESPACE",
             "", "Namespace to discover agents in; empty: the gateway pod's own namespace",
             [](Config& c, const std::string& v) {
               c.a2a.discovery_namespace = v;
               return Status::ok();
             }},
            {"A2A_SERVICE_DISCOVERY_LABEL_SELECTOR", "inference-gateway.com/a2a-agent=true",
             "Label selector of the Services that are A2A agents",
             [](Config& c, const std::string& v) {
               c.a2a.discovery_label_selector = v;
               return Status::ok();
             }},
            {"A2A_SERVICE_DISCOVERY_API_URL", "",
             "Kubernetes API server; empty: "
             "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT",
             [](Config& c, const std::string& v) {
               if (!v.empty() && !isHttpUrl(v)) return bad("'" + v + "' must start with https://");
               c.a2a.discovery_api_url = v;
               return Status::ok();
             }},
            {"A2A_SERVICE_DISCOVERY_SERVICE_ACCOUNT_DIR",
             "/var/run/secrets/kubernetes.io/serviceaccount",
             "Directory with the pod's service-account token, ca.crt and namespace",
             [](Config& c, const std::string& v) {
               c.a2a.discovery_service_account_dir = v;
               return Status::ok();
             }},
            DURATION_OPTION("A2A_SERVICE_DISCOVERY_POLLING_INTERVAL", "30s",
                            "Interval between Kubernetes discovery polls",
                            a2a.discovery_polling_interval),
            // The tool-calling loop shared by MCP and A2A.
            UNSIGNED_OPTION("AGENT_MAX_ITERATIONS", "10",
                            "Most model calls per request while the gateway runs MCP/A2A tools",
                            agent.max_iterations, 1000, unsigned),
            UNSIGNED_OPTION("AGENT_MAX_TOOL_CALLS", "32",
                            "Most tool calls the gateway executes for one model response",
                            agent.max_tool_calls, 10000, unsigned),
            UNSIGNED_OPTION("AGENT_MAX_TOOL_RESULT_SIZE", "1048576",
                            "Bytes of one tool result passed to the model; longer results are cut",
                            agent.max_tool_result_bytes, uint64_t(1) << 32, uint64_t),
};

#undef DURATION_OPTION
#undef BOOL_OPTION
#undef UNSIGNED_OPTION

std::string upper(std::string_view id) {
  std::string s(id);
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

Status checkReadable(const std::string& var, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return bad(var + ": file '" + path + "' does not exist or is not a regular file");
  }
  return Status::ok();
}

}  // namespace

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> loadConfig(const EnvLookup& env) {
  Config cfg;
  for (const auto& opt : kOptions) {
    auto value = env(opt.name);
    if (!value && opt.alias != nullptr) value = env(opt.alias);
    std::string v = value ? *value : opt.default_value;
    Status s = opt.apply(cfg, v);
    if (!s) return invalidArgument(std::string(opt.name) + ": " + s.message());
  }
  if (cfg.auth.enable && cfg.auth.oidc_issuer.empty() && cfg.auth.admin_key.empty()) {
    return invalidArgument(
        "AUTH_ENABLED: set AUTH_OIDC_ISSUER (with AUTH_OIDC_CLIENT_ID) or AUTH_ADMIN_KEY, or both; "
        "without either nobody could call the gateway or create a key");
  }
  if (cfg.auth.enable && !cfg.auth.oidc_issuer.empty() && cfg.auth.oidc_client_id.empty()) {
    return invalidArgument(
        "AUTH_OIDC_CLIENT_ID: required with AUTH_OIDC_ISSUER (the audience tokens must carry)");
  }
  if (cfg.auth.enable && !cfg.auth.admin_key.empty() && cfg.auth.admin_key.size() < 16) {
    return invalidArgument("AUTH_ADMIN_KEY: use at least 16 characters (a random secret)");
  }
  if (cfg.auth.key_refresh_interval.count() <= 0) {
    return invalidArgument("AUTH_KEY_REFRESH_INTERVAL: must be positive");
  }
  if (cfg.auth.database_url.empty()) cfg.auth.database_url = cfg.auth.data_dir + "/gateway.db";
  if (cfg.server.tls_cert_path.empty() != cfg.server.tls_key_path.empty()) {
    return invalidArgument(
        "SERVER_TLS_CERT_PATH and SERVER_TLS_KEY_PATH must be set together (one is empty)");
  }
  if (cfg.server.tls()) {
    if (auto s = checkReadable("SERVER_TLS_CERT_PATH", cfg.server.tls_cert_path); !s) return s;
    if (auto s = checkReadable("SERVER_TLS_KEY_PATH", cfg.server.tls_key_path); !s) return s;
  }
  for (auto& server : cfg.mcp.servers) {
    std::string var = "MCP_" + upper(server.name) + "_HEADERS";
    for (auto& ch : var) {
      if (ch == '-' || ch == '.') ch = '_';
    }
    if (auto v = env(var)) {
      auto headers = parseHeaderList(*v);
      if (!headers) return invalidArgument(var + ": " + headers.status().message());
      server.headers = std::move(headers.value());
    }
  }
  if (cfg.a2a.discovery_enable && cfg.a2a.discovery_api_url.empty()) {
    auto host = env("KUBERNETES_SERVICE_HOST");
    auto port = env("KUBERNETES_SERVICE_PORT");
    if (host && !host->empty()) {
      std::string h = host->find(':') != std::string::npos ? "[" + *host + "]" : *host;
      cfg.a2a.discovery_api_url = "https://" + h + ":" + (port && !port->empty() ? *port : "443");
    }
  }
  if (cfg.agent.max_iterations == 0)
    return invalidArgument("AGENT_MAX_ITERATIONS: must be at least 1");
  for (const auto& spec : providerCatalog()) {
    std::string prefix = upper(spec.id);
    ProviderSetting p;
    auto url = env(prefix + "_API_URL");
    p.url_set = url && !url->empty();
    p.url = p.url_set ? *url : std::string(spec.default_url);
    while (!p.url.empty() && p.url.back() == '/') p.url.pop_back();
    if (p.url.rfind("http://", 0) != 0 && p.url.rfind("https://", 0) != 0) {
      return invalidArgument(prefix + "_API_URL: '" + p.url +
                             "' must start with http:// or https://");
    }
    if (auto key = env(prefix + "_API_KEY")) p.key = *key;
    if (spec.native != WireFormat::kOpenAI) {
      auto format = env(prefix + "_API_FORMAT");
      std::string f = format ? *format : "native";
      if (f != "native" && f != "openai") {
        return invalidArgument(prefix + "_API_FORMAT: must be 'native' or 'openai', got '" + f +
                               "'");
      }
      p.native = f == "native";
      // The Go gateway's Google URL points at the OpenAI-compatible path; our base URL is its
      // parent and the paths add /openai when that endpoint is used.
      constexpr std::string_view kOpenAISuffix = "/openai";
      if (spec.native == WireFormat::kGemini && p.url.size() > kOpenAISuffix.size() &&
          std::string_view(p.url).substr(p.url.size() - kOpenAISuffix.size()) == kOpenAISuffix) {
        p.url.resize(p.url.size() - kOpenAISuffix.size());
      }
    }
    cfg.providers.emplace(std::string(spec.id), std::move(p));
  }
  return cfg;
}

std::string configHelp() {
  std::string out =
      "Usage: inference-gateway [--help] [--version]\n\n"
      "An OpenAI-compatible gateway in front of many LLM providers. Configured through the\n"
      "environment:\n\n";
  auto row = [&out](const std::string& name, const std::string& def, const std::string& help) {
    out += "  " + name;
    out += std::string(name.size() < 34 ? 34 - name.size() : 1, ' ');
    out += help;
    if (!def.empty()) out += " (default: " + def + ")";
    out += "\n";
  };
  for (const auto& opt : kOptions) row(opt.name, opt.default_value, opt.help);
  out += "\nProviders (ID = one of: " + std::string(providerIdList()) + "):\n";
  for (const auto& spec : providerCatalog()) {
    std::string p = upper(spec.id);
    row(p + "_API_URL", std::string(spec.default_url),
        std::string(spec.display_name) + " base URL");
    row(p + "_API_KEY", "",
        std::string(spec.display_name) + (spec.key_required ? " API key" : " API key (optional)"));
    if (spec.native != WireFormat::kOpenAI) {
      row(p + "_API_FORMAT", "native",
          std::string(spec.display_name) + " API: native, or openai for its compatible endpoint");
    }
  }
  return out;
}

std::string configMarkdownTable() {
  std::string out = "| Variable | Default | Description |\n|---|---|---|\n";
  for (const auto& opt : kOptions) {
    out += "| `" + std::string(opt.name) + "` | " +
           (*opt.default_value ? "`" + std::string(opt.default_value) + "`" : std::string()) +
           " | " + opt.help + " |\n";
  }
  for (const auto& spec : providerCatalog()) {
    std::string p = upper(spec.id);
    out += "| `" + p + "_API_URL` | `" + std::string(spec.default_url) + "` | " +
           std::string(spec.display_name) + " base URL |\n";
    out += "| `" + p + "_API_KEY` | | " + std::string(spec.display_name) + " API key" +
           (spec.key_required ? "" : " (optional)") + " |\n";
    if (spec.native != WireFormat::kOpenAI) {
      out += "| `" + p + "_API_FORMAT` | `native` | " + std::string(spec.display_name) +
             " API: `native`, or `openai` for its OpenAI-compatible endpoint |\n";
    }
  }
  return out;
}

}  // namespace igw
