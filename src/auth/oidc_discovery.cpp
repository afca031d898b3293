#include "auth/oidc_discovery.h"

#include "core/json_parse.h"
#include "net/url.h"

namespace igw {

namespace {

using json = nlohmann::json;

// An optional string member: absent leaves `out` empty; any other type fails.
bool optionalString(const json& doc, const char* name, std::string& out) {
  auto it = doc.find(name);
  if (it == doc.end()) return true;
  if (!it->is_string()) return false;
  out = it->get_ref<const std::string&>();
  return true;
}

}  // namespace

Result<OidcDiscovery> parseDiscovery(std::string_view text, std::string_view expected_issuer,
                                     const OidcDiscoveryLimits& limits) {
  ParsedJson parsed = parseJson(text, JsonLimits{limits.max_depth, limits.max_bytes});
  if (!parsed.ok()) return jsonStatus(parsed, Code::kUnavailable, "OIDC discovery document");
  const json& doc = parsed.value;
  if (!doc.is_object()) return unavailable("OIDC discovery document is not a JSON object");
  OidcDiscovery out;
  if (!optionalString(doc, "issuer", out.issuer) || out.issuer.empty() ||
      out.issuer != expected_issuer) {
    return unavailable("OIDC discovery issuer mismatch");
  }
  if (!optionalString(doc, "jwks_uri", out.jwks_uri) || out.jwks_uri.empty()) {
    return unavailable("OIDC discovery document has no \"jwks_uri\" string");
  }
  if (!parseUrl(out.jwks_uri).isOk()) {
    return unavailable("OIDC discovery \"jwks_uri\" is not an http(s) URL");
  }
  if (!optionalString(doc, "authorization_endpoint", out.authorization_endpoint) ||
      !optionalString(doc, "token_endpoint", out.token_endpoint)) {
    return unavailable("OIDC discovery endpoint is not a string");
  }
  if (auto algs = doc.find("id_token_signing_alg_values_supported"); algs != doc.end()) {
    if (!algs->is_array()) {
      return unavailable(
          "OIDC discovery \"id_token_signing_alg_values_supported\" is not an array");
    }
    for (const json& a : *algs) {
      if (!a.is_string()) {
        return unavailable(
            "OIDC discovery \"id_token_signing_alg_values_supported\" has a non-string entry");
      }
      if (out.id_token_signing_alg_values_supported.size() < limits.max_algs) {
        out.id_token_signing_alg_values_supported.push_back(a.get_ref<const std::string&>());
      }
    }
  }
  return out;
}

}  // namespace igw
