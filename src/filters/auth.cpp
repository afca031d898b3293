// auth: who is calling (docs/auth.md). With AUTH_ENABLED every route but /health and the web
// UI's static files (/ui) needs a
// credential: a gateway key, the admin key or an OpenID Connect token, sent as
// "Authorization: Bearer", "x-api-key" (Anthropic SDKs) or "x-goog-api-key" (Gemini SDKs). The
// identity goes on the Exchange for later filters and the access log; the credential itself is
// never forwarded (providers get their own keys: providers/request.cpp, /proxy allow-lists its
// headers) and never logged.
//
// key_models: after route, a gateway key's model patterns ("openai/*") against the provider and
// model the request resolved to.
#include <optional>

#include "api/app.h"
#include "auth/auth_service.h"
#include "filters/filters.h"
#include "http/message.h"
#include "pipeline/exchange.h"
#include "routing/router.h"

namespace igw {

namespace {

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// The credential in the request, or empty. Authorization wins; its scheme must be Bearer.
std::string_view credentialOf(const Request& req, bool& malformed) {
  malformed = false;
  if (const std::string* auth = findHeader(req.headers, "Authorization")) {
    std::string_view v = trimmed(*auth);
    if (v.size() > 7 && iequals(v.substr(0, 7), "bearer ")) return trimmed(v.substr(7));
    malformed = true;
    return {};
  }
  for (const char* name : {"x-api-key", "x-goog-api-key"}) {
    if (const std::string* key = findHeader(req.headers, name)) {
      return trimmed(*key);
    }
  }
  return {};
}

class AuthFilter final : public Filter {
 public:
  std::string_view name() const override { return "auth"; }
  bool checksAsync() const override { return true; }

  // Nearly every request is answered here, without a coroutine: the admin key, gateway keys,
  // cached tokens and tokens signed by a known key. nullopt: a token names an unknown key id,
  // and onRequestAsync() waits for the identity provider's keys to be fetched again.
  std::optional<Status> tryRequest(Exchange& ex) const override {
    // /health and the web UI's files: the page itself asks the user for a credential.
    if (ex.endpoint == Endpoint::kHealth || ex.endpoint == Endpoint::kUi) return Status::ok();
    bool malformed = false;
    std::string_view credential = credentialOf(ex.req, malformed);
    if (credential.empty()) {
      ex.res.addHeader("WWW-Authenticate", "Bearer realm=\"inference-gateway\"");
      ex.refusal_code = "missing_credentials";
      return unauthenticated(
          malformed ? "the Authorization header must be 'Bearer <key or token>'"
                    : "this gateway requires a credential: send 'Authorization: Bearer <gateway "
                      "key or OIDC token>' (or x-api-key)");
    }
    auto fast = ex.app.auth->check(credential, ex.ctx.worker);
    if (!fast) return std::nullopt;
    return admit(ex, std::move(*fast));
  }

  // After tryRequest() said to wait: authenticate() fetches the keys again (rate-limited) and
  // verifies once more.
  net::awaitable<Status> onRequestAsync(Exchange& ex) const override {
    bool malformed = false;
    std::string credential(credentialOf(ex.req, malformed));
    auto id = co_await ex.app.auth->authenticate(std::move(credential), ex.ctx.worker);
    co_return admit(ex, std::move(id));
  }

 private:
  static Status admit(Exchange& ex, Result<std::shared_ptr<const Identity>> id) {
    if (!id) {
      if (id.status().code() == Code::kUnauthenticated) {
        ex.res.addHeader("WWW-Authenticate",
                         "Bearer realm=\"inference-gateway\", error=\"invalid_token\"");
        ex.refusal_code = "invalid_api_key";
      }
      return id.status();
    }
    ex.identity = std::move(id.value());
    ex.info.caller = ex.identity->subject;  // views into the identity the Exchange holds
    ex.info.team = ex.identity->team;
    return Status::ok();
  }
};

// A routing alias: named in the key's list (or "*"), or every one of its deployments is.
bool aliasAllowed(const std::vector<std::string>& patterns, const Alias& alias) {
  for (const auto& p : patterns) {
    if (p == "*" || iequals(p, alias.spec.name)) return true;
  }
  for (const auto& d : alias.deployments) {
    if (!modelAllowed(patterns, d.spec.provider, d.spec.model)) return false;
  }
  return true;
}

class KeyModelsFilter final : public Filter {
 public:
  std::string_view name() const override { return "key_models"; }

  Status onRequest(Exchange& ex) const override {
    if (!ex.identity || ex.identity->models.empty() || ex.target.provider == nullptr) {
      return Status::ok();
    }
    if (ex.route) {
      if (aliasAllowed(ex.identity->models, ex.route->alias())) return Status::ok();
      ex.refusal_code = "model_not_allowed_for_key";
      return permissionDenied("this API key may not use '" + ex.target.client_model +
                              "'; it is limited to its models list");
    }
    std::string_view provider = ex.target.provider->spec->id;
    // /proxy without a model in its body: the key needs the whole provider ("openai/*").
    std::string_view model = ex.target.upstream_model;
    if (model.empty()) model = "*";
    if (modelAllowed(ex.identity->models, provider, model)) return Status::ok();
    ex.refusal_code = "model_not_allowed_for_key";
    return permissionDenied("this API key may not use '" + std::string(provider) + "/" +
                            std::string(model) + "'; it is limited to its models list");
  }
};

}  // namespace

std::unique_ptr<Filter> makeAuthFilter(const Config& config) {
  if (!config.auth.enable) return nullptr;
  return std::make_unique<AuthFilter>();
}

std::unique_ptr<Filter> makeKeyModelsFilter(const Config& config) {
  if (!config.auth.enable) return nullptr;
  return std::make_unique<KeyModelsFilter>();
}

}  // namespace igw
