#include "core/config.h"

#include <gtest/gtest.h>

#include <map>

namespace {

igw::EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST(Config, DefaultsMatchTheGoGateway) {
  auto cfg = igw::loadConfig(envOf({}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().message();
  EXPECT_EQ(cfg->environment, "production");
  EXPECT_EQ(cfg->server.host, "127.0.0.1");
  EXPECT_EQ(cfg->server.port, 8080);
  EXPECT_EQ(cfg->server.read_timeout, igw::Millis(30000));
  EXPECT_EQ(cfg->server.idle_timeout, igw::Millis(120000));
  EXPECT_EQ(cfg->client.response_header_timeout, igw::Millis(10000));
  EXPECT_EQ(cfg->client.tls_min_version, "TLS12");
  EXPECT_EQ(cfg->providers.at("openai").url, "https://api.openai.com/v1");
  EXPECT_EQ(cfg->providers.at("anthropic").url, "https://api.anthropic.com/v1");
  EXPECT_EQ(cfg->providers.at("ollama").url, "http://ollama:8080/v1");
  EXPECT_EQ(cfg->providers.at("azure").url, "https://{RESOURCE}.openai.azure.com");
  EXPECT_EQ(cfg->azure_api_version, "2024-10-21");
  EXPECT_EQ(cfg->providers.size(), 17u);  // Azure OpenAI included
}

TEST(Config, ReadsProviderUrlAndKeyAndTrimsSlash) {
  auto cfg = igw::loadConfig(envOf({{"GROQ_API_URL", "http://localhost:9/v1/"},
                                    {"GROQ_API_KEY", "k"},
                                    {"OLLAMA_CLOUD_API_KEY", "c"}}));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->providers.at("groq").url, "http://localhost:9/v1");
  EXPECT_TRUE(cfg->providers.at("groq").url_set);
  EXPECT_EQ(cfg->providers.at("groq").key, "k");
  EXPECT_EQ(cfg->providers.at("ollama_cloud").key, "c");
}

TEST(Config, BadValuesNameTheVariable) {
  struct Case {
    const char* var;
    const char* value;
  };
  for (auto c : {Case{"SERVER_PORT", "70000"}, Case{"SERVER_PORT", "http"},
                 Case{"SERVER_READ_TIMEOUT", "abc"}, Case{"CLIENT_TLS_MIN_VERSION", "TLS10"},
                 Case{"ENVIRONMENT", "staging"}, Case{"SERVER_MAX_REQUEST_BODY_SIZE", "-1"},
                 Case{"OPENAI_API_URL", "ftp://x"}, Case{"TELEMETRY_TRACE_SAMPLE_RATIO", "1.5"},
                 Case{"TELEMETRY_ENABLE", "maybe"}, Case{"GOOGLE_API_FORMAT", "grpc"}}) {
    auto cfg = igw::loadConfig(envOf({{c.var, c.value}}));
    ASSERT_FALSE(cfg.isOk()) << c.var;
    EXPECT_NE(cfg.status().message().find(c.var), std::string::npos) << cfg.status().message();
  }
}

TEST(Config, TlsNeedsBothFilesAndTheyMustExist) {
  auto one = igw::loadConfig(envOf({{"SERVER_TLS_CERT_PATH", "/etc/hostname"}}));
  EXPECT_FALSE(one.isOk());
  auto missing = igw::loadConfig(envOf(
      {{"SERVER_TLS_CERT_PATH", "/nonexistent.pem"}, {"SERVER_TLS_KEY_PATH", "/etc/hostname"}}));
  ASSERT_FALSE(missing.isOk());
  EXPECT_NE(missing.status().message().find("SERVER_TLS_CERT_PATH"), std::string::npos);
}

TEST(Config, ModelListsAreLowerCasedAndTrimmed) {
  auto cfg = igw::loadConfig(envOf({{"ALLOWED_MODELS", " OpenAI/GPT-4o , gpt-4o-mini,,"}}));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->allowed_models, (std::vector<std::string>{"openai/gpt-4o", "gpt-4o-mini"}));
}

TEST(Config, HelpListsEveryVariableWithDefault) {
  std::string help = igw::configHelp();
  for (const char* v :
       {"SERVER_HOST", "SERVER_PORT", "SERVER_READ_TIMEOUT", "SERVER_WRITE_TIMEOUT",
        "SERVER_IDLE_TIMEOUT", "SERVER_MAX_REQUEST_BODY_SIZE", "SERVER_TLS_CERT_PATH",
        "CLIENT_RESPONSE_HEADER_TIMEOUT", "CLIENT_IDLE_CONN_TIMEOUT", "CLIENT_TLS_MIN_VERSION",
        "ALLOWED_MODELS", "DISALLOWED_MODELS", "OPENAI_API_KEY", "ZAI_API_URL"}) {
    EXPECT_NE(help.find(v), std::string::npos) << v;
  }
  EXPECT_NE(help.find("(default: 8080)"), std::string::npos);
}

TEST(Config, TelemetryAndLogLimitsHaveDefaultsAndZeroIsRefused) {
  auto cfg = igw::loadConfig(envOf({}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().message();
  EXPECT_EQ(cfg->telemetry.max_series_per_metric, 1000u);
  EXPECT_EQ(cfg->telemetry.max_label_length, 128u);
  EXPECT_EQ(cfg->log_max_field_length, 1024u);
  for (const char* var :
       {"TELEMETRY_MAX_SERIES_PER_METRIC", "TELEMETRY_MAX_LABEL_LENGTH", "LOG_MAX_FIELD_LENGTH"}) {
    auto zero = igw::loadConfig(envOf({{var, "0"}}));
    ASSERT_FALSE(zero.isOk()) << var << "=0 must not mean unlimited";
    EXPECT_NE(zero.status().message().find(var), std::string::npos) << zero.status().message();
  }
  auto set = igw::loadConfig(
      envOf({{"TELEMETRY_MAX_SERIES_PER_METRIC", "50"}, {"TELEMETRY_MAX_LABEL_LENGTH", "64"}}));
  ASSERT_TRUE(set.isOk());
  EXPECT_EQ(set->telemetry.max_series_per_metric, 50u);
  EXPECT_EQ(set->telemetry.max_label_length, 64u);
}
