#include "core/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "providers/catalog.h"

namespace igw {

namespace {

using Apply = Status (*)(Config&, const std::string& value);

struct Option {
  const char* name;
  const char* default_value;
  const char* help;
  Apply apply;
  const char* alias = nullptr;  // older spelling still accepted (e.g. TELEMETRY_ENABLED)
};

Status bad(const std::string& what) {
  return invalidArgument(what);
}

Result<bool> parseBool(const std::string& v) {
  std::string l = v;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l == "1" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "0" || l == "no" || l == "off" || l.empty()) return false;
  return bad("must be true or false, got '" + v + "'");
}

Result<uint64_t> parseUnsigned(const std::string& v, uint64_t max) {
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) {
    return bad("'" + v + "' is not a non-negative integer");
  }
  uint64_t n = std::strtoull(v.c_str(), nullptr, 10);
  if (n > max) return bad(v + " is out of range (max " + std::to_string(max) + ")");
  return n;
}

Result<Millis> parseTimeout(const std::string& v) {
  auto d = parseDuration(v);
  if (!d) return d.status();
  return d;
}

std::vector<std::string> splitList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    std::transform(item.begin(), item.end(), item.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

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

const Option kOptions[] = {
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
    UNSIGNED_OPTION("SERVER_THREADS", "0", "Worker threads; 0 means one per CPU core",
                    server.threads, 256, unsigned),
    {"SERVER_TLS_CERT_PATH", "", "PEM certificate chain; with SERVER_TLS_KEY_PATH serves HTTPS",
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
    // Higher than the Go gateway's 20: with more concurrent requests than pooled connections,
    // every surplus request pays a connect and a close (measured: 0.56x throughput at 64 clients).
    UNSIGNED_OPTION("CLIENT_MAX_IDLE_CONNS_PER_HOST", "256",
                    "Idle keep-alive connections kept per upstream host and worker thread",
                    client.max_idle_conns_per_host, 100000, unsigned),
    UNSIGNED_OPTION("CLIENT_MAX_RESPONSE_SIZE", "67108864",
                    "Largest non-streaming upstream response body, in bytes",
                    client.max_response_bytes, (1ull << 40), uint64_t),
    BOOL_OPTION("TELEMETRY_ENABLE", "false",
                "Serve Prometheus metrics on TELEMETRY_METRICS_PORT at /metrics", telemetry.enable,
                "TELEMETRY_ENABLED"),
    {"TELEMETRY_METRICS_HOST", "", "Address for the metrics listener; empty means SERVER_HOST",
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
    BOOL_OPTION("TELEMETRY_TRACING_ENABLE", "false",
                "Export OpenTelemetry traces over OTLP/HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT",
                telemetry.tracing_enable, "TELEMETRY_TRACING_ENABLED"),
    {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318",
     "OTLP/HTTP collector base URL; spans go to {endpoint}/v1/traces",
     [](Config& c, const std::string& v) {
       if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
         return bad("must start with http:// or https://, got '" + v + "'");
       }
       c.telemetry.otlp_endpoint = v;
       while (!c.telemetry.otlp_endpoint.empty() && c.telemetry.otlp_endpoint.back() == '/') {
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
    BOOL_OPTION("LOG_MESSAGE_CONTENT", "false",
                "Debugging only: log request bodies (message contents) at debug level",
                log_message_content, nullptr),
    UNSIGNED_OPTION("ANTHROPIC_DEFAULT_MAX_TOKENS", "4096",
                    "max_tokens sent to Anthropic's native API when the client gives none",
                    anthropic_default_max_tokens, 1000000, uint64_t),
    {"CLIENT_TLS_MIN_VERSION", "TLS12", "Minimum TLS version to upstreams: TLS12 or TLS13",
     [](Config& c, const std::string& v) {
       if (v != "TLS12" && v != "TLS13") return bad("must be TLS12 or TLS13, got '" + v + "'");
       c.client.tls_min_version = v;
       return Status::ok();
     }},
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
  if (cfg.server.tls_cert_path.empty() != cfg.server.tls_key_path.empty()) {
    return invalidArgument(
        "SERVER_TLS_CERT_PATH and SERVER_TLS_KEY_PATH must be set together (one is empty)");
  }
  if (cfg.server.tls()) {
    if (auto s = checkReadable("SERVER_TLS_CERT_PATH", cfg.server.tls_cert_path); !s) return s;
    if (auto s = checkReadable("SERVER_TLS_KEY_PATH", cfg.server.tls_key_path); !s) return s;
  }
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
