// The web UI (docs/ui.md): a playground and a dashboard, static files embedded in the binary
// (src/ui, generated into ui_assets.cpp at build time) and served from memory.
//
//   GET /ui, /ui/              index.html
//   GET /ui/{asset}            a file of src/ui; 404 for anything else
//   GET /ui/session            what the page needs before it has a credential: whether auth is
//                              on, the OpenID Connect issuer and client id (no secrets), and
//                              which listings (metrics, MCP tools, A2A agents) are on
//   GET /ui/api/providers      each provider: configured, listed; the routing aliases with each
//                              deployment's circuit state (needs a credential)
//   GET /ui/api/metrics        the Prometheus text of the telemetry port, for the dashboard's
//                              charts (needs TELEMETRY_ENABLE; with auth on, an admin credential)
//
// Every answer carries a strict Content-Security-Policy: scripts, styles and images from the
// gateway only; fetch() to the gateway and, when configured, the OIDC issuer.
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/respond.h"
#include "api/ui_assets.h"
#include "pipeline/exchange.h"
#include "routing/routing_service.h"
#include "telemetry/metrics.h"

namespace igw {

namespace {

using nlohmann::json;

// "https://idp.example.com:8443" from "https://idp.example.com:8443/realms/x"; empty when the
// issuer is not an http(s) URL (then the page cannot reach it, and says so).
std::string originOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view s = url.substr(0, scheme);
  if (s != "http" && s != "https") return {};
  size_t end = url.find_first_of("/?#", scheme + 3);
  std::string_view origin = url.substr(0, end);
  for (char c : origin) {
    // One source expression: nothing that would end it or start another directive.
    if (c == ' ' || c == ';' || c == ',' || c == '\'' || static_cast<unsigned char>(c) < 0x21) {
      return {};
    }
  }
  return std::string(origin);
}

Headers uiHeaders(const Config& cfg, std::string_view content_type, std::string_view cache) {
  std::string connect = "'self'";
  if (cfg.auth.enable) {
    std::string issuer = originOf(cfg.auth.oidc_issuer);
    if (!issuer.empty()) connect += " " + issuer;
  }
  std::string csp =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "font-src 'self'; connect-src " +
      connect + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  return Headers{Header{"Content-Type", std::string(content_type)},
                 Header{"Cache-Control", std::string(cache)},
                 Header{"Content-Security-Policy", std::move(csp)},
                 Header{"X-Content-Type-Options", "nosniff"},
                 Header{"Referrer-Policy", "no-referrer"},
                 Header{"X-Frame-Options", "DENY"}};
}

const UiAsset* findAsset(std::string_view path) {
  for (const UiAsset& a : uiAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

net::awaitable<void> sendJson(Exchange& ex, const json& body) {
  Headers h = uiHeaders(ex.config, "application/json", "no-store");
  std::string text = body.dump();
  co_await ex.res.send(200, h, text);
}

net::awaitable<void> session(Exchange& ex) {
  const AuthConfig& auth = ex.config.auth;
  const Config& cfg = ex.config;
  json body = {{"auth_enabled", auth.enable},
               {"metrics", ex.app.metrics != nullptr},
               {"mcp_listing", cfg.mcp.enable && cfg.mcp.expose},
               {"a2a_listing", cfg.a2a.enable && cfg.a2a.expose}};
  body["oidc"] = auth.enable && !auth.oidc_issuer.empty()
                     ? json{{"issuer", auth.oidc_issuer}, {"client_id", auth.oidc_client_id}}
                     : json(nullptr);
  co_await sendJson(ex, body);
}

net::awaitable<void> providers(Exchange& ex) {
  json list = json::array();
  for (const ProviderEntry& p : ex.app.providers.all()) {
    list.push_back({{"id", p.spec->id},
                    {"name", p.spec->display_name},
                    {"configured", p.usable},
                    {"listed", p.listed}});
  }
  json body = {{"object", "list"}, {"data", std::move(list)}, {"routing", json::array()}};
  if (ex.app.routing != nullptr) {
    if (auto table = ex.app.routing->current()) {
      body["routing"] = describeAliases(*table, ex.config);
    }
  }
  co_await sendJson(ex, body);
}

net::awaitable<void> metrics(Exchange& ex) {
  if (ex.app.metrics == nullptr) {
    co_await ex.fail(404, "metrics are off: set TELEMETRY_ENABLE=true", "metrics_disabled");
    co_return;
  }
  if (ex.app.auth != nullptr && (!ex.identity || !ex.identity->admin)) {
    co_await ex.fail(403, "the gateway's metrics need an admin credential", "admin_required");
    co_return;
  }
  std::string text = ex.app.metrics->renderPrometheus();
  Headers h = uiHeaders(ex.config, "text/plain; version=0.0.4; charset=utf-8", "no-store");
  co_await ex.res.send(200, h, text);
}

}  // namespace

net::awaitable<void> handleUi(Exchange& ex) {
  std::string_view path = ex.req.path();
  if (path == "/ui/session") {
    co_await session(ex);
    co_return;
  }
  std::string_view name = path == "/ui" || path == "/ui/" ? "index.html" : path.substr(4);
  const UiAsset* asset = findAsset(name);
  if (asset == nullptr) {
    std::string message = "the web UI has no file " + std::string(path);
    co_await ex.fail(404, message, "not_found");
    co_return;
  }
  // Revalidated on every load (the names carry no hash); unchanged files cost a 304.
  Headers h = uiHeaders(ex.config, asset->content_type, "no-cache");
  h.push_back(Header{"ETag", std::string(asset->etag)});
  const std::string* match = ex.req.header("If-None-Match");
  if (match != nullptr && *match == asset->etag) {
    co_await ex.res.send(304, h, "");
    co_return;
  }
  co_await ex.res.send(200, h, asset->body);
}

net::awaitable<void> handleUiApi(Exchange& ex) {
  std::string_view path = ex.req.path();
  if (path == "/ui/api/providers") {
    co_await providers(ex);
  } else if (path == "/ui/api/metrics") {
    co_await metrics(ex);
  } else {
    std::string message = "no route for GET " + std::string(path);
    co_await ex.fail(404, message, "not_found");
  }
}

}  // namespace igw
